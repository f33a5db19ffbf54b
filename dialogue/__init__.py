"""Extensions of the Rasa server's dialogue side, imported by Rasa (only in its venv) when
it creates the tracker store that endpoints.yml names, before it loads the model:
- tracker_store: WindowedSQLTrackerStore, sessions of bounded length;
- rasa_speedups: five patches of Rasa 3.6's start and per-turn work, applied on import."""
from dialogue import rasa_speedups  # noqa: F401
