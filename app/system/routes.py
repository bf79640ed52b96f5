"""Health check and uploaded media."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import current_app, send_from_directory
from marshmallow import fields, validate
from openapi_ui_bundles import swagger_ui
from sqlalchemy import text

from app.common.blueprint import Blueprint
from app.common.schemas import OutSchema
from app.extensions import db, limiter
from app.system.storefront import storefront

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Service health")
media = FlaskBlueprint("media", __name__)
docs_assets = FlaskBlueprint(
    "docs_assets", __name__, static_folder=str(swagger_ui.static_path), static_url_path="/api/v1/docs/assets"
)


class HealthOut(OutSchema):
    status = fields.String(validate=validate.OneOf(["ok", "degraded"]))
    database = fields.String(validate=validate.OneOf(["ok", "unavailable"]))


@blp.get("/health")
@limiter.exempt
@blp.response(200, HealthOut)
@blp.alt_response(503, schema=HealthOut, description="The database is unreachable")
@blp.doc(operationId="getHealth")
def health() -> Any:
    """Report whether the API and its database are up.

    For load balancers and uptime checks; never rate-limited.
    """
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        current_app.logger.exception("health check: database unreachable")
        return {"status": "degraded", "database": "unavailable"}, 503
    return {"status": "ok", "database": "ok"}


@media.get("/media/<path:filename>")
def serve_media(filename: str) -> Any:
    # Files are re-encoded images with random names; send_from_directory refuses path escapes.
    response = send_from_directory(current_app.config["MEDIA_ROOT"], filename, max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


PLAIN_BLUEPRINTS = (media, docs_assets, storefront)  # not API operations: no place in the OpenAPI document
