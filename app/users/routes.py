"""`/api/v1/me`: the signed-in user's profile, picture, addresses, export and deletion."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.auth import google
from app.auth.schemas import IdentityOut, IdTokenIn
from app.common.blueprint import Blueprint
from app.common.permissions import login_required
from app.common.schemas import FileUploadIn, PaginationQuery, page_of
from app.users import services
from app.users.schemas import (
    ADDRESS_IN_EXAMPLE,
    AddressIn,
    AddressOut,
    AddressPatch,
    DeleteAccountIn,
    ExportOut,
    ProfileOut,
    ProfilePatch,
)

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The signed-in user's own data")


def _address_url(address: Any) -> str:
    return url_for("me.AddressById", address_id=address.id)


@blp.route("")
class Me(MethodView):
    @login_required()
    @blp.response(200, ProfileOut)
    @blp.doc(operationId="getProfile")
    def get(self) -> Any:
        """Read my profile.

        Any signed-in user: customer, supplier or admin.
        """
        return current_user

    @login_required()
    @blp.arguments(ProfilePatch())
    @blp.response(200, ProfileOut)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="updateProfile")
    def patch(self, data: dict[str, Any]) -> Any:
        """Change my profile.

        Only the fields sent change. `email`, `role`, `email_verified` and `invite_code` are
        read-only (422). A username taken by someone else is 409 `username_taken`.
        """
        return services.update_profile(current_user, data)

    @login_required()
    @blp.arguments(DeleteAccountIn())
    @blp.response(204)
    @blp.doc(operationId="deleteAccount")
    def delete(self, data: dict[str, Any]) -> None:
        """Delete my account.

        Needs the password. Personal data is anonymised, every session is signed out, order
        records are kept.
        """
        services.delete_account(current_user, data["password"])


@blp.put("/picture")
@login_required()
@blp.arguments(FileUploadIn(), location="multipart")
@blp.response(200, ProfileOut)
@blp.doc(operationId="setProfilePicture")
def put_picture(data: dict[str, Any]) -> Any:
    """Upload my profile picture.

    JPEG, PNG or WebP, at most 5 MB; checked by content, re-encoded without metadata.
    """
    return services.set_picture(current_user, data["file"])


@blp.get("/export")
@login_required()
@blp.response(200, ExportOut)
@blp.doc(operationId="exportMyData")
def export() -> Any:
    """Download everything the shop holds about me.

    Profile, consents, addresses and login sessions (the right of access).
    """
    return services.export_data(current_user)


@blp.route("/addresses")
class Addresses(MethodView):
    @login_required()
    @blp.arguments(PaginationQuery(), location="query")
    @blp.response(200, page_of(AddressOut))
    @blp.doc(operationId="listAddresses")
    def get(self, query: dict[str, Any]) -> Any:
        """List my addresses, the default first.

        Paginated like every list: `?page=&per_page=`.
        """
        return services.list_addresses(current_user, query["page"], query["per_page"])

    @login_required()
    @blp.arguments(AddressIn(), example=ADDRESS_IN_EXAMPLE)
    @blp.response(201, AddressOut, location=_address_url)
    @blp.doc(operationId="createAddress")
    def post(self, data: dict[str, Any]) -> Any:
        """Add an address.

        The first address becomes the default; `is_default: true` moves the default to this one.
        """
        return services.create_address(current_user, data)


@blp.route("/addresses/<int:address_id>")
class AddressById(MethodView):
    @login_required()
    @blp.response(200, AddressOut)
    @blp.doc(operationId="getAddress")
    def get(self, address_id: int) -> Any:
        """Read one of my addresses.

        Someone else's address is 404, as a missing one.
        """
        return services.get_address(current_user, address_id)

    @login_required()
    @blp.arguments(AddressPatch())
    @blp.response(200, AddressOut)
    @blp.doc(operationId="updateAddress")
    def patch(self, data: dict[str, Any], address_id: int) -> Any:
        """Change one of my addresses.

        Only the fields sent change; `is_default: true` makes it the default.
        """
        return services.update_address(current_user, address_id, data)

    @login_required()
    @blp.response(204)
    @blp.doc(operationId="deleteAddress")
    def delete(self, address_id: int) -> None:
        """Delete one of my addresses.

        Deleting the default makes the next address the default.
        """
        services.delete_address(current_user, address_id)


@blp.post("/identities/google")
@login_required()
@blp.arguments(IdTokenIn())
@blp.response(201, IdentityOut, location=lambda _: url_for("me.Me"))
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="linkGoogle")
def link_google(data: dict[str, Any]) -> Any:
    """Link a Google account to mine, so it signs me in.

    Its ID token as for `POST /auth/google`; a Google account that opens another Duka account,
    or a second one, is 409 `identity_taken`.
    """
    return google.link(current_user, data["id_token"])


@blp.delete("/identities/google")
@login_required()
@blp.response(204)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="unlinkGoogle")
def unlink_google() -> None:
    """Remove the Google account linked to mine.

    Refused while my account has no password (409 `last_way_in`: set one first).
    """
    google.unlink(current_user)
