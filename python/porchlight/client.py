"""Porchlight and AsyncPorchlight: structured coaching from a backend service, with a secret key.

Both clients have the same methods; the async ones are awaited. A request is built once
(``_coach_body``), an error answer becomes one exception (``_raise_for_status``), and the events
of a turn fold into its result in one place (``coaching.Answer``): only the I/O differs.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, Iterator, Mapping, Optional, Union

import httpx2

from .coaching import Answer, CoachEvent, Coaching, Route
from .errors import APIConnectionError, APITimeoutError, status_error

__all__ = ["Porchlight", "AsyncPorchlight", "CoachStream", "AsyncCoachStream", "DEFAULT_TIMEOUT"]

__version__ = "0.1.0"

Timeout = Union[float, httpx2.Timeout]
Profile = Union[str, Mapping[str, Any]]

# Connecting should be quick; between two events of a streaming answer the proxy may think (the
# read timeout is per read, and the proxy sends a keep-alive comment while Claude is silent).
DEFAULT_TIMEOUT = httpx2.Timeout(60.0, connect=5.0)


def _coach_body(profile: Profile, query: str, lead: Optional[Mapping[str, Any]], stage: Optional[str],
                conversation_id: Optional[str], specialist: Optional[str], tier: Optional[str]) -> Dict[str, Any]:
    agent = profile if isinstance(profile, str) else str(profile.get("id", ""))
    if not agent:
        raise ValueError("profile must be an agent id or a profile dict with an 'id'")
    body: Dict[str, Any] = {"profile_id": agent, "query": query, "surface": "api"}
    for name, value in (("lead", lead), ("stage", stage), ("conversation_id", conversation_id),
                        ("specialist", specialist), ("tier", tier)):
        if value is not None:
            body[name] = dict(value) if isinstance(value, Mapping) else value
    return body


def _present(**fields: Any) -> Dict[str, Any]:
    """The body's fields that were given (None means leave it out, as the API's optional fields)."""
    return {name: value for name, value in fields.items() if value is not None}


def _retry_after(response: httpx2.Response) -> Optional[float]:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


def _raise_for_status(response: httpx2.Response) -> None:
    """Raises the typed error for an error answer (its body already read)."""
    if response.status_code < 400:
        return
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    raise status_error(response.status_code, body, request_id=response.headers.get("request-id"),
                       retry_after=_retry_after(response))


def _transport_error(e: httpx2.TransportError) -> APIConnectionError:
    if isinstance(e, httpx2.TimeoutException):
        return APITimeoutError(f"the proxy did not answer in time ({type(e).__name__})")
    return APIConnectionError(f"cannot reach the proxy: {e}")


def _headers(api_key: str) -> Dict[str, str]:
    if not api_key.startswith("sk_"):
        raise ValueError("api_key must be a secret sk_ key (publishable pk_ keys are for browsers)")
    return {"x-api-key": api_key, "user-agent": f"porchlight-python/{__version__}"}


class _Closes:
    """``with`` closes it."""

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _AsyncCloses:
    """``async with`` closes it."""

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class _Answering:
    """What both streams keep: the response being read and the answer folded from its events."""

    def __init__(self, response: httpx2.Response) -> None:
        self._response = response
        self._answer = Answer()

    @property
    def route(self) -> Optional[Route]:
        """The route, once its event has been read (it comes before the text)."""
        return self._answer.route

    def _read(self, sse: httpx2.ServerSentEvent) -> CoachEvent:
        event = CoachEvent.parse(sse.event, sse.data, sse.id)
        self._answer.add(event)
        return event


# ---- sync --------------------------------------------------------------------------------------

class CoachStream(_Answering, _Closes):
    """A coaching answer as it streams: iterate its events, or its text, then take the result.

        with client.stream(profile="agent-7", query="...") as answer:
            for text in answer.text_stream:
                print(text, end="")
        print(answer.result().cards)
    """

    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(response)
        self._events = iter(httpx2.EventSource(response))

    def close(self) -> None:
        self._response.close()

    def __iter__(self) -> Iterator[CoachEvent]:
        try:
            for sse in self._events:
                yield self._read(sse)
        except httpx2.TransportError as e:
            raise _transport_error(e) from e
        finally:
            self.close()

    @property
    def text_stream(self) -> Iterator[str]:
        """The answer's text, piece by piece (``StreamError`` at the end if it failed midway)."""
        for event in self:
            if event.event == "delta":
                yield str(event.data.get("text", ""))
        self._answer.result()

    def result(self) -> Coaching:
        """Reads what is left of the stream and returns the finished turn."""
        for _ in self:
            pass
        return self._answer.result()


class Porchlight(_Closes):
    """A client of the Porchlight proxy for backend services.

    Args:
        base_url: the proxy (``https://porchlight.example.com``).
        api_key: a secret ``sk_`` key of the location (``porchlight-proxy keys create --kind sk``).
        timeout: seconds, or an ``httpx2.Timeout`` (per read: a streaming answer may take longer
            in all, as long as it keeps coming).
    """

    def __init__(self, base_url: str, api_key: str, *, timeout: Timeout = DEFAULT_TIMEOUT,
                 http_client: Optional[httpx2.Client] = None) -> None:
        self._http = http_client or httpx2.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._http.headers.update(_headers(api_key))

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, *, json: Any, timeout: Optional[Timeout], stream: bool) -> httpx2.Response:
        request = self._http.build_request(method, path, json=json,
                                           **({} if timeout is None else {"timeout": timeout}))
        try:
            response = self._http.send(request, stream=stream)
            if response.status_code >= 400:
                response.read()
                response.close()
                _raise_for_status(response)
            return response
        except httpx2.TransportError as e:
            raise _transport_error(e) from e

    def stream(self, profile: Profile, query: str, *, lead: Optional[Mapping[str, Any]] = None,
               stage: Optional[str] = None, conversation_id: Optional[str] = None,
               specialist: Optional[str] = None, tier: Optional[str] = None,
               timeout: Optional[Timeout] = None) -> CoachStream:
        """Starts a coaching turn and returns its stream (a context manager).

        ``profile`` is the agent (its id, or a profile dict); ``lead`` is
        ``{"id", "name", "stage", "facts": {...}}`` (the same lead id continues the same
        conversation as the CRM widget and Streamlit). An error answer raises before any event.
        """
        body = _coach_body(profile, query, lead, stage, conversation_id, specialist, tier)
        return CoachStream(self._send("POST", "/v1/coach", json=body, timeout=timeout, stream=True))

    def coach(self, profile: Profile, query: str, *, lead: Optional[Mapping[str, Any]] = None,
              stage: Optional[str] = None, conversation_id: Optional[str] = None,
              specialist: Optional[str] = None, tier: Optional[str] = None,
              timeout: Optional[Timeout] = None) -> Coaching:
        """One coaching turn, whole: the answer's text, its route, cards, usage and ids."""
        with self.stream(profile, query, lead=lead, stage=stage, conversation_id=conversation_id,
                         specialist=specialist, tier=tier, timeout=timeout) as answer:
            return answer.result()

    def feedback(self, event_id: str, *, rating: Optional[str] = None, outcome: Optional[str] = None,
                 comment: Optional[str] = None, reason: Optional[str] = None,
                 edit_distance: Optional[int] = None, edited_text: Optional[str] = None,
                 action: Optional[str] = None, timeout: Optional[Timeout] = None) -> Dict[str, Any]:
        """Feedback on one answer: a rating (``helpful`` / ``not_helpful``) with its ``reason``, its
        outcome (``appointment_set``, ...), how much the agent edited a drafted reply before sending
        it (``edit_distance``; ``edited_text`` is kept only where the location opts in) or what
        they did with it (``action``: ``copy`` or ``send``)."""
        body = _present(event_id=event_id, rating=rating, outcome=outcome, comment=comment, reason=reason,
                        edit_distance=edit_distance, edited_text=edited_text, action=action)
        return self._send("POST", "/v1/feedback", json=body, timeout=timeout, stream=False).json()

    def record_outcome(self, lead_id: str, outcome: str, *, agent_id: Optional[str] = None,
                       occurred_at: Optional[str] = None, source: Optional[str] = None,
                       external_id: Optional[str] = None, timeout: Optional[Timeout] = None) -> Dict[str, Any]:
        """Records what happened to a lead (``appointment_set`` ... ``closed_won``) from a CRM's
        backend; the proxy credits it to the lead's recent coaching. The same ``source`` and
        ``external_id`` sent again are recorded once (the answer's ``created`` is then false)."""
        body = _present(lead_id=lead_id, outcome=outcome, agent_id=agent_id, occurred_at=occurred_at,
                        source=source, external_id=external_id)
        return self._send("POST", "/v1/outcomes", json=body, timeout=timeout, stream=False).json()


# ---- async -------------------------------------------------------------------------------------

class AsyncCoachStream(_Answering, _AsyncCloses):
    """``CoachStream`` for ``AsyncPorchlight``: ``async with``, ``async for``, ``await result()``."""

    def __init__(self, response: httpx2.Response) -> None:
        super().__init__(response)
        self._events = httpx2.EventSource(response).__aiter__()

    async def close(self) -> None:
        await self._response.aclose()

    async def __aiter__(self) -> AsyncIterator[CoachEvent]:
        try:
            async for sse in self._events:
                yield self._read(sse)
        except httpx2.TransportError as e:
            raise _transport_error(e) from e
        finally:
            await self.close()

    @property
    async def text_stream(self) -> AsyncIterator[str]:
        async for event in self:
            if event.event == "delta":
                yield str(event.data.get("text", ""))
        self._answer.result()

    async def result(self) -> Coaching:
        async for _ in self:
            pass
        return self._answer.result()


class AsyncPorchlight(_AsyncCloses):
    """``Porchlight`` for asyncio services (FastAPI, ...): the same methods, awaited."""

    def __init__(self, base_url: str, api_key: str, *, timeout: Timeout = DEFAULT_TIMEOUT,
                 http_client: Optional[httpx2.AsyncClient] = None) -> None:
        self._http = http_client or httpx2.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._http.headers.update(_headers(api_key))

    async def close(self) -> None:
        await self._http.aclose()

    async def _send(self, method: str, path: str, *, json: Any, timeout: Optional[Timeout],
                    stream: bool) -> httpx2.Response:
        request = self._http.build_request(method, path, json=json,
                                           **({} if timeout is None else {"timeout": timeout}))
        try:
            response = await self._http.send(request, stream=stream)
            if response.status_code >= 400:
                await response.aread()
                await response.aclose()
                _raise_for_status(response)
            return response
        except httpx2.TransportError as e:
            raise _transport_error(e) from e

    async def stream(self, profile: Profile, query: str, *, lead: Optional[Mapping[str, Any]] = None,
                     stage: Optional[str] = None, conversation_id: Optional[str] = None,
                     specialist: Optional[str] = None, tier: Optional[str] = None,
                     timeout: Optional[Timeout] = None) -> AsyncCoachStream:
        body = _coach_body(profile, query, lead, stage, conversation_id, specialist, tier)
        return AsyncCoachStream(await self._send("POST", "/v1/coach", json=body, timeout=timeout, stream=True))

    async def coach(self, profile: Profile, query: str, *, lead: Optional[Mapping[str, Any]] = None,
                    stage: Optional[str] = None, conversation_id: Optional[str] = None,
                    specialist: Optional[str] = None, tier: Optional[str] = None,
                    timeout: Optional[Timeout] = None) -> Coaching:
        answer = await self.stream(profile, query, lead=lead, stage=stage, conversation_id=conversation_id,
                                   specialist=specialist, tier=tier, timeout=timeout)
        async with answer:
            return await answer.result()

    async def feedback(self, event_id: str, *, rating: Optional[str] = None, outcome: Optional[str] = None,
                       comment: Optional[str] = None, reason: Optional[str] = None,
                       edit_distance: Optional[int] = None, edited_text: Optional[str] = None,
                       action: Optional[str] = None, timeout: Optional[Timeout] = None) -> Dict[str, Any]:
        body = _present(event_id=event_id, rating=rating, outcome=outcome, comment=comment, reason=reason,
                        edit_distance=edit_distance, edited_text=edited_text, action=action)
        response = await self._send("POST", "/v1/feedback", json=body, timeout=timeout, stream=False)
        return response.json()

    async def record_outcome(self, lead_id: str, outcome: str, *, agent_id: Optional[str] = None,
                             occurred_at: Optional[str] = None, source: Optional[str] = None,
                             external_id: Optional[str] = None,
                             timeout: Optional[Timeout] = None) -> Dict[str, Any]:
        body = _present(lead_id=lead_id, outcome=outcome, agent_id=agent_id, occurred_at=occurred_at,
                        source=source, external_id=external_id)
        response = await self._send("POST", "/v1/outcomes", json=body, timeout=timeout, stream=False)
        return response.json()
