from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.checkout_out_method import CheckoutOutMethod, check_checkout_out_method
from ..models.payment_status import PaymentStatus, check_payment_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.decline_out import DeclineOut


T = TypeVar("T", bound="CheckoutOut")


@_attrs_define
class CheckoutOut:
    """A checkout: one payment for one hold. ``client_secret`` (for Stripe.js) and
    ``intent_status`` are given by the calls that looked at Stripe (create, confirmation),
    not by a read. ``decline`` is the last refusal while the payment is still open.

        Attributes:
            amount_minor (int):
            currency (str):
            hold_id (UUID):
            method (CheckoutOutMethod):
            payment_id (UUID):
            status (PaymentStatus):
            balance_after (int | None | Unset): The credit balance after a credit payment made now.
            client_secret (None | str | Unset):
            credits_spent (int | None | Unset):
            decline (DeclineOut | None | Unset):
            intent_status (None | str | Unset):
            payment_intent_id (None | str | Unset):
    """

    amount_minor: int
    currency: str
    hold_id: UUID
    method: CheckoutOutMethod
    payment_id: UUID
    status: PaymentStatus
    balance_after: int | None | Unset = UNSET
    client_secret: None | str | Unset = UNSET
    credits_spent: int | None | Unset = UNSET
    decline: DeclineOut | None | Unset = UNSET
    intent_status: None | str | Unset = UNSET
    payment_intent_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.decline_out import DeclineOut  # noqa: PLC0415

        amount_minor = self.amount_minor

        currency = self.currency

        hold_id = str(self.hold_id)

        method: str = self.method

        payment_id = str(self.payment_id)

        status: str = self.status

        balance_after: int | None | Unset
        if isinstance(self.balance_after, Unset):
            balance_after = UNSET
        else:
            balance_after = self.balance_after

        client_secret: None | str | Unset
        if isinstance(self.client_secret, Unset):
            client_secret = UNSET
        else:
            client_secret = self.client_secret

        credits_spent: int | None | Unset
        if isinstance(self.credits_spent, Unset):
            credits_spent = UNSET
        else:
            credits_spent = self.credits_spent

        decline: dict[str, Any] | None | Unset
        if isinstance(self.decline, Unset):
            decline = UNSET
        elif isinstance(self.decline, DeclineOut):
            decline = self.decline.to_dict()
        else:
            decline = self.decline

        intent_status: None | str | Unset
        if isinstance(self.intent_status, Unset):
            intent_status = UNSET
        else:
            intent_status = self.intent_status

        payment_intent_id: None | str | Unset
        if isinstance(self.payment_intent_id, Unset):
            payment_intent_id = UNSET
        else:
            payment_intent_id = self.payment_intent_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "currency": currency,
                "hold_id": hold_id,
                "method": method,
                "payment_id": payment_id,
                "status": status,
            }
        )
        if balance_after is not UNSET:
            field_dict["balance_after"] = balance_after
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret
        if credits_spent is not UNSET:
            field_dict["credits_spent"] = credits_spent
        if decline is not UNSET:
            field_dict["decline"] = decline
        if intent_status is not UNSET:
            field_dict["intent_status"] = intent_status
        if payment_intent_id is not UNSET:
            field_dict["payment_intent_id"] = payment_intent_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.decline_out import DeclineOut  # noqa: PLC0415

        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        currency = d.pop("currency")

        hold_id = UUID(d.pop("hold_id"))

        method = check_checkout_out_method(d.pop("method"))

        payment_id = UUID(d.pop("payment_id"))

        status = check_payment_status(d.pop("status"))

        def _parse_balance_after(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        balance_after = _parse_balance_after(d.pop("balance_after", UNSET))

        def _parse_client_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_secret = _parse_client_secret(d.pop("client_secret", UNSET))

        def _parse_credits_spent(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        credits_spent = _parse_credits_spent(d.pop("credits_spent", UNSET))

        def _parse_decline(data: object) -> DeclineOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                decline_type_0 = DeclineOut.from_dict(data)

                return decline_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeclineOut | None | Unset, data)

        decline = _parse_decline(d.pop("decline", UNSET))

        def _parse_intent_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        intent_status = _parse_intent_status(d.pop("intent_status", UNSET))

        def _parse_payment_intent_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        payment_intent_id = _parse_payment_intent_id(d.pop("payment_intent_id", UNSET))

        checkout_out = cls(
            amount_minor=amount_minor,
            currency=currency,
            hold_id=hold_id,
            method=method,
            payment_id=payment_id,
            status=status,
            balance_after=balance_after,
            client_secret=client_secret,
            credits_spent=credits_spent,
            decline=decline,
            intent_status=intent_status,
            payment_intent_id=payment_intent_id,
        )

        checkout_out.additional_properties = d
        return checkout_out

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
