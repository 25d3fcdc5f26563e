"""Python's cyclic garbage collector, tuned for the two shapes our processes have.

* Batch transactions (the consumer's batch handlers, attendance's sweep) allocate tens to
  hundreds of objects per record that all live until the transaction ends, and reference
  counting frees them then. The cyclic collector would keep promoting and rescanning them
  in full collections, a large share of the sweep's and of booking's PaymentVerified
  batches' CPU (bench/README.md). It is paused while such a batch runs and runs as usual
  in between.
* An HTTP process's start-up objects (modules, ORM and pydantic schemas, routes) never die;
  frozen out of the collector's generations, a full collection scans only what requests
  made. Unfrozen, each full collection paused booking's HTTP process long enough to set
  the slot query's p99 (bench/README.md).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# One counter per process: batches of any kind may overlap in one event loop, and the
# collector comes back only when the last of them ends.
_paused = 0


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; a collector someone else turned off stays
    off."""
    global _paused
    if _paused == 0 and not gc.isenabled():
        yield
        return
    _paused += 1
    gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()


def freeze_startup_heap() -> None:
    """Collect once, then move everything alive now out of the collector's reach."""
    gc.collect()
    gc.freeze()
