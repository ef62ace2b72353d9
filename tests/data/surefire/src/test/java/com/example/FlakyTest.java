package com.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A test that fails once then passes (flaky), one that always fails (rerun failures) and unicode names. */
class FlakyTest {

    private static final Path MARKER = Path.of("target", "flaky-marker");

    @Test
    void passesOnSecondAttempt() throws IOException {
        // The marker file survives between attempts, which a static counter might not.
        boolean first = !Files.exists(MARKER);
        Files.writeString(MARKER, "seen");
        assertTrue(!first, "first attempt fails on purpose");
    }

    @Test
    void alwaysFails() {
        assertEquals("green", "red");
    }

    @Test
    void grüßtÜberall() {
        assertEquals("Grüß", "Grüß");
    }

    @Test
    void addsNumbers() {
        assertEquals(3, 1 + 2);
    }
}
