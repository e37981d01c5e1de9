"""Porchlight for Python services: agent-aware Claude coaching with one import.

    from porchlight import Porchlight

    client = Porchlight("https://porchlight.example.com", api_key="sk_...")
    turn = client.coach(profile="agent-7", query="They think the price is too high. What do I say?",
                        lead={"id": "lead-42", "stage": "qualifying", "facts": {"budget": "$450k"}})
    print(turn.route["specialist"], turn.text, [card["type"] for card in turn.cards])

``AsyncPorchlight`` has the same methods for asyncio. ``client.stream(...)`` gives the answer as it
streams. Errors are typed (``porchlight.errors``). The official ``anthropic`` SDK works against the
same proxy for raw Messages calls (base_url = the proxy). See docs/python.md.
"""

from .client import DEFAULT_TIMEOUT, AsyncCoachStream, AsyncPorchlight, CoachStream, Porchlight, __version__
from .coaching import Card, CoachEvent, Coaching, Route, Usage
from .errors import (APIConnectionError, APIStatusError, APITimeoutError, AuthenticationError, BadRequestError,
                     BudgetExhaustedError, ConflictError, InternalServerError, NotFoundError, PermissionDeniedError,
                     PorchlightError, RateLimitError, RequestTooLargeError, ServiceUnavailableError, StreamError,
                     UpstreamError)

__all__ = [
    "Porchlight", "AsyncPorchlight", "CoachStream", "AsyncCoachStream", "DEFAULT_TIMEOUT", "__version__",
    "Coaching", "CoachEvent", "Route", "Card", "Usage",
    "PorchlightError", "APIConnectionError", "APITimeoutError", "APIStatusError", "BadRequestError",
    "AuthenticationError", "PermissionDeniedError", "NotFoundError", "ConflictError", "RequestTooLargeError",
    "RateLimitError", "BudgetExhaustedError", "InternalServerError", "UpstreamError", "ServiceUnavailableError",
    "StreamError",
]
