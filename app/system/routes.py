"""Health check and uploaded media."""
from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import current_app, send_from_directory
from marshmallow import Schema, fields
from sqlalchemy import text

from app.common.blueprint import Blueprint
from app.extensions import db, limiter

blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Service health")
media = FlaskBlueprint("media", __name__)


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    database = fields.String(required=True, metadata={"example": "ok"})


@blp.get("/health")
@limiter.exempt
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
def health() -> Any:
    """Report whether the API and its database are up."""
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
