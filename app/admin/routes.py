"""`/api/v1/admin`: the back office. Every route here is for admins only."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import current_user

from app.admin.schemas import AdminUserOut, RoleChangeIn, UserListQuery
from app.auth.models import Role
from app.common.blueprint import Blueprint
from app.common.pagination import paginate
from app.common.permissions import login_required
from app.common.schemas import page_of
from app.users import services as users

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Back office (admins only)")


@blp.get("/users")
@login_required(Role.ADMIN)
@blp.arguments(UserListQuery(), location="query")
@blp.response(200, page_of(AdminUserOut))
@blp.doc(operationId="listUsers")
def list_users(query: dict[str, Any]) -> Any:
    """List users, filtered by role and email (admin).

    `email` matches any part of the address, case-insensitively.
    """
    return paginate(users.users_query(query.get("role"), query.get("email")), query["page"], query["per_page"])


@blp.patch("/users/<int:user_id>")
@login_required(Role.ADMIN)
@blp.arguments(RoleChangeIn())
@blp.response(200, AdminUserOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="changeUserRole")
def change_role(data: dict[str, Any], user_id: int) -> Any:
    """Change a user's role (admin).

    Effective at once, on the user's next request. The last admin cannot be demoted (409
    `last_admin`).
    """
    return users.set_role(current_user, user_id, data["role"])
