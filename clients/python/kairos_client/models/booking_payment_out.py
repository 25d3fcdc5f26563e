from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.line_kind import LineKind, check_line_kind
from ..models.payment_method import PaymentMethod, check_payment_method

if TYPE_CHECKING:
    from ..models.decline_out import DeclineOut
    from ..models.refund_out import RefundOut


T = TypeVar("T", bound="BookingPaymentOut")


@_attrs_define
class BookingPaymentOut:
    """A payment of a booking: its checkout (``card`` or ``credits``), or the subscription
    cycle that paid a programme session (``kind: cycle``; its amount is the whole cycle's).
    ``refunds`` are those made for this booking; ``refunded_minor`` and
    ``credits_returned`` sum the ones made already.

        Attributes:
            amount_minor (int):
            booking_id (None | UUID):
            charged_minor (int):
            created_at (datetime.datetime):
            credits_returned (int):
            credits_spent (int | None):
            currency (str):
            cycle_number (int | None):
            decline (DeclineOut | None):
            hold_id (None | UUID):
            kind (LineKind):
            method (PaymentMethod): How a payment is made; it decides what capture, void and refund mean.
            payer_id (UUID):
            payment_id (UUID):
            payment_intent_id (None | str): The PaymentIntent of a checkout or credit pack (null for a cycle).
            refunded_minor (int):
            refunds (list[RefundOut]):
            status (str):
            subscription_id (None | UUID):
    """

    amount_minor: int
    booking_id: None | UUID
    charged_minor: int
    created_at: datetime.datetime
    credits_returned: int
    credits_spent: int | None
    currency: str
    cycle_number: int | None
    decline: DeclineOut | None
    hold_id: None | UUID
    kind: LineKind
    method: PaymentMethod
    payer_id: UUID
    payment_id: UUID
    payment_intent_id: None | str
    refunded_minor: int
    refunds: list[RefundOut]
    status: str
    subscription_id: None | UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.decline_out import DeclineOut  # noqa: PLC0415

        amount_minor = self.amount_minor

        booking_id: None | str
        if isinstance(self.booking_id, UUID):
            booking_id = str(self.booking_id)
        else:
            booking_id = self.booking_id

        charged_minor = self.charged_minor

        created_at = self.created_at.isoformat()

        credits_returned = self.credits_returned

        credits_spent: int | None
        credits_spent = self.credits_spent

        currency = self.currency

        cycle_number: int | None
        cycle_number = self.cycle_number

        decline: dict[str, Any] | None
        if isinstance(self.decline, DeclineOut):
            decline = self.decline.to_dict()
        else:
            decline = self.decline

        hold_id: None | str
        if isinstance(self.hold_id, UUID):
            hold_id = str(self.hold_id)
        else:
            hold_id = self.hold_id

        kind: str = self.kind

        method: str = self.method

        payer_id = str(self.payer_id)

        payment_id = str(self.payment_id)

        payment_intent_id: None | str
        payment_intent_id = self.payment_intent_id

        refunded_minor = self.refunded_minor

        refunds = []
        for refunds_item_data in self.refunds:
            refunds_item = refunds_item_data.to_dict()
            refunds.append(refunds_item)

        status = self.status

        subscription_id: None | str
        if isinstance(self.subscription_id, UUID):
            subscription_id = str(self.subscription_id)
        else:
            subscription_id = self.subscription_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "booking_id": booking_id,
                "charged_minor": charged_minor,
                "created_at": created_at,
                "credits_returned": credits_returned,
                "credits_spent": credits_spent,
                "currency": currency,
                "cycle_number": cycle_number,
                "decline": decline,
                "hold_id": hold_id,
                "kind": kind,
                "method": method,
                "payer_id": payer_id,
                "payment_id": payment_id,
                "payment_intent_id": payment_intent_id,
                "refunded_minor": refunded_minor,
                "refunds": refunds,
                "status": status,
                "subscription_id": subscription_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.decline_out import DeclineOut  # noqa: PLC0415
        from ..models.refund_out import RefundOut  # noqa: PLC0415

        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        def _parse_booking_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                booking_id_type_0 = UUID(data)

                return booking_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        booking_id = _parse_booking_id(d.pop("booking_id"))

        charged_minor = d.pop("charged_minor")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        credits_returned = d.pop("credits_returned")

        def _parse_credits_spent(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        credits_spent = _parse_credits_spent(d.pop("credits_spent"))

        currency = d.pop("currency")

        def _parse_cycle_number(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        cycle_number = _parse_cycle_number(d.pop("cycle_number"))

        def _parse_decline(data: object) -> DeclineOut | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                decline_type_0 = DeclineOut.from_dict(data)

                return decline_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeclineOut | None, data)

        decline = _parse_decline(d.pop("decline"))

        def _parse_hold_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                hold_id_type_0 = UUID(data)

                return hold_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        hold_id = _parse_hold_id(d.pop("hold_id"))

        kind = check_line_kind(d.pop("kind"))

        method = check_payment_method(d.pop("method"))

        payer_id = UUID(d.pop("payer_id"))

        payment_id = UUID(d.pop("payment_id"))

        def _parse_payment_intent_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        payment_intent_id = _parse_payment_intent_id(d.pop("payment_intent_id"))

        refunded_minor = d.pop("refunded_minor")

        refunds = []
        _refunds = d.pop("refunds")
        for refunds_item_data in _refunds:
            refunds_item = RefundOut.from_dict(refunds_item_data)

            refunds.append(refunds_item)

        status = d.pop("status")

        def _parse_subscription_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                subscription_id_type_0 = UUID(data)

                return subscription_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        subscription_id = _parse_subscription_id(d.pop("subscription_id"))

        booking_payment_out = cls(
            amount_minor=amount_minor,
            booking_id=booking_id,
            charged_minor=charged_minor,
            created_at=created_at,
            credits_returned=credits_returned,
            credits_spent=credits_spent,
            currency=currency,
            cycle_number=cycle_number,
            decline=decline,
            hold_id=hold_id,
            kind=kind,
            method=method,
            payer_id=payer_id,
            payment_id=payment_id,
            payment_intent_id=payment_intent_id,
            refunded_minor=refunded_minor,
            refunds=refunds,
            status=status,
            subscription_id=subscription_id,
        )

        booking_payment_out.additional_properties = d
        return booking_payment_out

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
