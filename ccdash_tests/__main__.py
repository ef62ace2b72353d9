"""Allow `python -m ccdash_tests`."""

from ccdash_tests.cli import main

main()
