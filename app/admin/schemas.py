"""Schemas of the back office."""

from __future__ import annotations

from marshmallow import fields, validate

from app.auth.models import Role
from app.common.schemas import BaseSchema, PaginationQuery
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
