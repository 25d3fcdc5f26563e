"""``python -m kairos_payments http|consumer|relay|migrate``; the consumer also reconciles."""

import asyncio
import signal
import sys

from kairos_payments.bootstrap import bootstrap
from kairos_payments.entrypoints.jobs import run_consumer_with_jobs
from kairos_platform.logging import configure_logging
from kairos_platform.runtime import main


async def _consume() -> None:
    service = bootstrap()
    configure_logging(service.settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await run_consumer_with_jobs(service, stop)


if sys.argv[1:] == ["consumer"]:
    asyncio.run(_consume())
    sys.exit(0)
main(bootstrap)
