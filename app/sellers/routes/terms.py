"""The platform's seller terms: publishing, reading, accepting."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_jwt_extended import current_user

from app.auth.models import Role
from app.common.permissions import login_required
from app.sellers.routes.blueprint import blp
from app.sellers.schemas import (
    TermsAcceptanceOut,
    TermsAcceptIn,
    TermsIn,
    TermsOut,
)
from app.sellers.services import terms

# Seller terms ------------------------------------------------------------------------------------


@blp.get("/terms/current")
@blp.response(200, TermsOut)
@blp.doc(operationId="getCurrentSellerTerms")
def current_terms() -> Any:
    """The seller terms in effect.

    404 `terms_not_found` before any version is published.
    """
    return terms.current()


@blp.post("/terms")
@login_required(Role.ADMIN)
@blp.arguments(TermsIn())
@blp.response(201, TermsOut, location=lambda made: url_for("sellers.current_terms"))
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="publishSellerTerms")
def publish_terms(data: dict[str, Any]) -> Any:
    """Publish a version of the seller terms (admin).

    It applies from `effective_from` (now when omitted); every approved seller is notified and,
    once it applies, lists and changes no product until they accept it. A version used already
    is 409 `terms_version_taken`.
    """
    return terms.publish(current_user, data)


@blp.post("/seller/terms/accept")
@login_required(Role.SUPPLIER)
@blp.arguments(TermsAcceptIn())
@blp.response(200, TermsAcceptanceOut)
@blp.doc(operationId="acceptSellerTerms")
def accept_terms(data: dict[str, Any]) -> Any:
    """Accept a version of the seller terms.

    Recorded with the time, the client's address and user agent; accepting it again keeps the
    first record. An unknown version is 404 `terms_not_found`.
    """
    return terms.accept(current_user, data["version"], request.remote_addr, request.headers.get("User-Agent"))
