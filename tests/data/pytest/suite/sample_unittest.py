"""A unittest suite run with xmlrunner (unittest-xml-reporting) to produce a real unittest report."""

import unittest


class CalcTest(unittest.TestCase):
    def test_add(self):
        self.assertEqual(1 + 1, 2)

    def test_sub_fails(self):
        self.assertEqual(3 - 1, 1)

    def test_errors(self):
        raise KeyError("missing")

    @unittest.skip("not today")
    def test_skipped(self):
        pass

    @unittest.expectedFailure
    def test_expected_failure(self):
        self.assertEqual(1, 2)

    @unittest.expectedFailure
    def test_unexpected_success(self):
        self.assertEqual(1, 1)


if __name__ == "__main__":
    import xmlrunner

    unittest.main(testRunner=xmlrunner.XMLTestRunner(output="."), verbosity=0)
