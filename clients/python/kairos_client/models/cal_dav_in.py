from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CalDavIn")


@_attrs_define
class CalDavIn:
    """A CalDAV calendar collection and the credentials to write to it.

    Attributes:
        calendar_url (str):
        kind (Literal['caldav']):
        username (str):
        password (str | Unset):  Default: ''.
    """

    calendar_url: str
    kind: Literal["caldav"]
    username: str
    password: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        calendar_url = self.calendar_url

        kind = self.kind

        username = self.username

        password = self.password

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "calendar_url": calendar_url,
                "kind": kind,
                "username": username,
            }
        )
        if password is not UNSET:
            field_dict["password"] = password

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        calendar_url = d.pop("calendar_url")

        kind = cast(Literal["caldav"], d.pop("kind"))
        if kind != "caldav":
            raise ValueError(f"kind must match const 'caldav', got '{kind}'")

        username = d.pop("username")

        password = d.pop("password", UNSET)

        cal_dav_in = cls(
            calendar_url=calendar_url,
            kind=kind,
            username=username,
            password=password,
        )

        return cal_dav_in
