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

Schemas with dump hooks, and fields reading dotted attributes, keep marshmallow's own path. In
the tests every dump is made both ways and compared (`CROSSCHECK`), so a difference fails the
test whose response showed it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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


def plan_for(schema: Schema) -> Plan | None:
    """The dump of one object by `schema`, or None where marshmallow's own path must run."""
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
        return None
    steps: list[tuple[str, str, fields.Field, type | None, bool]] = []
    for name, field in schema.dump_fields.items():
        attribute = field.attribute if field.attribute is not None else name
        if "." in attribute:
            return None
        key = field.data_key if field.data_key is not None else name
        steps.append((key, attribute, field, _as_is_type(field), field._CHECK_ATTRIBUTE))
    dict_class = schema.dict_class

    def dump_one(obj: Any) -> dict[str, Any]:
        out = dict_class()
        for key, attribute, field, as_is, check in steps:
            if not check:  # Method, Function, Constant: no attribute to read
                value = field._serialize(None, attribute, obj)
            else:
                value = _value(obj, attribute)
                if value is missing:
                    default = field.dump_default
                    value = default() if callable(default) else default
                    if value is missing:
                        continue
                if as_is is None or type(value) is not as_is:
                    value = field._serialize(value, attribute, obj)
            if value is not missing:
                out[key] = value
        return out

    return dump_one


def crosscheck(schema: Schema, planned: Any, expected: Any) -> None:
    """Raise unless the planned dump is marshmallow's, values and key order alike."""
    if json.dumps(planned, default=repr) != json.dumps(expected, default=repr):
        raise PlanDiffers(f"{type(schema).__name__}: planned {planned!r}, marshmallow {expected!r}")
