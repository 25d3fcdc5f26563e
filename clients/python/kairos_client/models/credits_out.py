from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.page_ledger_entry_out import PageLedgerEntryOut


T = TypeVar("T", bound="CreditsOut")


@_attrs_define
class CreditsOut:
    """A credit balance and its ledger, newest first, one page at a time (``limit`` and
    ``cursor`` page the ledger).

        Attributes:
            balance (int):
            ledger (PageLedgerEntryOut):
            user_id (UUID):
    """

    balance: int
    ledger: PageLedgerEntryOut
    user_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        balance = self.balance

        ledger = self.ledger.to_dict()

        user_id = str(self.user_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "balance": balance,
                "ledger": ledger,
                "user_id": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.page_ledger_entry_out import PageLedgerEntryOut  # noqa: PLC0415

        d = dict(src_dict)
        balance = d.pop("balance")

        ledger = PageLedgerEntryOut.from_dict(d.pop("ledger"))

        user_id = UUID(d.pop("user_id"))

        credits_out = cls(
            balance=balance,
            ledger=ledger,
            user_id=user_id,
        )

        credits_out.additional_properties = d
        return credits_out

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
