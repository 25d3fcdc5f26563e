from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.offering_out_kind import OfferingOutKind, check_offering_out_kind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pattern_entry_out import PatternEntryOut


T = TypeVar("T", bound="OfferingOut")


@_attrs_define
class OfferingOut:
    """
    Attributes:
        active (bool):
        buffer_after_min (int):
        buffer_before_min (int):
        capacity (int):
        currency (str):
        duration_min (int):
        horizon_days (int):
        kind (OfferingOutKind):
        min_notice_min (int):
        offering_id (UUID):
        pattern (list[PatternEntryOut]):
        price_in_credits (int | None):
        price_minor (int): Per session, or per monthly cycle (recurring).
        provider_id (UUID):
        refund_full_hours_before (int):
        reminder_minutes_before (list[int]): Minutes before each session a reminder mail goes out, earliest first ([] =
            no reminders; default 24 h and 1 h).
        title (str):
        version (int):
        meeting_url (None | str | Unset): The session's video room: shown to its provider only.
    """

    active: bool
    buffer_after_min: int
    buffer_before_min: int
    capacity: int
    currency: str
    duration_min: int
    horizon_days: int
    kind: OfferingOutKind
    min_notice_min: int
    offering_id: UUID
    pattern: list[PatternEntryOut]
    price_in_credits: int | None
    price_minor: int
    provider_id: UUID
    refund_full_hours_before: int
    reminder_minutes_before: list[int]
    title: str
    version: int
    meeting_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active = self.active

        buffer_after_min = self.buffer_after_min

        buffer_before_min = self.buffer_before_min

        capacity = self.capacity

        currency = self.currency

        duration_min = self.duration_min

        horizon_days = self.horizon_days

        kind: str = self.kind

        min_notice_min = self.min_notice_min

        offering_id = str(self.offering_id)

        pattern = []
        for pattern_item_data in self.pattern:
            pattern_item = pattern_item_data.to_dict()
            pattern.append(pattern_item)

        price_in_credits: int | None
        price_in_credits = self.price_in_credits

        price_minor = self.price_minor

        provider_id = str(self.provider_id)

        refund_full_hours_before = self.refund_full_hours_before

        reminder_minutes_before = self.reminder_minutes_before

        title = self.title

        version = self.version

        meeting_url: None | str | Unset
        if isinstance(self.meeting_url, Unset):
            meeting_url = UNSET
        else:
            meeting_url = self.meeting_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active": active,
                "buffer_after_min": buffer_after_min,
                "buffer_before_min": buffer_before_min,
                "capacity": capacity,
                "currency": currency,
                "duration_min": duration_min,
                "horizon_days": horizon_days,
                "kind": kind,
                "min_notice_min": min_notice_min,
                "offering_id": offering_id,
                "pattern": pattern,
                "price_in_credits": price_in_credits,
                "price_minor": price_minor,
                "provider_id": provider_id,
                "refund_full_hours_before": refund_full_hours_before,
                "reminder_minutes_before": reminder_minutes_before,
                "title": title,
                "version": version,
            }
        )
        if meeting_url is not UNSET:
            field_dict["meeting_url"] = meeting_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pattern_entry_out import PatternEntryOut  # noqa: PLC0415

        d = dict(src_dict)
        active = d.pop("active")

        buffer_after_min = d.pop("buffer_after_min")

        buffer_before_min = d.pop("buffer_before_min")

        capacity = d.pop("capacity")

        currency = d.pop("currency")

        duration_min = d.pop("duration_min")

        horizon_days = d.pop("horizon_days")

        kind = check_offering_out_kind(d.pop("kind"))

        min_notice_min = d.pop("min_notice_min")

        offering_id = UUID(d.pop("offering_id"))

        pattern = []
        _pattern = d.pop("pattern")
        for pattern_item_data in _pattern:
            pattern_item = PatternEntryOut.from_dict(pattern_item_data)

            pattern.append(pattern_item)

        def _parse_price_in_credits(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        price_in_credits = _parse_price_in_credits(d.pop("price_in_credits"))

        price_minor = d.pop("price_minor")

        provider_id = UUID(d.pop("provider_id"))

        refund_full_hours_before = d.pop("refund_full_hours_before")

        reminder_minutes_before = cast(list[int], d.pop("reminder_minutes_before"))

        title = d.pop("title")

        version = d.pop("version")

        def _parse_meeting_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        meeting_url = _parse_meeting_url(d.pop("meeting_url", UNSET))

        offering_out = cls(
            active=active,
            buffer_after_min=buffer_after_min,
            buffer_before_min=buffer_before_min,
            capacity=capacity,
            currency=currency,
            duration_min=duration_min,
            horizon_days=horizon_days,
            kind=kind,
            min_notice_min=min_notice_min,
            offering_id=offering_id,
            pattern=pattern,
            price_in_credits=price_in_credits,
            price_minor=price_minor,
            provider_id=provider_id,
            refund_full_hours_before=refund_full_hours_before,
            reminder_minutes_before=reminder_minutes_before,
            title=title,
            version=version,
            meeting_url=meeting_url,
        )

        offering_out.additional_properties = d
        return offering_out

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
