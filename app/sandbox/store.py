"""The sandbox's memory: one JSON file per transaction under PAYMENT_SANDBOX_DIR (shared by every
worker process, outside the shop's database: a sandbox request made from inside a checkout's
transaction must not wait for that transaction's lock on SQLite), and the callbacks it owes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from flask import Flask, current_app

from app.common.bodies import loads_checked

log = logging.getLogger("duka.sandbox")
EXTENSION = "duka.sandbox"


@dataclass(slots=True)
class Delivery:
    """A callback or webhook the sandbox owes the app: where, what, with which headers."""

    url: str
    body: bytes
    headers: dict[str, str]
    due: float  # time.time() after which it is sent


@dataclass(slots=True)
class Sandbox:
    root: Path
    delay: float
    manual: bool
    pending: list[Delivery] = field(default_factory=list)


def init_store(app: Flask) -> None:
    root = Path(app.config["PAYMENT_SANDBOX_DIR"])
    app.extensions[EXTENSION] = Sandbox(
        root=root,
        delay=float(app.config["PAYMENT_SANDBOX_DELAY_SECONDS"]),
        manual=app.config["PAYMENT_SANDBOX_DELIVERY"] == "manual",
    )


def sandbox() -> Sandbox:
    return current_app.extensions[EXTENSION]


def _path(provider: str, key: str) -> Path:
    # Keys come from requests: a digest names the file, whatever they hold.
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return sandbox().root / provider / f"{digest}.json"


def load(provider: str, key: str) -> dict[str, Any] | None:
    """The record stored under `key`, or None."""
    path = _path(provider, key)
    try:
        found = loads_checked(path.read_text())
        return found if isinstance(found, dict) else None
    except (FileNotFoundError, ValueError):
        return None


def _written(path: Path, record: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps(record))
    return temporary


def save(provider: str, key: str, record: dict[str, Any]) -> None:
    """Store `record` under `key` (atomically: a reader sees the old or the new file)."""
    path = _path(provider, key)
    os.replace(_written(path, record), path)


def create(provider: str, key: str, record: dict[str, Any]) -> bool:
    """Store a new record; False when `key` is taken (also by another process: a hard link to
    an existing name fails)."""
    path = _path(provider, key)
    temporary = _written(path, record)
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
    return True


def age(record: dict[str, Any]) -> float:
    """Seconds since the record was made."""
    return time.time() - float(record["created"])


def deliver_later(url: str, payload: Any, headers: dict[str, str] | None = None, *, raw: bytes | None = None) -> None:
    """Post `payload` (JSON) or `raw` to `url` after PAYMENT_SANDBOX_DELAY_SECONDS, as the
    provider would: by a timer thread, or kept for `deliver_pending` in manual mode."""
    box = sandbox()
    body = raw if raw is not None else json.dumps(payload).encode()
    delivery = Delivery(url, body, {"Content-Type": "application/json", **(headers or {})}, time.time() + box.delay)
    if box.manual:
        box.pending.append(delivery)
        return
    timer = threading.Timer(box.delay, _post, args=(delivery,))
    timer.daemon = True
    timer.start()


def deliver_pending(app: Flask, *, due_only: bool = False) -> list[int]:
    """Post the callbacks kept in manual mode (all, or those due); returns the statuses."""
    box: Sandbox = app.extensions[EXTENSION]
    now = time.time()
    ready = [d for d in box.pending if not due_only or d.due <= now]
    box.pending[:] = [d for d in box.pending if d not in ready]
    return [_post(delivery) for delivery in ready]


def _post(delivery: Delivery) -> int:
    try:
        response = requests.post(delivery.url, data=delivery.body, headers=delivery.headers, timeout=10)
    except requests.RequestException as exc:
        log.warning("sandbox: the callback to %s failed: %s", _where(delivery.url), type(exc).__name__)
        return 0
    log.info("sandbox: callback to %s answered %s", _where(delivery.url), response.status_code)
    return response.status_code


def _where(url: str) -> str:
    # A callback URL may carry a secret in its path: log its origin only.
    return "/".join(url.split("/", 3)[:3])
