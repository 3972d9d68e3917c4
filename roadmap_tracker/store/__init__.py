"""The tracking store: progress updates with their history, and baselines, in SQLite or PostgreSQL.

The roadmap file is the plan; the store holds what people report. Every update is one
transaction that appends a history row (fields changed, old and new values, author, time, note)
and rewrites the milestone's current state, with the state row locked first so that concurrent
reporters never lose each other's changes: ``BEGIN IMMEDIATE`` on SQLite (with WAL, a busy
timeout and retries), ``SELECT ... FOR UPDATE`` on PostgreSQL.

Reading the current facts for ``roadmap status`` on the embedded SQLite default goes through the
standard library's sqlite3 (:func:`read_sqlite_facts`), so the quick path never imports SQLAlchemy.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from typing import TYPE_CHECKING

from ..errors import RoadmapError

if TYPE_CHECKING:
    from ..model import Facts

SCHEMA_HEAD = "0005"
MAX_NAME = 200  # authors, baseline names: the width of their columns
ENV_URL = "ROADMAP_DATABASE_URL"
FACT_FIELDS = ("status", "progress", "actual_start", "actual_end", "documents")


class StoreError(RoadmapError):
    """The tracking database cannot be used (unreachable, newer schema, locked for too long)."""


@dataclass(frozen=True)
class UpdateRecord:
    """One row of history: who changed which fields of which milestone, when, and why."""

    id: int
    milestone_id: str
    recorded_at: datetime
    author: str
    note: str | None
    changes: dict  # field -> [old, new] (dates as ISO strings)
    effective_on: date  # the day it describes (`roadmap update --as-of`)


def default_database_path(roadmap_path: Path) -> Path:
    """The embedded default: ``.roadmap/tracking.sqlite`` beside the roadmap file (git-ignored)."""
    return Path(roadmap_path).resolve().parent / ".roadmap" / "tracking.sqlite"


def database_url(explicit: str | None, roadmap_path: Path) -> str:
    """``--db``, else ``ROADMAP_DATABASE_URL``, else the embedded SQLite file beside the roadmap."""
    url = explicit or os.environ.get(ENV_URL)
    if url:
        return url
    return f"sqlite:///{default_database_path(roadmap_path)}"


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL (None for other databases or in-memory SQLite)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///"):])
    return None


def _decode_facts(status, progress, actual_start, actual_end, documents):
    from ..model import Facts

    return Facts(status, progress, date.fromisoformat(actual_start) if actual_start else None,
                 date.fromisoformat(actual_end) if actual_end else None,
                 tuple(json.loads(documents)) if documents else ())


def roadmap_source(roadmap_path: str | os.PathLike) -> str:
    """A roadmap file's identity in a store: its path relative to the root of its git repository (the
    nearest folder above it holding ``.git``), else its absolute path. Clones of one repository
    share it; two files that happen to have the same ``roadmap.id`` do not."""
    path = Path(roadmap_path).resolve()
    for folder in path.parents:
        if (folder / ".git").exists():
            return path.relative_to(folder).as_posix()
    return path.as_posix()


def _readonly_uri(path: Path) -> str:
    """A read-only SQLite URI; ``immutable`` when the folder cannot be written (the WAL index cannot be made)."""
    from urllib.parse import quote

    immutable = "&immutable=1" if not os.access(path.parent, os.W_OK) else ""
    return f"file:{quote(str(path))}?mode=ro{immutable}"


def read_sqlite_facts(path: Path, roadmap_id: str, source: str | None = None, day: date | None = None) -> dict | None:
    """Current facts per milestone from an embedded SQLite store, with the standard library only
    (with ``day``: when no update describes a later day).

    Returns ``{}`` when there is no store yet, and None when its schema is not this version's or
    ``day``'s facts must be replayed from the history: the caller then opens it properly, which
    upgrades or refuses it, and replays.
    """
    if not path.is_file():
        return {}
    import sqlite3  # here, not at the top: without a store, `roadmap status` never loads SQLite

    try:
        connection = sqlite3.connect(_readonly_uri(path), uri=True, timeout=30)
    except sqlite3.Error:
        return None
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if not row or row[0] != SCHEMA_HEAD:
            return None
        if source is not None:
            owner = connection.execute("SELECT source FROM roadmaps WHERE roadmap_id = ?", (roadmap_id,)).fetchone()
            if owner and owner[0] != source:
                return None  # another file's: the caller opens the store properly, which says so
        if day is not None and connection.execute(
                "SELECT 1 FROM milestone_state WHERE roadmap_id = ? AND described_until > ? LIMIT 1",
                (roadmap_id, day.isoformat())).fetchone():
            return None
        rows = connection.execute(
            "SELECT milestone_id, status, progress, actual_start, actual_end, documents FROM milestone_state "
            "WHERE roadmap_id = ? AND last_update_id IS NOT NULL", (roadmap_id,)).fetchall()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return {r[0]: _decode_facts(*r[1:]) for r in rows}


def store_stamp(url: str) -> tuple:
    """A cheap token that changes whenever an update is recorded (for servers that poll)."""
    path = sqlite_path(url)
    if path is not None:
        stamp: list[tuple[int, int] | None] = []
        for candidate in (path, Path(f"{path}-wal")):
            try:
                stat = candidate.stat()
                stamp.append((stat.st_mtime_ns, stat.st_size))
            except OSError:
                stamp.append(None)
        return tuple(stamp)
    try:
        with shared_engine(url).connect() as connection:  # one indexed lookup on the primary key, one round trip
            return (connection.exec_driver_sql("SELECT max(id) FROM updates").scalar(),)
    except Exception:  # no table yet, or unreachable: the feed keeps what it has
        return (None,)


_ENGINES: dict = {}
_ENGINES_LOCK = threading.Lock()
_WRITES = [0]  # writes committed by this process: a server that caches the change stamp looks again at once


def local_writes() -> int:
    """How many writes this process has committed to any store (see :class:`Store`)."""
    return _WRITES[0]


def shared_engine(url: str):
    """One database engine (and connection pool) per URL for the life of the process.

    A long-running process (``roadmap serve``) opens the store on every change; creating an engine
    each time costs a new connection, and on PostgreSQL that is most of a request's time. Its pool
    does not ping before each use (that doubles the round trips): a connection the server dropped
    fails one query, is discarded, and the next request gets a fresh one.
    """
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _ENGINES[url] = _create_engine(url, ping=False)
        return engine


def _create_engine(url: str, ping: bool = True):
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url

    if make_url(url).get_backend_name() != "sqlite":  # messages never carry the values (a whole plan)
        return create_engine(url, pool_pre_ping=ping, pool_recycle=1800, hide_parameters=True)
    engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Store:
    """An open tracking database for one roadmap (``roadmap_id`` scopes every row).

    Use it as a context manager, so the connection pool is closed however the block ends::

        with Store.open(url, roadmap_id) as store:
            store.history()
    """

    @classmethod
    def open(cls, url: str, roadmap_id: str, *, upgrade: bool = True, shared: bool = False,
             source: str | None = None, readonly: bool = False) -> "Store":
        """Open (and on first use create and migrate) the tracking database at ``url``.

        ``shared`` uses the process's one engine for ``url`` (see :func:`shared_engine`), left open on close.
        ``source`` is the roadmap file's identity (:func:`roadmap_source`): a store that holds
        ``roadmap_id`` for another file is refused. ``readonly`` (for commands that only read) opens an
        embedded store read-only when its file or folder cannot be written, and never migrates it.
        """
        return cls(url, roadmap_id, upgrade=upgrade, shared=shared, source=source, readonly=readonly)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __init__(self, url: str, roadmap_id: str, *, upgrade: bool = True, shared: bool = False,
                 source: str | None = None, readonly: bool = False):
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        self.url, self.roadmap_id, self.shared, self.source = url, roadmap_id, shared, source
        self.readonly = False
        self._checked = False  # PRAGMA quick_check done before this store's first write
        self.upgraded_from: str | None = None  # the schema found when this store was opened and upgraded ("none": new)
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError(f"'{url}' is not a database URL; write sqlite:///PATH or "
                             "postgresql+psycopg://USER@HOST/DB") from None
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}" if not self.is_sqlite \
            else str(parsed.database)
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            database = Path(parsed.database)
            folder = database.parent
            if readonly and database.is_file() and not (os.access(database, os.W_OK) and os.access(folder, os.W_OK)):
                self.readonly = True  # a command that only reads, in a folder we may not write: read it as it is
            else:
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                    ignore = folder / ".gitignore"
                    if folder.name == ".roadmap" and not os.path.lexists(ignore):  # a link, even dangling, is left
                        from .._util import write_atomic

                        write_atomic(ignore, "# roadmap-tracker's local tracking database and feed state\n*\n")
                except OSError as exc:
                    raise StoreError(f"cannot create the tracking database in {folder}: {exc.strerror}; "
                                     "pass --db with a place you can write to") from None
        try:
            if self.readonly:
                import sqlite3

                from sqlalchemy import create_engine

                uri = _readonly_uri(Path(parsed.database or ""))
                self.engine = create_engine("sqlite://", hide_parameters=True, creator=lambda: sqlite3.connect(
                    uri, uri=True, timeout=30, check_same_thread=False))
            else:
                self.engine = shared_engine(url) if shared else _create_engine(url)
        except NoSuchModuleError as exc:
            raise StoreError(f"{url.split(':')[0]}: no driver for this database ({exc}); for PostgreSQL "
                             "install the extra: pip install 'roadmap-tracker[postgres]'") from None
        except ModuleNotFoundError as exc:
            raise StoreError(f"the database driver is not installed ({exc.name}); for PostgreSQL install the "
                             "extra: pip install 'roadmap-tracker[postgres]'") from None
        if not (shared and (url, "schema") in _ENGINES):  # a long-running process checks once
            self._check_schema(upgrade and not self.readonly)
            if shared:
                _ENGINES[(url, "schema")] = True
        self._check_identity()

    # -- schema ---------------------------------------------------------------------------------
    def _connect_error(self, exc: Exception) -> StoreError:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        lowered = reason.lower()
        if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
            return StoreError(f"the tracking database at {self.where} is read-only (the file or its folder cannot "
                              "be written); nothing was changed. Ask for write access, or pass --db with a place "
                              "you can write to")
        if "disk is full" in lowered or "no space" in lowered or "disk i/o error" in lowered:
            return StoreError(f"no space left on the device holding {self.where} (or it failed to write: {reason}); "
                              "nothing was changed. Free some space and try again")
        if "malformed" in lowered or "not a database" in lowered:
            return StoreError(self._damaged(reason))
        return StoreError(f"cannot reach the tracking database at {self.where}: {reason}")

    def _damaged(self, reason: str) -> str:
        return (f"the tracking database at {self.where} is damaged ({reason}); nothing was written. Recover it: "
                f"restore a backup, or run: sqlite3 {self.where} .recover | sqlite3 recovered.sqlite, "
                "then move recovered.sqlite into its place")

    # -- identity and health -------------------------------------------------------------------
    def _check_identity(self) -> None:
        """Refuse a store that holds this roadmap id for another roadmap file."""
        if self.source is None:
            return
        owner = self.owner()
        if owner is not None and owner != self.source:
            raise self._identity_error(owner)

    def _identity_error(self, owner: str) -> StoreError:
        return StoreError(
                f"the tracking database at {self.where} holds roadmap '{self.roadmap_id}' of the file {owner}, and "
                f"{self.source} has the same id; their progress, history and baselines would mix. Give one of them "
                "its own 'id:' in the roadmap header, or its own --db; if the file moved, run 'roadmap db adopt'.")

    def owner(self) -> str | None:
        """The roadmap file recorded for this roadmap id (None before its first write)."""
        from sqlalchemy import select
        from sqlalchemy.exc import DBAPIError

        from .models import roadmaps

        try:
            with self.engine.connect() as connection:
                return connection.execute(select(roadmaps.c.source).where(
                    roadmaps.c.roadmap_id == self.roadmap_id)).scalar()
        except DBAPIError as exc:
            raise self._connect_error(exc) from None

    def adopt(self) -> str | None:
        """Record this roadmap file as the owner of its id (after a move); returns the previous owner."""
        previous = self.owner()

        def work(connection):
            self._record_identity(connection, replace=True)

        self._write(work, identity=False)
        return previous

    def _record_identity(self, connection, replace: bool = False) -> None:
        from sqlalchemy import insert, select, update

        from .models import roadmaps

        if self.source is None:
            return
        key = roadmaps.c.roadmap_id == self.roadmap_id
        owner = connection.execute(select(roadmaps.c.source).where(key)).scalar()
        now = datetime.now(timezone.utc)
        if owner is None and self.is_sqlite:  # writes are serial there (BEGIN IMMEDIATE)
            connection.execute(insert(roadmaps).values(roadmap_id=self.roadmap_id, source=self.source,
                                                       recorded_at=now))
        elif owner is None:  # two first writers at once: one row wins, the other checks against it
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            connection.execute(pg_insert(roadmaps).values(roadmap_id=self.roadmap_id, source=self.source,
                                                          recorded_at=now).on_conflict_do_nothing())
            owner = connection.execute(select(roadmaps.c.source).where(key)).scalar()
        if owner is not None and owner != self.source:
            if not replace:
                raise self._identity_error(owner)
            connection.execute(update(roadmaps).where(key).values(source=self.source, recorded_at=now))

    def check(self) -> list[str]:
        """Problems found by ``PRAGMA quick_check`` (SQLite) or a round trip (PostgreSQL); empty when healthy."""
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        try:
            with self.engine.connect() as connection:
                if not self.is_sqlite:
                    connection.execute(text("SELECT 1")).scalar()
                    return []
                rows = [r[0] for r in connection.exec_driver_sql("PRAGMA quick_check").fetchall()]
        except DBAPIError as exc:
            return [str(getattr(exc, "orig", exc)).strip().splitlines()[0]]
        if rows == ["ok"]:
            return []
        lines = [line.strip() for row in rows for line in str(row).splitlines()]
        return [line for line in lines if line and not line.startswith("***")] or ["integrity check failed"]

    def _reading(self):
        """Reads that meet a damaged, unreachable or unreadable database say so (never a traceback)."""
        import contextlib

        from sqlalchemy.exc import DBAPIError

        @contextlib.contextmanager
        def guard():
            try:
                yield
            except DBAPIError as exc:
                raise self._connect_error(exc) from None

        return guard()

    def schema_version(self) -> str | None:
        from sqlalchemy import inspect, text
        from sqlalchemy.exc import DatabaseError, OperationalError

        try:
            with self.engine.connect() as connection:
                if not inspect(connection).has_table("alembic_version"):
                    return None
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError as exc:
            raise self._connect_error(exc) from None
        except DatabaseError as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise StoreError(f"{self.where} is not a tracking database ({reason}); move it aside, or point --db "
                             "at the right one. Nothing was changed.") from None

    def _check_schema(self, upgrade: bool) -> None:
        from .migrations import known_revisions

        version = self.schema_version()
        if version == SCHEMA_HEAD:
            return
        if version is not None and version not in known_revisions():
            raise StoreError(f"the tracking database at {self.where} has schema version {version}, newer than "
                             f"this roadmap-tracker knows (up to {SCHEMA_HEAD}); upgrade roadmap-tracker. "
                             "Nothing was changed.")
        if upgrade:
            self.upgraded_from = version or "none"
            self.upgrade()
        else:
            raise StoreError(f"the tracking database at {self.where} needs an upgrade; run 'roadmap db upgrade'")

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the database to this version's schema (Alembic, scripts shipped in the package)."""
        from .migrations import upgrade

        upgrade(self.engine, revision)

    # -- updates -------------------------------------------------------------------------------
    def _write(self, work, attempts: int = 8, identity: bool = True):
        """Run ``work(connection)`` in one transaction, retrying when SQLite stays locked.

        Before a store's first write, SQLite's ``PRAGMA quick_check`` must pass: nothing is written into
        a damaged file. The roadmap file's identity is recorded (or checked) in the same transaction.
        """
        from sqlalchemy.exc import DBAPIError, OperationalError

        if self.readonly:
            raise StoreError(f"the tracking database at {self.where} is read-only (the file or its folder cannot be "
                             "written); nothing was changed. Ask for write access, or pass --db with a place you "
                             "can write to")
        if self.is_sqlite and not self._checked:
            problems = self.check()
            if problems:
                raise StoreError(self._damaged(problems[0]))
            self._checked = True

        def whole(connection):
            if identity:
                self._record_identity(connection)
            return work(connection)

        delay = 0.05
        for attempt in range(attempts):
            try:
                with self.engine.begin() as connection:
                    result = whole(connection)
                _WRITES[0] += 1
                return result
            except OperationalError as exc:
                locked = "locked" in str(exc).lower() or "busy" in str(exc).lower()
                if not locked:
                    raise self._connect_error(exc) from None
                if attempt == attempts - 1:
                    raise StoreError(f"the tracking database at {self.where} stayed locked; try again") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
            except DBAPIError as exc:  # never the statement's parameters: they can hold a whole plan
                raise self._connect_error(exc) from None

    def record_update(self, milestone_id: str, decide, author: str, note: str | None, seed=None,
                      now: datetime | None = None, effective_on: date | None = None) -> UpdateRecord | None:
        """Apply an update in one transaction; it describes the day ``effective_on`` (default: the
        local day of ``now``) and is decided against the facts known on that day.

        ``decide(current_facts) -> dict`` returns the new values of the fields that change (it may
        raise to refuse); the state row is locked while it runs. ``seed`` holds the facts the roadmap
        file records, the starting point of a milestone's first update. The state row then holds
        the complete facts in force. Returns the history row, or None when nothing changed and
        there is no note.
        """
        from sqlalchemy import insert, select, update

        from ..model import Facts
        from .models import milestone_state, updates
        from .rules import known_on

        now = now or datetime.now(timezone.utc)
        effective_on = effective_on or now.astimezone().date()  # the local day, as views' "today"
        seed = seed or Facts()
        _check_name("the author (--by)", author)

        def work(connection):
            key = (milestone_state.c.roadmap_id == self.roadmap_id) & (milestone_state.c.milestone_id == milestone_id)
            query = select(milestone_state).where(key)
            if not self.is_sqlite:
                query = query.with_for_update()
            row = connection.execute(query).mappings().first()
            if row is None and not self.is_sqlite:
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                connection.execute(pg_insert(milestone_state).values(
                    roadmap_id=self.roadmap_id, milestone_id=milestone_id, updated_at=now, last_update_id=None,
                    **{f: _encode(f, getattr(seed, f)) for f in FACT_FIELDS}).on_conflict_do_nothing())
                row = connection.execute(query).mappings().first()
            if row is None or row["last_update_id"] is None:
                old = {f: _encode(f, getattr(seed, f)) for f in FACT_FIELDS}
            else:
                old = {f: row[f] for f in FACT_FIELDS}
            # decided against the facts known on its day (rules.known_on): the state row's, or its
            # history replayed when an update of this step describes a later day (a late report)
            until = row["described_until"] if row is not None and row["last_update_id"] is not None else None
            facts = _decode_facts(*(old[f] for f in FACT_FIELDS))
            if until is not None and until > effective_on:
                records = self._records(connection, milestone_id)
                before = _original(old, records)
                facts = self._replay(records, {milestone_id: before},
                                     lambda r: r.effective_on <= effective_on).get(milestone_id, before)
            day_facts = known_on(facts, effective_on)
            known = {f: _encode(f, getattr(day_facts, f)) for f in FACT_FIELDS}
            wanted = {field: _encode(field, value) for field, value in decide(day_facts).items()}
            asserted = dict(known, **wanted)
            changes = {f: [_plain(f, known[f]), _plain(f, asserted[f])] for f in FACT_FIELDS
                       if asserted[f] != known[f]}
            if not changes and not note:
                return None  # nothing to say: no row (a note alone is worth recording)
            new = dict(old, **{f: asserted[f] for f in changes})
            if "documents" in changes:  # symbols are only ever added: keep those reported for later days
                new["documents"] = _encode("documents", _union(_plain("documents", old["documents"]),
                                                               _plain("documents", asserted["documents"])))
            result = connection.execute(insert(updates).values(
                roadmap_id=self.roadmap_id, milestone_id=milestone_id, recorded_at=now, author=author,
                note=note, changes=json.dumps(changes, sort_keys=True), effective_on=effective_on))
            update_id = result.inserted_primary_key[0]
            values = dict(new, updated_at=now, last_update_id=update_id,
                          described_until=max(until, effective_on) if until is not None else effective_on)
            if row is None:
                connection.execute(insert(milestone_state).values(
                    roadmap_id=self.roadmap_id, milestone_id=milestone_id, **values))
            else:
                connection.execute(update(milestone_state).where(key).values(**values))
            return UpdateRecord(update_id, milestone_id, now, author, note, changes, effective_on)

        return self._write(work)

    def facts(self, day: date | None = None) -> dict:
        """The facts of every milestone that has been reported on: the current ones, or with
        ``day`` those known on that day (the updates describing it or an earlier day, replayed in
        the order recorded from the step's facts before its first update)."""
        from sqlalchemy import select

        from .models import milestone_state

        with self._reading(), self.engine.connect() as connection:
            rows = connection.execute(select(milestone_state).where(
                (milestone_state.c.roadmap_id == self.roadmap_id) & milestone_state.c.last_update_id.isnot(None))
            ).mappings().all()
            current = {r["milestone_id"]: _decode_facts(*(r[f] for f in FACT_FIELDS)) for r in rows}
            later = {r["milestone_id"] for r in rows if day is not None and r["described_until"] is not None
                     and r["described_until"] > day}
            if not later:  # the state rows hold every update's outcome
                return current
            records = [r for r in self._records(connection) if r.milestone_id in later]
        # the steps with updates for later days, replayed; the others as they stand
        replayed = self._replay(records, _originals(rows, records), lambda record: record.effective_on <= day)
        return {**{mid: f for mid, f in current.items() if mid not in later}, **replayed}

    def history(self, milestone_id: str | None = None, since: datetime | None = None,
                until: datetime | None = None) -> list[UpdateRecord]:
        """Updates in the order they were recorded, optionally for one milestone and a period."""
        from sqlalchemy import select

        from .models import updates

        query = select(updates).where(updates.c.roadmap_id == self.roadmap_id)
        if milestone_id:
            query = query.where(updates.c.milestone_id == milestone_id)
        if since:
            query = query.where(updates.c.recorded_at >= since)
        if until:
            query = query.where(updates.c.recorded_at < until)
        with self._reading(), self.engine.connect() as connection:
            rows = connection.execute(query.order_by(updates.c.id)).mappings().all()
        return [_record(r) for r in rows]

    def _records(self, connection, milestone_id: str | None = None) -> list[UpdateRecord]:
        """The history, read on an open connection (inside a write's transaction)."""
        from sqlalchemy import select

        from .models import updates

        query = select(updates).where(updates.c.roadmap_id == self.roadmap_id)
        if milestone_id:
            query = query.where(updates.c.milestone_id == milestone_id)
        return [_record(r) for r in connection.execute(query.order_by(updates.c.id)).mappings().all()]

    def facts_at(self, moment: datetime) -> dict:
        """The facts as they stood at ``moment``: the updates recorded before it (and describing
        its day or an earlier one), replayed from each step's facts before its first update."""
        from sqlalchemy import select

        from .models import milestone_state

        day = moment.astimezone(timezone.utc).date()
        with self._reading(), self.engine.connect() as connection:
            rows = connection.execute(select(milestone_state).where(
                milestone_state.c.roadmap_id == self.roadmap_id)).mappings().all()
            records = self._records(connection)
        seeds = _originals(rows, records)
        return self._replay([r for r in records if r.recorded_at < moment], seeds,
                            lambda record: record.effective_on <= day)

    @staticmethod
    def _replay(records: list[UpdateRecord], seeds: dict | None, applies=None) -> dict:
        """The facts ``records`` (those that ``applies``) lead to, each milestone from its seed."""
        from ..model import Facts

        seeds = seeds or {}
        state: dict[str, dict] = {}
        for record in records:
            if applies is not None and not applies(record):
                continue
            seed = seeds.get(record.milestone_id) or Facts()
            fields = state.setdefault(record.milestone_id, {f: _plain(f, _encode(f, getattr(seed, f)))
                                                            for f in FACT_FIELDS})
            for field, (_old, new) in record.changes.items():
                fields[field] = _union(fields[field], new) if field == "documents" else new
        return {mid: _decode_facts(f["status"], f["progress"], f["actual_start"], f["actual_end"],
                                   json.dumps(f["documents"]) if f["documents"] else None)
                for mid, f in state.items()}

    # -- baselines -----------------------------------------------------------------------------
    def save_baseline(self, name: str, note: str | None, author: str, plan: bytes, plan_hash: str,
                      as_of: date, facts: dict, schedule: list[dict], now: datetime | None = None) -> None:
        from sqlalchemy import insert, select

        from .models import baselines

        now = now or datetime.now(timezone.utc)
        _check_name("the baseline name", name)
        _check_name("the author (--by)", author)

        def work(connection):
            exists = connection.execute(select(baselines.c.id).where(
                (baselines.c.roadmap_id == self.roadmap_id) & (baselines.c.name == name))).first()
            if exists:
                raise StoreError(f"a baseline named '{name}' already exists; choose another name")
            connection.execute(insert(baselines).values(
                roadmap_id=self.roadmap_id, name=name, note=note, author=author, created_at=now,
                as_of=as_of.isoformat(), plan_hash=plan_hash, plan=plan.decode("utf-8"),
                facts=json.dumps(facts, sort_keys=True), schedule=json.dumps(schedule)))

        self._write(work)

    def baselines(self) -> list[dict]:
        from sqlalchemy import select

        from .models import baselines

        with self._reading(), self.engine.connect() as connection:
            rows = connection.execute(select(baselines).where(baselines.c.roadmap_id == self.roadmap_id)
                                      .order_by(baselines.c.id)).mappings().all()
        return [dict(r) for r in rows]

    def baseline(self, name: str) -> dict:
        for row in self.baselines():
            if row["name"] == name:
                return row
        names = [r["name"] for r in self.baselines()]
        raise StoreError(f"no baseline named '{name}'" + (f"; baselines: {', '.join(names)}" if names else
                                                        "; save one with 'roadmap baseline save NAME'"))

    def close(self) -> None:
        if not self.shared:
            self.engine.dispose()


def _check_name(what: str, value: str) -> None:
    """Names the store keeps in sized columns: checked before any database sees them."""
    from ..loading import CONTROL

    if len(value) > MAX_NAME:
        raise StoreError(f"{what} is {len(value)} characters long; at most {MAX_NAME}")
    if CONTROL.search(value) or "\n" in value:
        raise StoreError(f"{what} contains a line break or control character; write it on one line")


def _encode(field: str, value):
    if value is None:
        return None
    if field in ("actual_start", "actual_end"):
        return value.isoformat()
    if field == "documents":
        return json.dumps(list(value)) if value else None
    return value


def _plain(field: str, stored):
    if field == "documents" and stored:
        return json.loads(stored)
    return stored


def _originals(rows, records: list[UpdateRecord]) -> dict:
    """Each step's facts before its first update (see :func:`_original`), from its state row and
    its history."""
    history: dict[str, list[UpdateRecord]] = {}
    for record in records:
        history.setdefault(record.milestone_id, []).append(record)
    return {r["milestone_id"]: _original({f: r[f] for f in FACT_FIELDS}, history[r["milestone_id"]])
            for r in rows if r["milestone_id"] in history}


def _original(state: dict, records: list[UpdateRecord]) -> Facts:
    """A step's facts before its first update: where an update changed a field, the first change's
    old value, else its state row's (stored) value. The file may say otherwise by now; the history
    started from this."""
    plain = {f: _plain(f, state[f]) for f in FACT_FIELDS}
    seen: set[str] = set()
    for record in records:
        for field, (old, _new) in record.changes.items():
            if field not in seen:
                seen.add(field)
                plain[field] = old
    return _decode_facts(plain["status"], plain["progress"], plain["actual_start"], plain["actual_end"],
                         json.dumps(plain["documents"]) if plain["documents"] else None)


def _union(first, second) -> list | None:
    """Document symbols of both, in order, each once (None when there are none)."""
    merged = list(dict.fromkeys([*(first or ()), *(second or ())]))
    return merged or None


def _record(row) -> UpdateRecord:
    """A history row; one without its day (written by hand) describes the day it was recorded."""
    recorded_at = _aware(row["recorded_at"])
    return UpdateRecord(row["id"], row["milestone_id"], recorded_at, row["author"], row["note"],
                        json.loads(row["changes"]), row["effective_on"] or recorded_at.astimezone().date())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def facts_to_json(facts: dict) -> dict:
    return {mid: {"status": f.status, "progress": f.progress,
                  "actual_start": f.actual_start.isoformat() if f.actual_start else None,
                  "actual_end": f.actual_end.isoformat() if f.actual_end else None,
                  "documents": list(f.documents)} for mid, f in facts.items()}


def facts_from_json(data: dict) -> dict:
    return {mid: _decode_facts(f["status"], f["progress"], f["actual_start"], f["actual_end"],
                               json.dumps(f["documents"]) if f["documents"] else None)
            for mid, f in data.items()}
