*** Settings ***
Documentation     Unicode names and a test title shared with the Cart suite.

*** Test Cases ***
Adds Items
    Should Be Equal    ${{'a' + 'b'}}    ab

Grüße «mit» Ümläuten
    Should Be Equal    ${{len('grüße')}}    ${5}
