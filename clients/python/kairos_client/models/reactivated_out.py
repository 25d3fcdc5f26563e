from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.standing import Standing, check_standing

T = TypeVar("T", bound="ReactivatedOut")


@_attrs_define
class ReactivatedOut:
    """The enrollment back in standing.

    Attributes:
        enrollment_id (UUID):
        reactivated_at (datetime.datetime):
        status (Standing):
    """

    enrollment_id: UUID
    reactivated_at: datetime.datetime
    status: Standing
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        enrollment_id = str(self.enrollment_id)

        reactivated_at = self.reactivated_at.isoformat()

        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "enrollment_id": enrollment_id,
                "reactivated_at": reactivated_at,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        enrollment_id = UUID(d.pop("enrollment_id"))

        reactivated_at = datetime.datetime.fromisoformat(d.pop("reactivated_at"))

        status = check_standing(d.pop("status"))

        reactivated_out = cls(
            enrollment_id=enrollment_id,
            reactivated_at=reactivated_at,
            status=status,
        )

        reactivated_out.additional_properties = d
        return reactivated_out

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
