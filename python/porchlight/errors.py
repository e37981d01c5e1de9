"""The proxy's typed errors, as exceptions.

Every error the proxy answers is ``{"type": "error", "error": {"type", "code", "message"},
"request_id"}`` (docs/api/openapi.yaml lists every ``code``). ``APIStatusError`` carries all of it;
its subclasses say what to do about it: fix the request (``BadRequestError``), the key
(``AuthenticationError``, ``PermissionDeniedError``), wait ``retry_after`` seconds
(``RateLimitError``; ``BudgetExhaustedError`` until the month turns), or retry
(``ServiceUnavailableError``, ``UpstreamError``). ``StreamError`` is an error that came in the
middle of an answer, after some of its text.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Type

__all__ = [
    "PorchlightError", "APIConnectionError", "APITimeoutError", "APIStatusError", "BadRequestError",
    "AuthenticationError", "PermissionDeniedError", "NotFoundError", "ConflictError", "RequestTooLargeError",
    "RateLimitError", "BudgetExhaustedError", "InternalServerError", "UpstreamError",
    "ServiceUnavailableError", "StreamError",
]


class PorchlightError(Exception):
    """Everything this package raises."""


class APIConnectionError(PorchlightError):
    """The proxy could not be reached, or the connection broke before an answer."""


class APITimeoutError(APIConnectionError):
    """The proxy did not answer (or stopped streaming) within the timeout."""


class APIStatusError(PorchlightError):
    """The proxy answered with an error.

    Attributes:
        status: the HTTP status (for a ``StreamError``, the stream's: 200).
        type: the error's family (``invalid_request_error``, ``rate_limit_error``, ...).
        code: the stable code (``coach.missing_query``, ``limits.agent_requests``, ...).
        message: what went wrong, and how to fix it.
        request_id: the proxy's id of the request (its logs have it).
        retry_after: seconds to wait before trying again, when the proxy said.
        errors: every problem, when a body had several (``[{"code", "message", "path"}]``).
    """

    def __init__(self, status: int, error: Mapping[str, Any], *, request_id: Optional[str] = None,
                 retry_after: Optional[float] = None) -> None:
        self.status = status
        self.type = str(error.get("type", "api_error"))
        self.code = str(error.get("code", ""))
        self.message = str(error.get("message", ""))
        self.errors: List[Dict[str, Any]] = list(error.get("errors") or [])
        self.request_id = request_id
        self.retry_after = retry_after
        super().__init__(f"{status} {self.code or self.type}: {self.message}")


class BadRequestError(APIStatusError):
    """400: the request is invalid; ``code`` and ``errors`` say which field."""


class AuthenticationError(APIStatusError):
    """401: the key is missing, invalid or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (a publishable key where a secret key is needed, ...)."""


class NotFoundError(APIStatusError):
    """404: no such profile, conversation or endpoint in this location."""


class ConflictError(APIStatusError):
    """409: the record exists already."""


class RequestTooLargeError(APIStatusError):
    """413: the body is over the endpoint's limit."""


class RateLimitError(APIStatusError):
    """429: a per-minute limit refused the request; wait ``retry_after`` seconds."""


class BudgetExhaustedError(RateLimitError):
    """429 ``budget.exhausted``: the location spent its monthly budget (``retry_after``: until next month)."""


class InternalServerError(APIStatusError):
    """500: the proxy failed (a bug, logged); retrying may work."""


class UpstreamError(APIStatusError):
    """502 or 504: Claude failed or did not answer in time, after the proxy's retries and fallbacks."""


class ServiceUnavailableError(APIStatusError):
    """503: the store is down or the instance is shutting down; nothing was sent to Claude; retry."""


class StreamError(APIStatusError):
    """An ``error`` event in the middle of an answer; ``text`` is what had arrived before it."""

    def __init__(self, error: Mapping[str, Any], *, text: str = "", request_id: Optional[str] = None) -> None:
        super().__init__(200, error, request_id=request_id)
        self.text = text


_BY_STATUS: Dict[int, Type[APIStatusError]] = {
    400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError, 404: NotFoundError,
    409: ConflictError, 413: RequestTooLargeError, 429: RateLimitError, 500: InternalServerError,
    502: UpstreamError, 503: ServiceUnavailableError, 504: UpstreamError,
}


def status_error(status: int, body: Any, *, request_id: Optional[str] = None,
                 retry_after: Optional[float] = None) -> APIStatusError:
    """The exception for an error answer (``body``: its parsed JSON, or its text)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):  # not the proxy's envelope (a load balancer's page, ...)
        error = {"type": "api_error", "message": str(body)[:500] or f"HTTP {status}"}
    if isinstance(body, dict) and not request_id:
        request_id = body.get("request_id")
    cls = BudgetExhaustedError if error.get("code") == "budget.exhausted" else _BY_STATUS.get(status, APIStatusError)
    return cls(status, error, request_id=request_id, retry_after=retry_after)
