from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.standing import Standing, check_standing

if TYPE_CHECKING:
    from ..models.mentee_out import MenteeOut
    from ..models.session_out import SessionOut


T = TypeVar("T", bound="SubscriberOut")


@_attrs_define
class SubscriberOut:
    """One subscriber of a mentor: their standing and their last sessions (newest first).

    Attributes:
        absences (int): Absences in this enrollment, ever.
        current_streak (int): Absences in a row, now.
        enrollment_id (UUID):
        last_sessions (list[SessionOut]):
        mentee (MenteeOut):
        reprobated_at (datetime.datetime | None): The reprobation in force, if any.
        status (Standing):
    """

    absences: int
    current_streak: int
    enrollment_id: UUID
    last_sessions: list[SessionOut]
    mentee: MenteeOut
    reprobated_at: datetime.datetime | None
    status: Standing
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        absences = self.absences

        current_streak = self.current_streak

        enrollment_id = str(self.enrollment_id)

        last_sessions = []
        for last_sessions_item_data in self.last_sessions:
            last_sessions_item = last_sessions_item_data.to_dict()
            last_sessions.append(last_sessions_item)

        mentee = self.mentee.to_dict()

        reprobated_at: None | str
        if isinstance(self.reprobated_at, datetime.datetime):
            reprobated_at = self.reprobated_at.isoformat()
        else:
            reprobated_at = self.reprobated_at

        status: str = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "absences": absences,
                "current_streak": current_streak,
                "enrollment_id": enrollment_id,
                "last_sessions": last_sessions,
                "mentee": mentee,
                "reprobated_at": reprobated_at,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mentee_out import MenteeOut  # noqa: PLC0415
        from ..models.session_out import SessionOut  # noqa: PLC0415

        d = dict(src_dict)
        absences = d.pop("absences")

        current_streak = d.pop("current_streak")

        enrollment_id = UUID(d.pop("enrollment_id"))

        last_sessions = []
        _last_sessions = d.pop("last_sessions")
        for last_sessions_item_data in _last_sessions:
            last_sessions_item = SessionOut.from_dict(last_sessions_item_data)

            last_sessions.append(last_sessions_item)

        mentee = MenteeOut.from_dict(d.pop("mentee"))

        def _parse_reprobated_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reprobated_at_type_0 = datetime.datetime.fromisoformat(data)

                return reprobated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        reprobated_at = _parse_reprobated_at(d.pop("reprobated_at"))

        status = check_standing(d.pop("status"))

        subscriber_out = cls(
            absences=absences,
            current_streak=current_streak,
            enrollment_id=enrollment_id,
            last_sessions=last_sessions,
            mentee=mentee,
            reprobated_at=reprobated_at,
            status=status,
        )

        subscriber_out.additional_properties = d
        return subscriber_out

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
