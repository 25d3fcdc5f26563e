from typing import Literal

Actor = Literal["admin", "mentee", "mentor", "system"]

ACTOR_VALUES: set[Actor] = {
    "admin",
    "mentee",
    "mentor",
    "system",
}


def check_actor(value: str) -> Actor:
    if value in ACTOR_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ACTOR_VALUES!r}")
