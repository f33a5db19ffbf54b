"""Rasa's SQL tracker store with a bounded conversation session: the cost of a turn does
not grow with the length of the conversation.

endpoints.yml (and deploy/scaleout/endpoints.yml, with PostgreSQL):

    tracker_store:
      type: dialogue.tracker_store.WindowedSQLTrackerStore
      dialect: sqlite
      db: var/rasa_tracker.db
      max_turns: 8

Rasa 3.6 rebuilds the tracker of every turn from all the events of the current session
(SQL rows → JSON → events replayed), the policies compute a state for every one of them,
and the whole event list goes to the action server and back. A 120-turn conversation
cost 3.4 times as much per turn as a 10-turn one (scripts/bench_chat.py --long 120).

This store keeps the same `events` table, queries and row format as `SQLTrackerStore`,
and adds one step to `retrieve`: when the current session holds `max_turns` user
messages or more, it is rewritten as an equivalent shorter session — the state at the
`max_turns // 2`-th last user message (its slots, as Rasa's own session start carries
them over) followed by the events from that message on (so a stored session holds at
most `max_turns` user messages once the turn is saved):

    action_session_start, session_started, slot events…, action_listen,  user, …, user, …

and the conversation's rows are replaced by these in one transaction. Nothing the
dialogue reads is lost: the rules look at the last turn and the active loop, and the
actions at the slots (actions/conversation.py); the last `max_turns // 2` turns stay as
they were. A session is never cut inside an active loop (the eligibility form): the cut
moves back to the last user message sent before the form opened, and a form that stays
open keeps its whole length until it ends. Rows of the conversation's earlier sessions go with
the rewrite (they are never read again; `stack/retention.py` would delete them later).
The synthetic events carry the timestamp of the first event kept, so the retention job
still deletes by real age.

SQLite (the embedded profile): one connection kept open instead of one per transaction,
in WAL mode with synchronous=NORMAL, so a commit no longer waits for the disk to flush
(a power cut can lose the last turns; a crashed process cannot).
"""
import itertools
import json
import logging
import weakref
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

log = logging.getLogger(__name__)

DEFAULT_MAX_TURNS = 8


def user_message_indices(events: list[dict]) -> list[int]:
    """Positions of the user messages in a list of serialised events."""
    return [i for i, event in enumerate(events) if event.get("event") == "user"]


def shortened_session(sender_id: str, events: list[dict], slots: list, max_turns: int) -> Optional[list[dict]]:
    """The events of one session (serialised, oldest first, as the SQL store reads them)
    rewritten to start at the `max_turns // 2`-th last user message, or None when the
    session has fewer than `max_turns` user messages, or when every user message from
    the first to that one was sent while a loop (the eligibility form) was active.

    The cut goes to the latest user message at or before that one that was sent with no
    active loop (a form open across it is kept whole). `slots`: the domain's slots (fresh
    Slot objects; used to replay the part that is cut). The result starts with a session
    start carrying the slot values at the cut, all with the timestamp of the first event
    kept."""
    users = user_message_indices(events)
    if len(users) < max_turns:
        return None
    latest = len(users) - max(1, max_turns // 2)
    replay, loop_at = DialogueStateTracker(sender_id, slots), {}
    for i, data in enumerate(events[:users[latest]]):
        event = Event.from_parameters(data)
        if event is not None:
            replay.update(event)
        loop_at[i + 1] = replay.active_loop_name       # the state before events[i + 1]
    cut = next((users[k] for k in range(latest, 0, -1) if not loop_at.get(users[k])), None)
    if cut is None:
        return None
    before = DialogueStateTracker.from_dict(sender_id, events[:cut], slots)
    at = events[cut].get("timestamp")
    head = [ActionExecuted(ACTION_SESSION_START_NAME, timestamp=at), SessionStarted(timestamp=at)]
    head += [SlotSet(slot.name, slot.value, timestamp=at)
             for slot in before.slots.values() if slot.value != slot.initial_value]
    head.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=at))
    return [event.as_dict() for event in head] + events[cut:]


def _use_wal(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class WindowedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` whose sessions stay at most `max_turns` user messages long (see
    the module docstring). Takes SQLTrackerStore's arguments (dialect, host, db, …) and
    `max_turns` (int ≥ 2, default 8).

    Reads and writes with SQLAlchemy Core statements built once, instead of the parent's
    ORM queries built on every call (under load, building and compiling those queries
    was a third of the store's time), and remembers how many events of a tracker it has
    read, so that saving that same tracker object needs no count query."""

    def __init__(self, domain=None, max_turns: int = DEFAULT_MAX_TURNS, **kwargs: Any) -> None:
        super().__init__(domain=domain, **kwargs)
        self.max_turns = max(2, int(max_turns))
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection for every transaction (NullPool);
            # one kept open (the store runs in Rasa's event loop) and in WAL mode.
            self.engine.dispose()
            self.engine = sa.create_engine(self.engine.url, poolclass=sa.pool.QueuePool, pool_size=1,
                                           max_overflow=4, connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", _use_wal)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        table = self.SQLEvent.__table__
        sender = sa.bindparam("sender")
        session_start = (sa.select(sa.func.max(table.c.timestamp))
                         .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
                         .scalar_subquery())
        in_session = sa.and_(table.c.sender_id == sender,
                             sa.or_(table.c.timestamp >= session_start, session_start.is_(None)))
        self._table = table
        self._read_session = sa.select(table.c.data).where(in_session).order_by(table.c.id)
        self._count_session = sa.select(sa.func.count()).select_from(table).where(in_session)
        self._delete_sender = table.delete().where(table.c.sender_id == sender)
        self._known: dict[str, tuple[weakref.ref, int]] = {}

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The tracker of the current session, shortened first when it is too long."""
        with self.engine.begin() as connection:
            events = [json.loads(data) for (data,) in connection.execute(self._read_session, {"sender": sender_id})]
            if not events or not self.domain:
                return None
            shorter = shortened_session(sender_id, events, self.domain.slots, self.max_turns)
            if shorter is not None:
                first = shorter[0].get("timestamp")
                connection.execute(self._delete_sender, {"sender": sender_id})
                connection.execute(self._table.insert(), [
                    self._row(sender_id, data, max(data.get("timestamp") or first, first)) for data in shorter])
                log.debug("session of %s shortened from %d to %d events", sender_id, len(events), len(shorter))
                events = shorter
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        self._remember(tracker, len(events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Appends the events of `tracker` that are not stored yet (as the parent does)."""
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        known = self._known.get(sender_id)
        with self.engine.begin() as connection:
            if known and known[0]() is tracker:
                stored = known[1]
            else:                              # a tracker this store did not read (a new one)
                stored = connection.execute(self._count_session, {"sender": sender_id}).scalar()
            rows = [self._row(sender_id, event.as_dict()) for event in itertools.islice(tracker.events, stored, None)]
            if rows:
                connection.execute(self._table.insert(), rows)
        self._remember(tracker, len(tracker.events))

    def _remember(self, tracker: DialogueStateTracker, stored: int) -> None:
        """How many events of this tracker object are in the table (dropped with it)."""
        if len(self._known) > 1000:
            self._known = {k: v for k, v in self._known.items() if v[0]() is not None}
        self._known[tracker.sender_id] = (weakref.ref(tracker), stored)

    @staticmethod
    def _row(sender_id: str, data: dict, timestamp: Optional[float] = None) -> dict:
        """One `events` row, filled as SQLTrackerStore.save fills it."""
        return {"sender_id": sender_id, "type_name": data.get("event"),
                "timestamp": data.get("timestamp") if timestamp is None else timestamp,
                "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                "action_name": data.get("name"), "data": json.dumps(data)}
