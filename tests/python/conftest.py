"""What the Python suites share: the running proxy and fake upstream that tests/python/python.test.mjs
started and provisioned (PORCHLIGHT_TEST, JSON), a client for the fake's control API, and a report
of every test's outcome for that runner (PORCHLIGHT_PYTEST_REPORT, one JSON line per test).

Run them through the runner (it starts what they need):
    PORCHLIGHT_BIN=$PWD/build/native/bin node --test tests/python/python.test.mjs
"""

import json
import os
from typing import Any, Dict

import httpx2
import pytest


@pytest.fixture(scope="session")
def env() -> Dict[str, Any]:
    raw = os.environ.get("PORCHLIGHT_TEST")
    if not raw:
        pytest.fail("PORCHLIGHT_TEST is not set: run tests/python/python.test.mjs, which starts the proxy")
    return json.loads(raw)


@pytest.fixture(scope="session")
def proxy_url(env) -> str:
    return env["proxy_url"]


@pytest.fixture(scope="session")
def location(env) -> Dict[str, str]:
    """The main location: {id, secret, sk, pk}, with an agent profile "agent-1"."""
    return env["locations"]["main"]


class Fake:
    """The fake upstream's control API (tests/fakes/anthropic/README.md)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def script(self, *behaviours: Dict[str, Any]) -> None:
        httpx2.post(f"{self.url}/_fake/script", json=list(behaviours)).raise_for_status()

    def requests(self) -> list:
        return httpx2.get(f"{self.url}/_fake/requests").json()

    def last_messages_request(self) -> Dict[str, Any]:
        return [r for r in self.requests() if r["path"].startswith("/v1/messages")][-1]


@pytest.fixture(scope="session")
def fake(env) -> Fake:
    return Fake(env["fake_url"])


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = os.environ.get("PORCHLIGHT_PYTEST_REPORT")
    # One line per test: its call, or the setup that failed or skipped it.
    if not path or not (report.when == "call" or report.outcome != "passed"):
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"nodeid": report.nodeid, "outcome": report.outcome,
                            "longrepr": str(report.longrepr) if report.longrepr else ""}) + "\n")
