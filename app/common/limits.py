"""Counters beside Flask-Limiter's, in the same storage (Redis in production, memory for one
process), for budgets a decorator cannot express: failed logins counted before the password is
checked (app/auth/ratelimit.py), prompts sent to one phone number (payments).

Keys made of what a client sent go through `counter_key` first: a lone surrogate cannot be
encoded for Redis (a 500 on `POST /auth/login` with `"email": "\\ud800"`), and 100 KB of text
should not become a 100 KB key.

`drop_idle_limit_hook` takes Flask-Limiter's per-request hook out of an app that has no app-wide
limit to check with it.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app
from flask.globals import request_ctx
from flask_limiter import Limiter
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app.errors import RateLimited, ServiceUnavailable

EXTENSION = "duka.counters"


def init_counters(app: Flask) -> None:
    """Give the app its counters, in the rate limits' storage (shared by every worker in Redis)."""
    app.extensions[EXTENSION] = FixedWindowRateLimiter(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))


def drop_idle_limit_hook(app: Flask, limiter: Limiter) -> bool:
    """Remove Flask-Limiter's before_request check when no limit could be found by it.

    That hook checks app-wide limits (default, application, meta and blueprint limits, and the
    in-memory fallback's): it resolves them on every request, even when there are none, which
    cost a product page about 45 us of CPU (a tenth of its Python). A limit on a route
    (`limiter.limit` as a decorator, as all of Duka's are) is checked by its decorator when the
    view runs, and its headers are still added after it, so without app-wide limits the hook
    only costs. Its after-request and teardown hooks then run only on requests where a limit was
    checked. Called once every blueprint is registered; True when the check was removed.
    """
    manager = limiter.limit_manager
    app_wide = (
        manager._default_limits,
        manager._application_limits,
        manager._blueprint_limits,
        limiter._meta_limits,
        limiter._in_memory_fallback_enabled,
    )
    if any(app_wide):
        return False
    hooks = app.before_request_funcs.get(None, [])
    kept = [hook for hook in hooks if getattr(hook, "__func__", None) is not type(limiter)._check_request_limit]
    app.before_request_funcs[None] = kept
    # Its after-request and teardown hooks add the headers and deductions of the limits checked
    # during the request, in a context the check made: where none was checked, they only cost.
    after = app.after_request_funcs.get(None, [])
    after[:] = [_after_a_check(hook) if _of(hook, limiter) else hook for hook in after]
    teardown = app.teardown_request_funcs.get(None, [])
    teardown[:] = [_teardown_after_a_check(hook) if _of(hook, limiter) else hook for hook in teardown]
    return len(kept) < len(hooks)


def _of(hook: Any, limiter: Limiter) -> bool:
    """Whether `hook` is one of `limiter`'s: a bound method, or a partial of a method on it."""
    bound_to = getattr(hook, "__self__", None)
    if bound_to is None and isinstance(hook, functools.partial) and hook.args:
        bound_to = hook.args[0]
    return bound_to is limiter


def _checked() -> bool:
    # Flask-Limiter keeps a request's state on the request context, made by its first check.
    return hasattr(request_ctx._get_current_object(), "_limiter_request_context")  # type: ignore[attr-defined]


def _after_a_check(hook: Any) -> Callable[[Response], Response]:
    def after(response: Response) -> Response:
        return hook(response) if _checked() else response

    return after


def _teardown_after_a_check(hook: Any) -> Callable[[BaseException | None], None]:
    def teardown(error: BaseException | None) -> None:
        if _checked():
            hook(error)

    return teardown


def window() -> FixedWindowRateLimiter:
    return current_app.extensions[EXTENSION]


def counter_key(text: str) -> str:
    """Untrusted text as a storage key: a digest (any text hashes, surrogates included; the key
    has a fixed length). Equal texts give equal keys, so a budget still counts per value."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def refusal(item: RateLimitItem, scope: str, key: str, detail: str) -> RateLimited:
    """A 429 for a spent budget, with Retry-After and X-RateLimit-* of that budget."""
    reset = int(window().get_window_stats(item, scope, key).reset_time)
    return RateLimited(
        detail,
        headers={
            "Retry-After": str(max(1, reset - int(time.time()))),
            "X-RateLimit-Limit": str(item.amount),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset),
        },
    )


def may(limit: str, scope: str, key: str) -> bool:
    """Count one use of `limit` for `key` in `scope` if the budget allows it; False when it is
    spent (nothing counted). For throttles that answer differently rather than refuse; an
    unreachable store says yes (the budget protects a provider, not our data)."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    counters = window()
    try:
        return bool(counters.hit(parse(limit), scope, key))
    except counters.storage.base_exceptions:
        return True


def spend(limit: str, scope: str, key: str, detail: str) -> None:
    """Count one use of the budget `limit` (e.g. "3/10 minutes") for `key` in `scope`; a spent
    budget is a 429 and costs nothing more. An unreachable store is a 503, never an open door."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    item, counters = parse(limit), window()
    try:
        if not counters.hit(item, scope, key):
            raise refusal(item, scope, key, detail)
    except counters.storage.base_exceptions as exc:
        raise ServiceUnavailable("The rate-limit store is unreachable; try again shortly.") from exc
