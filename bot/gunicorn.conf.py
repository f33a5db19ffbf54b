"""gunicorn settings: bind address from settings (web.host, web.port).

Threads, not processes, carry the concurrency: a chat request mostly waits on Rasa
(up to rasa.timeout_seconds), and the in-memory rate limit is per process.
"""
from core import settings

bind = f"{settings.get('web', 'host', '127.0.0.1')}:{settings.get('web', 'port', 8000)}"
workers = int(settings.get("web", "workers", 1))
worker_class = "gthread"
threads = int(settings.get("web", "threads", 8))
# Must outlast the longest chat request (rasa.timeout_seconds) with room to spare.
timeout = int(float(settings.get("rasa", "timeout_seconds", 10))) + 20
# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl):
# a second instance (tests next to `make run`) would take it over. Nothing here uses it.
control_socket_disable = True
