"""The porchlight client (python/porchlight) against the real proxy: a backend service asks for
coaching with a profile, a lead and a query, and gets the streamed answer, its route and its
guidance cards; sync and async; timeouts; the proxy's errors as typed exceptions.
"""

import re
import time

import pytest

import porchlight
from porchlight import AsyncPorchlight, Porchlight

LEAD = {"id": "lead-jordan-lee", "name": "Jordan Lee", "stage": "qualifying",
        "facts": {"budget": "$450k", "motivation": "relocating for a hospital job"}}
OBJECTION = "They think the price is too high for the area. What do I say?"


@pytest.fixture
def client(proxy_url, location):
    with Porchlight(proxy_url, location["sk"]) as c:
        yield c


def test_coach_returns_the_answer_its_route_and_cards(client):
    turn = client.coach(profile="agent-1", query=OBJECTION, lead=LEAD)
    assert turn.status == "complete"
    assert len(turn.text) > 50
    assert turn.route["specialist"] == "objection_handling"
    assert turn.route["model"] == turn.model
    types = [card["type"] for card in turn.cards]
    assert "next_best_action" in types and "qualification_checklist" in types
    checklist = next(c for c in turn.cards if c["type"] == "qualification_checklist")
    assert any(item["id"] == "price" and item["done"] and item["known_as"] == "budget" for item in checklist["items"]), \
        "the lead's facts tick the checklist"
    assert turn.usage["output_tokens"] > 0 and turn.cost_usd > 0
    assert re.fullmatch(r"cv_[0-9a-f]{32}", turn.conversation_id)
    assert turn.message_id.startswith("msg_") and turn.event_id.startswith("evt_") and turn.request_id.startswith("req_")
    again = client.coach(profile={"id": "agent-1", "name": "Dana"}, query="And after that?", lead=LEAD)
    assert again.conversation_id == turn.conversation_id, "the same lead continues the same conversation"


def test_stream_gives_the_route_first_then_the_text(client):
    with client.stream(profile="agent-1", query=OBJECTION, lead=LEAD) as answer:
        events = []
        pieces = []
        for event in answer:
            events.append(event.event)
            if event.event == "delta":
                assert answer.route is not None, "the route comes before the text"
                pieces.append(event.data["text"])
        turn = answer.result()
    assert events[:2] == ["meta", "route"] and events[-1] == "done"
    assert len(pieces) > 3 and "".join(pieces) == turn.text


def test_text_stream(client):
    with client.stream(profile="agent-1", query="First call script for a relocation lead", lead=LEAD) as answer:
        text = "".join(answer.text_stream)
    assert text == answer.result().text and len(text) > 50


@pytest.mark.anyio
async def test_async_client(proxy_url, location):
    async with AsyncPorchlight(proxy_url, location["sk"]) as client:
        turn = await client.coach(profile="agent-1", query=OBJECTION, lead=LEAD)
        assert turn.status == "complete" and turn.route["specialist"] == "objection_handling"
        answer = await client.stream(profile="agent-1", query="What should I ask next?", lead=LEAD)
        async with answer:
            pieces = [piece async for piece in answer.text_stream]
        assert "".join(pieces) == (await answer.result()).text
        saved = await client.feedback(turn.event_id, rating="helpful")
        assert saved["saved"] is True
        with pytest.raises(porchlight.NotFoundError):
            await client.coach(profile="nobody", query=OBJECTION)


def test_feedback_and_outcome(client):
    turn = client.coach(profile="agent-1", query=OBJECTION, lead=LEAD)
    saved = client.feedback(turn.event_id, rating="not_helpful", outcome="appointment_set", reason="too_long")
    assert saved == {"event_id": turn.event_id, "rating": "not_helpful", "outcome": "appointment_set",
                     "saved": True, "edited_text_kept": False}
    edited = client.feedback(turn.event_id, edit_distance=42, edited_text="Happy to walk you through it.",
                             action="send")
    assert edited["saved"] is True and edited["edited_text_kept"] is False  # the location has not opted in
    with pytest.raises(porchlight.BadRequestError):
        client.feedback(turn.event_id, action="print")


def test_record_outcome_is_credited_once(client):
    turn = client.coach(profile="agent-1", query=OBJECTION, lead=LEAD)
    first = client.record_outcome(LEAD["id"], "agreement_signed", agent_id="agent-1", source="crm",
                                  external_id="evt-py-1")
    assert first["created"] is True and first["lead_id"] == LEAD["id"] and first["outcome"] == "agreement_signed"
    assert turn.event_id in first["attributed"]
    again = client.record_outcome(LEAD["id"], "agreement_signed", agent_id="agent-1", source="crm",
                                  external_id="evt-py-1")
    assert again["created"] is False and again["id"] == first["id"]


def test_timeout(proxy_url, location, fake):
    fake.script({"ttft_ms": 3000})  # Claude is silent for 3 s after the route
    started = time.monotonic()
    with Porchlight(proxy_url, location["sk"], timeout=0.5) as slow:
        with pytest.raises(porchlight.APITimeoutError):
            slow.coach(profile="agent-1", query=OBJECTION, lead=LEAD)
    assert time.monotonic() - started < 2.5


def test_typed_errors(proxy_url, location, client):
    with pytest.raises(porchlight.AuthenticationError) as caught:
        Porchlight(proxy_url, "sk_" + "x" * 40).coach(profile="agent-1", query=OBJECTION)
    assert caught.value.status == 401 and caught.value.code == "auth.invalid_key" and caught.value.request_id
    with pytest.raises(porchlight.BadRequestError) as caught:
        client.coach(profile="agent-1", query="", lead={**LEAD, "stage": "thinking_about_it"})
    assert caught.value.code.startswith(("coach.", "lead."))
    assert {e["code"] for e in caught.value.errors} >= {"coach.missing_query", "lead.invalid_stage"}, caught.value.errors
    with pytest.raises(porchlight.NotFoundError):
        client.coach(profile="nobody", query=OBJECTION)
    with pytest.raises(porchlight.APIConnectionError):
        Porchlight("http://127.0.0.1:9", location["sk"]).coach(profile="agent-1", query=OBJECTION)
    with pytest.raises(ValueError, match="sk_"):
        Porchlight(proxy_url, location["pk"])


def test_rate_limit_error_has_retry_after(proxy_url, env):
    limited = Porchlight(proxy_url, env["locations"]["limits"]["sk"])
    limited._http.put("/v1/settings", json={"rate_limits": {"key_requests": 1}}).raise_for_status()
    with pytest.raises(porchlight.RateLimitError) as caught:
        for _ in range(3):
            limited.coach(profile="agent-1", query=OBJECTION)
    assert caught.value.code.startswith("limits.")
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 60
    assert not isinstance(caught.value, porchlight.BudgetExhaustedError)


def test_budget_exhausted(proxy_url, env):
    spent = Porchlight(proxy_url, env["locations"]["budget"]["sk"])
    spent._http.put("/v1/settings", json={"monthly_budget_usd": 0.000001}).raise_for_status()
    deadline = time.monotonic() + 10
    with pytest.raises(porchlight.BudgetExhaustedError) as caught:
        while time.monotonic() < deadline:  # the spend counts once the usage ledger has written it
            spent.coach(profile="agent-1", query=OBJECTION)
            time.sleep(0.2)
    assert caught.value.status == 429 and caught.value.code == "budget.exhausted"
    assert caught.value.retry_after > 60


def test_an_error_midway_raises_with_the_text_so_far(client, fake):
    fake.script({"error_event_after_events": 6, "error_type": "overloaded_error"})
    with pytest.raises(porchlight.StreamError) as caught:
        client.coach(profile="agent-1", query=OBJECTION, lead=LEAD)
    assert caught.value.code == "upstream.stream_error"
    assert caught.value.text, "the part that arrived is kept"


def test_a_planned_turn_keeps_its_steps_as_they_ended():
    # The events of a compound request as the proxy sends them (the steps' ends in any order).
    from porchlight.coaching import Answer, CoachEvent
    answer = Answer()
    events = [
        ("meta", '{"conversation_id": "cv_1", "message_id": "msg_1", "event_id": "evt_1", "request_id": "req_1"}'),
        ("route", '{"specialist": "market_analysis", "tier": "balanced", "plan": [{"specialist": "market_analysis"}, {"specialist": "negotiation"}]}'),
        ("step", '{"index": 0, "specialist": "market_analysis", "status": "running"}'),
        ("step", '{"index": 1, "specialist": "negotiation", "status": "running"}'),
        ("step", '{"index": 1, "specialist": "negotiation", "status": "failed", "error": {"code": "upstream.rejected"}}'),
        ("step", '{"index": 0, "specialist": "market_analysis", "status": "done", "cost_usd": 0.004}'),
        ("notice", '{"code": "upstream.plan_step_failed", "message": "The negotiation part could not be prepared"}'),
        ("delta", '{"text": "Comps first."}'),
        ("usage", '{"model": "claude-sonnet-5-5", "usage": {"input_tokens": 10, "output_tokens": 3}, "cost_usd": 0.002}'),
        ("done", '{"status": "complete", "message_id": "msg_1", "event_id": "evt_1", "conversation_id": "cv_1"}'),
    ]
    for name, data in events:
        answer.add(CoachEvent.parse(name, data, None))
    turn = answer.result()
    assert [(s["specialist"], s["status"]) for s in turn.steps] == [("market_analysis", "done"), ("negotiation", "failed")]
    assert turn.steps[0]["cost_usd"] == 0.004
    assert turn.notices[0]["code"] == "upstream.plan_step_failed"
    assert turn.text == "Comps first." and turn.cost_usd == 0.002
