"""What users rely on from the command line: exit codes, messages, formats."""

from __future__ import annotations

import json
import re

import pytest

from roadmap_tracker.cli import main
from roadmap_tracker.text import SCHEDULE_COLUMNS

from .conftest import DIAGNOSTIC_LINE, ROOT, SHIPPED

SMALL = """\
roadmap: {id: small, title: Small roadmap, target: decision}
milestones:
  - {id: draft, title: Draft, not_before: 2024-01-01, duration: 10d, lead: Anna}
  - {id: session, title: Session, kind: session, start: 2024-02-05, end: 2024-02-09, after: [draft]}
  - {id: decision, title: Decision, kind: decision, during: [session], after: [draft]}
"""


def test_validate_shipped_roadmap_exits_zero(cli):
    result = cli("validate", str(SHIPPED))
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.stderr


def test_validate_lists_every_error_with_file_and_line_and_exits_2(cli):
    path = ROOT / "tests" / "scenarios" / "errors.yaml"
    result = cli("validate", str(path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len([line for line in lines if DIAGNOSTIC_LINE.match(line)]) == 12
    assert f"{path}:18: error[unknown-key]: unknown key 'dependson' in milestone 'a'; did you mean 'depends_on'?" in lines
    assert lines[-1] == f"{path}: 12 errors, 0 warnings"
    assert "Traceback" not in result.output


def test_other_commands_stop_on_errors_with_the_same_messages(cli):
    path = ROOT / "tests" / "scenarios" / "errors.yaml"
    result = cli("--file", str(path), "status")
    assert result.exit_code == 2
    assert f"{path}:46: error[dependency-cycle]: dependency cycle: g -> h -> g" in result.stderr


def test_warnings_do_not_stop_status(cli, write_roadmap):
    path = write_roadmap(SMALL.replace("duration: 10d", "duration: 60d"))
    result = cli("--file", str(path), "status", "--as-of", "2024-01-01")
    assert result.exit_code == 0
    assert "warning" in result.stderr and "roadmap validate" in result.stderr
    assert "At risk" in result.stdout


def test_status_json_has_the_documented_shape(cli, write_roadmap):
    path = write_roadmap(SMALL)
    result = cli("--file", str(path), "status", "--as-of", "2024-01-03", "--format", "json")
    data = json.loads(result.stdout)
    assert set(data) == {"roadmap", "as_of", "target", "counts", "overdue", "late_to_start", "at_risk", "blocked",
                         "in_progress", "upcoming", "recently_done", "to_confirm", "open_conditions"}
    assert data["as_of"] == "2024-01-03"
    assert data["target"] == {"id": "decision", "title": "Decision", "status": "planned",
                              "forecast_end": "2024-02-05", "deadline": None, "float": 4,
                              "verdict": "on_track", "reasons": []}
    assert [item["id"] for item in data["late_to_start"]] == ["draft"]
    assert {"id", "title", "start", "end", "float", "expected_start", "expected_end",
            "late_days"} <= set(data["late_to_start"][0])


def test_status_is_plain_text_when_piped(cli, write_roadmap):
    result = cli("--file", str(write_roadmap(SMALL)), "status", "--as-of", "2024-01-03")
    assert "\x1b[" not in result.stdout
    assert result.stdout.startswith("Small roadmap: status as of 2024-01-03\n")


def test_status_markdown_is_a_table_per_section(cli, write_roadmap):
    result = cli("--file", str(write_roadmap(SMALL)), "status", "--as-of", "2024-01-03", "--format", "markdown")
    assert "## Late to start (1)" in result.stdout
    assert "| draft | Draft | 2024-01-03..2024-01-12 |" in result.stdout


def test_status_on_the_shipped_roadmap_in_march_2024(cli):
    data = json.loads(cli("--file", str(SHIPPED), "status", "--as-of", "2024-03-01", "--format", "json").stdout)
    in_progress = {item["id"] for item in data["in_progress"]}
    assert {"synthesis-draft", "consultations-programme"} <= in_progress
    at_risk = {item["id"]: item for item in data["at_risk"]}
    assert at_risk["cstd-27"]["why"] == "forecast 2024-04-19 is 19 days past its deadline 2024-03-31"
    assert any("extra-budgetary" in item["why"] for item in data["open_conditions"])
    assert data["target"]["id"] == "ga-outcome-adopted"


def test_status_on_the_shipped_roadmap_shows_the_open_follow_up(cli):
    data = json.loads(cli("--file", str(SHIPPED), "status", "--as-of", "2026-11-28", "--format", "json").stdout)
    assert data["target"]["status"] == "done"
    open_ids = {item["id"] for name in ("overdue", "at_risk", "upcoming", "in_progress", "open_conditions")
                for item in data[name]}
    assert {"ungis-roadmap", "cstd-29", "financing-task-force-report", "cstd-30"} <= open_ids


def test_schedule_json_lists_every_step_with_the_documented_keys(cli, write_roadmap):
    result = cli("--file", str(write_roadmap(SMALL)), "schedule", "--format", "json", "--as-of", "2024-01-01")
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == ["draft", "session", "decision"]
    assert all(tuple(row) == (*SCHEDULE_COLUMNS, "driving_ties") for row in rows)  # the ties in JSON only
    assert rows[1]["fixed"] is True and rows[1]["total_float"] == 0
    assert rows[0]["late_finish"] == "2024-02-04"


def test_schedule_csv_has_a_header_and_a_row_per_step(cli, write_roadmap):
    result = cli("--file", str(write_roadmap(SMALL)), "schedule", "--format", "csv", "--as-of", "2024-01-01")
    lines = result.stdout.splitlines()
    assert lines[0] == ",".join(SCHEDULE_COLUMNS)
    assert lines[1].startswith("draft,Draft,task,,2024-01-01,2024-01-10,")
    assert len(lines) == 4


def test_path_shows_the_driving_chain_to_a_milestone(cli):
    result = cli("--file", str(SHIPPED), "path", "--to", "cstd-28-resolution", "--format", "json",
                 "--as-of", "2024-03-01")
    chain = [row["id"] for row in json.loads(result.stdout)]
    assert chain == ["cstd-28", "cstd-28-report-agreed", "cstd-28-resolution"]  # the session's window sets the date


CHAIN = """\
roadmap: {id: chain, title: Chain, target: adopt}
milestones:
  - {id: draft, title: Draft, not_before: 2024-01-01, duration: 10d}
  - {id: session, title: Session, kind: session, start: 2024-02-05, end: 2024-02-09, after: [draft]}
  - {id: final, title: Final text, duration: 20d, after: [session]}
  - {id: nego, title: Negotiation, not_before: 2024-03-01, duration: 30d}
  - {id: summit, title: Summit, kind: meeting, start: 2024-03-20, after: [nego]}
  - {id: adopt, title: Adoption, duration: 1d, after: [final, summit]}
"""


def test_path_shows_the_driving_chain_on_a_small_plan(cli, write_roadmap):
    result = cli("--file", str(write_roadmap(CHAIN)), "path", "--to", "final", "--format", "json",
                 "--as-of", "2024-01-01")
    assert [row["id"] for row in json.loads(result.stdout)] == ["session", "final"]


def test_path_goes_through_a_fixed_date_its_preparation_cannot_meet(cli, write_roadmap):
    result = cli("--file", str(write_roadmap(CHAIN)), "path", "--format", "json", "--as-of", "2024-01-01")
    chain = [row["id"] for row in json.loads(result.stdout)]
    assert chain == ["nego", "summit", "adopt"]
    assert all(row["critical"] for row in json.loads(result.stdout))


def test_path_to_a_fixed_date_names_its_latest_input(cli, write_roadmap):
    result = cli("--file", str(write_roadmap(CHAIN)), "path", "--to", "session", "--as-of", "2024-01-01")
    assert "session's date is set by itself (fixed date); its latest input, draft, ends 2024-01-10" in result.stdout


def test_show_explains_one_milestone(cli):
    result = cli("--file", str(SHIPPED), "show", "synthesis-final", "--as-of", "2024-03-01")
    assert result.exit_code == 0
    assert "deadline:     2025-03-31" in result.stdout
    assert "waited on by: cstd-28-report-agreed" in result.stdout


def test_unknown_milestone_suggests_the_closest_ids(cli):
    result = cli("--file", str(SHIPPED), "show", "synthesis-fina")
    assert result.exit_code == 2
    assert "did you mean 'synthesis-final', 'synthesis-draft'?" in result.stderr


@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "2024-Q1"])
def test_bad_as_of_value_is_a_usage_error(cli, value):
    result = cli("--file", str(SHIPPED), "status", "--as-of", value)
    assert result.exit_code == 2
    assert "Invalid value for '--as-of'" in result.stderr


def test_missing_roadmap_file_suggests_init(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["status"], env={"ROADMAP_FILE": None})
    assert result.exit_code == 2
    assert "roadmap init" in result.stderr


def test_roadmap_file_comes_from_the_environment(runner, write_roadmap):
    path = write_roadmap(SMALL)
    result = runner.invoke(main, ["status", "--as-of", "2024-01-01"], env={"ROADMAP_FILE": str(path)})
    assert result.exit_code == 0
    assert result.stdout.startswith("Small roadmap")


def test_init_writes_a_starter_file_that_validates(cli, tmp_path):
    target = tmp_path / "my-roadmap.yaml"
    assert cli("init", str(target)).exit_code == 0
    assert cli("validate", str(target)).exit_code == 0
    again = cli("init", str(target))
    assert again.exit_code == 2 and "--force" in again.stderr


def test_schema_accepts_the_shipped_roadmap_and_rejects_unknown_keys(cli):
    jsonschema = pytest.importorskip("jsonschema")
    from roadmap_tracker.yamlsource import parse_yaml

    schema = json.loads(cli("schema").stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    document = parse_yaml(SHIPPED.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    document["milestones"][0]["dependson"] = ["x"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_every_command_has_help_with_an_example():
    for name, command in main.commands.items():
        assert command.help and "Example: roadmap" in command.help, name


def test_readme_names_only_commands_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"^\s*roadmap ([a-z]+)", readme, re.MULTILINE))
    assert named, "the README shows no commands"
    assert named <= set(main.commands), named - set(main.commands)


def test_an_unwritable_output_is_a_clear_error(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("--file", str(SHIPPED), "export", "csv", "-o", str(blocker / "inside.csv"))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(f"error: {blocker}") and "Traceback" not in result.output
