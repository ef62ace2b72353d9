"""Refunds."""


def test_full_refund() -> None:
    assert 100 - 100 == 0


def test_partial_refund(run_no: int) -> None:
    # Run 2 onwards: the refund service times out with a changing port number.
    if run_no >= 2 and run_no != 5:
        raise TimeoutError(f"refund service at 127.0.0.1:{8000 + run_no} did not answer in 30s")
    assert 100 - 40 == 60
