"""Example project: outcomes depend on RUN_NO so that six runs tell a story (see ../generate.sh)."""

import os

import pytest


@pytest.fixture
def run_no() -> int:
    return int(os.environ.get("RUN_NO", "1"))
