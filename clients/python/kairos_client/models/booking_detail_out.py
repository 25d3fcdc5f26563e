from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.booking_detail_out_payment_method import (
    BookingDetailOutPaymentMethod,
    check_booking_detail_out_payment_method,
)
from ..models.booking_detail_out_status import (
    BookingDetailOutStatus,
    check_booking_detail_out_status,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.booker_out import BookerOut


T = TypeVar("T", bound="BookingDetailOut")


@_attrs_define
class BookingDetailOut:
    """One booking read by id: what ``BookingOut`` says, and who booked it.

    Attributes:
        amount_minor (int):
        booked_by (BookerOut): Who booked: their user id, and the name and e-mail their token carried when booking
            last heard of them (null when it carried none).
        booking_id (UUID):
        currency (str):
        ends_at (datetime.datetime):
        local_start (datetime.datetime): The start in the provider's zone.
        mentee_id (UUID):
        offering_id (UUID):
        offering_title (str):
        payment_id (UUID):
        payment_method (BookingDetailOutPaymentMethod):
        provider_id (UUID):
        provider_name (str):
        provider_time_zone (str):
        sequence (int): Grows with each change (calendars use it).
        starts_at (datetime.datetime):
        status (BookingDetailOutStatus):
        cancel_note (None | str | Unset):
        cancel_reason (None | str | Unset):
        cancelled_at (datetime.datetime | None | Unset):
        cancelled_by (None | str | Unset):
        cycle_ends_at (datetime.datetime | None | Unset):
        cycle_number (int | None | Unset):
        cycle_starts_at (datetime.datetime | None | Unset):
        enrollment_id (None | Unset | UUID):
        hold_id (None | Unset | UUID):
        local_date (datetime.date | None | Unset):
        refund (Literal['pending'] | None | Unset): In a cancellation's answer: the refund is made by payments after it.
        refund_amount_minor (int | None | Unset): What the cancellation gives back: exactly what moves.
        subscription_id (None | Unset | UUID):
    """

    amount_minor: int
    booked_by: BookerOut
    booking_id: UUID
    currency: str
    ends_at: datetime.datetime
    local_start: datetime.datetime
    mentee_id: UUID
    offering_id: UUID
    offering_title: str
    payment_id: UUID
    payment_method: BookingDetailOutPaymentMethod
    provider_id: UUID
    provider_name: str
    provider_time_zone: str
    sequence: int
    starts_at: datetime.datetime
    status: BookingDetailOutStatus
    cancel_note: None | str | Unset = UNSET
    cancel_reason: None | str | Unset = UNSET
    cancelled_at: datetime.datetime | None | Unset = UNSET
    cancelled_by: None | str | Unset = UNSET
    cycle_ends_at: datetime.datetime | None | Unset = UNSET
    cycle_number: int | None | Unset = UNSET
    cycle_starts_at: datetime.datetime | None | Unset = UNSET
    enrollment_id: None | Unset | UUID = UNSET
    hold_id: None | Unset | UUID = UNSET
    local_date: datetime.date | None | Unset = UNSET
    refund: Literal["pending"] | None | Unset = UNSET
    refund_amount_minor: int | None | Unset = UNSET
    subscription_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        booked_by = self.booked_by.to_dict()

        booking_id = str(self.booking_id)

        currency = self.currency

        ends_at = self.ends_at.isoformat()

        local_start = self.local_start.isoformat()

        mentee_id = str(self.mentee_id)

        offering_id = str(self.offering_id)

        offering_title = self.offering_title

        payment_id = str(self.payment_id)

        payment_method: str = self.payment_method

        provider_id = str(self.provider_id)

        provider_name = self.provider_name

        provider_time_zone = self.provider_time_zone

        sequence = self.sequence

        starts_at = self.starts_at.isoformat()

        status: str = self.status

        cancel_note: None | str | Unset
        if isinstance(self.cancel_note, Unset):
            cancel_note = UNSET
        else:
            cancel_note = self.cancel_note

        cancel_reason: None | str | Unset
        if isinstance(self.cancel_reason, Unset):
            cancel_reason = UNSET
        else:
            cancel_reason = self.cancel_reason

        cancelled_at: None | str | Unset
        if isinstance(self.cancelled_at, Unset):
            cancelled_at = UNSET
        elif isinstance(self.cancelled_at, datetime.datetime):
            cancelled_at = self.cancelled_at.isoformat()
        else:
            cancelled_at = self.cancelled_at

        cancelled_by: None | str | Unset
        if isinstance(self.cancelled_by, Unset):
            cancelled_by = UNSET
        else:
            cancelled_by = self.cancelled_by

        cycle_ends_at: None | str | Unset
        if isinstance(self.cycle_ends_at, Unset):
            cycle_ends_at = UNSET
        elif isinstance(self.cycle_ends_at, datetime.datetime):
            cycle_ends_at = self.cycle_ends_at.isoformat()
        else:
            cycle_ends_at = self.cycle_ends_at

        cycle_number: int | None | Unset
        if isinstance(self.cycle_number, Unset):
            cycle_number = UNSET
        else:
            cycle_number = self.cycle_number

        cycle_starts_at: None | str | Unset
        if isinstance(self.cycle_starts_at, Unset):
            cycle_starts_at = UNSET
        elif isinstance(self.cycle_starts_at, datetime.datetime):
            cycle_starts_at = self.cycle_starts_at.isoformat()
        else:
            cycle_starts_at = self.cycle_starts_at

        enrollment_id: None | str | Unset
        if isinstance(self.enrollment_id, Unset):
            enrollment_id = UNSET
        elif isinstance(self.enrollment_id, UUID):
            enrollment_id = str(self.enrollment_id)
        else:
            enrollment_id = self.enrollment_id

        hold_id: None | str | Unset
        if isinstance(self.hold_id, Unset):
            hold_id = UNSET
        elif isinstance(self.hold_id, UUID):
            hold_id = str(self.hold_id)
        else:
            hold_id = self.hold_id

        local_date: None | str | Unset
        if isinstance(self.local_date, Unset):
            local_date = UNSET
        elif isinstance(self.local_date, datetime.date):
            local_date = self.local_date.isoformat()
        else:
            local_date = self.local_date

        refund: Literal["pending"] | None | Unset
        if isinstance(self.refund, Unset):
            refund = UNSET
        else:
            refund = self.refund

        refund_amount_minor: int | None | Unset
        if isinstance(self.refund_amount_minor, Unset):
            refund_amount_minor = UNSET
        else:
            refund_amount_minor = self.refund_amount_minor

        subscription_id: None | str | Unset
        if isinstance(self.subscription_id, Unset):
            subscription_id = UNSET
        elif isinstance(self.subscription_id, UUID):
            subscription_id = str(self.subscription_id)
        else:
            subscription_id = self.subscription_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "booked_by": booked_by,
                "booking_id": booking_id,
                "currency": currency,
                "ends_at": ends_at,
                "local_start": local_start,
                "mentee_id": mentee_id,
                "offering_id": offering_id,
                "offering_title": offering_title,
                "payment_id": payment_id,
                "payment_method": payment_method,
                "provider_id": provider_id,
                "provider_name": provider_name,
                "provider_time_zone": provider_time_zone,
                "sequence": sequence,
                "starts_at": starts_at,
                "status": status,
            }
        )
        if cancel_note is not UNSET:
            field_dict["cancel_note"] = cancel_note
        if cancel_reason is not UNSET:
            field_dict["cancel_reason"] = cancel_reason
        if cancelled_at is not UNSET:
            field_dict["cancelled_at"] = cancelled_at
        if cancelled_by is not UNSET:
            field_dict["cancelled_by"] = cancelled_by
        if cycle_ends_at is not UNSET:
            field_dict["cycle_ends_at"] = cycle_ends_at
        if cycle_number is not UNSET:
            field_dict["cycle_number"] = cycle_number
        if cycle_starts_at is not UNSET:
            field_dict["cycle_starts_at"] = cycle_starts_at
        if enrollment_id is not UNSET:
            field_dict["enrollment_id"] = enrollment_id
        if hold_id is not UNSET:
            field_dict["hold_id"] = hold_id
        if local_date is not UNSET:
            field_dict["local_date"] = local_date
        if refund is not UNSET:
            field_dict["refund"] = refund
        if refund_amount_minor is not UNSET:
            field_dict["refund_amount_minor"] = refund_amount_minor
        if subscription_id is not UNSET:
            field_dict["subscription_id"] = subscription_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.booker_out import BookerOut  # noqa: PLC0415

        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        booked_by = BookerOut.from_dict(d.pop("booked_by"))

        booking_id = UUID(d.pop("booking_id"))

        currency = d.pop("currency")

        ends_at = datetime.datetime.fromisoformat(d.pop("ends_at"))

        local_start = datetime.datetime.fromisoformat(d.pop("local_start"))

        mentee_id = UUID(d.pop("mentee_id"))

        offering_id = UUID(d.pop("offering_id"))

        offering_title = d.pop("offering_title")

        payment_id = UUID(d.pop("payment_id"))

        payment_method = check_booking_detail_out_payment_method(d.pop("payment_method"))

        provider_id = UUID(d.pop("provider_id"))

        provider_name = d.pop("provider_name")

        provider_time_zone = d.pop("provider_time_zone")

        sequence = d.pop("sequence")

        starts_at = datetime.datetime.fromisoformat(d.pop("starts_at"))

        status = check_booking_detail_out_status(d.pop("status"))

        def _parse_cancel_note(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cancel_note = _parse_cancel_note(d.pop("cancel_note", UNSET))

        def _parse_cancel_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cancel_reason = _parse_cancel_reason(d.pop("cancel_reason", UNSET))

        def _parse_cancelled_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                cancelled_at_type_0 = datetime.datetime.fromisoformat(data)

                return cancelled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        cancelled_at = _parse_cancelled_at(d.pop("cancelled_at", UNSET))

        def _parse_cancelled_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cancelled_by = _parse_cancelled_by(d.pop("cancelled_by", UNSET))

        def _parse_cycle_ends_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                cycle_ends_at_type_0 = datetime.datetime.fromisoformat(data)

                return cycle_ends_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        cycle_ends_at = _parse_cycle_ends_at(d.pop("cycle_ends_at", UNSET))

        def _parse_cycle_number(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        cycle_number = _parse_cycle_number(d.pop("cycle_number", UNSET))

        def _parse_cycle_starts_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                cycle_starts_at_type_0 = datetime.datetime.fromisoformat(data)

                return cycle_starts_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        cycle_starts_at = _parse_cycle_starts_at(d.pop("cycle_starts_at", UNSET))

        def _parse_enrollment_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                enrollment_id_type_0 = UUID(data)

                return enrollment_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        enrollment_id = _parse_enrollment_id(d.pop("enrollment_id", UNSET))

        def _parse_hold_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                hold_id_type_0 = UUID(data)

                return hold_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        hold_id = _parse_hold_id(d.pop("hold_id", UNSET))

        def _parse_local_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                local_date_type_0 = datetime.date.fromisoformat(data)

                return local_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        local_date = _parse_local_date(d.pop("local_date", UNSET))

        def _parse_refund(data: object) -> Literal["pending"] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            refund_type_0 = cast(Literal["pending"], data)
            if refund_type_0 != "pending":
                raise ValueError(f"refund_type_0 must match const 'pending', got '{refund_type_0}'")
            return refund_type_0
            return cast(Literal["pending"] | None | Unset, data)

        refund = _parse_refund(d.pop("refund", UNSET))

        def _parse_refund_amount_minor(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        refund_amount_minor = _parse_refund_amount_minor(d.pop("refund_amount_minor", UNSET))

        def _parse_subscription_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                subscription_id_type_0 = UUID(data)

                return subscription_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        subscription_id = _parse_subscription_id(d.pop("subscription_id", UNSET))

        booking_detail_out = cls(
            amount_minor=amount_minor,
            booked_by=booked_by,
            booking_id=booking_id,
            currency=currency,
            ends_at=ends_at,
            local_start=local_start,
            mentee_id=mentee_id,
            offering_id=offering_id,
            offering_title=offering_title,
            payment_id=payment_id,
            payment_method=payment_method,
            provider_id=provider_id,
            provider_name=provider_name,
            provider_time_zone=provider_time_zone,
            sequence=sequence,
            starts_at=starts_at,
            status=status,
            cancel_note=cancel_note,
            cancel_reason=cancel_reason,
            cancelled_at=cancelled_at,
            cancelled_by=cancelled_by,
            cycle_ends_at=cycle_ends_at,
            cycle_number=cycle_number,
            cycle_starts_at=cycle_starts_at,
            enrollment_id=enrollment_id,
            hold_id=hold_id,
            local_date=local_date,
            refund=refund,
            refund_amount_minor=refund_amount_minor,
            subscription_id=subscription_id,
        )

        booking_detail_out.additional_properties = d
        return booking_detail_out

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
