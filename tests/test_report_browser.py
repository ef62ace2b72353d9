"""The HTML report in a real browser: headless Chromium at 360, 800 and 1400 px, light and dark.

Chromium is driven over its DevTools pipe (--remote-debugging-pipe: NUL-separated JSON on fds 3 and 4),
so the test needs no websocket library and no driver download. Screenshots are kept under the test
run's basetemp (report-screenshots/). Without Chromium the test is skipped, unless CI is true.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import Cli, junit_case, junit_xml, tagged_case, write_report

PROJECT = "shop"
WIDTHS = (360, 800, 1400)
SECTIONS = ("run", "domains", "features", "flaky", "integrity")
# Names a report could carry that would run script if the page let them.
HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'
LONG = "tests.integration.checkout.payment_providers.test_stripe_webhooks_with_a_very_long_module_name"


class Chromium:
    """One headless browser over the DevTools pipe; `call` sends a command and waits for its answer."""

    def __init__(self, binary: str, profile: Path) -> None:
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()

        def wire() -> None:  # in the child: the pipe ends Chromium expects on fds 3 and 4
            os.dup2(commands_read, 3)
            os.dup2(answers_write, 4)

        self.process = subprocess.Popen(
            [
                binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}", "about:blank",
            ],
            preexec_fn=wire,
            pass_fds=(3, 4),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(commands_read)
        os.close(answers_write)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._answers, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._message()
            if answer.get("id") != self._next:
                self.events.append(answer)
                continue
            if "error" in answer:
                raise RuntimeError(f"{method}: {answer['error']}")
            return answer["result"]

    def wait_for(self, method: str) -> dict[str, Any]:
        for index, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(index)
        while True:
            event = self._message()
            if event.get("method") == method:
                return event
            self.events.append(event)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        finally:
            self.process.wait(timeout=30)
            os.close(self._commands)
            os.close(self._answers)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed")
    chromium = Chromium(binary, tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report with long names, hostile names, failures with tracebacks, a flaky test and features."""
    folder = tmp_path_factory.mktemp("report")
    cli = Cli(folder / "store.db", PROJECT)
    trace = "Traceback (most recent call last):\n" + "".join(
        f'  File "{LONG.replace(".", "/")}.py", line {n}, in step_{n}\n    do_the_thing()\n'
        for n in range(30)
    )
    for run in range(4):
        cases = [
            tagged_case(LONG, f"test_capture_{i}_with_a_long_name_that_goes_on", "payments", "checkout",
                        "failed" if run and i < run else "passed", message=f"AssertionError: {'x' * 200}",
                        text=trace)
            for i in range(6)
        ]  # fmt: skip
        cases += [
            tagged_case(
                "tests.test_search", "test_rank", "search", "catalog", "flaky" if run == 2 else "passed"
            ),
            tagged_case("tests.test_cart", HOSTILE, HOSTILE, "checkout", "failed" if run == 3 else "passed"),
            junit_case("test_unmapped", classname="tests.test_misc"),
        ]
        path = write_report(folder, f"run-{run}.xml", junit_xml(*cases))
        cli("ingest", path, "--run-id", f"run-{run}-{'0123456789abcdef' * 2}", "--branch",
            "feature/a-very-long-branch-name-that-does-not-wrap-by-itself", "--git-sha", f"{run:x}" * 40,
            "--timestamp", f"2026-11-2{run}T09:00:00Z", code=0)  # fmt: skip
    cli("map", "resolve", code=0)
    target = folder / "report.html"
    cli("report", "--html", target, code=0)
    return target


def measure(browser: Chromium, url: str, width: int, dark: bool, shot: Path) -> dict[str, Any]:
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    try:
        browser.call("Page.enable", session=session)
        browser.call("Runtime.enable", session=session)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
            session,
        )
        scheme = {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}
        browser.call("Emulation.setEmulatedMedia", {"features": [scheme]}, session)
        browser.call("Page.navigate", {"url": url}, session)
        browser.wait_for("Page.loadEventFired")
        # DevTools evaluation runs outside the page's Content-Security-Policy; the page's own would not.
        expression = """({
            scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
            sections: SECTIONS.map(id => { const e = document.getElementById(id);
                return e ? [id, e.getBoundingClientRect().height > 0] : [id, false]; }),
            scripts: document.scripts.length, title: document.title,
            handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(
                a => a.name.startsWith('on'))).length,
            details: document.querySelectorAll('details.failure').length,
            charts: document.querySelectorAll('svg.trend').length,
            background: getComputedStyle(document.body).backgroundColor,
            // What sticks out of the screen, leaving out what scrolls inside its own box (wide tables).
            widest: [...document.querySelectorAll('body *')]
                .filter(e => !e.parentElement.closest('.scroll, pre'))
                .map(e => e.getBoundingClientRect().right).reduce((a, b) => Math.max(a, b), 0),
        })""".replace("SECTIONS", json.dumps(list(SECTIONS)))
        found = browser.call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        shot_data = browser.call(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session
        )
        shot.write_bytes(base64.b64decode(shot_data["data"]))
        return found["result"]["value"]
    finally:
        browser.call("Target.closeTarget", {"targetId": target})


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
def test_report_fits_every_width_and_runs_no_script(
    browser: Chromium, report: Path, width: int, dark: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = tmp_path_factory.getbasetemp() / "report-screenshots"
    shots.mkdir(exist_ok=True)
    shot = shots / f"report-{width}px-{'dark' if dark else 'light'}.png"
    page = measure(browser, report.as_uri(), width, dark, shot)
    assert page["scroll"] <= page["inner"] == width, page  # no horizontal overflow of the page
    assert page["widest"] <= width + 0.5, page
    assert dict(page["sections"]) == dict.fromkeys(SECTIONS, True)
    assert page["scripts"] == 0 and page["handlers"] == 0 and page["title"] == f"Test report: {PROJECT}"
    assert not [
        e
        for e in browser.events
        if e.get("method") in ("Runtime.exceptionThrown", "Runtime.consoleAPICalled")
    ]
    assert page["details"] == 4 and page["charts"] == 3  # run-3's failures; one chart per feature
    dark_background = page["background"] not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    assert dark_background is dark, page["background"]
    assert shot.stat().st_size > 1000
