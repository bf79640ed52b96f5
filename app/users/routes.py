"""`/api/v1/me`: the signed-in user's profile, picture, addresses, export and deletion."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.common.blueprint import Blueprint
from app.common.permissions import login_required
from app.users import services
from app.users.schemas import (
    AddressInSchema,
    AddressPatchSchema,
    AddressSchema,
    DeleteAccountSchema,
    ExportSchema,
    PictureUploadSchema,
    ProfileSchema,
    ProfileUpdateSchema,
)

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The signed-in user's own data")


@blp.route("")
class Me(MethodView):
    @login_required()
    @blp.response(200, ProfileSchema)
    def get(self) -> Any:
        """Read my profile."""
        return current_user

    @login_required()
    @blp.arguments(ProfileUpdateSchema())
    @blp.response(200, ProfileSchema)
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data: dict[str, Any]) -> Any:
        """Change my profile (email, role and verification are read-only)."""
        return services.update_profile(current_user, data)

    @login_required()
    @blp.arguments(DeleteAccountSchema())
    @blp.response(204)
    def delete(self, data: dict[str, Any]) -> None:
        """Delete my account: personal data is anonymised, order records are kept."""
        services.delete_account(current_user, data["password"])


@blp.put("/picture")
@login_required()
@blp.arguments(PictureUploadSchema(), location="files")
@blp.response(200, ProfileSchema)
@blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
def put_picture(files: dict[str, Any]) -> Any:
    """Upload my profile picture (JPEG, PNG or WebP, at most 5 MB)."""
    return services.set_picture(current_user, files["file"])


@blp.get("/export")
@login_required()
@blp.response(200, ExportSchema)
def export() -> Any:
    """Download everything the shop holds about me."""
    return services.export_data(current_user)


@blp.route("/addresses")
class Addresses(MethodView):
    @login_required()
    @blp.response(200, AddressSchema(many=True))
    def get(self) -> Any:
        """List my addresses, the default first."""
        return services.list_addresses(current_user)

    @login_required()
    @blp.arguments(AddressInSchema())
    @blp.response(201, AddressSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Add an address."""
        return services.create_address(current_user, data)


@blp.route("/addresses/<int:address_id>")
class AddressById(MethodView):
    @login_required()
    @blp.response(200, AddressSchema)
    def get(self, address_id: int) -> Any:
        """Read one of my addresses."""
        return services.get_address(current_user, address_id)

    @login_required()
    @blp.arguments(AddressPatchSchema())
    @blp.response(200, AddressSchema)
    def patch(self, data: dict[str, Any], address_id: int) -> Any:
        """Change one of my addresses."""
        return services.update_address(current_user, address_id, data)

    @login_required()
    @blp.response(204)
    def delete(self, address_id: int) -> None:
        """Delete one of my addresses."""
        services.delete_address(current_user, address_id)
