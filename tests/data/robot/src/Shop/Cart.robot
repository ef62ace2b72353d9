*** Settings ***
Documentation     Robot Framework sample: passes, a failure, skips and a test name shared with another suite.

*** Test Cases ***
Adds Items
    Should Be Equal As Integers    ${2 + 3}    5

Applies Discount
    Should Be Equal As Integers    ${10 * 9 // 10}    8    discount is wrong

Charges Card
    Skip    payment sandbox is down

Sends Receipt
    [Tags]    robot:skip
    Fail    never runs

Calls An Unknown Keyword
    This Keyword Does Not Exist
