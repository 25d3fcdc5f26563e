"""Run localstripe with its state in a file of our choosing (or nowhere).

    python -m kairos_localstack.localstripe_server --port P [--state-file F]

localstripe's ``Store`` pickles its whole state to the hard-coded ``/tmp/localstripe.pickle``
on every write and loads it at start: every instance on the machine would share (and
clobber) one file, and each write gets slower as the state grows. We patch the two methods
before serving: with --state-file the state is loaded from F at start and written to F
(atomically, coalesced to at most one write per --dump-interval seconds, plus once at exit);
without it nothing touches disk.

We serve localstripe's own aiohttp ``app`` but bind 127.0.0.1 ourselves: its ``start()``
listens on every interface (``::``) and parses argv we do not control.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import pickle
import socket
from pathlib import Path
from typing import Any


def patch_store(state_file: Path | None, dump_interval: float = 0.2) -> None:
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-file", type=Path, default=None)
    parser.add_argument("--dump-interval", type=float, default=0.2)
    args = parser.parse_args(argv)

    patch_store(args.state_file, args.dump_interval)
    from aiohttp import web
    from localstripe import resources, server

    resources.store.try_load_from_disk()

    async def flush(_app: web.Application) -> None:
        if args.state_file is not None:
            resources.Store._kairos_flush(resources.store)

    server.app.on_cleanup.append(flush)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    logging.basicConfig(level=logging.INFO)
    web.run_app(server.app, sock=sock, access_log=logging.getLogger("aiohttp.access"))


if __name__ == "__main__":
    main()
