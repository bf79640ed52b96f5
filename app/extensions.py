"""Extension objects, created here and bound to the app in `create_app`."""

from __future__ import annotations

import http
from typing import Any

from celery import Celery
from flask_compress import Compress
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from app.common.openapi import HEADER_DOCS, RATE_LIMIT_HEADERS, ConventionsPlugin, DukaMarshmallowPlugin, header_refs
from app.common.schemas import PROBLEM_MIMETYPE, ProblemOut

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
cors = CORS()
compress = Compress()


class DukaApi(Api):
    """flask-smorest's Api, with our problem+json errors in the document and the document's
    conventions (app/common/openapi.py). Our error handlers replace flask-smorest's: create_app
    registers them after `api.init_app`."""

    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def init_app(self, app: Any, *, spec_kwargs: dict[str, Any] | None = None) -> None:
        # Fresh plugins per app: a plugin holds the spec it was initialised with.
        plugins = {"marshmallow_plugin": DukaMarshmallowPlugin(), "extra_plugins": [ConventionsPlugin()]}
        super().init_app(app, spec_kwargs={**plugins, **(spec_kwargs or {})})

    def _register_responses(self) -> None:
        for name, header in HEADER_DOCS.items():
            self.spec.components.header(name, header)
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase, "headers": header_refs("X-Request-ID")}
            if status == 429:
                response["headers"].update(header_refs("Retry-After", *RATE_LIMIT_HEADERS))
            if status == 503:
                response["headers"].update(header_refs("Retry-After"))
            if status >= 400:
                response["schema"] = ProblemOut
            prepare_response(response, self.spec, PROBLEM_MIMETYPE if status >= 400 else "application/json")
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (RFC 9457 problem details)", "schema": ProblemOut}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_pagination_header(self) -> None:
        """Lists carry their page in the body (`meta`), not in flask-smorest's X-Pagination."""


api = DukaApi()
celery = Celery("duka")
