"""gunicorn settings shared by the app and the baseline in bench/catalog.py (same for both)."""

timeout = 60
keepalive = 2
accesslog = None
errorlog = "-"
loglevel = "warning"
