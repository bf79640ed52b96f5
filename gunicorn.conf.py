"""gunicorn settings for production: `gunicorn run:app`."""
import multiprocessing
import os



def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default  # an empty value in .env means "the default"


bind = f"{_env('HOST', '0.0.0.0')}:{_env('PORT', '8000')}"
workers = int(_env("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
# Threads (gunicorn's gthread worker): a request waiting on a payment provider holds one thread,
# not the whole worker; PROVIDER_CALLS_AT_ONCE (half of them) caps how many may wait at once.
threads = int(_env("GUNICORN_THREADS", "4"))
timeout = int(_env("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never takes a worker down.
max_requests = 2000
max_requests_jitter = 200
accesslog = None  # the app logs one JSON line per request itself
errorlog = "-"
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
