from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.marked_out_marked_by_type_0 import (
    MarkedOutMarkedByType0,
    check_marked_out_marked_by_type_0,
)
from ..models.marked_out_status import MarkedOutStatus, check_marked_out_status

T = TypeVar("T", bound="MarkedOut")


@_attrs_define
class MarkedOut:
    """The session after a mentor's mark; ``changed`` is false for the same mark again.

    Attributes:
        attended (bool | None): null until someone (or the sweep) marks it
        booking_id (UUID):
        changed (bool):
        ends_at (datetime.datetime):
        marked_by (MarkedOutMarkedByType0 | None): system (a join inside the window, or the absence sweep), mentor,
            admin
        starts_at (datetime.datetime):
        status (MarkedOutStatus):
        title (str):
    """

    attended: bool | None
    booking_id: UUID
    changed: bool
    ends_at: datetime.datetime
    marked_by: MarkedOutMarkedByType0 | None
    starts_at: datetime.datetime
    status: MarkedOutStatus
    title: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attended: bool | None
        attended = self.attended

        booking_id = str(self.booking_id)

        changed = self.changed

        ends_at = self.ends_at.isoformat()

        marked_by: None | str
        if isinstance(self.marked_by, str):
            marked_by = self.marked_by
        else:
            marked_by = self.marked_by

        starts_at = self.starts_at.isoformat()

        status: str = self.status

        title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attended": attended,
                "booking_id": booking_id,
                "changed": changed,
                "ends_at": ends_at,
                "marked_by": marked_by,
                "starts_at": starts_at,
                "status": status,
                "title": title,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_attended(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        attended = _parse_attended(d.pop("attended"))

        booking_id = UUID(d.pop("booking_id"))

        changed = d.pop("changed")

        ends_at = datetime.datetime.fromisoformat(d.pop("ends_at"))

        def _parse_marked_by(data: object) -> MarkedOutMarkedByType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                marked_by_type_0 = check_marked_out_marked_by_type_0(data)

                return marked_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MarkedOutMarkedByType0 | None, data)

        marked_by = _parse_marked_by(d.pop("marked_by"))

        starts_at = datetime.datetime.fromisoformat(d.pop("starts_at"))

        status = check_marked_out_status(d.pop("status"))

        title = d.pop("title")

        marked_out = cls(
            attended=attended,
            booking_id=booking_id,
            changed=changed,
            ends_at=ends_at,
            marked_by=marked_by,
            starts_at=starts_at,
            status=status,
            title=title,
        )

        marked_out.additional_properties = d
        return marked_out

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
