"""Response schemas dumped by plans (app/common/dumping.py): marshmallow's output, exactly."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from marshmallow import Schema, fields, post_dump

from app.common import dumping
from app.common.fields import DecimalString
from app.common.schemas import OutSchema


class TagOut(OutSchema):
    name = fields.String()


class ThingOut(OutSchema):
    id = fields.Integer()
    label = fields.String(attribute="title")
    wire_name = fields.String(data_key="wireName")
    flag = fields.Boolean()
    count = fields.Integer(dump_default=7)
    price = DecimalString(2)
    main = fields.Nested(TagOut, allow_none=True)
    tags = fields.List(fields.Nested(TagOut))
    shout = fields.Method("loud")

    def loud(self, obj) -> str:
        title = obj["title"] if isinstance(obj, dict) else obj.title
        return str(title).upper()


@dataclass
class Tag:
    name: str


@dataclass
class Thing:
    id: object
    title: object
    wire_name: object
    flag: object
    price: Decimal
    main: Tag | None
    tags: list[Tag]


def marshmallow_dump(schema: Schema, obj, many: bool = False):
    return Schema.dump(schema, obj, many=many)  # marshmallow's own path, not the plan


def same(a, b) -> bool:
    return json.dumps(a, default=repr) == json.dumps(b, default=repr)  # values and key order


@pytest.mark.parametrize(
    "thing",
    [
        Thing(1, "Kikapu", "basket", True, Decimal("4.5"), Tag("craft"), [Tag("a"), Tag("b")]),
        Thing(True, 12, None, 1, Decimal("0"), None, []),  # converted by the fields, as marshmallow does
        Thing(None, None, "x", None, Decimal("1.234"), Tag("t"), []),
    ],
    ids=["plain values", "values the fields convert", "nulls"],
)
def test_a_plan_dumps_objects_as_marshmallow_does(thing):
    schema = ThingOut()
    planned = schema.dump(thing)
    assert same(planned, marshmallow_dump(ThingOut(), thing))
    assert planned["count"] == 7  # the dump default, for an attribute the object lacks
    assert list(planned)[:3] == ["id", "label", "wireName"]


def test_a_plan_reads_dicts_and_lists_of_them_as_marshmallow_does():
    rows = [
        {
            "id": 2,
            "title": "Mat",
            "wire_name": "w",
            "flag": False,
            "count": 3,
            "price": Decimal("9"),
            "main": None,
            "tags": [],
        },
        {
            "id": 3,
            "title": "Bowl",
            "flag": True,
            "price": Decimal("1.5"),
            "main": {"name": "wood"},
            "tags": [{"name": "x"}],
        },
    ]
    schema = ThingOut()
    assert same(schema.dump(rows, many=True), marshmallow_dump(ThingOut(), rows, many=True))
    assert "wireName" not in schema.dump(rows[1])  # missing in the dict: left out, as marshmallow does


def test_schemas_with_dump_hooks_keep_marshmallows_path():
    class Hooked(OutSchema):
        name = fields.String()

        @post_dump
        def shout(self, data, **_):
            return {"name": data["name"].upper()}

    assert dumping.plan_for(Hooked()) is None
    assert Hooked().dump({"name": "duka"}) == {"name": "DUKA"}


def test_the_crosscheck_fails_a_plan_that_differs(monkeypatch):
    monkeypatch.setattr(dumping, "CROSSCHECK", True)
    schema = TagOut()
    schema.__dict__["_plan"] = lambda obj: {"name": "not what marshmallow says"}
    with pytest.raises(dumping.PlanDiffers):
        schema.dump(Tag("real"))


class ShoutedTagOut(OutSchema):
    name = fields.String()

    @post_dump
    def shout(self, data, **_):
        return {"name": data["name"].upper()}


class MixOut(OutSchema):
    id = fields.Integer()
    stamp = fields.String(dump_default=lambda: "default")
    hooked = fields.Nested(ShoutedTagOut, allow_none=True)  # its own schema keeps marshmallow's path
    tags = fields.List(fields.Nested(TagOut, allow_none=True), allow_none=True)
    few = fields.Nested(TagOut, many=True)


def test_written_plans_read_every_kind_of_object_and_nest_as_marshmallow_does():
    from collections import namedtuple

    Row = namedtuple("Row", "id hooked tags few")  # __getitem__ by position: read by attribute after it
    objects = [
        Row(1, Tag("craft"), [Tag("a"), None], [Tag("b")]),
        {"id": 2, "hooked": None, "tags": None, "few": []},
        {"id": "3", "stamp": "set", "hooked": {"name": "x"}, "tags": [{"name": "y"}], "few": [{"name": "z"}]},
    ]
    schema = MixOut()
    for obj in objects:
        assert same(schema.dump(obj), marshmallow_dump(MixOut(), obj)), obj
    assert schema.dump(objects[0])["hooked"] == {"name": "CRAFT"}
    assert schema.dump(objects[0])["tags"] == [{"name": "a"}, None]
    assert schema.dump(objects[1])["stamp"] == "default"  # a callable dump default, called
    assert same(schema.dump(objects, many=True), marshmallow_dump(MixOut(), objects, many=True))


def test_dates_dumped_by_their_format_function_as_marshmallow_does():
    from datetime import date, datetime, timedelta, timezone

    class DatesOut(OutSchema):
        aware = fields.AwareDateTime()
        plain = fields.DateTime()
        rfc = fields.DateTime(format="rfc")
        stamp = fields.DateTime(format="timestamp")
        custom = fields.DateTime(format="%Y/%m/%d")
        day = fields.Date()

    when = datetime(2026, 12, 6, 0, 30, 5, 120, tzinfo=timezone(timedelta(hours=3)))
    schema = DatesOut()
    for row in (
        {"aware": when, "plain": when, "rfc": when, "stamp": when, "custom": when, "day": date(2026, 12, 6)},
        {"aware": None, "plain": None, "rfc": None, "stamp": None, "custom": None, "day": None},
    ):
        planned = schema._plan_of()(row)
        assert json.dumps(planned) == json.dumps(Schema.dump(schema, row))
    assert dumping._date_format(schema.fields["aware"]) is datetime.isoformat
    assert dumping._date_format(schema.fields["custom"]) is None  # strftime: the field's own


def test_decimal_strings_dumped_as_marshmallow_does():
    from decimal import ROUND_DOWN

    from app.common.money import MoneyField

    class AmountsOut(OutSchema):
        money = MoneyField()
        rating = DecimalString(2)
        down = fields.Decimal(places=1, rounding=ROUND_DOWN, as_string=True)
        plain = fields.Decimal(as_string=True)  # no places: marshmallow's own path

    schema = AmountsOut()
    for value in (Decimal("1499"), Decimal("1499.005"), Decimal("1E+3"), Decimal("-0.015"), Decimal("NaN"), 7, None):
        row = {"money": value, "rating": value, "down": value, "plain": value}
        assert json.dumps(schema._plan_of()(row)) == json.dumps(Schema.dump(schema, row)), value
    assert dumping._decimal_string(schema.fields["money"]) and not dumping._decimal_string(schema.fields["plain"])
