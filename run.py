"""WSGI entry point: `python run.py`, `flask --app run:app ...`, `gunicorn run:app`."""
import os

from app import create_app
from app.extensions import celery  # noqa: F401 - `celery -A run.celery worker`

app = create_app()

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST") or "127.0.0.1", port=int(os.environ.get("PORT") or "5000"))
