"""The official anthropic Python SDK (2.10, unchanged) with the proxy as its base URL: what a team's
existing Python service gets by changing one setting. Sync and async clients, streaming text and
tool use, token counting, typed errors, and agent context through the x-porchlight-agent header.
"""

import time

import anthropic
import httpx2
import pytest

HAIKU = "claude-haiku-5-5"
SONNET = "claude-sonnet-5-5"
ASK = [{"role": "user", "content": "Buyer wants to wait for rates to drop"}]
SHOWING_TOOL = {
    "name": "schedule_showing", "description": "Book a showing",
    "input_schema": {"type": "object", "properties": {"address": {"type": "string"}, "date": {"type": "string"}},
                     "required": ["address", "date"]},
}


def client(proxy_url, key, **options) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=proxy_url, api_key=key, max_retries=0, **options)


def settings(proxy_url, key, body) -> None:
    r = httpx2.put(f"{proxy_url}/v1/settings", json=body, headers={"x-api-key": key})
    assert r.status_code == 200, r.text


def test_create(proxy_url, location, fake):
    sent_by_sdk = []
    http = anthropic.DefaultHttpxClient(event_hooks={"request": [sent_by_sdk.append]})
    message = client(proxy_url, location["sk"], http_client=http).messages.create(model=HAIKU, max_tokens=200, messages=ASK)
    assert message.type == "message" and message.role == "assistant"
    assert "wait for rates" in message.content[0].text
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    assert message.stop_reason == "end_turn"
    sent = fake.last_messages_request()
    assert sent["headers"]["anthropic-version"] == sent_by_sdk[0].headers["anthropic-version"], "the SDK's version is forwarded"
    assert sent["body"]["messages"] == ASK


def test_streaming_text(proxy_url, location):
    with client(proxy_url, location["sk"]).messages.stream(
            model=SONNET, max_tokens=300, messages=[{"role": "user", "content": "Script for a first call with a relocation lead"}]) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert len(pieces) > 3, "the text came in pieces"
    assert final.content[0].text == "".join(pieces)
    assert final.stop_reason == "end_turn"


def test_streaming_tool_use_with_input_json_delta(proxy_url, location):
    with client(proxy_url, location["sk"]).messages.stream(
            model=SONNET, max_tokens=500, tools=[SHOWING_TOOL], tool_choice={"type": "tool", "name": "schedule_showing"},
            messages=[{"role": "user", "content": "Book 12 Elm St for Saturday"}]) as stream:
        deltas = [e.delta.partial_json for e in stream
                  if e.type == "content_block_delta" and e.delta.type == "input_json_delta"]
        final = stream.get_final_message()
    tool = next(b for b in final.content if b.type == "tool_use")
    assert tool.name == "schedule_showing"
    assert isinstance(tool.input["address"], str) and isinstance(tool.input["date"], str)
    assert len(deltas) >= 2, "the input arrived as several input_json_delta chunks"
    assert "".join(deltas).startswith("{")
    assert final.stop_reason == "tool_use"


def test_count_tokens(proxy_url, location):
    counted = client(proxy_url, location["sk"]).messages.count_tokens(model=SONNET, messages=ASK)
    assert counted.input_tokens > 0
    longer = client(proxy_url, location["sk"]).messages.count_tokens(
        model=SONNET, messages=[{"role": "user", "content": ASK[0]["content"] * 20}])
    assert longer.input_tokens > counted.input_tokens


@pytest.mark.anyio
async def test_async_client(proxy_url, location):
    async with anthropic.AsyncAnthropic(base_url=proxy_url, api_key=location["sk"], max_retries=0) as c:
        message = await c.messages.create(model=HAIKU, max_tokens=100, messages=ASK)
        assert "wait for rates" in message.content[0].text
        async with c.messages.stream(model=HAIKU, max_tokens=200, tools=[SHOWING_TOOL],
                                     tool_choice={"type": "tool", "name": "schedule_showing"},
                                     messages=[{"role": "user", "content": "Book 4 Oak Ave"}]) as stream:
            deltas = [e async for e in stream if e.type == "content_block_delta" and e.delta.type == "input_json_delta"]
            final = await stream.get_final_message()
        assert len(deltas) >= 2 and final.content[-1].type == "tool_use"
        counted = await c.messages.count_tokens(model=HAIKU, messages=ASK)
        assert counted.input_tokens > 0
        with pytest.raises(anthropic.AuthenticationError):
            await anthropic.AsyncAnthropic(base_url=proxy_url, api_key="sk_" + "x" * 40, max_retries=0).messages.create(
                model=HAIKU, max_tokens=10, messages=ASK)


def test_authentication_error(proxy_url):
    with pytest.raises(anthropic.AuthenticationError) as caught:
        client(proxy_url, "sk_wrong" + "x" * 35).messages.create(model=HAIKU, max_tokens=10, messages=ASK)
    assert caught.value.status_code == 401
    assert caught.value.body["error"]["code"] == "auth.invalid_key"
    assert caught.value.request_id, "the proxy's request id reaches the SDK"
    assert "sk_wrong" not in str(caught.value), "the key is not echoed back"


def test_upstream_errors_are_typed(proxy_url, location, fake):
    fake.script({"status": 400, "error_type": "invalid_request_error", "error_message": "messages: bad"})
    with pytest.raises(anthropic.BadRequestError, match="messages: bad"):
        client(proxy_url, location["sk"]).messages.create(model=HAIKU, max_tokens=10, messages=ASK)


def test_rate_limit_error_with_retry_after(proxy_url, env):
    sk = env["locations"]["limits"]["sk"]
    settings(proxy_url, sk, {"rate_limits": {"key_requests": 1}})
    c = client(proxy_url, sk)
    with pytest.raises(anthropic.RateLimitError) as caught:
        for _ in range(3):  # one request a minute: the second is refused (the first, too, after other tests)
            c.messages.create(model=HAIKU, max_tokens=10, messages=ASK)
    e = caught.value
    assert e.status_code == 429
    assert e.body["error"]["code"] == "limits.key_requests"
    assert 1 <= int(e.response.headers["retry-after"]) <= 60
    assert e.response.headers["x-should-retry"] == "true", "the SDK may wait retry-after and try again"


def test_budget_refusal_is_a_status_error_the_sdk_does_not_retry(proxy_url, env, fake):
    sk = env["locations"]["budget"]["sk"]
    settings(proxy_url, sk, {"monthly_budget_usd": 0.000001})
    c = client(proxy_url, sk)
    deadline = time.monotonic() + 10
    while True:  # the first call spends more than the budget, which counts once the usage ledger has it
        try:
            c.messages.create(model=HAIKU, max_tokens=10, messages=ASK)
        except anthropic.APIStatusError as e:
            refusal = e
            break
        assert time.monotonic() < deadline, "the budget never refused"
        time.sleep(0.2)
    assert refusal.status_code == 429
    assert refusal.body["error"]["code"] == "budget.exhausted"
    assert int(refusal.response.headers["retry-after"]) > 60, "it lasts until the month turns"
    # anthropic 2.10 sleeps for all of a retry-after unless told not to retry.
    assert refusal.response.headers["x-should-retry"] == "false"
    # With its default retries (two) the SDK asks once: retrying within seconds cannot succeed.
    attempts = []
    counting = anthropic.DefaultHttpxClient(event_hooks={"request": [attempts.append]})
    before = len(fake.requests())
    with pytest.raises(anthropic.APIStatusError):
        anthropic.Anthropic(base_url=proxy_url, api_key=sk, http_client=counting).messages.create(
            model=HAIKU, max_tokens=10, messages=ASK)
    assert len(attempts) == 1, f"the SDK asked {len(attempts)} times"
    assert len(fake.requests()) == before, "nothing reached Claude"


def test_agent_context_through_the_header(proxy_url, location, fake):
    with_agent = client(proxy_url, location["sk"], default_headers={"x-porchlight-agent": "agent-1"})
    with_agent.messages.create(model=HAIKU, max_tokens=100, system="Be brief.",
                               messages=[{"role": "user", "content": "What should I ask a new lead?"}])
    system = fake.last_messages_request()["body"]["system"]
    assert "You are Porchlight" in system[0]["text"]
    assert "Dana Whitfield" in "".join(block["text"] for block in system), "the agent's profile is in the context"
    assert system[-1]["text"] == "Be brief.", "the caller's system prompt comes last"
    with pytest.raises(anthropic.NotFoundError):
        client(proxy_url, location["sk"], default_headers={"x-porchlight-agent": "nobody"}).messages.create(
            model=HAIKU, max_tokens=10, messages=ASK)


def test_models(proxy_url, location):
    c = client(proxy_url, location["sk"])
    first = c.models.list(limit=3)
    assert len(first.data) == 3 and all(m.type == "model" for m in first.data)
    everything = [m.id for m in c.models.list(limit=3)]  # the SDK follows the pages (after_id)
    assert len(everything) > 3 and len(set(everything)) == len(everything)
    assert HAIKU in everything
    assert c.models.retrieve(HAIKU).id == HAIKU
    with pytest.raises(anthropic.NotFoundError):
        c.models.retrieve("claude-nothing-1")
