package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Passes, a failure, an error, a disabled test, an assumption skip, parameters and a nested class. */
class CalculatorTest {

    @Test
    void addsNumbers() {
        assertEquals(5, 2 + 3);
    }

    @Test
    void subtractsNumbers() {
        assertEquals(1, 3 - 1, "subtraction is off by one");
    }

    @Test
    void readsConfiguration() {
        throw new IllegalStateException("configuration missing");
    }

    @Test
    @Disabled("waiting for the new rounding rules")
    void roundsHalfEven() {
        assertEquals(2, Math.round(2.5));
    }

    @Test
    void runsOnlyOnMars() {
        assumeTrue(false, "not on Mars");
    }

    @ParameterizedTest
    @CsvSource({"1, 1, 2", "2, 2, 4", "3, 3, 7"})
    void addsPairs(int a, int b, int sum) {
        assertEquals(sum, a + b);
    }

    @Nested
    class Division {

        @Test
        void dividesEvenly() {
            assertEquals(2, 4 / 2);
        }

        @Test
        void addsNumbers() {
            assertEquals(4, 8 / 2);
        }

        @Test
        void byZero() {
            assertEquals(0, 1 / zero());
        }

        private int zero() {
            return 0;
        }
    }
}
