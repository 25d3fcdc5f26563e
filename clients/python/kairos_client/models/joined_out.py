from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.joined_out_marked_by_type_0 import (
    JoinedOutMarkedByType0,
    check_joined_out_marked_by_type_0,
)
from ..models.joined_out_status import JoinedOutStatus, check_joined_out_status

T = TypeVar("T", bound="JoinedOut")


@_attrs_define
class JoinedOut:
    """The session joined: attended, and where to meet.

    Attributes:
        attended (bool | None): null until someone (or the sweep) marks it
        booking_id (UUID):
        ends_at (datetime.datetime):
        marked_by (JoinedOutMarkedByType0 | None): system (a join inside the window, or the absence sweep), mentor,
            admin
        meeting_url (None | str): The offering's meeting room, if it has one.
        starts_at (datetime.datetime):
        status (JoinedOutStatus):
        title (str):
    """

    attended: bool | None
    booking_id: UUID
    ends_at: datetime.datetime
    marked_by: JoinedOutMarkedByType0 | None
    meeting_url: None | str
    starts_at: datetime.datetime
    status: JoinedOutStatus
    title: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attended: bool | None
        attended = self.attended

        booking_id = str(self.booking_id)

        ends_at = self.ends_at.isoformat()

        marked_by: None | str
        if isinstance(self.marked_by, str):
            marked_by = self.marked_by
        else:
            marked_by = self.marked_by

        meeting_url: None | str
        meeting_url = self.meeting_url

        starts_at = self.starts_at.isoformat()

        status: str = self.status

        title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attended": attended,
                "booking_id": booking_id,
                "ends_at": ends_at,
                "marked_by": marked_by,
                "meeting_url": meeting_url,
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

        ends_at = datetime.datetime.fromisoformat(d.pop("ends_at"))

        def _parse_marked_by(data: object) -> JoinedOutMarkedByType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                marked_by_type_0 = check_joined_out_marked_by_type_0(data)

                return marked_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JoinedOutMarkedByType0 | None, data)

        marked_by = _parse_marked_by(d.pop("marked_by"))

        def _parse_meeting_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        meeting_url = _parse_meeting_url(d.pop("meeting_url"))

        starts_at = datetime.datetime.fromisoformat(d.pop("starts_at"))

        status = check_joined_out_status(d.pop("status"))

        title = d.pop("title")

        joined_out = cls(
            attended=attended,
            booking_id=booking_id,
            ends_at=ends_at,
            marked_by=marked_by,
            meeting_url=meeting_url,
            starts_at=starts_at,
            status=status,
            title=title,
        )

        joined_out.additional_properties = d
        return joined_out

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
