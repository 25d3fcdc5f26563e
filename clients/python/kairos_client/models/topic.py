from typing import Literal

Topic = Literal["confirmations", "reminders"]

TOPIC_VALUES: set[Topic] = {
    "confirmations",
    "reminders",
}


def check_topic(value: str) -> Topic:
    if value in TOPIC_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {TOPIC_VALUES!r}")
