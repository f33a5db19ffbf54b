"""Custom NLU components of the Rasa server, and a small speed-up of Rasa itself
(rasa_speedups: applied when this package is imported in Rasa's venv)."""
from nlu import rasa_speedups  # noqa: F401
