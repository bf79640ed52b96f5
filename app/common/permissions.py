"""The one permission decorator: a valid access token, and optionally one of some roles."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from typing import Any, TypeVar

from flask_jwt_extended import current_user, verify_jwt_in_request

from app.errors import Forbidden

F = TypeVar("F", bound=Callable[..., Any])


def login_required(*roles: str) -> Callable[[F], F]:
    """Require an access token; with roles (`Role.ADMIN`, ...: a str enum), require the user to
    hold one of them (else 403).

    Roles are read from the database on every request, so a role change applies at once.
    """
    roles = tuple(getattr(role, "value", role) for role in roles)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request()
            if roles and current_user.role not in roles:
                raise Forbidden("Your role does not allow this.")
            return view(*args, **kwargs)

        # Read by the route meta-tests (tests/test_route_guards.py).
        wrapper._duka_roles = roles  # type: ignore[attr-defined]
        # flask-smorest reads this to document the security requirement (401 follows from it,
        # app/common/openapi.py) and the 403 of role-guarded routes.
        doc = deepcopy(getattr(wrapper, "_apidoc", {}))
        manual = doc.setdefault("manual_doc", {})
        manual.setdefault("security", [{"bearerAuth": []}])
        if roles:
            manual.setdefault("responses", {})["403"] = "FORBIDDEN"
        wrapper._apidoc = doc  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def login_optional(view: F) -> F:
    """Routes open to visitors and signed-in users alike (the cart): a token, when sent, must be
    valid (401 otherwise) and `current_user` is then set; without one the view runs as a guest.

    The route meta-tests read `_duka_optional` (such routes are public, and their id routes
    are still checked for ownership with a token)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verify_jwt_in_request(optional=True)
        return view(*args, **kwargs)

    wrapper._duka_optional = True  # type: ignore[attr-defined]
    doc = deepcopy(getattr(wrapper, "_apidoc", {}))
    # `{}` is "no credentials": either way is fine (OpenAPI's way of saying optional; the
    # document then states it once, at the top: app/common/openapi.py).
    doc.setdefault("manual_doc", {}).setdefault("security", [{}, {"bearerAuth": []}])
    wrapper._apidoc = doc  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
