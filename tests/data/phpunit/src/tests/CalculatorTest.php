<?php
// PHPUnit sample: passes, a failure, an error, a skip, an incomplete test and data providers.
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

final class CalculatorTest extends TestCase
{
    public function testAdds(): void
    {
        $this->assertSame(5, 2 + 3);
    }

    public function testSubtracts(): void
    {
        $this->assertSame(3, 5 - 3, 'subtraction is off by one');
    }

    public function testReadsConfiguration(): void
    {
        throw new RuntimeException('configuration missing');
    }

    public function testNeedsGpu(): void
    {
        $this->markTestSkipped('no GPU on this machine');
    }

    public function testRoundsHalfEven(): void
    {
        $this->markTestIncomplete('rounding rules not written yet');
    }

    /**
     * @dataProvider pairs
     */
    public function testAddsPairs(int $a, int $b, int $sum): void
    {
        $this->assertSame($sum, $a + $b);
    }

    public function pairs(): array
    {
        return [
            'small numbers' => [1, 2, 3],
            'grüße «ünïcode»' => [2, 2, 4],
            'wrong sum' => [2, 2, 5],
        ];
    }

    /**
     * @dataProvider numbered
     */
    public function testIsPositive(int $n): void
    {
        $this->assertGreaterThan(0, $n);
    }

    public function numbered(): array
    {
        return [[1], [7]];
    }
}
