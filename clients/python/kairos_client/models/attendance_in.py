from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AttendanceIn")


@_attrs_define
class AttendanceIn:
    """The mark a mentor gives (or corrects) once the session started.

    Attributes:
        attended (bool):
    """

    attended: bool

    def to_dict(self) -> dict[str, Any]:
        attended = self.attended

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "attended": attended,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attended = d.pop("attended")

        attendance_in = cls(
            attended=attended,
        )

        return attendance_in
