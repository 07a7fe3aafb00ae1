"""The suite's own guarantees, checked on small suites run in a subprocess: a test that hangs
fails alone and the run goes on; a test that leaves a thread running fails itself; a failing
test shows the log of the server it started."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
CONFTEST = """
pytest_plugins = ["tests.fixtures.hygiene"]
"""


def _suite(pytester: pytest.Pytester, body: str) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_sample=body)
    # The small suite runs in a subprocess that imports this project's tests package.
    pytester._monkeypatch.setenv("PYTHONPATH", str(ROOT))


def test_a_hanging_test_fails_alone_and_the_run_goes_on(pytester: pytest.Pytester) -> None:
    _suite(
        pytester,
        """
import time

def test_hangs():
    time.sleep(600)

def test_after():
    assert True
""",
    )
    result = pytester.runpytest_subprocess("--timeout=2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*Timeout (>2.0s)*"])


def test_a_thread_left_running_fails_the_test_that_started_it(pytester: pytest.Pytester) -> None:
    _suite(
        pytester,
        """
import threading

stop = threading.Event()

def test_leaks():
    threading.Thread(target=stop.wait, name="leaked-worker", daemon=True).start()

def test_innocent():
    stop.set()
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-o", "timeout=60")
    result.assert_outcomes(passed=2, errors=1)  # test_leaks passes, then fails its teardown
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_leaks*", "*threads still running*leaked-worker*"]
    )


def test_a_failing_test_shows_its_servers_log(pytester: pytest.Pytester) -> None:
    _suite(
        pytester,
        """
from tests.fixtures.processes import attach_log

def test_fails(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("the server said: database is locked")
    attach_log("server :1", log)
    assert False

def test_passes(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("nothing to see")
    attach_log("server :2", log)
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-o", "timeout=60")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*log of server :1*", "*database is locked*"])
    assert "nothing to see" not in result.stdout.str()
