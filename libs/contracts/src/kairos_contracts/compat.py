"""Is a new JSON Schema a compatible evolution of a published one?

The rule: **every document the published schema accepted, the new schema accepts too,
with the same meaning.** Messages already in Kafka (retained, in a DLQ, in an outbox
not yet relayed) were written against the published schema and must stay readable by
consumers built from the new one. So these break:

* a property removed or renamed (its data would be rejected or silently dropped);
* a property newly required (old messages lack it);
* a type changed or narrowed (``int | None`` -> ``int``, ``number`` -> ``integer``,
  a tighter length, bound or pattern, a format changed, extra properties now forbidden);
* an enum value removed (old messages may carry it).

These are compatible: a new optional property, a new enum value, a widened type or a
relaxed bound. (The other direction, old consumers reading new messages, is handled by
the rollout rule in ``envelope``: consumers deploy first.)

The checker is deliberately conservative: when it cannot prove a change safe (a
different ``pattern``), it reports it. It understands the subset of JSON Schema that
pydantic emits: ``$ref`` into ``$defs``, ``anyOf``/``oneOf``, ``type``, ``enum``/``const``,
``properties``/``required``/``additionalProperties``, ``items`` and the usual bounds.
"""

from __future__ import annotations

import json
from typing import Any

Schema = dict[str, Any]

#: Keywords that document but do not constrain.
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$id", "$schema", "$comment", "deprecated"}
)
#: Lower bounds: the new value may only go down (or disappear).
_LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
#: Upper bounds: the new value may only go up (or disappear).
_UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
#: Keywords that must stay identical if present in the new schema.
_EXACT = ("pattern", "format", "multipleOf", "uniqueItems")


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Human-readable reasons why ``new`` is not a compatible evolution of ``old``."""
    return _Comparer(old, new).compare(old, new, "$", frozenset())


class _Comparer:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.old_root = old_root
        self.new_root = new_root

    # --- plumbing ------------------------------------------------------------------------

    @staticmethod
    def _deref(schema: Schema, root: Schema) -> tuple[Schema, str | None]:
        ref = schema.get("$ref")
        if ref is None:
            return schema, None
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, got {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        # Sibling keywords next to $ref (pydantic puts description/default there) merge in.
        merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return merged, ref

    @staticmethod
    def _alternatives(schema: Schema) -> list[Schema]:
        for key in ("anyOf", "oneOf"):
            if key in schema:
                rest = {k: v for k, v in schema.items() if k != key}
                return [{**rest, **alt} for alt in schema[key]]
        types = schema.get("type")
        if isinstance(types, list):
            return [{**schema, "type": t} for t in types]
        return [schema]

    # --- comparison ----------------------------------------------------------------------

    def compare(
        self, old: Schema, new: Schema, path: str, seen: frozenset[tuple[str, str]]
    ) -> list[str]:
        old, old_ref = self._deref(old, self.old_root)
        new, new_ref = self._deref(new, self.new_root)
        if old_ref and new_ref:
            if (old_ref, new_ref) in seen:  # recursive schema already under comparison
                return []
            seen = seen | {(old_ref, new_ref)}
        old_alts = [self._deref(a, self.old_root)[0] for a in self._alternatives(old)]
        new_alts = [self._deref(a, self.new_root)[0] for a in self._alternatives(new)]
        if len(old_alts) == 1 and len(new_alts) == 1:
            return self._single(old_alts[0], new_alts[0], path, seen)
        problems: list[str] = []
        for alt in old_alts:
            candidates = [self._single(alt, n, path, seen) for n in new_alts]
            if any(not c for c in candidates):
                continue
            same_kind = [
                c for c, n in zip(candidates, new_alts, strict=True) if _kind(n) == _kind(alt)
            ]
            if len(same_kind) == 1:
                problems.extend(same_kind[0])
            else:
                problems.append(
                    f"{path}: type narrowed, no longer accepts {_describe(alt)} "
                    f"(now {' | '.join(_describe(n) for n in new_alts)})"
                )
        return problems

    def _single(
        self, old: Schema, new: Schema, path: str, seen: frozenset[tuple[str, str]]
    ) -> list[str]:
        if "anyOf" in old or "oneOf" in old or "anyOf" in new or "oneOf" in new:
            return self.compare(old, new, path, seen)
        if not _constraining(new):
            return []  # the new schema accepts anything
        problems: list[str] = []
        old_type, new_type = old.get("type"), new.get("type")
        if new_type is not None and old_type != new_type:
            if old_type is None and ("enum" in old or "const" in old):
                pass  # checked value by value below
            elif not (old_type == "integer" and new_type == "number"):
                return [f"{path}: type changed from {old_type or 'any'} to {new_type}"]

        old_values, new_values = _values(old), _values(new)
        if new_values is not None:
            if old_values is None:
                problems.append(f"{path}: narrowed to the values {sorted(map(str, new_values))}")
            else:
                removed = [v for v in old_values if v not in new_values]
                if removed:
                    problems.append(f"{path}: enum value(s) removed: {removed}")

        for key in _LOWER:
            if key in new and (key not in old or new[key] > old[key]):
                problems.append(f"{path}: {key} narrowed from {old.get(key)} to {new[key]}")
        for key in _UPPER:
            if key in new and (key not in old or new[key] < old[key]):
                problems.append(f"{path}: {key} narrowed from {old.get(key)} to {new[key]}")
        for key in _EXACT:
            if key in new and old.get(key) != new[key]:
                problems.append(f"{path}: {key} changed from {old.get(key)!r} to {new[key]!r}")

        if "properties" in old or "properties" in new or old_type == "object":
            problems.extend(self._object(old, new, path, seen))
        if "items" in old or "items" in new:
            problems.extend(
                self.compare(old.get("items", {}), new.get("items", {}), f"{path}[]", seen)
            )
        return problems

    def _object(
        self, old: Schema, new: Schema, path: str, seen: frozenset[tuple[str, str]]
    ) -> list[str]:
        problems: list[str] = []
        old_props: dict[str, Schema] = old.get("properties", {})
        new_props: dict[str, Schema] = new.get("properties", {})
        for name, old_prop in old_props.items():
            if name not in new_props:
                problems.append(f"{path}.{name}: property removed or renamed")
            else:
                problems.extend(self.compare(old_prop, new_props[name], f"{path}.{name}", seen))
        old_required = set(old.get("required", []))
        for name in new.get("required", []):
            if name not in old_required:
                problems.append(f"{path}.{name}: property newly required")
        old_extra, new_extra = (
            old.get("additionalProperties", True),
            new.get("additionalProperties", True),
        )
        if new_extra is False and old_extra is not False:
            problems.append(f"{path}: additional properties are now forbidden")
        elif isinstance(old_extra, dict) and isinstance(new_extra, dict):
            problems.extend(self.compare(old_extra, new_extra, f"{path}.*", seen))
        return problems


def _constraining(schema: Schema) -> bool:
    return any(k not in _ANNOTATIONS and not k.startswith("x-") for k in schema)


def _values(schema: Schema) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    if "enum" in schema:
        return list(schema["enum"])
    return None


def _kind(schema: Schema) -> str:
    if "type" in schema:
        return str(schema["type"])
    values = _values(schema)
    if values:
        return type(values[0]).__name__
    return "any"


def _describe(schema: Schema) -> str:
    values = _values(schema)
    if values is not None:
        return "one of " + json.dumps(values)
    return str(schema.get("type", "any"))
