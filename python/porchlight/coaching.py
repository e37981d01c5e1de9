"""What a coaching turn gives back: its events as they stream, and the whole answer at the end.

POST /v1/coach streams server-sent events in this order (docs/api/openapi.yaml, CoachEvent):
``meta`` (where the answer is stored), ``route`` (the proxy's routing decision), ``notice``
(the playbooks answer instead of Claude), ``delta``... (the answer's text), ``card``... (guidance
cards), ``usage`` (tokens, cost, latency), ``error`` (something failed; text may have come), and
``done`` last (the answer's final status). ``Answer`` folds them into a ``Coaching``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, TypedDict

from .errors import APIConnectionError, StreamError

__all__ = ["Route", "Card", "Usage", "CoachEvent", "Coaching", "Answer"]


class Route(TypedDict, total=False):
    """The proxy's routing decision: which specialist answers, on which model tier, and why."""
    specialist: str         # coaching, qualification, objection_handling, market_analysis, ...
    tier: str               # fast, balanced, deep
    model: str
    guidance_type: str      # coaching_tip, next_question, objection_response, ...
    confidence: float
    reasons: List[str]
    estimate: Dict[str, float]
    policy_version: str
    offline: bool           # the playbooks answer (no Claude)
    budget_exhausted: bool


class Card(TypedDict, total=False):
    """A guidance card: next_best_action, qualification_checklist or deadlines (a newer proxy may add types)."""
    type: str
    title: str
    text: str
    specialist: str
    suggestion: str
    items: List[Dict[str, Any]]
    score: int
    next: str


class Usage(TypedDict, total=False):
    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int
    cache_creation_1h_input_tokens: int
    cache_read_input_tokens: int


@dataclass(frozen=True)
class CoachEvent:
    """One event of the stream: its name, its data (a dict; empty when it was not JSON), its id."""
    event: str
    data: Dict[str, Any]
    id: Optional[str] = None

    @staticmethod
    def parse(event: str, data: str, id: Optional[str]) -> "CoachEvent":
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        return CoachEvent(event, parsed if isinstance(parsed, dict) else {}, id or None)


@dataclass
class Coaching:
    """A finished coaching turn.

    ``status`` is the stored answer's: ``complete``, or ``incomplete`` / ``failed`` after an error
    (then ``coach()`` raises ``StreamError`` instead of returning). ``notices`` say when the offline
    playbooks answered instead of Claude, or that a step of a compound request failed. ``steps``
    are a compound request's steps as they ended (specialist, tier, status, model, usage, cost_usd),
    in plan order; empty for a single-specialist answer.
    """
    text: str
    route: Route
    cards: List[Card]
    usage: Usage
    model: str
    cost_usd: float
    status: str
    conversation_id: str
    message_id: str
    event_id: str
    request_id: str
    offline: bool = False
    notices: List[Dict[str, Any]] = field(default_factory=list)
    steps: List[Dict[str, Any]] = field(default_factory=list)


class Answer:
    """Folds a turn's events, as they arrive, into a ``Coaching``."""

    def __init__(self) -> None:
        self.parts: List[str] = []
        self.route: Optional[Route] = None
        self.cards: List[Card] = []
        self.notices: List[Dict[str, Any]] = []
        self.steps: Dict[int, Dict[str, Any]] = {}
        self.meta: Dict[str, Any] = {}
        self.usage: Dict[str, Any] = {}
        self.error: Optional[Dict[str, Any]] = None
        self.done: Optional[Dict[str, Any]] = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def add(self, e: CoachEvent) -> None:
        if e.event == "meta":
            self.meta = e.data
        elif e.event == "route":
            self.route = e.data  # type: ignore[assignment]
        elif e.event == "delta":
            self.parts.append(str(e.data.get("text", "")))
        elif e.event == "step":
            self.steps[int(e.data.get("index", len(self.steps)))] = e.data
        elif e.event == "notice":
            self.notices.append(e.data)
        elif e.event == "card":
            self.cards.append(e.data)  # type: ignore[arg-type]
        elif e.event == "usage":
            self.usage = e.data
        elif e.event == "error":
            self.error = e.data
        elif e.event == "done":
            self.done = e.data
        # Any other name is an event a newer proxy added: kept out of the result, never an error.

    def result(self) -> Coaching:
        """The finished turn; raises ``StreamError`` for an answer that failed midway."""
        request_id = str(self.meta.get("request_id", ""))
        if self.error is not None:
            raise StreamError(self.error, text=self.text, request_id=request_id)
        if self.done is None:
            raise APIConnectionError("the coaching stream ended before its done event "
                                     f"(message {self.meta.get('message_id', '?')}); the stored part can be resumed")
        return Coaching(
            text=self.text, route=self.route or {}, cards=self.cards, usage=self.usage.get("usage", {}),
            model=str(self.usage.get("model", "")), cost_usd=float(self.usage.get("cost_usd", 0.0)),
            status=str(self.done.get("status", "")), conversation_id=str(self.done.get("conversation_id", "")),
            message_id=str(self.done.get("message_id", "")), event_id=str(self.done.get("event_id", "")),
            request_id=request_id, offline=bool(self.usage.get("offline", False)), notices=self.notices,
            steps=[self.steps[i] for i in sorted(self.steps)])
