from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.offering_kind import OfferingKind, check_offering_kind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pattern_entry_in import PatternEntryIn


T = TypeVar("T", bound="OfferingIn")


@_attrs_define
class OfferingIn:
    """
    Attributes:
        currency (str):
        duration_min (int): minutes, 15 to 180
        price_minor (int):
        title (str):
        buffer_after_min (int | Unset):  Default: 0.
        buffer_before_min (int | Unset):  Default: 0.
        capacity (int | Unset):  Default: 1.
        horizon_days (int | Unset):  Default: 60.
        kind (OfferingKind | Unset):
        meeting_url (None | str | Unset):
        min_notice_min (int | Unset):  Default: 0.
        pattern (list[PatternEntryIn] | Unset):
        price_in_credits (int | None | Unset):
        refund_full_hours_before (int | Unset):  Default: 24.
        reminder_minutes_before (list[int] | Unset): Minutes before each session a reminder mail goes out: at most 5
            different whole numbers, 5 to 10080 (7 days); [] turns reminders off. Stored and answered earliest first.
    """

    currency: str
    duration_min: int
    price_minor: int
    title: str
    buffer_after_min: int | Unset = 0
    buffer_before_min: int | Unset = 0
    capacity: int | Unset = 1
    horizon_days: int | Unset = 60
    kind: OfferingKind | Unset = UNSET
    meeting_url: None | str | Unset = UNSET
    min_notice_min: int | Unset = 0
    pattern: list[PatternEntryIn] | Unset = UNSET
    price_in_credits: int | None | Unset = UNSET
    refund_full_hours_before: int | Unset = 24
    reminder_minutes_before: list[int] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        duration_min = self.duration_min

        price_minor = self.price_minor

        title = self.title

        buffer_after_min = self.buffer_after_min

        buffer_before_min = self.buffer_before_min

        capacity = self.capacity

        horizon_days = self.horizon_days

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind

        meeting_url: None | str | Unset
        if isinstance(self.meeting_url, Unset):
            meeting_url = UNSET
        else:
            meeting_url = self.meeting_url

        min_notice_min = self.min_notice_min

        pattern: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.pattern, Unset):
            pattern = []
            for pattern_item_data in self.pattern:
                pattern_item = pattern_item_data.to_dict()
                pattern.append(pattern_item)

        price_in_credits: int | None | Unset
        if isinstance(self.price_in_credits, Unset):
            price_in_credits = UNSET
        else:
            price_in_credits = self.price_in_credits

        refund_full_hours_before = self.refund_full_hours_before

        reminder_minutes_before: list[int] | Unset = UNSET
        if not isinstance(self.reminder_minutes_before, Unset):
            reminder_minutes_before = self.reminder_minutes_before

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "currency": currency,
                "duration_min": duration_min,
                "price_minor": price_minor,
                "title": title,
            }
        )
        if buffer_after_min is not UNSET:
            field_dict["buffer_after_min"] = buffer_after_min
        if buffer_before_min is not UNSET:
            field_dict["buffer_before_min"] = buffer_before_min
        if capacity is not UNSET:
            field_dict["capacity"] = capacity
        if horizon_days is not UNSET:
            field_dict["horizon_days"] = horizon_days
        if kind is not UNSET:
            field_dict["kind"] = kind
        if meeting_url is not UNSET:
            field_dict["meeting_url"] = meeting_url
        if min_notice_min is not UNSET:
            field_dict["min_notice_min"] = min_notice_min
        if pattern is not UNSET:
            field_dict["pattern"] = pattern
        if price_in_credits is not UNSET:
            field_dict["price_in_credits"] = price_in_credits
        if refund_full_hours_before is not UNSET:
            field_dict["refund_full_hours_before"] = refund_full_hours_before
        if reminder_minutes_before is not UNSET:
            field_dict["reminder_minutes_before"] = reminder_minutes_before

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pattern_entry_in import PatternEntryIn  # noqa: PLC0415

        d = dict(src_dict)
        currency = d.pop("currency")

        duration_min = d.pop("duration_min")

        price_minor = d.pop("price_minor")

        title = d.pop("title")

        buffer_after_min = d.pop("buffer_after_min", UNSET)

        buffer_before_min = d.pop("buffer_before_min", UNSET)

        capacity = d.pop("capacity", UNSET)

        horizon_days = d.pop("horizon_days", UNSET)

        _kind = d.pop("kind", UNSET)
        kind: OfferingKind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = check_offering_kind(_kind)

        def _parse_meeting_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        meeting_url = _parse_meeting_url(d.pop("meeting_url", UNSET))

        min_notice_min = d.pop("min_notice_min", UNSET)

        _pattern = d.pop("pattern", UNSET)
        pattern: list[PatternEntryIn] | Unset = UNSET
        if _pattern is not UNSET:
            pattern = []
            for pattern_item_data in _pattern:
                pattern_item = PatternEntryIn.from_dict(pattern_item_data)

                pattern.append(pattern_item)

        def _parse_price_in_credits(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        price_in_credits = _parse_price_in_credits(d.pop("price_in_credits", UNSET))

        refund_full_hours_before = d.pop("refund_full_hours_before", UNSET)

        reminder_minutes_before = cast(list[int], d.pop("reminder_minutes_before", UNSET))

        offering_in = cls(
            currency=currency,
            duration_min=duration_min,
            price_minor=price_minor,
            title=title,
            buffer_after_min=buffer_after_min,
            buffer_before_min=buffer_before_min,
            capacity=capacity,
            horizon_days=horizon_days,
            kind=kind,
            meeting_url=meeting_url,
            min_notice_min=min_notice_min,
            pattern=pattern,
            price_in_credits=price_in_credits,
            refund_full_hours_before=refund_full_hours_before,
            reminder_minutes_before=reminder_minutes_before,
        )

        return offering_in
