"""Response schemas dumped by a plan made once per schema: the same output as marshmallow's
`Schema.dump`, for a fraction of its Python work.

marshmallow dumps each field of each object through `Field.serialize` -> `get_value` ->
`utils.get_value` -> `_get_value_for_key` -> `_serialize`: five calls and a dozen checks that
give the same answer for every row of a page. A listing of 20 cards spent a third of its CPU
there (bench/profile_catalog.py). A plan does per schema, once, what those calls decide per
value: the key each field writes, the attribute it reads, whether its value can be written as
it is (a `str` for a plain String, an `int` for a plain Integer, a `bool` for a Boolean), and
otherwise calls the field's own `_serialize` (money, decimals, dates, media URLs, nested
schemas, which are OutSchemas and planned themselves). Reading a value follows marshmallow's
`_get_value_for_key` exactly, and a dump default applies as `Field.serialize` applies it.

The plan of a schema is written as a Python function, once per schema and kind of object read
(dict, plain object, anything else with `__getitem__`), and nested schemas' plans are called
directly: a listing's dump took a third of its Python time as a loop over the steps.

Schemas with dump hooks, and fields reading dotted attributes, keep marshmallow's own path. In
the tests every dump is made both ways and compared (`CROSSCHECK`), so a difference fails the
test whose response showed it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import missing

Plan = Callable[[Any], dict[str, Any]]

# The tests turn it on (app/__init__.py, from config TESTING): each dump is also made by
# marshmallow, and a difference raises.
CROSSCHECK = False


class PlanDiffers(AssertionError):
    pass


def _value(obj: Any, key: str) -> Any:
    """marshmallow.utils._get_value_for_key, with `missing` as the default."""
    if type(obj) is dict:
        return obj[key] if key in obj else getattr(obj, key, missing)
    if not hasattr(obj, "__getitem__"):
        return getattr(obj, key, missing)
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        return getattr(obj, key, missing)


def _as_is_type(field: fields.Field) -> type | None:
    """The type whose values this field writes unchanged, if it is a plain one."""
    kind = type(field)
    if kind is fields.String:
        return str
    if kind is fields.Integer and not field.as_string:  # type: ignore[attr-defined]
        return int
    if kind is fields.Boolean:
        return bool
    return None


_DATES = (fields.DateTime, fields.AwareDateTime, fields.NaiveDateTime, fields.Date)


def _date_format(field: fields.Field) -> Any:
    """What a date or time field's `_serialize` calls on a value that is not None, when it is
    one of marshmallow's functions (`isoformat` for "iso"): the plan calls it directly."""
    if type(field) not in _DATES:
        return None
    formats = field.SERIALIZATION_FUNCS  # type: ignore[attr-defined]
    return formats.get(field.format or field.DEFAULT_FORMAT)  # type: ignore[attr-defined]


def _decimal_string(field: fields.Field) -> bool:
    """A Decimal field written as a string with fixed places by marshmallow's own code (money,
    ratings): the plan formats a Decimal value as that code does, without its three calls."""
    kind: Any = type(field)
    return (
        isinstance(field, fields.Decimal)
        and kind._serialize is fields.Number._serialize
        and kind._format_num is fields.Decimal._format_num
        and kind._to_string is fields.Decimal._to_string
        and field.as_string
        and field.places is not None
        and not field.allow_nan
    )


def plan_for(schema: Schema) -> Plan | None:
    """The dump of one object by `schema`, or None where marshmallow's own path must run."""
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
        return None
    steps: list[_Step] = []
    for name, field in schema.dump_fields.items():
        attribute = field.attribute if field.attribute is not None else name
        if "." in attribute:
            return None
        key = field.data_key if field.data_key is not None else name
        steps.append(_Step(key, attribute, field))
    by_kind: dict[type, Plan] = {}

    def dump_one(obj: Any) -> dict[str, Any]:
        kind = type(obj)
        plan = by_kind.get(kind)
        if plan is None:
            reading = "dict" if kind is dict else "generic" if hasattr(obj, "__getitem__") else "attribute"
            plan = by_kind[kind] = _compile(steps, schema.dict_class, reading, type(schema).__name__)
        return plan(obj)

    return dump_one


class _Step:
    """One field of a plan: the key it writes, the attribute it reads, the field."""

    __slots__ = ("key", "attribute", "field")

    def __init__(self, key: str, attribute: str, field: fields.Field) -> None:
        self.key, self.attribute, self.field = key, attribute, field


_READS = {
    # marshmallow.utils._get_value_for_key, by the kind of object (the default: `missing`)
    "dict": "obj[{a}] if {a} in obj else getattr(obj, {a}, _missing)",
    "attribute": "getattr(obj, {a}, _missing)",  # an object without __getitem__
    "generic": "_value(obj, {a})",
}


def _nested_plan(field: fields.Field) -> Plan | None:
    """The plan of a Nested field's schema, where calling it is what `Nested._serialize` does."""
    if type(field) is not fields.Nested or field.many:
        return None
    nested = field.schema
    plan_of = getattr(nested, "_plan_of", None)  # an OutSchema's (app/common/schemas.py)
    if plan_of is None or nested.many:
        return None
    return plan_of()


def _compile(steps: list[_Step], dict_class: type, reading: str, name: str) -> Plan:
    """Write the plan of one schema for one kind of object as a Python function.

    The function does per object what marshmallow's Field.serialize does per value, without the
    calls and checks whose answers are known once per schema: the same technique as dataclasses'
    generated __init__. Each step reads the attribute, applies the dump default, then writes the
    value as it is (a plain str, int or bool), dumps it by a nested schema's plan, or calls the
    field's own `_serialize` (money, decimals, dates, media URLs).
    """
    names: dict[str, Any] = {"_missing": missing, "_value": _value, "_dict": dict_class, "_Decimal": Decimal}
    lines = [f"def dump_{name}(obj):", "    out = {}" if dict_class is dict else "    out = _dict()"]
    for i, step in enumerate(steps):
        field, a, k = step.field, repr(step.attribute), repr(step.key)
        names[f"_s{i}"] = field._serialize
        if not field._CHECK_ATTRIBUTE:  # Method, Function, Constant: no attribute to read
            lines += [f"    v = _s{i}(None, {a}, obj)", f"    if v is not _missing: out[{k}] = v"]
            continue
        lines.append("    v = " + _READS[reading].format(a=a))
        default = field.dump_default
        if default is not missing:
            names[f"_d{i}"] = default
            call = "()" if callable(default) else ""
            lines.append(f"    if v is _missing: v = _d{i}{call}")
        lines.append("    if v is not _missing:")
        as_is = _as_is_type(field)
        nested = _nested_plan(field)
        inner = _nested_plan(field.inner) if type(field) is fields.List else None
        formats = _date_format(field)
        if as_is is not None:
            names[f"_t{i}"] = as_is
            lines.append(f"        if type(v) is not _t{i}: v = _s{i}(v, {a}, obj)")
        elif formats is not None:
            names[f"_f{i}"] = formats
            lines.append(f"        v = None if v is None else _f{i}(v)")
        elif _decimal_string(field):
            # Decimal._serialize on a finite Decimal: Decimal(str(v)) is v, quantized, "f"-formatted.
            names[f"_q{i}"], names[f"_r{i}"] = field.places, field.rounding  # type: ignore[attr-defined]
            lines.append(f"        if type(v) is _Decimal and v.is_finite(): v = format(v.quantize(_q{i}, _r{i}), 'f')")
            lines.append(f"        else: v = _s{i}(v, {a}, obj)")
        elif nested is not None:
            names[f"_p{i}"] = nested
            lines.append(f"        v = None if v is None else _p{i}(v)")
        elif inner is not None:
            names[f"_p{i}"] = inner
            lines.append(f"        v = None if v is None else [None if e is None else _p{i}(e) for e in v]")
        else:
            lines.append(f"        v = _s{i}(v, {a}, obj)")
        lines.append(f"        if v is not _missing: out[{k}] = v")
    lines.append("    return out")
    exec("\n".join(lines), names)  # noqa: S102  # our own source, from field names and types
    return names[f"dump_{name}"]


def crosscheck(schema: Schema, planned: Any, expected: Any) -> None:
    """Raise unless the planned dump is marshmallow's, values and key order alike."""
    if json.dumps(planned, default=repr) != json.dumps(expected, default=repr):
        raise PlanDiffers(f"{type(schema).__name__}: planned {planned!r}, marshmallow {expected!r}")
