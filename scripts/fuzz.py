"""Fuzz the OpenAPI document with schemathesis against a real server on a throw-away database.

Checks: no server errors (5xx) and every response matches its documented schema. Runs twice:
as an admin (every route reachable; logout and refresh excluded so the token survives the run)
and anonymously (the public and 401 paths). Exits non-zero on any failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "40")
CHECKS = "not_a_server_error,response_schema_conformance"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def login(base: str, email: str, password: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/login",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["access_token"]


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="duka-fuzz-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": os.environ.get("FUZZ_DATABASE_URL", f"sqlite:///{workdir / 'fuzz.db'}"),
        "MEDIA_ROOT": str(workdir / "media"),
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "RATELIMIT_ENABLED": "false",  # the fuzzer would otherwise spend its run on 429s
        "LOG_LEVEL": "WARNING",
        # The payment sandbox answers on this server, as with `make run`.
        "PUBLIC_BASE_URL": base,
        "PAYMENT_SANDBOX_DIR": str(workdir / "sandbox"),
    }
    flask = [str(BIN / "flask"), "--app", "run:app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)

    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "run:app", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(f"{base}/api/v1/health")
        token = login(base, "admin@duka.test", "Duka-Admin-2026!")
        schema = f"{base}/api/v1/openapi.json"
        common = ["run", schema, "--checks", CHECKS, "--max-examples", MAX_EXAMPLES, "--seed", "1", "--workers", "2"]
        as_admin = subprocess.run(
            [
                str(BIN / "schemathesis"),
                *common,
                "-H",
                f"Authorization: Bearer {token}",
                "--exclude-path",
                "/api/v1/auth/logout",
                "--exclude-path",
                "/api/v1/auth/refresh",
                "--exclude-path",
                "/api/v1/me",  # DELETE /me would end the run's account
            ],
            cwd=workdir,
        )
        anonymous = subprocess.run([str(BIN / "schemathesis"), *common], cwd=workdir)
        return 1 if as_admin.returncode or anonymous.returncode else 0
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    raise SystemExit(main())
