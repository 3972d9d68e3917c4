"""Excel out and in: typed dates, text that never runs as a formula, the same values in LibreOffice."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is a dependency: pip install -e .")

from roadmap_tracker.formats import EXPORTERS  # noqa: E402
from roadmap_tracker.formats.xlsx import COLUMNS  # noqa: E402
from roadmap_tracker.loading import load_roadmap  # noqa: E402
from roadmap_tracker.scheduling import compute_schedule  # noqa: E402
from roadmap_tracker.status import build_status  # noqa: E402
from roadmap_tracker.wording import headline  # noqa: E402

from .conftest import SHIPPED  # noqa: E402

WINDOWS = Path(__file__).parent / "roundtrip" / "windows.yaml"
AS_OF = date(2024, 2, 1)


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    schedule = compute_schedule(load_roadmap(WINDOWS), AS_OF)
    path = tmp_path_factory.mktemp("xlsx") / "plan.xlsx"
    path.write_bytes(EXPORTERS["xlsx"].render(schedule))
    return path, schedule


def _rows(sheet):
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2)]


def test_forecast_and_plan_days_are_real_excel_dates(workbook):
    path, schedule = workbook
    rows = {r["id"].value: r for r in _rows(openpyxl.load_workbook(path)["Schedule"])}
    for e in schedule:
        for column, day in (("forecast_start", e.start), ("forecast_end", e.end)):
            cell = rows[e.id][column]
            assert isinstance(cell.value, datetime) and cell.value.date() == day
            assert cell.number_format == "yyyy-mm-dd"
    assert rows["s1"]["start"].value == datetime(2024, 3, 4)  # an exact plan day is a date
    assert rows["survey"]["start"].value == "2024-Q1"  # a window stays the text it was


def test_no_cell_is_a_formula_and_formula_like_text_is_quote_prefixed(workbook):
    path, _ = workbook
    book = openpyxl.load_workbook(path)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert {c.value for c in risky} >= {'=HYPERLINK("http://evil")', "@Preparation by the secretariat",
                                        "-Survey of members (runs some time in Q1)"}
    assert all(c.quotePrefix and c.data_type == "s" for c in risky)


def test_schedule_sheet_has_frozen_header_filters_colours_and_fitting_widths(workbook):
    path, schedule = workbook
    sheet = openpyxl.load_workbook(path)["Schedule"]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=len(COLUMNS)).column_letter}{len(schedule.entries) + 1}"
    formulas = {rule.formula[0] for rules in sheet.conditional_formatting for rule in rules.rules}
    assert any('"overdue"' in f for f in formulas) and any('"at risk"' in f for f in formulas)
    assert any('"done"' in f for f in formulas)
    title_width = sheet.column_dimensions["B"].width
    assert title_width >= max(len(e.title) for e in schedule)


def test_status_and_links_sheets_say_what_the_library_says(workbook):
    path, schedule = workbook
    book = openpyxl.load_workbook(path)
    assert book["Status"]["A2"].value == headline(build_status(schedule))
    links = [tuple(c.value for c in row[:4]) for row in book["Links"].iter_rows(min_row=2)]
    assert links == [(d.predecessor, e.id, d.type, str(d.lag)) for e in schedule for d in e.milestone.dependencies]


def test_the_shipped_roadmap_round_trips_through_the_commands(cli, tmp_path):
    out = tmp_path / "wsis.xlsx"
    assert cli("--file", str(SHIPPED), "export", "xlsx", "-o", str(out), "--as-of", "2024-03-01").exit_code == 0
    result = cli("import", "xlsx", str(out), "-o", str(tmp_path / "back.yaml"))
    assert result.exit_code == 0, result.output
    assert cli("validate", str(tmp_path / "back.yaml"), "--as-of", "2024-03-01").exit_code == 0
    assert [m.id for m in load_roadmap(tmp_path / "back.yaml").milestones] == \
        [m.id for m in load_roadmap(SHIPPED).milestones]


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def test_libreoffice_reads_the_same_values(workbook, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc-nogui")
    path, _ = workbook
    # one CSV per sheet (the last filter option), UTF-8 (76), comma-separated, quoted as needed
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    theirs = list(csv.reader(io.StringIO((tmp_path / "plan-Schedule.csv").read_text(encoding="utf-8"))))
    ours = [[_as_text(c.value) for c in row] for row in openpyxl.load_workbook(path)["Schedule"].iter_rows()]
    assert theirs == ours
