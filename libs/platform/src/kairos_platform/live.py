"""Live updates: Kafka events fanned out to server-sent-event clients, per user.

The HTTP process of a service runs one :class:`LiveHub`. Its consumer reads the given
topics with **no consumer group**: it assigns itself every partition and starts at their
end (so every HTTP replica sees every event, nothing is committed, and a replica that starts
does not replay history). Each event is routed to *audiences* (``"mentee:<uuid>"``,
``"provider:<uuid>"``, ...) by a function the service gives; the hub keeps a bounded ring of
the recent events of each audience, so a client that reconnects with ``Last-Event-ID`` gets
what it missed, or, when that id has left the ring (or this replica never saw it), an explicit
``reset`` telling it to refetch.

    hub = LiveHub(bootstrap, topics=[...], route=audiences_of)
    router = APIRouter(lifespan=hub.lifespan)           # started/stopped with the app
    ...
    return sse_response(hub, f"mentee:{caller.user_id}", request.headers.get("last-event-id"))

Wire format (``text/event-stream``): each event is ``id: <event_id>``, ``event: <type>``,
``data: {"event_id", "type", "occurred_at", "subject", "data"}``; a reset is
``event: reset`` with ``data: {"reason": ...}``; a comment line every ``heartbeat_s`` keeps
proxies from closing an idle stream. The event id (a UUID) rather than a per-process
counter is the SSE id so that a client may resume against any replica.

**Browsers.** ``EventSource`` cannot send an ``Authorization`` header. A client first asks
an authenticated route for a short-lived *stream token* (:class:`StreamTokens`: the caller's
user id and roles, an expiry, HMAC-SHA256 with a secret every replica shares) and opens the
stream with ``?token=...``; :func:`stream_principal` accepts that or the usual bearer header.
The token opens streams only: it is not a JWT and no other route reads it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import math
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import ValidationError
from starlette.responses import StreamingResponse

from kairos_contracts import Envelope
from kairos_platform.auth import KNOWN_ROLES, InvalidToken, Principal
from kairos_platform.problems import unauthorized

__all__ = [
    "LiveEvent",
    "LiveHub",
    "Reset",
    "StreamToken",
    "StreamTokens",
    "Subscription",
    "format_sse",
    "sse_response",
    "stream_principal",
]

log = logging.getLogger("kairos.live")

#: envelope -> the audiences that may see it
Router = Callable[[Envelope], Iterable[str]]


@dataclass(frozen=True, slots=True)
class LiveEvent:
    event_id: str
    type: str
    payload: dict[str, Any]

    @classmethod
    def of(cls, env: Envelope) -> LiveEvent:
        payload = {
            "event_id": str(env.event_id),
            "type": env.type,
            "occurred_at": env.occurred_at.isoformat(),
            "subject": env.subject,
            "data": env.data,
        }
        return cls(str(env.event_id), env.type, payload)


@dataclass(frozen=True, slots=True)
class Reset:
    reason: str


def format_sse(item: LiveEvent | Reset) -> bytes:
    if isinstance(item, Reset):
        return f"event: reset\ndata: {json.dumps({'reason': item.reason})}\n\n".encode()
    data = json.dumps(item.payload, separators=(",", ":"))
    return f"id: {item.event_id}\nevent: {item.type}\ndata: {data}\n\n".encode()


@dataclass(eq=False)
class Subscription:
    audience: str
    queue: asyncio.Queue[LiveEvent | Reset] = field(default_factory=asyncio.Queue)
    #: set when the client fell too far behind (its queue filled): it gets a reset
    overflowed: bool = False


class LiveHub:
    def __init__(
        self,
        bootstrap: str | None,
        topics: Sequence[str],
        route: Router,
        *,
        ring_size: int = 256,
        max_audiences: int = 10_000,
        queue_size: int = 1_000,
        # a screen can wait a few tens of ms; the local broker's idle polling cannot
        fetch_max_wait_ms: int = 500,
        client_id: str = "kairos-live",
    ) -> None:
        self.bootstrap = bootstrap
        self.topics = list(topics)
        self.route = route
        self.ring_size = ring_size
        self.max_audiences = max_audiences
        self.queue_size = queue_size
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.client_id = client_id
        self._rings: OrderedDict[str, deque[LiveEvent]] = OrderedDict()
        self._subs: dict[str, set[Subscription]] = {}
        self._task: asyncio.Task[None] | None = None
        #: set once the consumer has pinned its start positions (events after it are seen)
        self.ready = asyncio.Event()
        self.delivered = 0

    # -- fan-out (pure, no I/O) ----------------------------------------------------------

    def publish(self, env: Envelope) -> None:
        """Route one event to its audiences' rings and connected subscribers."""
        event = LiveEvent.of(env)
        for audience in set(self.route(env)):
            ring = self._rings.get(audience)
            if ring is None:
                ring = self._rings[audience] = deque(maxlen=self.ring_size)
                while len(self._rings) > self.max_audiences:
                    self._rings.popitem(last=False)  # the least recently active audience
            else:
                self._rings.move_to_end(audience)
            ring.append(event)
            for sub in tuple(self._subs.get(audience, ())):
                self._offer(sub, event)
        self.delivered += 1

    def _offer(self, sub: Subscription, item: LiveEvent | Reset) -> None:
        if sub.overflowed:
            return
        if sub.queue.qsize() >= self.queue_size:
            sub.overflowed = True
            sub.queue.put_nowait(Reset("too-far-behind"))
            return
        sub.queue.put_nowait(item)

    def subscribe(self, audience: str, last_event_id: str | None = None) -> Subscription:
        """Register a client; with ``last_event_id``, queue what it missed (or a reset).

        Synchronous on purpose: the replay and the registration happen with no event in
        between, so nothing is lost or doubled at the seam.
        """
        sub = Subscription(audience)
        if last_event_id:
            ring = list(self._rings.get(audience, ()))
            ids = [e.event_id for e in ring]
            if last_event_id in ids:
                for event in ring[ids.index(last_event_id) + 1 :]:
                    self._offer(sub, event)
            else:
                self._offer(sub, Reset("unknown-last-event-id"))
        self._subs.setdefault(audience, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.audience)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subs[sub.audience]

    @property
    def subscribers(self) -> int:
        return sum(len(s) for s in self._subs.values())

    # -- the consumer ---------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None and self.bootstrap:
            self._task = asyncio.create_task(self._run(), name="kairos-live-hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        """For ``APIRouter(lifespan=hub.lifespan)``: FastAPI merges it into the app's.

        Without a bootstrap of its own, the hub follows the app's broker
        (``app.state.settings.kafka_bootstrap_servers``).
        """
        if not self.bootstrap:
            settings = getattr(getattr(app, "state", None), "settings", None)
            self.bootstrap = getattr(settings, "kafka_bootstrap_servers", None)
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.ready.clear()
                log.warning("live updates: broker unavailable (%s); retrying", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _consume(self) -> None:
        from aiokafka import AIOKafkaConsumer

        from kairos_platform.messaging.kafka import topic_partitions

        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            client_id=self.client_id,
            group_id=None,  # no group: every replica reads everything, nothing committed
            enable_auto_commit=False,
            auto_offset_reset="latest",
            fetch_max_wait_ms=self.fetch_max_wait_ms,
        )
        try:
            await consumer.start()
            partitions = await topic_partitions(consumer, self.topics)
            if not partitions:
                raise RuntimeError(f"no partitions for {self.topics}")
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            for tp in partitions:
                await consumer.position(tp)  # pin "the end" now, not at the first fetch
            self.ready.set()
            log.info("live updates: following %d partitions from their end", len(partitions))
            while True:
                batches = await consumer.getmany(timeout_ms=1000, max_records=500)
                for records in batches.values():
                    for record in records:
                        self._handle(record.value)
        finally:
            self.ready.clear()
            await consumer.stop()

    def _handle(self, raw: bytes | None) -> None:
        if raw is None:
            return
        try:
            env = Envelope.from_json(raw)
        except ValidationError:
            log.warning("live updates: skipping an unreadable record")
            return
        try:
            self.publish(env)
        except Exception:
            log.exception("live updates: routing %s failed", env.type)


async def _stream(
    hub: LiveHub, audience: str, last_event_id: str | None, heartbeat_s: float, retry_ms: int
) -> AsyncIterator[bytes]:
    sub = hub.subscribe(audience, last_event_id)  # registered when the stream really starts
    try:
        # First bytes at once: the client knows it is subscribed (and its retry delay).
        yield f"retry: {retry_ms}\n: connected\n\n".encode()
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), heartbeat_s)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            yield format_sse(item)
            if isinstance(item, Reset) and sub.overflowed:
                return  # the client refetches and reconnects
    finally:
        hub.unsubscribe(sub)


async def sse_response(
    hub: LiveHub,
    audience: str,
    last_event_id: str | None,
    *,
    heartbeat_s: float = 15.0,
    retry_ms: int = 2000,
    ready_timeout_s: float = 5.0,
) -> StreamingResponse:
    """The ``text/event-stream`` response for one client of ``audience``.

    Raises ``TimeoutError`` when the hub is not following the broker yet (answer 503).
    """
    if not hub.ready.is_set():
        await asyncio.wait_for(hub.ready.wait(), ready_timeout_s)
    return StreamingResponse(
        _stream(hub, audience, last_event_id, heartbeat_s, retry_ms),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# -- stream tokens (EventSource cannot send an Authorization header) --------------------------

_TOKEN_VERSION = "lt1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class StreamTokens:
    """Short-lived tokens that open event streams: ``lt1.<claims>.<signature>``.

    The claims (base64url JSON) are the user id (``sub``), the roles and the expiry
    (``exp``, Unix seconds); the signature is HMAC-SHA256 over ``lt1.<claims>`` with
    ``secret``, so every replica sharing the secret accepts a token any of them issued.
    """

    def __init__(
        self, secret: str | bytes, *, ttl_s: int = 60, clock: Callable[[], float] = time.time
    ) -> None:
        key = secret.encode() if isinstance(secret, str) else secret
        if len(key) < 16:
            raise ValueError("a stream-token secret needs at least 16 bytes")
        self._key = key
        self.ttl_s = ttl_s
        self._clock = clock

    def _sign(self, signed: str) -> str:
        return _b64(hmac.new(self._key, signed.encode("ascii"), hashlib.sha256).digest())

    def issue(self, principal: Principal, ttl_s: int | None = None) -> tuple[str, datetime]:
        """A token for ``principal`` (its user id and roles) and when it expires: after
        ``ttl_s`` seconds when that is shorter than the configured life."""
        life = self.ttl_s if ttl_s is None else min(ttl_s, self.ttl_s)
        expires = math.ceil(self._clock() + life)
        claims = {"sub": str(principal.user_id), "roles": sorted(principal.roles), "exp": expires}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signed = f"{_TOKEN_VERSION}.{body}"
        return f"{signed}.{self._sign(signed)}", datetime.fromtimestamp(expires, UTC)

    def verify(self, token: str) -> Principal:
        """The principal a token speaks for; :class:`InvalidToken` when it is malformed,
        forged (signed with another secret, or altered) or expired."""
        version, _, rest = token.partition(".")
        body, _, signature = rest.partition(".")
        if version != _TOKEN_VERSION or not body or not signature:
            raise InvalidToken("The stream token is malformed.")
        if not hmac.compare_digest(self._sign(f"{version}.{body}"), signature):
            raise InvalidToken("The stream token's signature is invalid.")
        try:
            claims = json.loads(_unb64(body))
            user_id = uuid.UUID(str(claims["sub"]))
            roles = claims["roles"]
            expires = float(claims["exp"])
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise InvalidToken("The stream token is malformed.") from exc
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise InvalidToken("The stream token is malformed.")
        if expires <= self._clock():
            raise InvalidToken("The stream token has expired; ask for a new one.")
        return Principal(
            user_id=user_id,
            roles=frozenset(roles) & KNOWN_ROLES,
            claims={"sub": str(user_id), "roles": roles, "exp": expires},
        )


#: The ``?token=`` query parameter of a stream route.
StreamToken = Annotated[
    str | None,
    Query(
        max_length=1024,
        description="A stream token (POST /live/tokens), for clients that cannot "
        "send an Authorization header, such as a browser's EventSource.",
    ),
]


def stream_principal(
    tokens: StreamTokens, token: str | None, bearer: Principal | None
) -> Principal:
    """The caller of a stream route: from ``token`` (a stream token made by ``tokens``) or,
    without one, from the bearer header; a 401 problem when neither is valid. Roles are
    checked by the route. A service's dependency calls it with its own ``StreamTokens``:

        async def _stream_caller(ctx: Ctx, bearer: OptionalUser, token: StreamToken = None):
            return stream_principal(ctx.stream_tokens, token, bearer)
    """
    if token is not None:
        try:
            return tokens.verify(token)
        except InvalidToken as exc:
            raise unauthorized(
                str(exc), slug="invalid-stream-token", error="invalid_token"
            ) from exc
    if bearer is None:
        raise unauthorized(
            "A bearer token, or a stream token as ?token=, is required.", slug="missing-token"
        )
    return bearer
