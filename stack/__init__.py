"""Running the assistant's processes: the embedded profile behind `make run`
(`runner.Stack`: action server, Rasa, web app) and the scale-out profile
(`scaleout.ScaleOut`: PostgreSQL, Redis, several of each). The tests start the same
classes; nothing here is imported by the services themselves."""
from stack.runner import Service, Stack, http_ok, port_of

__all__ = ["Service", "Stack", "http_ok", "port_of"]
