from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.actor import Actor, check_actor
from ..models.subscription_status import SubscriptionStatus, check_subscription_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.period_out import PeriodOut


T = TypeVar("T", bound="SubscriptionOut")


@_attrs_define
class SubscriptionOut:
    """A subscription to a recurring offering. ``current_period`` is the last paid cycle;
    ``offering_title`` is null only while the offering is not known here.

        Attributes:
            amount_minor (int):
            cancelled_by (Actor | None): Who unsubscribed (while unsubscribed).
            currency (str):
            current_period (None | PeriodOut):
            mentee_id (UUID):
            offering_id (UUID):
            status (SubscriptionStatus):
            stripe_subscription_id (None | str):
            subscription_id (UUID):
            unsubscribed_at (datetime.datetime | None):
            offering_title (None | str | Unset):
    """

    amount_minor: int
    cancelled_by: Actor | None
    currency: str
    current_period: None | PeriodOut
    mentee_id: UUID
    offering_id: UUID
    status: SubscriptionStatus
    stripe_subscription_id: None | str
    subscription_id: UUID
    unsubscribed_at: datetime.datetime | None
    offering_title: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.period_out import PeriodOut  # noqa: PLC0415

        amount_minor = self.amount_minor

        cancelled_by: None | str
        if isinstance(self.cancelled_by, str):
            cancelled_by = self.cancelled_by
        else:
            cancelled_by = self.cancelled_by

        currency = self.currency

        current_period: dict[str, Any] | None
        if isinstance(self.current_period, PeriodOut):
            current_period = self.current_period.to_dict()
        else:
            current_period = self.current_period

        mentee_id = str(self.mentee_id)

        offering_id = str(self.offering_id)

        status: str = self.status

        stripe_subscription_id: None | str
        stripe_subscription_id = self.stripe_subscription_id

        subscription_id = str(self.subscription_id)

        unsubscribed_at: None | str
        if isinstance(self.unsubscribed_at, datetime.datetime):
            unsubscribed_at = self.unsubscribed_at.isoformat()
        else:
            unsubscribed_at = self.unsubscribed_at

        offering_title: None | str | Unset
        if isinstance(self.offering_title, Unset):
            offering_title = UNSET
        else:
            offering_title = self.offering_title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_minor": amount_minor,
                "cancelled_by": cancelled_by,
                "currency": currency,
                "current_period": current_period,
                "mentee_id": mentee_id,
                "offering_id": offering_id,
                "status": status,
                "stripe_subscription_id": stripe_subscription_id,
                "subscription_id": subscription_id,
                "unsubscribed_at": unsubscribed_at,
            }
        )
        if offering_title is not UNSET:
            field_dict["offering_title"] = offering_title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.period_out import PeriodOut  # noqa: PLC0415

        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        def _parse_cancelled_by(data: object) -> Actor | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                cancelled_by_type_0 = check_actor(data)

                return cancelled_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Actor | None, data)

        cancelled_by = _parse_cancelled_by(d.pop("cancelled_by"))

        currency = d.pop("currency")

        def _parse_current_period(data: object) -> None | PeriodOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                current_period_type_0 = PeriodOut.from_dict(data)

                return current_period_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PeriodOut, data)

        current_period = _parse_current_period(d.pop("current_period"))

        mentee_id = UUID(d.pop("mentee_id"))

        offering_id = UUID(d.pop("offering_id"))

        status = check_subscription_status(d.pop("status"))

        def _parse_stripe_subscription_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        stripe_subscription_id = _parse_stripe_subscription_id(d.pop("stripe_subscription_id"))

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

        def _parse_offering_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        offering_title = _parse_offering_title(d.pop("offering_title", UNSET))

        subscription_out = cls(
            amount_minor=amount_minor,
            cancelled_by=cancelled_by,
            currency=currency,
            current_period=current_period,
            mentee_id=mentee_id,
            offering_id=offering_id,
            status=status,
            stripe_subscription_id=stripe_subscription_id,
            subscription_id=subscription_id,
            unsubscribed_at=unsubscribed_at,
            offering_title=offering_title,
        )

        subscription_out.additional_properties = d
        return subscription_out

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
