"""The compatibility checker itself, on synthetic before/after schemas.

Each breaking kind must be caught (the checker can fail); compatible evolutions must
pass the compatibility rule (they still need regenerating, see test_schemas).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from enum import StrEnum

import pytest
from pydantic import BaseModel, ConfigDict, Field

from kairos_contracts.compat import Schema, breaking_changes

BASE: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "booking_id": {"type": "string", "format": "uuid"},
        "amount_minor": {"type": "integer", "minimum": 0},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "note": {"anyOf": [{"type": "string", "maxLength": 100}, {"type": "null"}]},
        "reason": {"$ref": "#/$defs/Reason"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "who": {"$ref": "#/$defs/Who"},
    },
    "required": ["booking_id", "amount_minor", "currency", "reason", "who"],
    "$defs": {
        "Reason": {"type": "string", "enum": ["by_mentee", "by_mentor", "unsubscribed"]},
        "Who": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"user_id": {"type": "string"}, "email": {"type": "string"}},
            "required": ["user_id"],
        },
    },
}


#: changes a copy of BASE in place (what it returns is ignored)
Edit = Callable[[Schema], object]


def _edit(fn: Edit) -> Schema:
    new = copy.deepcopy(BASE)
    fn(new)
    return new


BREAKING: dict[str, tuple[Edit, str]] = {
    "property removed": (
        lambda s: s["properties"].pop("note"),
        "note: property removed or renamed",
    ),
    "property renamed": (
        lambda s: s["properties"].__setitem__("memo", s["properties"].pop("note")),
        "note: property removed or renamed",
    ),
    "nested property removed": (
        lambda s: s["$defs"]["Who"]["properties"].pop("email"),
        "who.email: property removed or renamed",
    ),
    "optional property newly required": (
        lambda s: s["required"].append("note"),
        "note: property newly required",
    ),
    "new required property": (
        lambda s: (
            s["properties"].__setitem__("tz", {"type": "string"}),
            s["required"].append("tz"),
        ),
        "tz: property newly required",
    ),
    "type changed": (
        lambda s: s["properties"].__setitem__("amount_minor", {"type": "string"}),
        "amount_minor: type changed from integer to string",
    ),
    "number narrowed to integer": (
        lambda s: s["properties"]["tags"].__setitem__("items", {"type": "integer"}),
        "tags[]: type changed from string to integer",
    ),
    "nullable made non-null": (
        lambda s: s["properties"].__setitem__("note", {"type": "string", "maxLength": 100}),
        "note: type narrowed, no longer accepts null",
    ),
    "max length tightened": (
        lambda s: s["properties"]["note"]["anyOf"][0].__setitem__("maxLength", 50),
        "note: maxLength narrowed from 100 to 50",
    ),
    "minimum raised": (
        lambda s: s["properties"]["amount_minor"].__setitem__("minimum", 1),
        "amount_minor: minimum narrowed from 0 to 1",
    ),
    "pattern changed": (
        lambda s: s["properties"]["currency"].__setitem__("pattern", "^[A-Z]{4}$"),
        "currency: pattern changed",
    ),
    "format changed": (
        lambda s: s["properties"]["booking_id"].__setitem__("format", "date-time"),
        "booking_id: format changed",
    ),
    "enum value removed": (
        lambda s: s["$defs"]["Reason"]["enum"].remove("unsubscribed"),
        "reason: enum value(s) removed: ['unsubscribed']",
    ),
    "free string narrowed to enum": (
        lambda s: s["$defs"]["Who"]["properties"]["user_id"].__setitem__("enum", ["a"]),
        "who.user_id: narrowed to the values",
    ),
}


@pytest.mark.parametrize("edit,expected", BREAKING.values(), ids=BREAKING.keys())
def test_each_breaking_kind_is_caught(edit: Edit, expected: str) -> None:
    problems = breaking_changes(BASE, _edit(edit))
    assert problems, "the checker accepted a breaking change"
    assert any(expected in p for p in problems), problems


def test_forbidding_extra_properties_is_caught() -> None:
    # BASE already forbids extras, so start from an open object.
    open_ = _edit(lambda s: s.pop("additionalProperties"))
    assert any("now forbidden" in p for p in breaking_changes(open_, BASE))


COMPATIBLE: dict[str, Edit] = {
    "identical": lambda s: None,
    "new optional property": lambda s: s["properties"].__setitem__(
        "meeting_url", {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    ),
    "new enum value": lambda s: s["$defs"]["Reason"]["enum"].append("reprobated"),
    "property made optional": lambda s: s["required"].remove("currency"),
    "integer widened to number": lambda s: s["properties"]["amount_minor"].__setitem__(
        "type", "number"
    ),
    "made nullable": lambda s: s["properties"].__setitem__(
        "currency", {"anyOf": [{"type": "string", "pattern": "^[A-Z]{3}$"}, {"type": "null"}]}
    ),
    "bound relaxed": lambda s: s["properties"]["note"]["anyOf"][0].__setitem__("maxLength", 500),
    "constraint dropped": lambda s: s["properties"]["currency"].pop("pattern"),
    "descriptions changed": lambda s: s["$defs"]["Reason"].__setitem__("description", "why"),
    "ref inlined": lambda s: s["properties"].__setitem__("reason", s["$defs"]["Reason"]),
}


@pytest.mark.parametrize("edit", COMPATIBLE.values(), ids=COMPATIBLE.keys())
def test_compatible_evolutions_are_accepted(edit: Edit) -> None:
    assert breaking_changes(BASE, _edit(edit)) == []


# The same rules on schemas as pydantic really emits them (refs, anyOf-null, enums).


class Reason(StrEnum):
    BY_MENTEE = "by_mentee"
    UNSUBSCRIBED = "unsubscribed"


class ReasonV2(StrEnum):
    BY_MENTEE = "by_mentee"


class V1(BaseModel):
    model_config = ConfigDict(extra="forbid")
    booking_id: uuid.UUID
    reason: Reason
    note: str | None = None


class V1PlusOptional(V1):
    meeting_url: str | None = None


class V1NoteRequired(BaseModel):
    model_config = ConfigDict(extra="forbid")
    booking_id: uuid.UUID
    reason: Reason
    note: str


class V1EnumShrunk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    booking_id: uuid.UUID
    reason: ReasonV2 = Field(title="Reason")
    note: str | None = None


class V1IdAsInt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    booking_id: int
    reason: Reason
    note: str | None = None


def _schema(model: type[BaseModel]) -> Schema:
    return model.model_json_schema(mode="validation")


def test_pydantic_schemas_optional_addition_is_compatible() -> None:
    assert breaking_changes(_schema(V1), _schema(V1PlusOptional)) == []


@pytest.mark.parametrize(
    "model,expected",
    [
        (V1NoteRequired, "note: property newly required"),
        (V1EnumShrunk, "enum value(s) removed: ['unsubscribed']"),
        (V1IdAsInt, "booking_id: type changed from string to integer"),
    ],
)
def test_pydantic_schemas_breaking_changes_are_caught(
    model: type[BaseModel], expected: str
) -> None:
    problems = breaking_changes(_schema(V1), _schema(model))
    assert any(expected in p for p in problems), problems


def test_removing_a_field_from_a_pydantic_model_is_caught() -> None:
    problems = breaking_changes(_schema(V1PlusOptional), _schema(V1))
    assert problems == ["$.meeting_url: property removed or renamed"]
