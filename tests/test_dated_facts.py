"""An update describes a day; a view of an earlier day leaves it out (docs/format.md), on the
embedded SQLite store and on PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.model import Facts
from roadmap_tracker.store import SCHEMA_HEAD, Store, read_sqlite_facts, roadmap_source
from roadmap_tracker.store.rules import UpdateRequest, described_day, known_on

PLAN = """\
roadmap: {id: dated-facts, title: Dated facts}
milestones:
  - {id: draft, title: Draft, not_before: 2024-03-01, duration: 20d}
  - {id: review, title: Review, duration: 5d, after: [draft]}
  - {id: session, title: Session, kind: session, start: 2024-05-13, end: 2024-05-17, after: [review]}
"""


@pytest.fixture
def plan(tmp_path):
    path = tmp_path / "milestones.yaml"
    path.write_text(PLAN)
    return path


def _statuses(cli, plan, db_url, day: str) -> dict[str, str]:
    """Each step's status word on ``day``, as `roadmap schedule` gives it."""
    result = cli("--file", str(plan), "--db", db_url, "schedule", "--as-of", day, "--format", "json")
    assert result.exit_code == 0, result.output
    return {e["id"]: e["status"] for e in json.loads(result.stdout)}


def _status(cli, plan, db_url, day: str) -> dict:
    result = cli("--file", str(plan), "--db", db_url, "status", "--as-of", day, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_update_is_left_out_of_the_views_of_days_before_the_one_it_describes(cli, plan, db_url):
    reported = cli("--file", str(plan), "--db", db_url, "update", "draft", "--status", "in_progress",
                   "--progress", "40", "--as-of", "2024-03-11")
    assert reported.exit_code == 0, reported.output
    assert [i["id"] for i in _status(cli, plan, db_url, "2024-03-08")["in_progress"]] == []
    assert [i["id"] for i in _status(cli, plan, db_url, "2024-03-11")["in_progress"]] == ["draft"]


def test_a_block_shows_from_the_day_it_was_reported_for(cli, plan, db_url):
    assert cli("--file", str(plan), "--db", db_url, "update", "review", "--status", "blocked",
               "--as-of", "2024-04-01").exit_code == 0
    assert _statuses(cli, plan, db_url, "2024-03-29")["review"] == "planned"
    assert _statuses(cli, plan, db_url, "2024-04-01")["review"] == "blocked"


def test_a_late_report_of_work_done_shows_it_under_way_from_its_start_and_done_after_its_finish(cli, plan, db_url):
    """Reported today, without --as-of: it describes the day the work started."""
    assert cli("--file", str(plan), "--db", db_url, "update", "draft", "--status", "done",
               "--started", "2024-03-04", "--finished", "2024-03-22").exit_code == 0
    history = json.loads(cli("--file", str(plan), "--db", db_url, "history", "--format", "json").stdout)
    assert history[0]["as_of"] == "2024-03-04"
    days = ("2024-03-01", "2024-03-10", "2024-03-25")
    assert [_statuses(cli, plan, db_url, day)["draft"] for day in days] == ["planned", "in_progress", "done"]


def test_a_late_report_for_an_earlier_day_shows_on_that_day_and_the_last_recorded_stands_after(cli, plan, db_url):
    """Each report is decided against what was known on its own day; after every reported day,
    the last one recorded stands (today's views always agree with the store's current facts)."""
    for args in (("--progress", "60", "--as-of", "2024-03-15"), ("--progress", "30", "--as-of", "2024-03-08")):
        assert cli("--file", str(plan), "--db", db_url, "update", "draft", "--status", "in_progress",
                   *args).exit_code == 0
    for day in ("2024-03-10", "2024-03-20"):
        [draft] = _status(cli, plan, db_url, day)["in_progress"]
        assert (draft["why"][:8], draft["start"]) == ("30% done", "2024-03-08"), day


def test_a_start_reported_late_for_an_earlier_day_is_recorded_not_nothing_changed(cli, plan, db_url):
    args = ("--file", str(plan), "--db", db_url, "update", "draft", "--status", "in_progress")
    assert cli(*args, "--as-of", "2024-03-15").exit_code == 0
    earlier = cli(*args, "--as-of", "2024-03-08")
    assert earlier.exit_code == 0 and "nothing changed" not in earlier.stderr
    assert _statuses(cli, plan, db_url, "2024-03-10")["draft"] == "in_progress"


def test_documents_show_from_the_day_they_were_reported_for_and_none_is_lost(plan, tmp_path):
    roadmap = parse_roadmap_bytes(PLAN.encode(), str(plan))[0]
    seeds = {m.id: Facts.from_milestone(m) for m in roadmap.milestones}
    with Store.open(f"sqlite:///{tmp_path / 'tracking.sqlite'}", roadmap.id) as store:
        for symbol, day in (("LATER", date(2024, 3, 15)), ("EARLY", date(2024, 3, 5))):
            store.record_update("draft", lambda current, s=symbol: {"documents": (*current.documents, s)}, "anna",
                                None, seed=seeds["draft"], effective_on=day)
        assert store.facts(date(2024, 3, 6))["draft"].documents == ("EARLY",)
        assert set(store.facts()["draft"].documents) == set(store.facts(date(2024, 3, 15))["draft"].documents) \
            == {"EARLY", "LATER"}


def test_an_update_for_a_later_day_changes_no_other_steps_facts(plan, tmp_path):
    """Only the steps with updates for later days are replayed; the others keep their state."""
    with Store.open(f"sqlite:///{tmp_path / 'tracking.sqlite'}", "dated-facts") as store:
        store.record_update("draft", lambda current: {"status": "in_progress", "progress": 20}, "anna", None,
                            effective_on=date(2024, 3, 4))
        store.record_update("review", lambda current: {"status": "blocked"}, "anna", None,
                            effective_on=date(2024, 3, 20))
        assert store.facts(date(2024, 3, 10))["draft"] == store.facts()["draft"]
        assert "review" not in store.facts(date(2024, 3, 10))


def test_an_earlier_day_replays_from_what_the_store_started_from_not_from_the_file_as_edited(cli, plan, db_url):
    plan.write_text(PLAN.replace("duration: 20d}", "duration: 20d, status: in_progress, progress: 20, "
                                                   "actual: {start: 2024-03-01}}"))
    args = ("--file", str(plan), "--db", db_url)
    for symbol, day in (("X/1", "2024-03-20"), ("Y/1", "2024-03-10")):
        assert cli(*args, "update", "draft", "--documents", symbol, "--as-of", day).exit_code == 0
    plan.write_text(plan.read_text().replace("progress: 20", "progress: 50"))
    shown = [cli(*args, "show", "draft", "--as-of", day).stdout for day in ("2024-03-19", "2024-03-20")]
    assert all("in_progress (20%)" in text for text in shown)


def test_what_was_recorded_by_a_moment_replays_from_what_the_store_started_from(tmp_path):
    """The week-before side of `brief` and `diff --since`: fields no update changed come from
    the facts the store started from, not from the file as it reads now."""
    utc = timezone.utc
    with Store.open(f"sqlite:///{tmp_path / 'tracking.sqlite'}", "dated-facts") as store:
        store.record_update("draft", lambda current: {"progress": 20}, "anna", None,
                            seed=Facts("in_progress", 10, date(2024, 3, 1)), now=datetime(2024, 3, 5, 12, tzinfo=utc),
                            effective_on=date(2024, 3, 5))
        store.record_update("draft", lambda current: {"progress": 40}, "anna", None,
                            now=datetime(2024, 3, 12, 12, tzinfo=utc), effective_on=date(2024, 3, 12))
        assert store.facts_at(datetime(2024, 3, 8, tzinfo=utc)) == {"draft": Facts("in_progress", 20, date(2024, 3, 1))}


def test_a_history_row_without_its_day_describes_the_day_it_was_recorded(db_url):
    from sqlalchemy import text

    with Store.open(db_url, "dated-facts") as store:
        with store.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO updates (roadmap_id, milestone_id, recorded_at, author, note, changes) VALUES "
                "('dated-facts', 'draft', :t, 'anna', NULL, '{\"progress\": [null, 30]}')"),
                {"t": datetime(2024, 3, 5, 12, 0, tzinfo=timezone.utc)})
        [record] = store.history()
        assert record.effective_on == datetime(2024, 3, 5, 12, 0, tzinfo=timezone.utc).astimezone().date()


def test_a_report_for_a_day_between_a_recorded_start_and_finish_needs_no_reopen_and_keeps_the_finish(
        cli, plan, db_url):
    args = ("--file", str(plan), "--db", db_url)
    assert cli(*args, "update", "draft", "--started", "2024-03-04", "--finished", "2024-03-22").exit_code == 0
    midway = cli(*args, "update", "draft", "--progress", "50", "--as-of", "2024-03-11")
    assert midway.exit_code == 0, midway.output
    assert "in_progress (50%)" in cli(*args, "show", "draft", "--as-of", "2024-03-12").stdout
    today = cli(*args, "show", "draft").stdout
    assert "status:       done" in today and "2024-03-04..2024-03-22" in today


@pytest.mark.parametrize("facts, day, expected", [
    (Facts("done", 100, date(2024, 3, 4), date(2024, 3, 22)), date(2024, 3, 10),
     Facts("in_progress", None, date(2024, 3, 4), None)),
    (Facts("done", 60, date(2024, 3, 4), date(2024, 3, 22)), date(2024, 3, 1), Facts(None, 60, None, None)),
    (Facts("in_progress", 40, date(2024, 3, 4)), date(2024, 3, 1), Facts(None, 40, None, None)),
    (Facts("done", 100, date(2024, 3, 4), date(2024, 3, 22)), date(2024, 3, 22),
     Facts("done", 100, date(2024, 3, 4), date(2024, 3, 22))),
    (Facts("blocked", None, date(2024, 3, 4)), date(2024, 3, 1), Facts("blocked", None, None, None)),
])
def test_facts_as_known_on_a_day_leave_out_a_later_start_or_finish(facts, day, expected):
    assert known_on(facts, day) == expected


def test_the_quick_reader_hands_over_when_an_update_describes_a_later_day(plan, tmp_path):
    roadmap = parse_roadmap_bytes(PLAN.encode(), str(plan))[0]
    path = tmp_path / "tracking.sqlite"
    with Store.open(f"sqlite:///{path}", roadmap.id, source=roadmap_source(plan)) as store:
        store.record_update("draft", lambda current: {"status": "blocked"}, "anna", None,
                            effective_on=date(2024, 4, 1))
        current = store.facts()
    assert read_sqlite_facts(path, roadmap.id, roadmap_source(plan), date(2024, 4, 1)) == current
    assert read_sqlite_facts(path, roadmap.id, roadmap_source(plan), date(2024, 3, 31)) is None


def test_an_older_store_is_upgraded_and_its_updates_describe_the_local_day_they_were_recorded(db_url):
    from sqlalchemy import create_engine, text

    from roadmap_tracker.store.migrations import upgrade

    engine = create_engine(db_url)
    upgrade(engine, "0004")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO updates (roadmap_id, milestone_id, recorded_at, author, note, changes) VALUES "
            "('dated-facts', 'draft', :t, 'anna', NULL, '{\"progress\": [null, 30]}')"),
            {"t": datetime(2024, 3, 5, 23, 30, tzinfo=timezone.utc)})
        connection.execute(text(
            "INSERT INTO milestone_state (roadmap_id, milestone_id, progress, updated_at, last_update_id) VALUES "
            "('dated-facts', 'draft', 30, :t, 1)"), {"t": datetime(2024, 3, 5, 23, 30, tzinfo=timezone.utc)})
    engine.dispose()
    with Store.open(db_url, "dated-facts") as store:
        assert store.schema_version() == SCHEMA_HEAD
        [record] = store.history()
        assert record.effective_on == datetime(2024, 3, 5, 23, 30, tzinfo=timezone.utc).astimezone().date()
        assert store.facts(record.effective_on)["draft"].progress == 30
        assert store.facts(record.effective_on - timedelta(days=1)) == {}  # the step's latest day is kept too


@pytest.mark.parametrize("request_fields, as_of, expected", [
    ({}, None, date(2024, 6, 3)),
    ({"started": date(2024, 5, 1)}, None, date(2024, 5, 1)),
    ({"started": date(2024, 5, 1), "finished": date(2024, 5, 20)}, None, date(2024, 5, 1)),
    ({"finished": date(2024, 5, 20)}, date(2024, 5, 27), date(2024, 5, 27)),
])
def test_the_day_an_update_describes(request_fields, as_of, expected):
    assert described_day(UpdateRequest(**request_fields), as_of, date(2024, 6, 3)) == expected


_updates = st.lists(st.tuples(st.sampled_from(["draft", "review"]),
                              st.sampled_from(["planned", "in_progress", "blocked", "cancelled"]),
                              st.integers(0, 100), st.integers(0, 40)), min_size=1, max_size=12)


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory):
    """A migrated, empty embedded store, copied for each example (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "empty.sqlite"
    Store.open(f"sqlite:///{path}", "dated").close()
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(updates=_updates)
def test_reported_as_they_happen_every_day_sees_the_facts_recorded_for_it(tmp_path_factory, empty_store, updates):
    """Updates recorded in the order of the days they describe (reporting as work goes): a view of
    any day shows the store's facts as they stood once that day's last update was recorded;
    before the first, nothing."""
    import shutil

    path = tmp_path_factory.mktemp("store") / "tracking.sqlite"
    shutil.copy(empty_store, path)
    start = date(2024, 3, 1)
    dated = sorted(((start + timedelta(days=offset), mid, status, progress)
                    for mid, status, progress, offset in updates), key=lambda u: u[0])
    with Store.open(f"sqlite:///{path}", "dated") as store:
        stood: dict[date, dict] = {}
        for day, mid, status, progress in dated:
            store.record_update(mid, lambda current, s=status, p=progress: {"status": s, "progress": p}, "anna",
                                None, effective_on=day)
            stood[day] = store.facts()
        assert store.facts(start - timedelta(days=1)) == {}
        for offset in range(0, 42):
            day = start + timedelta(days=offset)
            last = max((d for d in stood if d <= day), default=None)
            assert store.facts(day) == (stood[last] if last else {}), day
