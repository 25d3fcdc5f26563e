from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="GoogleIn")


@_attrs_define
class GoogleIn:
    """OAuth tokens from the app's consent flow (the flow itself runs in the frontend).

    Attributes:
        access_token (str):
        client_id (str):
        client_secret (str):
        kind (Literal['google']):
        refresh_token (str):
        calendar_id (str | Unset):  Default: 'primary'.
        expires_at (datetime.datetime | None | Unset):
    """

    access_token: str
    client_id: str
    client_secret: str
    kind: Literal["google"]
    refresh_token: str
    calendar_id: str | Unset = "primary"
    expires_at: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        access_token = self.access_token

        client_id = self.client_id

        client_secret = self.client_secret

        kind = self.kind

        refresh_token = self.refresh_token

        calendar_id = self.calendar_id

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "access_token": access_token,
                "client_id": client_id,
                "client_secret": client_secret,
                "kind": kind,
                "refresh_token": refresh_token,
            }
        )
        if calendar_id is not UNSET:
            field_dict["calendar_id"] = calendar_id
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        access_token = d.pop("access_token")

        client_id = d.pop("client_id")

        client_secret = d.pop("client_secret")

        kind = cast(Literal["google"], d.pop("kind"))
        if kind != "google":
            raise ValueError(f"kind must match const 'google', got '{kind}'")

        refresh_token = d.pop("refresh_token")

        calendar_id = d.pop("calendar_id", UNSET)

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        google_in = cls(
            access_token=access_token,
            client_id=client_id,
            client_secret=client_secret,
            kind=kind,
            refresh_token=refresh_token,
            calendar_id=calendar_id,
            expires_at=expires_at,
        )

        return google_in
