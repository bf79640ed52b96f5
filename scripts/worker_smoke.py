"""A Celery worker and beat against a real Redis: an order placed over HTTP gets its confirmation
email delivered by the worker (not by the web process) into the file outbox, and beat starts with
the schedule's jobs registered. Exits non-zero on any failure (CI runs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz import BIN, ROOT, free_port, login, wait_for  # noqa: E402

BROKER = os.environ.get("SMOKE_BROKER_URL", "redis://127.0.0.1:6379/12")
JOBS = {
    "expire-unpaid-orders",
    "purge-expired-guest-carts",
    "purge-idempotency-keys",
    "reconcile-pending-payments",
    "send-pending-emails",
    "release-seller-earnings",
    "scheduled-payouts",
    "send-due-payouts",
    "check-unsettled-payouts",
    "reconcile-pending-top-ups",
}


def call(base: str, method: str, path: str, token: str, body: dict | None = None, **headers: str) -> dict:
    request = urllib.request.Request(
        f"{base}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.load(response)


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="duka-worker-"))
    outbox = workdir / "outbox"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": os.environ.get("SMOKE_DATABASE_URL", f"sqlite:///{workdir / 'smoke.db'}"),
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": str(workdir / "media"),
        "MAIL_OUTBOX_DIR": str(outbox),
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "INFO",
    }
    redis.Redis.from_url(BROKER).flushdb()
    flask = [str(BIN / "flask"), "--app", "run:app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)

    scheduled = subprocess.run(
        [str(BIN / "python"), "-c", "from run import celery; print(' '.join(sorted(celery.conf.beat_schedule)))"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    if not JOBS <= set(scheduled):
        print(f"beat schedule lacks {sorted(JOBS - set(scheduled))}: {scheduled}")
        return 1

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    worker_log = workdir / "worker.log"
    processes = [
        subprocess.Popen(
            [str(BIN / "gunicorn"), "run:app", "--bind", f"127.0.0.1:{port}", "--workers", "1"], cwd=ROOT, env=env
        ),
        subprocess.Popen(
            [str(BIN / "celery"), "-A", "run.celery", "worker", "-Q", "duka", "--pool", "solo", "--loglevel", "INFO"],
            cwd=ROOT,
            env=env,
            stdout=worker_log.open("w"),
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "run.celery",
                "beat",
                "--schedule",
                str(workdir / "beat"),
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=(workdir / "beat.log").open("w"),
            stderr=subprocess.STDOUT,
        ),
    ]
    try:
        wait_for(f"{base}/api/v1/health")
        token = login(base, "customer@duka.test", "Duka-Customer-2026!")
        product = call(base, "GET", "/api/v1/products?per_page=1&in_stock=true", token)["items"][0]
        call(base, "POST", "/api/v1/cart/lines", token, {"product_id": product["id"], "quantity": 1})
        home = {
            "label": "Home",
            "recipient": "Wanjiru Customer",
            "phone": "0712345678",
            "county": "Nairobi",
            "town": "Nairobi",
            "street": "Moi Avenue 1",
        }
        address = call(base, "POST", "/api/v1/me/addresses", token, home)
        order = call(
            base,
            "POST",
            "/api/v1/orders",
            token,
            {"address_id": address["id"], "payment_method": "cash"},
            **{"Idempotency-Key": str(uuid.uuid4())},
        )
        subject = f"Subject: Your order {order['reference']}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(subject in path.read_text(errors="replace") for path in outbox.glob("*.eml")):
                break
            time.sleep(0.5)
        else:
            print(f"no email '{subject}' in {outbox} after 60 s; worker log:\n{worker_log.read_text()}")
            return 1
        log = worker_log.read_text()
        if "notifications.send_email" not in log or "succeeded" not in log:
            print(f"the worker did not run notifications.send_email:\n{log}")
            return 1
        time.sleep(2)
        if processes[2].poll() is not None:
            print(f"beat exited:\n{(workdir / 'beat.log').read_text()}")
            return 1
        print(f"worker smoke passed: order {order['reference']} emailed by the worker; beat runs {sorted(JOBS)}")
        return 0
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


if __name__ == "__main__":
    raise SystemExit(main())
