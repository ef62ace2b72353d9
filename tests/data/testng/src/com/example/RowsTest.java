// Sample for TestNG's JUnit reports: data-provider rows share one method name (one <testcase> each),
// the first row failing; a plain pass, a failure and a skip around them.
package com.example;

import org.testng.Assert;
import org.testng.SkipException;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

public class RowsTest {
    @DataProvider(name = "pairs")
    public Object[][] pairs() {
        return new Object[][] {{1, 2}, {2, 2}, {3, 3}};
    }

    @Test(dataProvider = "pairs")
    public void sameValue(int left, int right) {
        Assert.assertEquals(left, right);
    }

    @Test
    public void plainPass() {
        Assert.assertTrue(true);
    }

    @Test
    public void plainFailure() {
        Assert.assertEquals("actual", "expected");
    }

    @Test
    public void skipped() {
        throw new SkipException("not on this machine");
    }
}
