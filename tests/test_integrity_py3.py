"""Python integrity rules and verdicts of the int-py3 round, each on a small real git repository: a
test of a removed API replaced by tests of the new behaviour, a removed test the message says moved,
and a lost check (a field-copy check among them) of what the code stopped using."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import GitRepo, judged

from ccdash_tests.integrity.scan import scan_change


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


def signals(repo: GitRepo) -> list[tuple[str, str]]:
    return [(c.signal_type.value, c.test_name) for c in scan_change(repo.root).candidates]


REQ = """class Requirement:
    def __init__(
        self,
        name: str,
        editable: bool = False,
        permit_wheels: bool = False,
    ) -> None:
        self.name = name
        self.editable = editable
        self.permit_wheels = permit_wheels

    def copy(self) -> "Requirement":
        return Requirement(self.name, self.editable, self.permit_wheels)
"""
REQ_TESTS = """from req import Requirement


def test_copy_keeps_fields():
    req = Requirement("a", editable=True)
    copied = req.copy()
    assert copied.name == req.name
    assert copied.editable == req.editable
    assert copied.permit_wheels == req.permit_wheels
"""
REQ_PATH = "tests/test_req.py"
WITHOUT_FIELD = REQ_TESTS.replace("    assert copied.permit_wheels == req.permit_wheels\n", "")


@pytest.fixture
def req(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "req")
    repo.commit("start", {"req.py": REQ, REQ_PATH: REQ_TESTS})
    return repo


def test_a_copy_check_of_a_field_the_code_removes_is_a_deliberate_loss(req: GitRepo) -> None:
    """The labels' rule: a check of code the commit deletes is a real loss, and the commit explains it."""
    code = replaced(REQ, "        permit_wheels: bool = False,\n", "")
    code = replaced(code, "        self.permit_wheels = permit_wheels\n", "")
    code = replaced(code, "self.editable, self.permit_wheels)", "self.editable)")
    req.commit("Make permit_wheels a preparer flag", {"req.py": code, REQ_PATH: WITHOUT_FIELD})
    verdict, because = judged(req, "assertion_removed", "test_copy_keeps_fields")
    assert verdict == "likely_deliberate"
    assert because[0].startswith("the code stopped using `permit_wheels`")


def test_a_copy_check_of_a_field_the_code_keeps_is_a_suspicious_loss(req: GitRepo) -> None:
    req.commit("Trim the copy test", {"req.py": REQ + "\n# touched\n", REQ_PATH: WITHOUT_FIELD})
    assert signals(req) == [("assertion_removed", "test_copy_keeps_fields")]
    assert judged(req, "assertion_removed", "test_copy_keeps_fields")[0] == "suspicious"


INSTALLER = """import warnings


class Installer:
    def __init__(self, finder, feature_enabled=False):
        self.finder = finder
        self.feature_enabled = feature_enabled

    def _deprecation_check(self):
        if not self.feature_enabled:
            warnings.warn("going away", DeprecationWarning)

    def install(self, requirements):
        self._deprecation_check()
        return list(requirements)
"""
INSTALLER_TESTS = """import pytest

from installer import Installer


class TestInstaller:
    def test_deprecation_check_warns(self):
        installer = Installer(None, feature_enabled=False)
        with pytest.warns(DeprecationWarning):
            installer._deprecation_check()

    def test_deprecation_check_quiet_when_enabled(self):
        installer = Installer(None, feature_enabled=True)
        installer._deprecation_check()
        assert installer.feature_enabled

    def test_install_returns_requirements(self):
        assert Installer(None).install(["a"]) == ["a"]
"""
INSTALLER_PATH = "tests/test_installer.py"
NEW_INSTALLER = """class Installer:
    def __init__(self, finder, constraints=()):
        self.finder = finder
        self.constraints = list(constraints)

    def install(self, requirements):
        return [*requirements, *self.constraints]
"""
KEPT_TEST = """
    def test_install_returns_requirements(self):
        assert Installer(None).install(["a"]) == ["a"]
"""
NEW_TEST = """
    def test_install_passes_constraints(self):
        assert Installer(None, constraints=["c"]).install(["a"]) == ["a", "c"]
"""


def _installer_tests(*tests: str) -> str:
    head = INSTALLER_TESTS.partition("    def test_deprecation_check_warns")[0].rstrip("\n")
    return head.replace("import pytest\n\n", "") + "\n" + "".join(tests)


@pytest.fixture
def installer(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "installer")
    repo.commit("start", {"installer.py": INSTALLER, INSTALLER_PATH: INSTALLER_TESTS})
    return repo


def test_tests_of_a_removed_api_replaced_by_tests_of_the_new_behaviour(installer: GitRepo) -> None:
    installer.commit(
        "Complete the deprecation",
        {"installer.py": NEW_INSTALLER, INSTALLER_PATH: _installer_tests(KEPT_TEST, NEW_TEST)},
    )
    assert signals(installer) == []


def test_tests_of_a_removed_api_deleted_with_no_new_test_are_still_removed(installer: GitRepo) -> None:
    installer.commit(
        "Complete the deprecation",
        {"installer.py": NEW_INSTALLER, INSTALLER_PATH: _installer_tests(KEPT_TEST)},
    )
    assert sorted(signals(installer)) == [
        ("test_removed", "TestInstaller::test_deprecation_check_quiet_when_enabled"),
        ("test_removed", "TestInstaller::test_deprecation_check_warns"),
    ]


def test_tests_deleted_while_their_api_stays_are_removed_even_with_a_new_test(installer: GitRepo) -> None:
    installer.commit(
        "Rework the installer tests",
        {"installer.py": INSTALLER + "\n# touched\n", INSTALLER_PATH: _installer_tests(KEPT_TEST, NEW_TEST)},
    )
    assert ("test_removed", "TestInstaller::test_deprecation_check_warns") in signals(installer)


CALC = """def add(a, b):
    return a + b


def slow_parse(text):
    return int(text)
"""
CALC_TESTS = """import time

from calc import add, slow_parse


def test_add():
    assert add(1, 2) == 3


def test_parse_is_fast():
    start = time.monotonic()
    assert slow_parse("1") == 1
    assert time.monotonic() - start < 0.5
"""
CALC_PATH = "tests/test_calc.py"
WITHOUT_PERF = CALC_TESTS.partition("\n\ndef test_parse_is_fast")[0] + "\n"


@pytest.fixture
def calc(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "calc")
    repo.commit("start", {"calc.py": CALC, CALC_PATH: CALC_TESTS})
    return repo


@pytest.mark.parametrize(
    ("message", "verdict"),
    [
        ("Move flaky perf test to codspeed", "likely_deliberate"),
        ("Moved the timing tests into the benchmark suite", "likely_deliberate"),
        ("Tidy the calc tests", "suspicious"),
        ("Move the parser to its own module", "suspicious"),
    ],
)
def test_a_removed_test_the_message_says_moved(calc: GitRepo, message: str, verdict: str) -> None:
    calc.commit(message, {CALC_PATH: WITHOUT_PERF})
    assert judged(calc, "test_removed", "test_parse_is_fast")[0] == verdict


MAPS = """from collections import OrderedDict


def new_map():
    return OrderedDict()
"""
MAP_TESTS = """from collections import OrderedDict

from maps import new_map


def test_new_map():
    made = new_map()
    assert made == {}
    assert isinstance(made, OrderedDict)
"""
MAP_PATH = "tests/test_maps.py"
WITHOUT_TYPE = MAP_TESTS.replace("    assert isinstance(made, OrderedDict)\n", "")


@pytest.fixture
def maps(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "maps")
    repo.commit("start", {"maps.py": MAPS, MAP_PATH: MAP_TESTS})
    return repo


def test_a_lost_check_of_what_the_code_stopped_using_is_deliberate(maps: GitRepo) -> None:
    maps.commit(
        "Plain dicts keep order now", {"maps.py": "def new_map():\n    return {}\n", MAP_PATH: WITHOUT_TYPE}
    )
    verdict, because = judged(maps, "assertion_removed", "test_new_map")
    assert verdict == "likely_deliberate"
    assert because[0].startswith("the code stopped using `OrderedDict`")


def test_a_lost_check_of_what_the_code_still_uses_is_suspicious(maps: GitRepo) -> None:
    code = MAPS + "\n\ndef empty():\n    return OrderedDict()\n"
    maps.commit("Plain dicts keep order now", {"maps.py": code, MAP_PATH: WITHOUT_TYPE})
    assert judged(maps, "assertion_removed", "test_new_map")[0] == "suspicious"


MODULE_TESTS = """from installer import Installer


def test_deprecation_check_warns():
    Installer(None, feature_enabled=False)._deprecation_check()


def test_install_returns_requirements():
    assert Installer(None).install(["a"]) == ["a"]
"""
MODULE_AFTER = """from installer import Installer


def test_install_returns_requirements():
    assert Installer(None).install(["a"]) == ["a"]


def test_install_passes_constraints():
    assert Installer(None, constraints=["c"]).install(["a"]) == ["a", "c"]
"""


def test_a_module_level_test_of_a_removed_api_is_removed_beside_a_new_test(tmp_path: Path) -> None:
    """A new test of the file may test another feature: only a class ties new tests to the old ones."""
    repo = GitRepo(tmp_path / "module")
    repo.commit("start", {"installer.py": INSTALLER, INSTALLER_PATH: MODULE_TESTS})
    repo.commit("Complete the deprecation", {"installer.py": NEW_INSTALLER, INSTALLER_PATH: MODULE_AFTER})
    assert signals(repo) == [("test_removed", "test_deprecation_check_warns")]
