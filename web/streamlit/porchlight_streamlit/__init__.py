"""Porchlight coaching inside Streamlit apps.

    from porchlight_streamlit import porchlight_coach

    value = porchlight_coach(profile="agent-42", lead={"id": "lead-7", "name": "Jordan Lee",
                             "stage": "qualifying", "facts": {"budget": "$450k"}}, key="coach")
    if value and value["guidance"]:
        st.write(value["guidance"]["cards"])

The component renders the same coach as the script-tag widget (chat with streamed answers, the
routing badge from the WASM core, guidance cards, feedback, live mode). With Streamlit 1.51 or later
it is an ``st.components.v2`` component, mounted in the app's page with its styles in a shadow root;
with older Streamlit it is a ``components.v1`` iframe. The browser talks to the Porchlight proxy
directly with a publishable key and a short-lived agent token minted here, on the Streamlit server,
with the location's secret. See docs/streamlit.md.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional, Union

from .token import TokenCache, mint_agent_token

__all__ = ["porchlight_coach", "mint_agent_token", "TokenCache", "FRONTEND_DIR", "COMPONENT_APIS"]
__version__ = "0.1.0"

FRONTEND_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "frontend")

try:  # Streamlit is needed to render; the token helpers work without it.
    import streamlit.components.v1 as _components_v1
except ImportError:  # pragma: no cover - exercised where streamlit is missing
    _components_v1 = None
try:  # Streamlit 1.51+
    import streamlit.components.v2 as _components_v2
except ImportError:
    _components_v2 = None

COMPONENT_APIS = ("v1", "v2")
# The v2 component's name: "<project name>.<component name>" from the manifest (pyproject.toml here).
V2_NAME = "porchlight-streamlit.coach"

_mounts: Dict[str, Any] = {}  # each API's mounting function, declared once per process
_tokens = TokenCache()


def _frontend_built() -> None:
    if not os.path.isfile(os.path.join(FRONTEND_DIR, "index.html")):
        raise FileNotFoundError(
            f"{FRONTEND_DIR}/index.html is missing: build the frontend with `npm run build` "
            "in the Porchlight checkout (web/build.mjs copies it here)")


def _component_api(requested: Optional[str]) -> str:
    """v2 where Streamlit has it, unless the caller (or PORCHLIGHT_STREAMLIT_COMPONENT_API) asks for v1."""
    api = requested or os.environ.get("PORCHLIGHT_STREAMLIT_COMPONENT_API") or ("v2" if _components_v2 else "v1")
    modules = {"v1": _components_v1, "v2": _components_v2}
    if api not in modules:
        raise ValueError(f"porchlight_coach: component_api must be one of {', '.join(COMPONENT_APIS)}, not {api!r}")
    if modules[api] is None:
        needs = "Streamlit 1.51 or later" if api == "v2" else "Streamlit: pip install streamlit"
        raise ImportError(f"porchlight_coach: component_api={api!r} needs {needs}")
    return api


def _mount(api: str):
    if api not in _mounts:
        _frontend_built()
        if api == "v2":
            _mounts[api] = _components_v2.component(V2_NAME, js="coach-v2.js", css="coach.css", isolate_styles=True)
        else:
            # PORCHLIGHT_STREAMLIT_DEV_URL: during frontend work, the frontend the proxy serves
            # (http://localhost:8080/web/streamlit/index.html) instead of this package's copy.
            dev_url = os.environ.get("PORCHLIGHT_STREAMLIT_DEV_URL")
            _mounts[api] = (_components_v1.declare_component("porchlight_coach", url=dev_url) if dev_url
                            else _components_v1.declare_component("porchlight_coach", path=FRONTEND_DIR))
    return _mounts[api]


def _setting(value: Optional[str], env: str, what: str) -> str:
    found = value if value is not None else os.environ.get(env, "")
    if not found:
        raise ValueError(f"porchlight_coach: {what} is missing; pass it or set {env}")
    return found


def porchlight_coach(profile: Union[str, Mapping[str, Any]], lead: Optional[Mapping[str, Any]] = None, *,
                     key: Optional[str] = None, stage: Optional[str] = None,
                     proxy_url: Optional[str] = None, publishable_key: Optional[str] = None,
                     location_id: Optional[str] = None, token_secret: Optional[str] = None,
                     agent_token: Optional[str] = None, height: int = 620, live: bool = False,
                     title: Optional[str] = None, core_url: Optional[str] = None,
                     component_api: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """Renders the Porchlight coach and returns the latest guidance and feedback.

    Args:
        profile: the agent's profile id, or a profile dict with an ``"id"`` (the profile itself is
            managed on the proxy: dashboard or ``POST /v1/profiles``).
        lead: the lead being worked: ``{"id", "name", "stage", "facts": {snake_case: str|int|float|bool}}``.
            The same lead id gives the same conversation as the CRM widget and the API.
        key: Streamlit's widget key (default ``"porchlight_coach"``; give each coach its own when
            the app shows more than one). The key keeps the coach, and its conversation, across reruns.
        stage: the lead's stage when ``lead`` has none (``qualifying``, ``under_contract``, ...).
        proxy_url: the proxy's URL as browsers reach it (env ``PORCHLIGHT_URL``).
        publishable_key: a ``pk_`` key whose allowed origins include this Streamlit app's origin
            (env ``PORCHLIGHT_PUBLISHABLE_KEY``).
        location_id: the location (env ``PORCHLIGHT_LOCATION_ID``).
        token_secret: the location's agent-token secret, used here only to sign the agent token
            (env ``PORCHLIGHT_AGENT_TOKEN_SECRET``). Never sent to the browser.
        agent_token: a token your own backend minted; then ``location_id``/``token_secret`` are not needed.
        height: the coach's height in pixels (the component fits it).
        live: start in live mode (guidance cards pushed over a WebSocket).
        title: the panel's title.
        core_url: where the browser loads the WASM core (default: the proxy's /web/porchlight-web-core.mjs).
        component_api: ``"v2"`` (``st.components.v2``, the default where Streamlit has it) or ``"v1"``
            (the iframe); env ``PORCHLIGHT_STREAMLIT_COMPONENT_API`` sets the default.

    Returns:
        ``None`` until the component first sends a value, then (``"guidance"`` is None until settled guidance arrives)
        ``{"guidance": {"source", "route", "cards", "checklist_score", "answer"}, "feedback":
        {"event_id", "rating", "message_id"} or None, "conversation_id", "lead_id"}``, plus
        ``"token_expires_at"`` when the component asked for a rerun to get a fresh agent token.
    """
    agent_id = profile if isinstance(profile, str) else str(profile.get("id", ""))
    if not agent_id:
        raise ValueError("porchlight_coach: profile must be an agent id or a dict with an 'id'")
    url = _setting(proxy_url, "PORCHLIGHT_URL", "proxy_url").rstrip("/")
    pk = _setting(publishable_key, "PORCHLIGHT_PUBLISHABLE_KEY", "publishable_key")
    if not pk.startswith("pk_"):
        raise ValueError("porchlight_coach: publishable_key must be a pk_ key (never a secret sk_ key in a browser)")
    lead_dict = dict(lead) if lead else None
    if agent_token is None:
        loc = _setting(location_id, "PORCHLIGHT_LOCATION_ID", "location_id")
        secret = _setting(token_secret, "PORCHLIGHT_AGENT_TOKEN_SECRET", "token_secret")
        agent_token = _tokens.get(secret, agent_id, loc, str(lead_dict["id"]) if lead_dict and lead_dict.get("id") else None)
    api = _component_api(component_api)
    args = dict(proxy_url=url, publishable_key=pk, agent_token=agent_token, lead=lead_dict, stage=stage,
                height=height, live=live, title=title, core_url=core_url)
    if api == "v2":
        # The value is a state value: it lasts across reruns, and the frontend setting it reruns the script.
        result = _mount(api)(key=key or "porchlight_coach", data=args, default={"value": None},
                             on_value_change=_rerun_only)
        return result.value
    return _mount(api)(key=key or "porchlight_coach", default=None, **args)


def _rerun_only() -> None:
    """st.components.v2 includes a state value in the result when it has a callback: this one does nothing."""
