from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="HoldIn")


@_attrs_define
class HoldIn:
    """
    Attributes:
        offering_id (UUID):
        starts_at (datetime.datetime): an instant with its UTC offset, from 2000-01-01 to 2100-12-31 (UTC)
    """

    offering_id: UUID
    starts_at: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        offering_id = str(self.offering_id)

        starts_at = self.starts_at.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "offering_id": offering_id,
                "starts_at": starts_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        offering_id = UUID(d.pop("offering_id"))

        starts_at = datetime.datetime.fromisoformat(d.pop("starts_at"))

        hold_in = cls(
            offering_id=offering_id,
            starts_at=starts_at,
        )

        return hold_in
