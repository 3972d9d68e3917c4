"""The tracking store on SQLite and on a real PostgreSQL server (set ROADMAP_TEST_POSTGRES_URL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.model import Facts
from roadmap_tracker.store import SCHEMA_HEAD, Store, StoreError
from roadmap_tracker.store.rules import UpdateRefused, UpdateRequest, decide_update

from .conftest import PG_URL


PLAN = """\
roadmap: {id: store-test, title: Store test}
milestones:
  - {id: draft, title: Draft, not_before: 2024-03-01, duration: 20d}
  - {id: review, title: Review, duration: 5d, after: [draft]}
  - {id: session, title: Session, kind: session, start: 2024-04-15, end: 2024-04-19, after: [review]}
  - {id: old, title: Done long ago, duration: 3d, actual: {start: 2024-01-08, end: 2024-01-10}}
"""






@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "milestones.yaml"
    path.write_text(PLAN)
    return path


@pytest.fixture
def roadmap():
    return parse_roadmap_bytes(PLAN.encode(), "milestones.yaml")[0]


def _update(store, roadmap, milestone_id, today=date(2024, 3, 11), author="anna", note=None, **request):
    milestone = roadmap.get(milestone_id)
    return store.record_update(milestone_id, lambda current: decide_update(milestone, current,
                                                                           UpdateRequest(**request), today),
                               author, note, seed=Facts.from_milestone(milestone))


def test_an_update_is_recorded_with_author_note_and_old_and_new_values(db_url, roadmap):
    store = Store.open(db_url, roadmap.id)
    record = _update(store, roadmap, "draft", status="in_progress", progress=40, note="Chapters 1-3")
    assert record.changes == {"status": [None, "in_progress"], "progress": [None, 40],
                              "actual_start": [None, "2024-03-11"]}
    [row] = store.history()
    assert (row.milestone_id, row.author, row.note) == ("draft", "anna", "Chapters 1-3")
    assert store.facts()["draft"] == Facts("in_progress", 40, date(2024, 3, 11), None, ())


def test_history_is_append_only_and_in_order(db_url, roadmap):
    store = Store.open(db_url, roadmap.id)
    _update(store, roadmap, "draft", progress=10)
    _update(store, roadmap, "draft", progress=60, author="bob")
    _update(store, roadmap, "review", status="blocked")
    history = store.history("draft")
    assert [r.changes["progress"] for r in history] == [[None, 10], [10, 60]]
    assert [r.author for r in store.history()] == ["anna", "bob", "anna"]


def test_a_first_update_starts_from_what_the_file_says(db_url, roadmap):
    store = Store.open(db_url, roadmap.id)
    record = _update(store, roadmap, "old", status="in_progress", reopen=True)
    assert record.changes["actual_end"] == ["2024-01-10", None]
    assert store.facts()["old"].actual_start == date(2024, 1, 8)


@pytest.mark.parametrize("request_fields, message", [
    ({"progress": 140}, "progress 140 is out of range"),
    ({"started": date(2024, 3, 5), "finished": date(2024, 3, 1)}, "finished 2024-03-01 is before it started"),
    ({"finished": date(2024, 3, 20)}, "is in the future"),
])
def test_bad_updates_are_refused_and_nothing_is_written(db_url, roadmap, request_fields, message):
    store = Store.open(db_url, roadmap.id)
    with pytest.raises(UpdateRefused, match=message):
        _update(store, roadmap, "draft", **request_fields)
    assert store.history() == [] and store.facts() == {}


def test_future_dates_need_force_and_done_steps_need_reopen(db_url, roadmap):
    store = Store.open(db_url, roadmap.id)
    assert _update(store, roadmap, "draft", finished=date(2024, 3, 20), started=date(2024, 3, 1), force=True)
    with pytest.raises(UpdateRefused, match="pass --reopen"):
        _update(store, roadmap, "draft", status="in_progress")
    assert _update(store, roadmap, "draft", status="in_progress", reopen=True).changes["actual_end"] == \
        ["2024-03-20", None]


def test_migrations_produce_exactly_the_models_schema(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from roadmap_tracker.store.models import Base

    store = Store.open(db_url, "x")
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert store.schema_version() == SCHEMA_HEAD


def test_upgrading_a_database_from_the_first_migration_keeps_its_data(db_url, roadmap):
    from sqlalchemy import create_engine, text

    from roadmap_tracker.store.migrations import upgrade

    engine = create_engine(db_url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO updates (roadmap_id, milestone_id, recorded_at, author, note, changes) VALUES "
            "('store-test', 'draft', :t, 'anna', 'kept', '{\"progress\": [null, 30]}')"), {"t": datetime.now(timezone.utc)})
        connection.execute(text(
            "INSERT INTO milestone_state (roadmap_id, milestone_id, progress, updated_at, last_update_id) VALUES "
            "('store-test', 'draft', 30, :t, 1)"), {"t": datetime.now(timezone.utc)})
    engine.dispose()
    store = Store.open(db_url, roadmap.id)  # upgrades itself
    assert store.schema_version() == SCHEMA_HEAD
    assert [r.note for r in store.history()] == ["kept"]
    assert store.facts()["draft"].progress == 30
    assert store.baselines() == []


def test_a_database_from_a_newer_version_is_refused_and_left_alone(db_url):
    from sqlalchemy import text

    store = Store.open(db_url, "x")
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError, match="newer than this roadmap-tracker knows"):
        Store.open(db_url, "x")
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
    engine.dispose()


def test_an_unreachable_database_is_a_clear_error(cli, plan_file):
    result = cli("--file", str(plan_file), "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none",
                 "update", "draft", "--progress", "10")
    assert result.exit_code == 2
    assert "cannot reach the tracking database at 127.0.0.1:1/none" in result.stderr
    assert "Traceback" not in result.output


def test_cli_update_then_status_uses_the_reported_facts(cli, plan_file, db_url):
    result = cli("--file", str(plan_file), "--db", db_url, "update", "draft", "--status", "in_progress",
                 "--started", "2024-03-01", "--progress", "50", "--by", "anna", "--note", "half way")
    assert result.exit_code == 0, result.output
    status = json.loads(cli("--file", str(plan_file), "--db", db_url, "status", "--as-of", "2024-03-11",
                            "--format", "json").stdout)
    assert [item["id"] for item in status["in_progress"]] == ["draft"]
    history = json.loads(cli("--file", str(plan_file), "--db", db_url, "history", "--format", "json").stdout)
    assert history[0]["author"] == "anna" and history[0]["note"] == "half way"


def test_cli_refusals_exit_2_and_suggest(cli, plan_file, db_url):
    unknown = cli("--file", str(plan_file), "--db", db_url, "update", "drafts", "--progress", "5")
    assert unknown.exit_code == 2 and "did you mean 'draft'?" in unknown.stderr
    reopen = cli("--file", str(plan_file), "--db", db_url, "update", "old", "--status", "in_progress")
    assert reopen.exit_code == 2 and "--reopen" in reopen.stderr
    assert "no updates recorded" in cli("--file", str(plan_file), "--db", db_url, "history").stderr


def test_embedded_default_lives_beside_the_roadmap_and_is_git_ignored(cli, plan_file):
    assert cli("--file", str(plan_file), "update", "draft", "--progress", "5").exit_code == 0
    folder = plan_file.parent / ".roadmap"
    assert (folder / "tracking.sqlite").is_file()
    assert (folder / ".gitignore").read_text().strip().endswith("*")


def test_baseline_and_diff_say_what_moved_and_why(cli, plan_file, db_url):
    base = ["--file", str(plan_file), "--db", db_url]
    assert cli(*base, "baseline", "save", "agreed", "--note", "as agreed", "--as-of", "2024-03-01").exit_code == 0
    assert cli(*base, "baseline", "save", "agreed").exit_code == 2
    plan_file.write_text(PLAN.replace("duration: 20d", "duration: 26d"))
    moves = json.loads(cli(*base, "diff", "--baseline", "agreed", "--as-of", "2024-03-01", "--format", "json").stdout)
    by_id = {m["id"]: m for m in moves}
    assert by_id["draft"]["cause"] == "plan-edit" and by_id["draft"]["end_moved"] == 6
    assert by_id["review"]["reason"] == "knock-on: its driving predecessor draft moved"
    assert "session" not in by_id
    listing = json.loads(cli(*base, "baseline", "list", "--format", "json").stdout)
    assert [(b["name"], b["as_of"], b["note"]) for b in listing] == [("agreed", "2024-03-01", "as agreed")]


def test_diff_since_names_the_update_behind_a_move(cli, plan_file, db_url):
    base = ["--file", str(plan_file), "--db", db_url]
    cli(*base, "update", "draft", "--started", (date.today() - timedelta(days=2)).isoformat(), "--by", "anna",
        "--note", "kick-off")
    text = cli(*base, "diff", "--since", "7d", "--format", "markdown").stdout
    assert "| draft |" in text and "reported by anna" in text and "(kick-off)" in text


def test_db_upgrade_reports_the_schema(cli, plan_file, db_url):
    result = cli("--file", str(plan_file), "--db", db_url, "db", "upgrade")
    assert result.exit_code == 0 and f"schema {SCHEMA_HEAD}, created" in result.stdout
    again = cli("--file", str(plan_file), "--db", db_url, "db", "upgrade")
    assert f"schema {SCHEMA_HEAD}, already up to date" in again.stdout


def test_db_upgrade_says_which_schema_it_upgraded_from(cli, plan_file, db_url):
    from sqlalchemy import create_engine

    from roadmap_tracker.store.migrations import upgrade

    engine = create_engine(db_url)
    upgrade(engine, "0004")
    engine.dispose()
    result = cli("--file", str(plan_file), "--db", db_url, "db", "upgrade")
    assert result.exit_code == 0 and f"schema {SCHEMA_HEAD}, upgraded from 0004" in result.stdout


WRITER = """
import sys
from datetime import date
from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.model import Facts
from roadmap_tracker.store import Store
from roadmap_tracker.store.rules import UpdateRequest, decide_update
url, worker, count, plan = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
roadmap = parse_roadmap_bytes(open(plan, 'rb').read(), plan)[0]
store = Store.open(url, roadmap.id)
ids = ['draft', 'review']
for i in range(count):
    m = roadmap.get(ids[i % 2])
    progress = (worker * 1000 + i) % 101
    store.record_update(m.id, lambda cur: decide_update(m, cur, UpdateRequest(progress=progress), date(2024, 3, 11)),
                        f'w{worker}', f'{worker}:{i}', seed=Facts.from_milestone(m))
    if len(sys.argv) > 5:
        print(i, flush=True)
"""


def test_eight_concurrent_writers_lose_nothing(db_url, plan_file, tmp_path):
    Store.open(db_url, "store-test").close()  # create the schema once, as the first user would
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    procs = [subprocess.Popen([sys.executable, str(script), db_url, str(w), "250", str(plan_file)],
                              stderr=subprocess.PIPE) for w in range(8)]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()
    store = Store.open(db_url, "store-test")
    history = store.history()
    assert len(history) == 2000
    assert len({r.note for r in history}) == 2000
    for milestone_id in ("draft", "review"):
        progress = None  # replaying the history gives every old value: no update was lost
        for record in (r for r in history if r.milestone_id == milestone_id):
            if "progress" in record.changes:
                assert record.changes["progress"][0] == progress
                progress = record.changes["progress"][1]
            last_note = record.note
        assert store.facts()[milestone_id].progress == progress
        worker, i = map(int, last_note.split(":"))
        assert progress == (worker * 1000 + i) % 101  # the final state is the last update written


def test_a_killed_writer_leaves_a_consistent_database(db_url, plan_file, tmp_path):
    Store.open(db_url, "store-test").close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    proc = subprocess.Popen([sys.executable, str(script), db_url, "1", "100000", str(plan_file), "progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(40):  # let it commit a few dozen updates, then kill it mid-stream
        proc.stdout.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    store = Store.open(db_url, "store-test")
    history = store.history()
    assert len(history) >= 30
    for milestone_id in ("draft", "review"):
        progress = None
        for record in (r for r in history if r.milestone_id == milestone_id):
            if "progress" in record.changes:
                assert record.changes["progress"][0] == progress
                progress = record.changes["progress"][1]
        assert store.facts()[milestone_id].progress == progress


def test_status_reads_the_embedded_store_without_importing_sqlalchemy(cli, plan_file):
    assert cli("--file", str(plan_file), "update", "draft", "--progress", "5").exit_code == 0
    probe = (
        "import sys\n"
        "from roadmap_tracker.cli import main\n"
        f"main(['--file', {str(plan_file)!r}, 'status', '--format', 'json'], standalone_mode=False)\n"
        "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ROADMAP_DATABASE_URL"}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout
    data = json.loads(result.stdout[: result.stdout.rindex("LOADED")])
    assert "draft" in {item["id"] for name in ("in_progress", "upcoming", "at_risk") for item in data[name]}


def test_a_file_that_is_not_a_database_is_a_clear_error(cli, plan_file):
    folder = plan_file.parent / ".roadmap"
    folder.mkdir()
    (folder / "tracking.sqlite").write_text("not a database at all")
    for args in (("status",), ("update", "draft", "--progress", "5")):
        result = cli("--file", str(plan_file), *args)
        assert result.exit_code == 2, result.output
        assert "is not a tracking database" in result.stderr
    assert (folder / "tracking.sqlite").read_text() == "not a database at all"


def test_store_closes_its_connections_when_the_block_ends(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracking.sqlite'}"
    with Store.open(url, "x") as store:
        assert store.history() == []
        pool = store.engine.pool
        with store.engine.connect():
            assert pool.checkedout() == 1
    assert pool.checkedout() == 0
    assert store.engine.pool is not pool  # dispose() replaced the pool: the old connections are closed


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL half skipped: set ROADMAP_TEST_POSTGRES_URL (.ci/run does)")
def test_first_writers_at_once_all_record_on_postgresql(roadmap, tmp_path):
    """The first writes record which roadmap file the store belongs to: two at once must not fail
    on the second one's identical row (SQLite serialises its writers; PostgreSQL does not)."""
    import threading

    from sqlalchemy import create_engine, text

    from roadmap_tracker.store.migrations import upgrade

    db_url = PG_URL

    failures = []
    for _ in range(10):
        engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        start = threading.Barrier(4)

        def report(progress: int) -> None:
            store = Store(db_url, roadmap.id, source=str(tmp_path / "milestones.yaml"))
            try:
                start.wait()
                _update(store, roadmap, "draft", progress=progress)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                failures.append(exc)
            finally:
                store.close()

        threads = [threading.Thread(target=report, args=(10 + k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
