"""The Streamlit package (web/streamlit) as a team installs it: ``pip install ./web/streamlit`` into a
clean virtual environment gives a working ``porchlight_coach`` with its frontend inside, for both of
Streamlit's component APIs; and what the package does on the Streamlit server before it renders:
the agent token it mints, and the errors it raises. (The component itself, in real Streamlit and
Chromium: tests/web/streamlit-v1.test.mjs and streamlit-v2.test.mjs.)
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import venv
from pathlib import Path

import httpx2
import pytest

from porchlight_streamlit import TokenCache, mint_agent_token, porchlight_coach

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / "dist/web/streamlit"  # what npm run build made (web/build.mjs)
FRONTEND = ["index.html", "coach-v1.js", "coach-v2.js", "coach.css"]
SETTINGS = dict(proxy_url="http://127.0.0.1:9", publishable_key="pk_test", location_id="loc_1", token_secret="s3cret")


def claims(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_the_agent_token_is_short_lived_and_names_agent_location_and_lead():
    token = mint_agent_token("s3cret", "agent-1", "loc_1", lead_id="lead-7", now=1_800_000_000)
    assert claims(token) == {"sub": "agent-1", "location_id": "loc_1", "iat": 1_800_000_000, "exp": 1_800_003_600,
                             "lead_id": "lead-7"}
    with pytest.raises(ValueError, match="ttl"):
        mint_agent_token("s3cret", "agent-1", "loc_1", ttl=3601)
    with pytest.raises(ValueError, match="secret"):
        mint_agent_token("", "agent-1", "loc_1")


def test_the_token_cache_reuses_a_token_until_its_last_five_minutes(monkeypatch):
    now = [1_800_000_000]
    monkeypatch.setattr(time, "time", lambda: now[0])
    cache = TokenCache()
    first = cache.get("s3cret", "agent-1", "loc_1", "lead-7")
    now[0] += 3000
    assert cache.get("s3cret", "agent-1", "loc_1", "lead-7") == first, "reruns reuse it"
    now[0] += 301
    fresh = cache.get("s3cret", "agent-1", "loc_1", "lead-7")
    assert fresh != first and claims(fresh)["exp"] == now[0] + 3600


def test_porchlight_coach_refuses_bad_settings_before_rendering(monkeypatch):
    for name in ("PORCHLIGHT_URL", "PORCHLIGHT_PUBLISHABLE_KEY", "PORCHLIGHT_LOCATION_ID", "PORCHLIGHT_AGENT_TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="pk_ key"):
        porchlight_coach("agent-1", **{**SETTINGS, "publishable_key": "sk_live_nope"})
    with pytest.raises(ValueError, match="location_id is missing"):
        porchlight_coach("agent-1", proxy_url=SETTINGS["proxy_url"], publishable_key="pk_test")
    with pytest.raises(ValueError, match="profile must be"):
        porchlight_coach({}, **SETTINGS)
    with pytest.raises(ValueError, match="component_api must be one of v1, v2"):
        porchlight_coach("agent-1", **SETTINGS, component_api="v3")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A clean virtual environment with ``pip install ./web/streamlit`` (Streamlit pinned by requirements.txt)."""
    assert (BUILT / "index.html").is_file(), "npm run build makes the frontend first"
    where = tmp_path_factory.mktemp("clean-venv")
    venv.create(where, with_pip=True)
    python = where / "bin/python"
    # The package's folder as a fresh clone has it (pip builds in place, and setuptools' build/ keeps stale files).
    source = shutil.copytree(ROOT / "web/streamlit", where / "source", ignore=shutil.ignore_patterns("build", "*.egg-info"))
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-cache-dir", "--disable-pip-version-check",
                    "--constraint", ROOT / "requirements.txt", source], check=True, timeout=600)
    # The example app away from the package's source: `streamlit run` puts the app's folder first on sys.path.
    (where / "app").mkdir()
    shutil.copy(ROOT / "web/streamlit/example_app.py", where / "app")
    shutil.rmtree(source)
    return where


def test_pip_install_gives_the_package_with_its_frontend_and_manifest(installed):
    python = installed / "bin/python"
    found = subprocess.run([python, "-c", "import porchlight_streamlit, streamlit; "
                            "print(porchlight_streamlit.__file__); print(streamlit.__version__)"],
                           check=True, capture_output=True, text=True, cwd=installed).stdout.split()
    package = Path(found[0]).parent
    assert package.is_relative_to(installed), f"imported from the clean environment, not the checkout: {package}"
    assert found[1] == "1.67.0"
    for name in FRONTEND:
        assert (package / "frontend" / name).read_bytes() == (BUILT / name).read_bytes(), name
    assert 'asset_dir = "frontend"' in (package / "pyproject.toml").read_text()


APP_TEST = """
import json, os, sys
from streamlit.testing.v1 import AppTest
import porchlight_streamlit
found = {}
for api in ("v1", "v2"):
    os.environ["PORCHLIGHT_STREAMLIT_COMPONENT_API"] = api
    at = AppTest.from_file(sys.argv[1]).run()
    elements = [e.proto for e in at.main.get("component_instance") + at.main.get("bidi_component")]
    found[api] = {"exceptions": [e.message for e in at.exception], "elements": [type(e).__name__ for e in elements],
                  "names": [getattr(e, "component_name", "") for e in elements]}
found["v1_path"] = porchlight_streamlit._mounts["v1"].path
print(json.dumps(found))
"""


def test_the_example_app_runs_on_both_apis_from_the_installed_package(installed):
    env = {**os.environ, "PORCHLIGHT_URL": "http://127.0.0.1:9", "PORCHLIGHT_PUBLISHABLE_KEY": "pk_test",
           "PORCHLIGHT_LOCATION_ID": "loc_1", "PORCHLIGHT_AGENT_TOKEN_SECRET": "s3cret"}
    out = subprocess.run([installed / "bin/python", "-c", APP_TEST, installed / "app/example_app.py"], env=env,
                         cwd=installed, check=True, capture_output=True, text=True, timeout=120).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["v1"] == {"exceptions": [], "elements": ["ComponentInstance"], "names": ["porchlight_streamlit.porchlight_coach"]}
    assert found["v2"] == {"exceptions": [], "elements": ["BidiComponent"], "names": ["porchlight-streamlit.coach"]}
    assert Path(found["v1_path"]).is_relative_to(installed), "the v1 iframe serves the installed frontend"


def test_the_installed_streamlit_serves_the_v2_module(installed, tmp_path):
    """st.components.v2 finds the package's manifest at startup and serves its asset_dir."""
    with socket.socket() as s:  # a port free a moment ago: Streamlit must be told its port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([installed / "bin/streamlit", "run", installed / "app/example_app.py",
                               "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
                               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not ready(url):
            assert time.monotonic() < deadline and server.poll() is None, server.stdout.read().decode() if server.poll() else "slow"
            time.sleep(0.2)
        for name in ("coach-v2.js", "coach.css"):
            r = httpx2.get(f"{url}/_stcore/bidi-components/porchlight-streamlit.coach/{name}")
            assert r.status_code == 200 and r.content == (BUILT / name).read_bytes(), name
    finally:
        server.terminate()
        server.wait(10)


def ready(url):
    try:
        return httpx2.get(f"{url}/_stcore/health").status_code == 200
    except httpx2.TransportError:
        return False
