from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeadLetterOut")


@_attrs_define
class DeadLetterOut:
    """A record this service's consumer gave up on (also parked on ``<topic>.dlq``).

    Attributes:
        attempts (int):
        dead_lettered_at (datetime.datetime):
        error (str): The last failure, as the consumer logged it.
        event_id (UUID):
        event_type (None | str): Null when the record could not be read.
        key (None | str): The record's Kafka key.
        offset (int):
        partition (int):
        redrivable (bool): False for a record that is not a readable envelope: re-driving it would only fail again.
        topic (str):
    """

    attempts: int
    dead_lettered_at: datetime.datetime
    error: str
    event_id: UUID
    event_type: None | str
    key: None | str
    offset: int
    partition: int
    redrivable: bool
    topic: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        dead_lettered_at = self.dead_lettered_at.isoformat()

        error = self.error

        event_id = str(self.event_id)

        event_type: None | str
        event_type = self.event_type

        key: None | str
        key = self.key

        offset = self.offset

        partition = self.partition

        redrivable = self.redrivable

        topic = self.topic

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "dead_lettered_at": dead_lettered_at,
                "error": error,
                "event_id": event_id,
                "event_type": event_type,
                "key": key,
                "offset": offset,
                "partition": partition,
                "redrivable": redrivable,
                "topic": topic,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        dead_lettered_at = datetime.datetime.fromisoformat(d.pop("dead_lettered_at"))

        error = d.pop("error")

        event_id = UUID(d.pop("event_id"))

        def _parse_event_type(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        event_type = _parse_event_type(d.pop("event_type"))

        def _parse_key(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        key = _parse_key(d.pop("key"))

        offset = d.pop("offset")

        partition = d.pop("partition")

        redrivable = d.pop("redrivable")

        topic = d.pop("topic")

        dead_letter_out = cls(
            attempts=attempts,
            dead_lettered_at=dead_lettered_at,
            error=error,
            event_id=event_id,
            event_type=event_type,
            key=key,
            offset=offset,
            partition=partition,
            redrivable=redrivable,
            topic=topic,
        )

        dead_letter_out.additional_properties = d
        return dead_letter_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
