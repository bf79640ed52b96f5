"""Schemas of the back office."""

from __future__ import annotations

from marshmallow import fields, validate

from app.auth.models import Role
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, OutSchema, PaginationQuery
from app.users.schemas import ProfileOut

ROLES = [role.value for role in Role]


class UserListQuery(PaginationQuery):
    role = fields.String(validate=validate.OneOf(ROLES))
    email = fields.String(validate=validate.Length(min=1, max=254), metadata={"description": "Part of the email"})


class AdminUserOut(ProfileOut):
    is_active = fields.Boolean()
    deleted_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime()


class RoleChangeIn(BaseSchema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class SellersOwedOut(OutSchema):
    pending = MoneyField(signed=True, required=True)
    available = MoneyField(signed=True, required=True)
    in_payout = MoneyField(signed=True, required=True)


class PayoutTotalsOut(OutSchema):
    paid = MoneyField(signed=True, required=True, metadata={"description": "Sent by M-Pesa in the period"})
    failed = MoneyField(signed=True, required=True, metadata={"description": "Given back to balances in the period"})
    unsettled = MoneyField(
        signed=True,
        required=True,
        metadata={"description": "Claimed, not yet paid or failed (pending approval, queued, unknown)"},
    )


class TrialBalanceLineOut(OutSchema):
    account = fields.String(required=True, metadata={"example": "revenue:commission"})
    kind = fields.String(required=True, metadata={"description": "asset, liability, revenue or expense"})
    debit = MoneyField(positive=False, required=True)
    credit = MoneyField(positive=False, required=True)


class TrialBalanceOut(OutSchema):
    lines = fields.List(fields.Nested(TrialBalanceLineOut), required=True)
    debits = MoneyField(positive=False, required=True)
    credits = MoneyField(positive=False, required=True)
    balanced = fields.Boolean(required=True, metadata={"description": "Debits equal credits"})


class FinanceSummaryOut(OutSchema):
    currency = fields.String(required=True, metadata={"example": "KES"})
    since = fields.AwareDateTime(allow_none=True)
    until = fields.AwareDateTime(allow_none=True)
    gross_sales = MoneyField(
        signed=True, required=True, metadata={"description": "Goods and delivery fees of orders paid in the period"}
    )
    given_back = MoneyField(
        signed=True, required=True, metadata={"description": "Of them, given back by cancellations and returns"}
    )
    net_sales = MoneyField(signed=True, required=True)
    refunds = MoneyField(
        signed=True, required=True, metadata={"description": "Money sent back to customers in the period"}
    )
    goodwill = MoneyField(signed=True, required=True, metadata={"description": "Refunds beyond what orders owed back"})
    commission_earned = MoneyField(signed=True, required=True)
    delivery_fees = MoneyField(signed=True, required=True)
    house_sales = MoneyField(signed=True, required=True, metadata={"description": "The shop's own sales, net"})
    sellers = fields.Nested(SellersOwedOut, required=True, metadata={"description": "Owed to sellers at the end"})
    payouts = fields.Nested(PayoutTotalsOut, required=True)
    wallet_liability = MoneyField(signed=True, required=True, metadata={"description": "Customers' wallets at the end"})
    customer_funds = MoneyField(
        signed=True,
        required=True,
        metadata={"description": "Customers' money held at the end (owed back, or not yet owed onward)"},
    )
    cash = fields.Dict(
        keys=fields.String(),
        values=MoneyField(signed=True),
        required=True,
        metadata={"description": "The shop's money by provider at the end (mpesa, paystack, paypal, cash, mpesa-b2c)"},
    )
    trial_balance = fields.Nested(TrialBalanceOut, required=True)
