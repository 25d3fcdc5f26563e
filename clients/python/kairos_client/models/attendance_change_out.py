from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.attendance_change_out_changed_by import (
    AttendanceChangeOutChangedBy,
    check_attendance_change_out_changed_by,
)
from ..models.attendance_change_out_source import (
    AttendanceChangeOutSource,
    check_attendance_change_out_source,
)

T = TypeVar("T", bound="AttendanceChangeOut")


@_attrs_define
class AttendanceChangeOut:
    """One change of a session's mark: who, when, from what to what, and how.

    Attributes:
        after (bool):
        before (bool | None): null: it was not marked
        changed_at (datetime.datetime):
        changed_by (AttendanceChangeOutChangedBy):
        changed_by_user_id (None | UUID): null for the system
        source (AttendanceChangeOutSource):
    """

    after: bool
    before: bool | None
    changed_at: datetime.datetime
    changed_by: AttendanceChangeOutChangedBy
    changed_by_user_id: None | UUID
    source: AttendanceChangeOutSource
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        after = self.after

        before: bool | None
        before = self.before

        changed_at = self.changed_at.isoformat()

        changed_by: str = self.changed_by

        changed_by_user_id: None | str
        if isinstance(self.changed_by_user_id, UUID):
            changed_by_user_id = str(self.changed_by_user_id)
        else:
            changed_by_user_id = self.changed_by_user_id

        source: str = self.source

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "after": after,
                "before": before,
                "changed_at": changed_at,
                "changed_by": changed_by,
                "changed_by_user_id": changed_by_user_id,
                "source": source,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        after = d.pop("after")

        def _parse_before(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        before = _parse_before(d.pop("before"))

        changed_at = datetime.datetime.fromisoformat(d.pop("changed_at"))

        changed_by = check_attendance_change_out_changed_by(d.pop("changed_by"))

        def _parse_changed_by_user_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                changed_by_user_id_type_0 = UUID(data)

                return changed_by_user_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        changed_by_user_id = _parse_changed_by_user_id(d.pop("changed_by_user_id"))

        source = check_attendance_change_out_source(d.pop("source"))

        attendance_change_out = cls(
            after=after,
            before=before,
            changed_at=changed_at,
            changed_by=changed_by,
            changed_by_user_id=changed_by_user_id,
            source=source,
        )

        attendance_change_out.additional_properties = d
        return attendance_change_out

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
