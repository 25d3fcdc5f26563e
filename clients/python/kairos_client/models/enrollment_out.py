from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.enrollment_out_status import EnrollmentOutStatus, check_enrollment_out_status

if TYPE_CHECKING:
    from ..models.booking_out import BookingOut
    from ..models.cycle_out import CycleOut
    from ..models.enrolled_offering_out import EnrolledOfferingOut


T = TypeVar("T", bound="EnrollmentOut")


@_attrs_define
class EnrollmentOut:
    """
    Attributes:
        current_cycle (CycleOut | None):
        enrollment_id (UUID):
        offering (EnrolledOfferingOut):
        status (EnrollmentOutStatus):
        subscription_id (UUID):
        unsubscribed_at (datetime.datetime | None):
        upcoming_sessions (list[BookingOut]):
    """

    current_cycle: CycleOut | None
    enrollment_id: UUID
    offering: EnrolledOfferingOut
    status: EnrollmentOutStatus
    subscription_id: UUID
    unsubscribed_at: datetime.datetime | None
    upcoming_sessions: list[BookingOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.cycle_out import CycleOut  # noqa: PLC0415

        current_cycle: dict[str, Any] | None
        if isinstance(self.current_cycle, CycleOut):
            current_cycle = self.current_cycle.to_dict()
        else:
            current_cycle = self.current_cycle

        enrollment_id = str(self.enrollment_id)

        offering = self.offering.to_dict()

        status: str = self.status

        subscription_id = str(self.subscription_id)

        unsubscribed_at: None | str
        if isinstance(self.unsubscribed_at, datetime.datetime):
            unsubscribed_at = self.unsubscribed_at.isoformat()
        else:
            unsubscribed_at = self.unsubscribed_at

        upcoming_sessions = []
        for upcoming_sessions_item_data in self.upcoming_sessions:
            upcoming_sessions_item = upcoming_sessions_item_data.to_dict()
            upcoming_sessions.append(upcoming_sessions_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "current_cycle": current_cycle,
                "enrollment_id": enrollment_id,
                "offering": offering,
                "status": status,
                "subscription_id": subscription_id,
                "unsubscribed_at": unsubscribed_at,
                "upcoming_sessions": upcoming_sessions,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.booking_out import BookingOut  # noqa: PLC0415
        from ..models.cycle_out import CycleOut  # noqa: PLC0415
        from ..models.enrolled_offering_out import EnrolledOfferingOut  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_current_cycle(data: object) -> CycleOut | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                current_cycle_type_0 = CycleOut.from_dict(data)

                return current_cycle_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CycleOut | None, data)

        current_cycle = _parse_current_cycle(d.pop("current_cycle"))

        enrollment_id = UUID(d.pop("enrollment_id"))

        offering = EnrolledOfferingOut.from_dict(d.pop("offering"))

        status = check_enrollment_out_status(d.pop("status"))

        subscription_id = UUID(d.pop("subscription_id"))

        def _parse_unsubscribed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                unsubscribed_at_type_0 = datetime.datetime.fromisoformat(data)

                return unsubscribed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        unsubscribed_at = _parse_unsubscribed_at(d.pop("unsubscribed_at"))

        upcoming_sessions = []
        _upcoming_sessions = d.pop("upcoming_sessions")
        for upcoming_sessions_item_data in _upcoming_sessions:
            upcoming_sessions_item = BookingOut.from_dict(upcoming_sessions_item_data)

            upcoming_sessions.append(upcoming_sessions_item)

        enrollment_out = cls(
            current_cycle=current_cycle,
            enrollment_id=enrollment_id,
            offering=offering,
            status=status,
            subscription_id=subscription_id,
            unsubscribed_at=unsubscribed_at,
            upcoming_sessions=upcoming_sessions,
        )

        enrollment_out.additional_properties = d
        return enrollment_out

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
