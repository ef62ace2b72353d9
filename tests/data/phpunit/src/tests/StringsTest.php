<?php
// A second class that repeats a method name of CalculatorTest.
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

final class StringsTest extends TestCase
{
    public function testAdds(): void
    {
        $this->assertSame('ab', 'a' . 'b');
    }

    public function testUpperCasesUnicode(): void
    {
        $this->assertSame('GRÜSSE', mb_strtoupper('grüße'));
    }
}
