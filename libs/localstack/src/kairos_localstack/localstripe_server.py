"""Run localstripe with its state in a file of our choosing (or nowhere).

    python -m kairos_localstack.localstripe_server --port P [--state-file F]

localstripe's ``Store`` pickles its whole state to the hard-coded ``/tmp/localstripe.pickle``
on every write and loads it at start: every instance on the machine would share (and
clobber) one file, and each write gets slower as the state grows. We patch the two methods
before serving: with --state-file the state is loaded from F at start and written to F
(atomically, coalesced to at most one write per --dump-interval seconds, plus once at exit);
without it nothing touches disk.

localstripe also lists the objects of a type by scanning every key of its store, and it
does so for each charge of a PaymentIntent it shows (the charge's refunds, three times):
every read grew with the state, until at a few thousand payments it could not answer 50
a second. ``index_by_type`` keeps the objects per type and lists from there.

``act_like_stripe`` makes two PaymentIntent behaviours what Stripe's are: a manual-capture
authorization sends ``payment_intent.amount_capturable_updated`` (localstripe sends
nothing, so a card confirmed in the browser was seen only by reconciliation), and
``confirm`` takes a ``payment_method`` (localstripe answers 500), so a declined card can be
replaced by another on the same PaymentIntent; and Stripe's generic decline card
(4000000000000002) is declined when charged, as Stripe does (localstripe declines it only when
attached to a customer).

``serve_stripe_js`` completes localstripe's Stripe.js stand-in (``/js.stripe.com/v3/``, what
the web app loads locally instead of Stripe's script) where it is a stub: its
``createPaymentMethod`` does nothing and its ``confirmCardPayment`` ignores the card. The
script served is localstripe's own followed by ``stripe_js_extension.js``, which creates the
payment method from the card element (``POST /v1/payment_methods``) and confirms the
PaymentIntent with it (``POST /v1/payment_intents/<id>/confirm`` with its client secret), as
Stripe.js does; both are allowed with a publishable key (``pk_...``), the confirmation only
with the PaymentIntent's own client secret, as on Stripe.

We serve localstripe's own aiohttp ``app`` but bind 127.0.0.1 ourselves: its ``start()``
listens on every interface (``::``) and parses argv we do not control.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pickle
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler, Middleware

#: Stripe's test card that is always declined (``card_declined``, a generic decline)
GENERIC_DECLINE_CARD = "4000000000000002"


def patch_store(state_file: Path | None, dump_interval: float = 1.0) -> None:
    """Redirect (or disable) localstripe's pickle dump; must run before the server starts."""
    from localstripe import resources

    store_cls: Any = resources.Store
    pending: dict[str, asyncio.TimerHandle | None] = {"timer": None}

    def write_now(store: Any) -> None:
        pending["timer"] = None
        if state_file is None:
            return
        tmp = state_file.with_name(state_file.name + ".tmp")
        with open(tmp, "wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, state_file)

    def dump_to_disk(self: Any) -> None:
        if state_file is None or pending["timer"] is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            write_now(self)
            return
        pending["timer"] = loop.call_later(dump_interval, write_now, self)

    def try_load_from_disk(self: Any) -> None:
        if state_file is None or not state_file.exists():
            return
        with open(state_file, "rb") as f:
            old = pickle.load(f)
        dict.clear(self)  # plain dict methods: do not trigger a dump while loading
        dict.update(self, old)

    store_cls.dump_to_disk = dump_to_disk
    store_cls.try_load_from_disk = try_load_from_disk
    store_cls._kairos_flush = write_now
    index_by_type()


def index_by_type() -> None:
    """Keep localstripe's objects per type (the key's prefix, ``charge:ch_...``), in store
    order, and make its base listing read them there instead of scanning the whole store."""
    from localstripe import resources

    store_cls: Any = resources.Store
    by_type: dict[str, dict[str, Any]] = {}

    def rebuild(store: Any) -> None:
        by_type.clear()
        for key, value in store.items():
            by_type.setdefault(key.split(":", 1)[0], {})[key] = value

    def setitem(self: Any, key: str, value: Any) -> None:
        dict.__setitem__(self, key, value)
        by_type.setdefault(key.split(":", 1)[0], {})[key] = value
        self.dump_to_disk()

    def delitem(self: Any, key: str) -> None:
        dict.__delitem__(self, key)
        del by_type[key.split(":", 1)[0]][key]
        self.dump_to_disk()

    def list_all(
        cls: Any, /, url: str, limit: Any = None, starting_after: Any = None, **kwargs: Any
    ) -> Any:
        if kwargs:  # as localstripe's own
            raise resources.UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        listed = resources.List(url, limit=limit, starting_after=starting_after)
        listed._list = list(by_type.get(cls.object, {}).values())
        return listed

    loader = store_cls.try_load_from_disk

    def load_and_index(self: Any) -> None:
        loader(self)
        rebuild(self)

    store_cls.__setitem__ = setitem
    store_cls.__delitem__ = delitem
    store_cls.try_load_from_disk = load_and_index
    resources.StripeObject._api_list_all = classmethod(list_all)
    rebuild(resources.store)


def act_like_stripe() -> None:
    """Patch localstripe's PaymentIntent where it departs from Stripe (module docstring)."""
    from localstripe import resources

    intent_cls: Any = resources.PaymentIntent
    create_charge = intent_cls._create_charge
    confirm = intent_cls._api_confirm.__func__

    def create_charge_and_tell(self: Any, on_failure_now: Any) -> None:
        create_charge(self, on_failure_now)  # a decline raises here (402), as before
        if self.status == "requires_capture":
            event = resources.Event("payment_intent.amount_capturable_updated", self)
            resources.schedule_webhook(event)

    def confirm_with_method(
        cls: Any,
        /,
        id: Any,
        payment_method: Any = None,
        client_secret: Any = None,
        use_stripe_sdk: Any = None,
        **kwargs: Any,
    ) -> Any:
        if client_secret is not None:  # from the browser (Stripe.js): its own secret only
            if client_secret != cls._api_retrieve(id).client_secret:
                raise resources.UserError(401, "Unauthorized")
        if payment_method is not None:
            intent = cls._api_retrieve(id)
            if intent.status not in ("requires_payment_method", "requires_confirmation"):
                raise resources.UserError(400, "This PaymentIntent cannot be confirmed now.")
            resources.PaymentMethod._api_retrieve(payment_method)  # 404 if unknown
            # Stripe makes a new charge with the new method; the declined one stays listed.
            intent.payment_method, intent.latest_charge = payment_method, None
            intent._authentication_failed = False
        return confirm(cls, id, **kwargs)

    method_cls: Any = resources.PaymentMethod
    charging_is_declined: Callable[[Any], bool] = method_cls._charging_is_declined

    def declined_like_stripe(self: Any) -> bool:
        generic = self.type == "card" and self._card_number == GENERIC_DECLINE_CARD
        return generic or charging_is_declined(self)

    intent_cls._create_charge = create_charge_and_tell
    intent_cls._api_confirm = classmethod(confirm_with_method)
    method_cls._charging_is_declined = declined_like_stripe
    # The routes are made from this list when localstripe's server module is imported.
    confirm_url = "/v1/payment_intents/{id}/confirm"
    resources.extra_apis[:] = [
        (method, url, intent_cls._api_confirm if url == confirm_url else func)
        for method, url, func in resources.extra_apis
    ]


#: what the browser may call with a publishable key (besides localstripe's own list)
PUBLISHABLE_PATHS = re.compile(r"^/v1/(payment_methods|payment_intents/\w+/confirm)$")
STRIPE_JS_PATH = "/js.stripe.com/v3/"
STRIPE_JS_EXTENSION = Path(__file__).with_name("stripe_js_extension.js")


def serve_stripe_js(app: Any) -> None:
    """localstripe's Stripe.js stand-in, completed (module docstring); before ``app`` runs."""
    from aiohttp import web
    from localstripe import server

    script = Path(server.__file__).with_name("localstripe-v3.js").read_text()
    script += "\n" + STRIPE_JS_EXTENSION.read_text()

    @web.middleware
    async def stripe_js(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "GET" and request.path == STRIPE_JS_PATH:
            return web.Response(text=script, content_type="application/javascript")
        return await handler(request)

    @web.middleware
    async def publishable_key(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST" and PUBLISHABLE_PATHS.match(request.path):
            data = await server.get_post_data(request, remove_auth=False)
            key = data.get("key") if isinstance(data, dict) else None
            if isinstance(key, str) and key.startswith("pk_") and len(key) > 5:
                return await handler(request)
        authenticated: Middleware = server.auth_middleware
        return await authenticated(request, handler)

    middlewares = app.middlewares
    middlewares[middlewares.index(server.auth_middleware)] = publishable_key
    middlewares.insert(0, stripe_js)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-file", type=Path, default=None)
    # each write pickles the whole state, which grows with every payment, so writing often
    # costs the paid bench's CPU (bench/README.md); a crash loses at most this much of the
    # fake's state (an exit flushes it)
    parser.add_argument("--dump-interval", type=float, default=1.0)
    args = parser.parse_args(argv)

    patch_store(args.state_file, args.dump_interval)
    act_like_stripe()
    from aiohttp import web
    from localstripe import resources, server

    resources.store.try_load_from_disk()

    async def flush(_app: web.Application) -> None:
        if args.state_file is not None:
            resources.Store._kairos_flush(resources.store)

    server.app.on_cleanup.append(flush)
    serve_stripe_js(server.app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    logging.basicConfig(level=logging.INFO)
    web.run_app(server.app, sock=sock, access_log=logging.getLogger("aiohttp.access"))


if __name__ == "__main__":
    main()
