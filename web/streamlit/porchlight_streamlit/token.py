"""Agent tokens, minted on the Streamlit server exactly as a CRM's backend mints them.

A token is a JWT (HS256) signed with the location's agent-token secret, carrying the agent's id
(``sub``), the location (``location_id``), ``iat`` and ``exp`` (at most one hour apart), and
optionally the lead (``lead_id``). The secret stays on the server; the browser only ever sees the
short-lived token. Standard library only, so it can be used (and tested) without Streamlit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from typing import Dict, Optional, Tuple

MAX_TTL_SECONDS = 3600  # the proxy refuses tokens that live longer (--agent-token-max-age)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint_agent_token(secret: str, agent_id: str, location_id: str, *, ttl: int = MAX_TTL_SECONDS,
                     lead_id: Optional[str] = None, now: Optional[int] = None) -> str:
    """Returns a signed agent token for ``agent_id`` in ``location_id``."""
    if not secret:
        raise ValueError("the location's agent-token secret is empty (porchlight-proxy locations create prints it)")
    if not agent_id or not location_id:
        raise ValueError("agent_id and location_id are required")
    if not 0 < ttl <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl must be 1-{MAX_TTL_SECONDS} seconds")
    issued = int(time.time()) if now is None else int(now)
    payload = {"sub": agent_id, "location_id": location_id, "iat": issued, "exp": issued + ttl}
    if lead_id:
        payload["lead_id"] = lead_id
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = ".".join(_b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload))
    signature = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


class TokenCache:
    """Reuses a token until ``refresh_before`` seconds before it expires.

    Streamlit reruns the script on every interaction; minting a new token each time would change
    the component's arguments and make it re-render for nothing.
    """

    def __init__(self, ttl: int = MAX_TTL_SECONDS, refresh_before: int = 300) -> None:
        self._ttl = ttl
        self._refresh_before = refresh_before
        self._tokens: Dict[Tuple[str, str, str], Tuple[str, int]] = {}
        self._lock = threading.Lock()

    def get(self, secret: str, agent_id: str, location_id: str, lead_id: Optional[str] = None) -> str:
        key = (location_id, agent_id, lead_id or "")
        now = int(time.time())
        with self._lock:
            hit = self._tokens.get(key)
            if hit and hit[1] - now > self._refresh_before:
                return hit[0]
            token = mint_agent_token(secret, agent_id, location_id, ttl=self._ttl, lead_id=lead_id, now=now)
            self._tokens[key] = (token, now + self._ttl)
            return token
