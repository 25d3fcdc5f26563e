"""LiveHub fan-out, resume from the ring and resets, with events published directly."""

import asyncio
import uuid
from typing import Any

from kairos_contracts import Envelope
from kairos_platform.live import LiveEvent, LiveHub, Reset, format_sse, sse_response


def env(user: str, type_: str = "BookingConfirmed") -> Envelope:
    return Envelope(
        type=type_,
        version=1,
        source="booking",
        subject=str(uuid.uuid4()),
        correlation_id=uuid.uuid4(),
        data={"user": user},
    )


def hub(**kw: Any) -> LiveHub:
    return LiveHub(None, ["t"], lambda e: [f"user:{e.data['user']}"], **kw)


def drain(sub: Any) -> list[Any]:
    out = []
    while not sub.queue.empty():
        out.append(sub.queue.get_nowait())
    return out


def test_events_reach_only_their_audience() -> None:
    h = hub()
    a, b = h.subscribe("user:a"), h.subscribe("user:b")
    first = env("a")
    h.publish(first)
    h.publish(env("c"))
    got = drain(a)
    assert [e.event_id for e in got] == [str(first.event_id)]
    assert drain(b) == []


def test_resume_replays_exactly_what_came_after_the_last_id() -> None:
    h = hub()
    sent = [env("a") for _ in range(5)]
    for e in sent:
        h.publish(e)
    sub = h.subscribe("user:a", last_event_id=str(sent[1].event_id))
    assert [e.event_id for e in drain(sub)] == [str(e.event_id) for e in sent[2:]]
    # After the replay, live events keep coming, none doubled.
    later = env("a")
    h.publish(later)
    assert [e.event_id for e in drain(sub)] == [str(later.event_id)]
    # Up to date: nothing to replay.
    assert drain(h.subscribe("user:a", last_event_id=str(later.event_id))) == []


def test_an_id_gone_from_the_ring_or_unknown_gets_a_reset() -> None:
    h = hub(ring_size=3)
    sent = [env("a") for _ in range(5)]
    for e in sent:
        h.publish(e)
    assert drain(h.subscribe("user:a", last_event_id=str(sent[0].event_id))) == [
        Reset("unknown-last-event-id")
    ]
    assert drain(h.subscribe("user:b", last_event_id="nope")) == [Reset("unknown-last-event-id")]
    kept = drain(h.subscribe("user:a", last_event_id=str(sent[2].event_id)))
    assert [e.event_id for e in kept] == [str(e.event_id) for e in sent[3:]]


def test_rings_are_bounded_in_number_too() -> None:
    h = hub(max_audiences=2)
    for user in "abc":
        h.publish(env(user))
    assert list(h._rings) == ["user:b", "user:c"]


def test_a_slow_client_gets_one_reset_instead_of_unbounded_memory() -> None:
    h = hub(queue_size=3)
    sub = h.subscribe("user:a")
    for _ in range(10):
        h.publish(env("a"))
    got = drain(sub)
    assert len(got) == 4 and got[-1] == Reset("too-far-behind")


def test_wire_format() -> None:
    e = env("a", "BookingCancelled")
    text = format_sse(LiveEvent.of(e)).decode()
    assert text.startswith(f"id: {e.event_id}\nevent: BookingCancelled\ndata: {{")
    assert text.endswith("\n\n") and text.count("\n") == 4
    assert format_sse(Reset("x")) == b'event: reset\ndata: {"reason": "x"}\n\n'


async def test_the_sse_response_streams_replay_and_live_events_then_unsubscribes() -> None:
    h = hub()
    h.publish(env("a"))
    h.ready.set()
    resp = await sse_response(h, "user:a", "unknown", heartbeat_s=0.05)
    assert resp.media_type == "text/event-stream"
    chunks: Any = resp.body_iterator
    assert (await anext(chunks)).startswith(b"retry: 2000\n")
    assert h.subscribers == 1  # subscribed before the first bytes went out
    assert await anext(chunks) == format_sse(Reset("unknown-last-event-id"))
    assert await anext(chunks) == b": keep-alive\n\n"
    live = env("a")
    h.publish(live)
    assert await anext(chunks) == format_sse(LiveEvent.of(live))
    await chunks.aclose()  # the client went away
    assert h.subscribers == 0


async def test_not_following_the_broker_yet_times_out() -> None:
    h = hub()
    try:
        await sse_response(h, "user:a", None, ready_timeout_s=0.05)
    except TimeoutError:
        return
    raise AssertionError("expected TimeoutError")


def test_hub_without_broker_never_starts() -> None:
    h = hub()
    asyncio.run(h.start())
    assert h._task is None
