"""Event handlers of the attendance service (event -> effect, inside the unit of work)."""

from __future__ import annotations

from typing import Any

from kairos_platform import ping


def event_handlers() -> dict[Any, Any]:
    return {**ping.HANDLERS}
