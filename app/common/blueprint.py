"""The Blueprint every domain uses: flask-smorest's, with strict argument parsing."""
from __future__ import annotations

import flask_smorest
from webargs.flaskparser import FlaskParser


class Blueprint(flask_smorest.Blueprint):
    # unknown=None lets each schema's Meta.unknown (RAISE, see BaseSchema) decide for every
    # location: a misspelt filter in a query string is a 422, not silently ignored.
    ARGUMENTS_PARSER = FlaskParser(unknown=None)
