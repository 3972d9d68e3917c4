"""Round trips that keep everything: export -> import gives back the same plan and schedule.

Three plans: the shipped roadmap, a generated 400-step plan with every link type, lags in every
unit and a working-day calendar, and a plan with fuzzy windows, 'during', timed events and every
descriptive key. Each goes out as MS Project XML and as Excel and comes back; the plan (every
key of every step, the header, the calendar) and the schedule on several as-of dates are equal.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from roadmap_tracker.formats import EXPORTERS
from roadmap_tracker.formats.importers import import_file
from roadmap_tracker.loading import load_roadmap
from roadmap_tracker.scheduling import compute_schedule

from .conftest import SHIPPED
from .synthetic import synthetic_calendar_yaml

HERE = Path(__file__).parent
WINDOWS = HERE / "roundtrip" / "windows.yaml"
AS_OF = (date(2023, 1, 1), date(2024, 2, 1), date(2024, 6, 4), date(2025, 6, 1), date(2027, 1, 1))


@pytest.fixture(scope="module")
def calendar_plan(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plans") / "calendar400.yaml"
    path.write_text(synthetic_calendar_yaml(400), encoding="utf-8")
    return path


def plan_of(roadmap) -> dict:
    """Everything the file declares, without where it was written (lines, positions)."""
    def bare(m):
        return dataclasses.replace(m, line=0, key_lines={}, dependencies=tuple(
            dataclasses.replace(d, line=None) for d in m.dependencies))

    return {"id": roadmap.id, "title": roadmap.title, "timezone": roadmap.timezone, "target": roadmap.target,
            "tracks": roadmap.tracks, "workdays": sorted(roadmap.calendar.workdays),
            "holidays": sorted(roadmap.calendar.holidays), "milestones": [bare(m) for m in roadmap.milestones]}


def schedule_of(roadmap, as_of: date) -> dict:
    schedule = compute_schedule(roadmap, as_of)
    return {"entries": {e.id: dataclasses.replace(e, milestone=None) for e in schedule},
            "targets": schedule.targets,
            "diagnostics": sorted((d.code, d.message) for d in schedule.diagnostics)}


def round_trip(source: Path, fmt: str, tmp_path: Path, as_of: date = date(2024, 3, 1)):
    schedule = compute_schedule(load_roadmap(source), as_of)
    exported = tmp_path / f"out{EXPORTERS[fmt].extension}"
    data = EXPORTERS[fmt].render(schedule)
    exported.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    back = tmp_path / "back.yaml"
    import_file(fmt, exported, back)
    return load_roadmap(source), load_roadmap(back)


PLANS = {"shipped": lambda _: SHIPPED, "generated-400": lambda plan: plan, "windows": lambda _: WINDOWS}


@pytest.mark.parametrize("fmt", ["mspdi", "xlsx"])
@pytest.mark.parametrize("plan", list(PLANS))
def test_export_then_import_keeps_the_plan_and_its_schedule_on_every_as_of(fmt, plan, calendar_plan, tmp_path):
    original, imported = round_trip(PLANS[plan](calendar_plan), fmt, tmp_path)
    assert plan_of(imported) == plan_of(original)
    for as_of in AS_OF:
        assert schedule_of(imported, as_of) == schedule_of(original, as_of), as_of


def test_the_as_of_of_the_export_does_not_change_what_comes_back(tmp_path):
    early, late = tmp_path / "early", tmp_path / "late"
    early.mkdir(), late.mkdir()
    _, first = round_trip(WINDOWS, "mspdi", early, date(2023, 1, 1))
    _, second = round_trip(WINDOWS, "mspdi", late, date(2026, 1, 1))
    assert plan_of(first) == plan_of(second)


# -- MPXJ (the library behind ProjectLibre and many converters) reads what MS Project would show ----------

def _mpxj():
    from .conftest import mpxj_reader as reader

    return reader()


def test_mpxj_sees_working_day_durations_calendar_exceptions_and_constraints(calendar_plan, tmp_path):
    reader = _mpxj()
    from java.time import DayOfWeek
    from org.mpxj import ConstraintType, TimeUnit

    roadmap = load_roadmap(calendar_plan)
    schedule = compute_schedule(roadmap, date(2024, 1, 1))
    path = tmp_path / "plan.xml"
    path.write_text(EXPORTERS["mspdi"].render(schedule), encoding="utf-8")
    project = reader().read(str(path))
    calendar = project.getDefaultCalendar()
    holidays = {date.fromisoformat(str(x.getFromDate())) for x in calendar.getCalendarExceptions()}
    assert holidays == {date.fromordinal(d) for d in roadmap.calendar.holidays}
    assert not calendar.isWorkingDay(DayOfWeek.SATURDAY) and not calendar.isWorkingDay(DayOfWeek.SUNDAY)
    assert calendar.isWorkingDay(DayOfWeek.MONDAY)
    tasks = {str(t.getWBS()): t for t in project.getTasks() if t.getWBS() is not None and not t.hasChildTasks()}
    working = 0
    for e in schedule:
        task, m = tasks[e.id], e.milestone
        if e.fixed:
            assert task.getConstraintType() == ConstraintType.MUST_START_ON
            assert str(task.getConstraintDate())[:10] == e.start.isoformat()
        elif m.not_before is not None:
            assert task.getConstraintType() == ConstraintType.START_NO_EARLIER_THAN
            assert str(task.getConstraintDate())[:10] == m.not_before.first.isoformat()
        if e.deadline:
            assert str(task.getDeadline())[:10] == e.deadline.isoformat()
        if m.duration is not None and m.duration.unit == "bd" and not e.fixed and not m.duration.is_zero:
            working += 1
            duration = task.getDuration()
            assert (duration.getDuration(), duration.getUnits()) == (float(m.duration.amount), TimeUnit.DAYS)
            # MS Project's own working-time arithmetic on the exported calendar ends where we do
            assert str(calendar.getDate(task.getStart(), duration))[:10] == e.end.isoformat(), e.id
    assert working > 100


def test_a_plan_edited_in_ms_project_comes_back_with_the_edits(tmp_path):
    schedule = compute_schedule(load_roadmap(WINDOWS), date(2024, 2, 1))
    text = EXPORTERS["mspdi"].render(schedule)
    started = text.index("<WBS>started</WBS>")
    edited = text[:started] + text[started:].replace("<Duration>PT80H0M0S</Duration>", "<Duration>PT96H0M0S</Duration>", 1)
    edited = edited.replace("<Contact>=HYPERLINK(\"http://evil\")</Contact>", "<Contact>Secretariat</Contact>")
    assert edited.count("<Contact>Secretariat</Contact>") == 1
    (tmp_path / "edited.xml").write_text(edited, encoding="utf-8")
    import_file("mspdi", tmp_path / "edited.xml", tmp_path / "back.yaml")
    back = load_roadmap(tmp_path / "back.yaml")
    assert str(back.get("started").duration) == "12bd"  # the edit, on MS Project's 8-hour day
    assert back.get("prep").estimate == load_roadmap(WINDOWS).get("prep").estimate  # untouched steps: exact
    assert back.get("survey").start.text == "2024-Q1"
    assert back.get("prep").lead == "Secretariat"  # MS Project's Contact field


@pytest.mark.parametrize("fmt", ["mspdi", "xlsx", "csv"])
def test_a_roadmap_without_steps_goes_out_and_comes_back(fmt, tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("roadmap: {id: empty, title: Nothing yet}\nmilestones: []\n", encoding="utf-8")
    original, imported = round_trip(empty, fmt, tmp_path)
    assert imported.milestones == ()


@pytest.mark.parametrize("fmt", ["mspdi", "xlsx"])
def test_control_characters_never_make_an_unreadable_file(fmt, tmp_path):
    """A roadmap file with control characters is refused where it is read (file:line); a plan that carries
    them anyway (built in memory, as an import might) still exports a file that reads back."""
    from roadmap_tracker.errors import RoadmapInvalid
    from roadmap_tracker.loading import parse_roadmap_bytes

    plan = tmp_path / "ctl.yaml"
    plan.write_text('roadmap: {id: c, title: "Ctl\\x01"}\nmilestones:\n'
                    '  - {id: a, title: "A\\x01b\\x1fc", duration: 2d, notes: "x\\x0by"}\n', encoding="utf-8")
    with pytest.raises(RoadmapInvalid) as refused:
        load_roadmap(plan)
    assert {(d.code, d.line) for d in refused.value.diagnostics} == {("control-character", 1), ("control-character", 3)}
    clean, _ = parse_roadmap_bytes(b"roadmap: {id: c, title: Ctl}\nmilestones:\n"
                                   b"  - {id: a, title: Abc, duration: 2d, notes: xy}\n", str(plan))
    dirty = dataclasses.replace(clean, title="Ctl\x01", milestones=(dataclasses.replace(
        clean.get("a"), title="A\x01b\x1fc", notes="x\x0by"),))
    exported = tmp_path / f"out{EXPORTERS[fmt].extension}"
    data = EXPORTERS[fmt].render(compute_schedule(dirty, date(2024, 3, 1)))
    exported.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    import_file(fmt, exported, tmp_path / "back.yaml")
    assert load_roadmap(tmp_path / "back.yaml").get("a").title == "Abc"


@pytest.mark.parametrize("plan", list(PLANS))
def test_exporting_the_imported_plan_again_gives_the_same_ms_project_file(plan, calendar_plan, tmp_path):
    original, imported = round_trip(PLANS[plan](calendar_plan), "mspdi", tmp_path)
    for as_of in (date(2024, 3, 1), date(2026, 1, 1)):
        assert EXPORTERS["mspdi"].render(compute_schedule(imported, as_of)) == \
            EXPORTERS["mspdi"].render(compute_schedule(original, as_of))


@pytest.mark.parametrize("plan", ["shipped", "windows"])
def test_mpxj_reads_every_export_with_our_dates(plan, calendar_plan, tmp_path):
    reader = _mpxj()
    schedule = compute_schedule(load_roadmap(PLANS[plan](calendar_plan)), date(2024, 2, 1))
    path = tmp_path / "plan.xml"
    path.write_text(EXPORTERS["mspdi"].render(schedule), encoding="utf-8")
    project = reader().read(str(path))
    tasks = {str(t.getWBS()): t for t in project.getTasks() if t.getWBS() is not None and not t.hasChildTasks()
             and int(t.getUniqueID()) != 0}
    assert set(tasks) == set(schedule.entries)
    for e in schedule:
        assert (str(tasks[e.id].getStart())[:10], str(tasks[e.id].getFinish())[:10]) == \
            (e.start.isoformat(), e.end.isoformat()), e.id
        assert str(tasks[e.id].getName()) == e.title


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), fmt=st.sampled_from(["mspdi", "xlsx"]),
       as_of=st.dates(date(2023, 6, 1), date(2027, 1, 1)))
def test_any_generated_plan_round_trips_on_any_as_of(tmp_path, seed, fmt, as_of):
    plan = tmp_path / f"plan{seed}.yaml"
    plan.write_text(synthetic_calendar_yaml(60, seed=seed), encoding="utf-8")
    original, imported = round_trip(plan, fmt, tmp_path, as_of)
    assert plan_of(imported) == plan_of(original)
    assert schedule_of(imported, as_of) == schedule_of(original, as_of)


@pytest.mark.parametrize("plan", list(PLANS))
def test_a_plan_saved_again_by_another_ms_project_writer_comes_back_exactly(plan, calendar_plan, tmp_path):
    reader = _mpxj()
    from org.mpxj.mspdi import MSPDIWriter

    source = PLANS[plan](calendar_plan)
    ours, theirs = tmp_path / "ours.xml", tmp_path / "resaved.xml"
    ours.write_text(EXPORTERS["mspdi"].render(compute_schedule(load_roadmap(source), date(2024, 3, 1))),
                    encoding="utf-8")
    MSPDIWriter().write(reader().read(str(ours)), str(theirs))  # MPXJ writes its own MS Project XML
    assert theirs.read_text(encoding="utf-8") != ours.read_text(encoding="utf-8")
    import_file("mspdi", theirs, tmp_path / "back.yaml")
    original, imported = load_roadmap(source), load_roadmap(tmp_path / "back.yaml")
    assert plan_of(imported) == plan_of(original)
    for as_of in AS_OF[:3]:
        assert schedule_of(imported, as_of) == schedule_of(original, as_of)
