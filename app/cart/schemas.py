"""Request and response schemas of the cart."""

from __future__ import annotations

from marshmallow import fields, validate

from app.catalog.schemas import CardImageOut
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, HeadersSchema, OutSchema
from app.config import Config

PROBLEM_CODES = ("unavailable", "insufficient_stock", "price_changed")


class CartHeaders(HeadersSchema):
    cart_token = fields.String(
        data_key="X-Cart-Token",
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "A guest cart's token, as the first `addCartLine` without a login returned it. "
            "Ignored when an access token is sent (the account's cart is used)."
        },
    )


# Units of one product in a cart, as the document states it (the environment's CART_LINE_MAX,
# read once at start-up like every setting).
LINE_MAX = Config.CART_LINE_MAX


class CartLineIn(BaseSchema):
    product_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    quantity = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=LINE_MAX),
        metadata={"description": f"Units to add; the line then holds at most {LINE_MAX} (409 `cart_limit` beyond)"},
    )


class CartLinePatch(BaseSchema):
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=LINE_MAX))


class CartProductOut(OutSchema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    image = fields.Nested(CardImageOut, allow_none=True, metadata={"description": "The primary image, or null"})
    price = MoneyField()
    in_stock = fields.Boolean(metadata={"description": "On sale and at least one unit left"})


class CartProblemOut(OutSchema):
    code = fields.String(validate=validate.OneOf(PROBLEM_CODES))
    detail = fields.String()
    line_id = fields.Integer()
    product_id = fields.Integer()
    added_price = MoneyField(allow_none=True, metadata={"description": "price_changed: the price when added"})
    current_price = MoneyField(allow_none=True, metadata={"description": "price_changed: the price now"})
    available = fields.Integer(allow_none=True, metadata={"description": "insufficient_stock: units left"})


class CartLineOut(OutSchema):
    id = fields.Integer()
    product = fields.Nested(CartProductOut)
    quantity = fields.Integer()
    unit_price = MoneyField(metadata={"description": "Today's price"})
    line_total = MoneyField()
    problems = fields.List(fields.Nested(CartProblemOut))


class CartOut(OutSchema):
    lines = fields.List(fields.Nested(CartLineOut))
    saved_for_later = fields.List(fields.Nested(CartLineOut))
    subtotal = MoneyField(
        positive=False, metadata={"description": "Lines in the cart at today's prices; withdrawn products not included"}
    )
    currency = fields.String(metadata={"example": "KES"})
    count = fields.Integer(metadata={"description": "Units in the cart (saved-for-later not counted)"})
    cart_token = fields.String(
        allow_none=True,
        metadata={
            "description": "Set once, when this request made a guest cart: send it back as `X-Cart-Token` "
            "(and on login or sign-up, to keep the cart). Null otherwise."
        },
    )


class CartCountOut(OutSchema):
    count = fields.Integer()


class CartValidationOut(OutSchema):
    valid = fields.Boolean(metadata={"description": "True when no line has a problem"})
    problems = fields.List(fields.Nested(CartProblemOut))


CART_LINE_EXAMPLE = {"product_id": 42, "quantity": 2}
