"""Invoice totals."""

import pytest


def total(lines: list[tuple[int, float]]) -> float:
    return round(sum(qty * price for qty, price in lines), 2)


@pytest.mark.parametrize(("lines", "expected"), [([(1, 9.99)], 9.99), ([(2, 5.0), (1, 0.5)], 10.5), ([], 0)])
def test_total(lines: list[tuple[int, float]], expected: float) -> None:
    assert total(lines) == expected


def test_total_with_tax(run_no: int) -> None:
    # Runs 3 and 4: a rounding change breaks tax; run 5 fixes it.
    tax = 0.2 if run_no not in (3, 4) else 0.21
    assert round(total([(1, 100.0)]) * (1 + tax), 2) == 120.0


class TestDiscounts:
    def test_percentage(self) -> None:
        assert total([(1, 50.0)]) * 0.9 == 45.0

    def test_coupon_stacking(self, run_no: int) -> None:
        if run_no == 6:
            pytest.skip("coupons disabled while the API migrates")
        assert total([(1, 20.0)]) - 5 - 5 == 10.0
