"""One meaning per option, across the whole command line; facts from the file and the store agree."""

from __future__ import annotations

import json
import subprocess
from datetime import date, timedelta

import click
import pytest

from roadmap_tracker.cli import main
from roadmap_tracker.formats import EXPORTERS

PLAN = """\
roadmap: {id: opts, title: Options roadmap, target: decision}
milestones:
  - {id: consult, title: Consultation, not_before: 2024-01-08, duration: 10d}
  - {id: draft, title: Draft report, duration: 20d, after: [consult]}
  - {id: session, title: Annual session, kind: session, start: 2024-04-15, end: 2024-04-19}
  - {id: decision, title: Decision, kind: decision, during: [session], after: [draft]}
"""


@pytest.fixture
def plan(write_roadmap):
    return write_roadmap(PLAN, "milestones.yaml")


def _walk(command: click.Command, path=()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _walk(sub, path + (name,))


def test_every_command_and_subcommand_has_help_with_an_example():
    missing = [" ".join(path) or "roadmap" for path, command in _walk(main)
               if not command.help or "Example: roadmap" not in command.help]
    assert missing == []


def test_an_option_name_has_one_meaning_across_the_cli():
    meanings: dict[str, set] = {}
    for path, command in _walk(main):
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    kind = "path" if isinstance(param.type, click.Path) else param.type.name
                    meanings.setdefault(opt, set()).add(kind)
    ambiguous = {opt: kinds for opt, kinds in meanings.items() if len(kinds) > 1}
    assert ambiguous == {}


def test_export_subcommands_are_the_registry():
    assert set(main.commands["export"].commands) == set(EXPORTERS)


def test_dash_output_writes_to_standard_output_and_a_file_is_announced_on_stderr(cli, plan, tmp_path):
    to_stdout = cli("--file", str(plan), "export", "csv", "-o", "-", "--as-of", "2024-01-02")
    assert to_stdout.exit_code == 0 and to_stdout.stdout.startswith("id,title")
    target = tmp_path / "plan.csv"
    to_file = cli("--file", str(plan), "export", "csv", "-o", str(target), "--as-of", "2024-01-02")
    assert to_file.stdout == "" and f"wrote {target}" in to_file.stderr
    assert target.read_text() == to_stdout.stdout


def test_status_can_be_written_to_a_file(cli, plan, tmp_path):
    target = tmp_path / "status.md"
    result = cli("--file", str(plan), "status", "--as-of", "2024-01-02", "--format", "markdown", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text().startswith("# Options roadmap: status as of 2024-01-02")


def test_init_reports_on_stderr_and_leaves_stdout_clean(cli, tmp_path):
    result = cli("init", str(tmp_path / "new.yaml"))
    assert result.exit_code == 0 and result.stdout == "" and "wrote" in result.stderr


def test_ics_window_is_from_and_until(cli, plan, tmp_path):
    out = tmp_path / "s.ics"
    result = cli("--file", str(plan), "export", "ics", "-o", str(out), "--from", "2024-04-01", "--until",
                 "2024-04-30", "--as-of", "2024-01-02")
    assert result.exit_code == 0, result.output
    assert out.read_text().count("BEGIN:VEVENT") == 2  # the session and the decision in it


def test_export_ics_with_a_misspelt_kind_suggests_the_right_one(cli, plan, tmp_path):
    result = cli("--file", str(plan), "export", "ics", "-o", str(tmp_path / "x.ics"), "--kind", "sesion")
    assert result.exit_code == 2 and "did you mean 'session'" in result.stderr
    assert not (tmp_path / "x.ics").exists()


@pytest.mark.parametrize("since", ["2w", "14d", (date.today() - timedelta(days=14)).isoformat()])
def test_since_is_a_day_or_a_span_in_history(cli, plan, since):
    cli("--file", str(plan), "update", "consult", "--started", (date.today() - timedelta(days=3)).isoformat())
    result = cli("--file", str(plan), "history", "--since", since, "--format", "json")
    assert [r["milestone"] for r in json.loads(result.stdout)] == ["consult"]


@pytest.mark.parametrize("since", ["7d", (date.today() - timedelta(days=7)).isoformat()])
def test_since_is_a_day_or_a_span_in_diff(cli, plan, since):
    cli("--file", str(plan), "update", "consult", "--started", (date.today() - timedelta(days=2)).isoformat(),
        "--by", "anna")
    result = cli("--file", str(plan), "diff", "--since", since, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "reported by anna" in {m["id"]: m for m in json.loads(result.stdout)}["consult"]["reason"]


def test_diff_names_the_report_that_set_the_date_not_a_later_partial_one_for_an_earlier_day(cli, plan):
    today = date.today()
    started, finished = today - timedelta(days=20), today - timedelta(days=3)
    cli("--file", str(plan), "update", "consult", "--status", "done", "--started", started.isoformat(),
        "--finished", finished.isoformat(), "--by", "anna")
    late = cli("--file", str(plan), "update", "consult", "--progress", "40", "--by", "ben",
               "--as-of", (today - timedelta(days=10)).isoformat())
    assert late.exit_code == 0, late.output
    result = cli("--file", str(plan), "diff", "--since", "30d", "--format", "json")
    reason = {m["id"]: m for m in json.loads(result.stdout)}["consult"]["reason"]
    assert reason.startswith("reported by anna") and f"actual_end - -> {finished}" in reason


def test_diff_takes_the_same_baseline_syntax_as_gantt(cli, plan, tmp_path):
    older = tmp_path / "older.yaml"
    older.write_text(PLAN.replace("duration: 20d", "duration: 15d"))
    result = cli("--file", str(plan), "diff", "--baseline", str(older), "--as-of", "2024-01-02", "--format", "json")
    moves = {m["id"]: m for m in json.loads(result.stdout)}
    assert moves["draft"]["end_moved"] == 5 and moves["draft"]["cause"] == "plan-edit"


def test_diff_against_a_git_revision(cli, plan):
    def git(*args):
        subprocess.run(["git", *args], cwd=plan.parent, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "empty")
    git("add", plan.name)
    git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "-m", "plan")
    plan.write_text(PLAN.replace("duration: 20d", "duration: 25d"))
    result = cli("--file", str(plan), "diff", "--baseline", "git:HEAD", "--as-of", "2024-01-02", "--format", "json")
    assert {m["id"]: m for m in json.loads(result.stdout)}["draft"]["end_moved"] == 5
    unknown = cli("--file", str(plan), "diff", "--baseline", "git:nope", "--as-of", "2024-01-02")
    assert unknown.exit_code == 2 and "git cannot show" in unknown.stderr


def test_diff_needs_exactly_one_point_of_comparison(cli, plan):
    assert cli("--file", str(plan), "diff").exit_code == 2
    assert cli("--file", str(plan), "diff", "--since", "7d", "--baseline", "x").exit_code == 2


def test_history_shows_a_progress_of_zero_as_zero(cli, plan):
    cli("--file", str(plan), "update", "consult", "--progress", "30", "--started", "2024-01-08")
    result = cli("--file", str(plan), "update", "consult", "--progress", "0")
    assert "progress 30 -> 0" in result.stdout
    assert "progress 30 -> 0" in cli("--file", str(plan), "history").stdout


def test_validate_reasons_with_the_facts_in_the_store(cli, plan):
    late = cli("--file", str(plan), "validate", "--as-of", "2024-06-01", "--format", "json")
    assert "deadline-missed" not in {d["code"] for d in json.loads(late.stdout)}
    done = cli("--file", str(plan), "update", "decision", "--status", "done", "--finished", "2024-04-18",
               "--started", "2024-04-18")
    assert done.exit_code == 0, done.output
    assert "predecessor(s) draft are not" in done.stderr
    result = cli("--file", str(plan), "validate", "--as-of", "2024-06-01", "--format", "json")
    warnings = json.loads(result.stdout)
    assert [(d["code"], d["milestone"]) for d in warnings] == [
        ("nothing-recorded", "session"),  # its dates passed with nothing recorded: presumed held, to confirm
        ("done-before-predecessor", "decision")]
    assert set(warnings[0]) == {"file", "line", "code", "severity", "message", "hint", "milestone"}


def test_validate_names_both_values_when_the_file_and_the_store_disagree(cli, plan):
    cli("--file", str(plan), "update", "consult", "--status", "done", "--started", "2024-01-08",
        "--finished", "2024-01-19")
    plan.write_text(PLAN.replace("duration: 10d}", "duration: 10d, status: in_progress}"))
    result = cli("--file", str(plan), "validate", "--as-of", "2024-02-01")
    assert result.exit_code == 0
    line = next(line for line in result.stderr.splitlines() if "file-disagrees-with-store" in line)
    assert f"{plan}:3: warning[file-disagrees-with-store]: 'consult': the file says status in_progress, " \
           "but the tracking store says status done" in line
    status = cli("--file", str(plan), "status", "--as-of", "2024-02-01")
    assert "note: 1 warning about this plan" in status.stderr


def test_done_without_a_finish_day_is_refused_before_the_planned_end(cli, plan):
    result = cli("--file", str(plan), "update", "draft", "--status", "done", "--as-of", "2024-01-20")
    assert result.exit_code == 2
    assert "planned to end on 2024-02-18" in result.stderr and "--finished" in result.stderr
    assert "no updates recorded" in cli("--file", str(plan), "history").stderr


def test_start_and_finish_default_to_the_as_of_day_and_the_reply_shows_them(cli, plan):
    started = cli("--file", str(plan), "update", "consult", "--status", "in_progress", "--as-of", "2024-01-09")
    assert "actual_start - -> 2024-01-09" in started.stdout
    finished = cli("--file", str(plan), "update", "consult", "--status", "done", "--as-of", "2024-01-19")
    assert "actual_end - -> 2024-01-19" in finished.stdout


def test_an_update_that_changes_nothing_records_nothing(cli, plan):
    cli("--file", str(plan), "update", "consult", "--progress", "20", "--started", "2024-01-08")
    again = cli("--file", str(plan), "update", "consult", "--progress", "20")
    assert "nothing changed" in again.stderr
    assert len(json.loads(cli("--file", str(plan), "history", "--format", "json").stdout)) == 1


def test_every_command_run_with_nothing_given_exits_0_or_2_never_an_internal_error(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no roadmap here: commands that need one say so
    monkeypatch.delenv("ROADMAP_FILE", raising=False)
    failures = []
    for path, command in _walk(main):
        if not path or isinstance(command, click.Group) or path == ("serve",):  # serve runs until stopped
            continue
        result = cli(*path)
        if result.exit_code not in (0, 2) or "internal error" in result.output + result.stderr:
            failures.append((" ".join(path), result.exit_code, (result.stderr or result.output)[-200:]))
    assert failures == []


def test_an_update_as_of_a_future_day_is_refused_without_force(cli, plan):
    future = (date.today() + timedelta(days=30)).isoformat()
    refused = cli("--file", str(plan), "update", "consult", "--progress", "50", "--as-of", future)
    assert refused.exit_code == 2 and f"--as-of {future} is in the future" in refused.stderr
    assert "no updates recorded" in cli("--file", str(plan), "history").stderr


@pytest.mark.parametrize("args, says", [
    (("status", "--as-of", "1800-01-01"), "year 1800 in '1800-01-01' is out of range (1900-2999)"),
    (("status", "--as-of", "2024-02-30"), "'2024-02-30' is not a real date"),
    (("status", "--as-of", "soon"), "'soon' is not a day; write it as YYYY-MM-DD"),
    (("brief", "--week", "1800-W01", "-o", "pack"), "'1800-W01' is out of range: weeks from 1900-W01 to 2999-W52"),
])
def test_a_day_or_week_outside_the_calendar_is_refused_saying_why(cli, args, says):
    from .conftest import SHIPPED

    result = cli("--file", str(SHIPPED), *args)
    assert result.exit_code == 2 and says in result.stderr and "Traceback" not in result.stderr
