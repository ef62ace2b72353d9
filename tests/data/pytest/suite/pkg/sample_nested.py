"""Sample tests in a sub-directory, so that path-to-classname conversion is exercised."""


class TestOuter:
    class TestInner:
        def test_deep(self):
            assert True


def test_in_subdir():
    assert "sub"
