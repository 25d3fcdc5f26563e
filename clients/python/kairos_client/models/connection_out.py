from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.connection_out_kind import ConnectionOutKind, check_connection_out_kind
from ..models.connection_out_status import ConnectionOutStatus, check_connection_out_status

T = TypeVar("T", bound="ConnectionOut")


@_attrs_define
class ConnectionOut:
    """A connected calendar and how its syncing goes (never its credentials).

    Attributes:
        calendar (str): The CalDAV collection URL, or the Google calendar id.
        connection_id (UUID):
        failures (int): Failures in a row (0 after a success).
        kind (ConnectionOutKind):
        last_error (None | str):
        last_error_at (datetime.datetime | None):
        last_synced_at (datetime.datetime | None):
        status (ConnectionOutStatus): broken after too many failures in a row: test it (or reconnect).
        user_id (UUID):
    """

    calendar: str
    connection_id: UUID
    failures: int
    kind: ConnectionOutKind
    last_error: None | str
    last_error_at: datetime.datetime | None
    last_synced_at: datetime.datetime | None
    status: ConnectionOutStatus
    user_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        calendar = self.calendar

        connection_id = str(self.connection_id)

        failures = self.failures

        kind: str = self.kind

        last_error: None | str
        last_error = self.last_error

        last_error_at: None | str
        if isinstance(self.last_error_at, datetime.datetime):
            last_error_at = self.last_error_at.isoformat()
        else:
            last_error_at = self.last_error_at

        last_synced_at: None | str
        if isinstance(self.last_synced_at, datetime.datetime):
            last_synced_at = self.last_synced_at.isoformat()
        else:
            last_synced_at = self.last_synced_at

        status: str = self.status

        user_id = str(self.user_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "calendar": calendar,
                "connection_id": connection_id,
                "failures": failures,
                "kind": kind,
                "last_error": last_error,
                "last_error_at": last_error_at,
                "last_synced_at": last_synced_at,
                "status": status,
                "user_id": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        calendar = d.pop("calendar")

        connection_id = UUID(d.pop("connection_id"))

        failures = d.pop("failures")

        kind = check_connection_out_kind(d.pop("kind"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_last_error_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_error_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_error_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_error_at = _parse_last_error_at(d.pop("last_error_at"))

        def _parse_last_synced_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_synced_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_synced_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_synced_at = _parse_last_synced_at(d.pop("last_synced_at"))

        status = check_connection_out_status(d.pop("status"))

        user_id = UUID(d.pop("user_id"))

        connection_out = cls(
            calendar=calendar,
            connection_id=connection_id,
            failures=failures,
            kind=kind,
            last_error=last_error,
            last_error_at=last_error_at,
            last_synced_at=last_synced_at,
            status=status,
            user_id=user_id,
        )

        connection_out.additional_properties = d
        return connection_out

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
