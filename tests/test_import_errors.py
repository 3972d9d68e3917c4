"""Bad input to every importer: FILE:LINE (or FILE:SHEET!CELL) naming the input, exit 2, nothing written.

A corpus of hostile MS Project XML and CSV files, each with the line its error must name; and
errors found only once the imported roadmap is checked, which must still point into the input.
"""

from __future__ import annotations

import pytest

from roadmap_tracker.formats.csvjson import safe_cell, unsafe_cell

PROJECT = "<Project xmlns='http://schemas.microsoft.com/project'>"


def _tasks(*tasks: str, header: str = "") -> str:
    body = "\n".join(f"<Task>\n<UID>{n}</UID>\n<Name>T{n}</Name>\n{t}\n</Task>" for n, t in enumerate(tasks, 1))
    return f"{PROJECT}\n{header}<Tasks>\n{body}\n</Tasks>\n</Project>\n"


TWO = "<PredecessorLink><PredecessorUID>1</PredecessorUID><Type>{}</Type></PredecessorLink>"
MSPDI_CASES = {
    # name: (file text, line the error names, words in the message)
    "link type X": (_tasks("<Duration>PT8H0M0S</Duration>", TWO.format("X")), 11, "<Type> is 'X'"),
    "link type 9": (_tasks("<Duration>PT8H0M0S</Duration>", TWO.format("9")), 11, "out of range"),
    "minutes per day text": (_tasks("", header="<MinutesPerDay>eight</MinutesPerDay>\n"), 2, "<MinutesPerDay>"),
    "minutes per day 0": (_tasks("", header="<MinutesPerDay>0</MinutesPerDay>\n"), 2, "out of range"),
    "outline level text": (_tasks("<OutlineLevel>top</OutlineLevel>"), 6, "<OutlineLevel>"),
    "percent NaN": (_tasks("<PercentComplete>NaN</PercentComplete>"), 6, "<PercentComplete>"),
    "percent 1e999": (_tasks("<PercentComplete>1e999</PercentComplete>"), 6, "<PercentComplete>"),
    "percent 1e300": (_tasks("<PercentComplete>1e300</PercentComplete>"), 6, "out of range"),
    "constraint type text": (_tasks("<ConstraintType>soon</ConstraintType>"), 6, "<ConstraintType>"),
    "date year 9999": (_tasks("<ConstraintType>4</ConstraintType>\n<ConstraintDate>9999-12-31T08:00:00"
                              "</ConstraintDate>"), 7, "out of range"),
    "huge duration": (_tasks("<Duration>PT99999999999H0M0S</Duration>"), 6, "too long"),
    "huge lag": (_tasks("", "<PredecessorLink><PredecessorUID>1</PredecessorUID><LinkLag>1e15</LinkLag>"
                        "</PredecessorLink>"), 11, "<LinkLag>"),
    "unknown predecessor": (_tasks("", TWO.format("1").replace(">1<", ">77<", 1)), 11, "UID 77"),
    "entity bomb": ("<?xml version='1.0'?>\n<!DOCTYPE lolz [<!ENTITY lol 'lol'>]>\n" + PROJECT + "</Project>\n", 2,
                    "document type"),
    "not xml": ("this is not XML\n", 1, "not well-formed"),
}


@pytest.mark.parametrize("case", list(MSPDI_CASES))
def test_bad_ms_project_xml_is_an_error_at_its_line(cli, tmp_path, case):
    text, line, words = MSPDI_CASES[case]
    source = tmp_path / "plan.xml"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = cli("import", "mspdi", str(source), "-o", str(out))
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{source}:{line}: error["), first
    assert words in first
    assert not out.exists()


CSV_CASES = {
    "field over 131,072 characters": ("id,title\na,A\nb," + "x" * 140_000 + "\n", 3, "longer than 131,072"),
    "progress inf": ("id,title,progress\na,A,inf\n", 2, "progress 'inf'"),
    "progress nan": ("id,title,progress\na,A,nan\n", 2, "progress 'nan'"),
    "unterminated quote": ('id,title\na,"Never closed\nb,B\nc,C\n', 2, "never closed"),
    "stray quote": ('id,title\na,A\nb,"B"x\n', 3, "not valid CSV"),
    "very long id": ("id,title\n" + "a" * 300 + ",A\n", 2, "not a valid id"),
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_bad_csv_is_an_error_at_its_line(cli, tmp_path, case):
    text, line, words = CSV_CASES[case]
    source = tmp_path / "plan.csv"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = cli("import", "csv", str(source), "-o", str(out))
    assert result.exit_code == 2 and "internal error" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{source}:{line}: error["), first
    assert words in first
    assert not out.exists()


def test_errors_found_when_checking_the_import_name_the_input_line_not_the_unwritten_output(cli, tmp_path):
    source = tmp_path / "plan.csv"
    source.write_text("id,title,duration,during\nprep,Preparation,5d,\nr1,Resolution,,prep\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    result = cli("import", "csv", str(source), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{source}:3: error[during-not-session]"), result.stderr
    assert str(out) not in result.stderr and not out.exists()


def test_a_device_or_a_missing_file_is_refused_without_reading_it(cli, tmp_path):
    for source in ("/dev/zero", str(tmp_path / "missing.csv")):
        result = cli("import", "csv", source, "-o", str(tmp_path / "out.yaml"))
        assert result.exit_code == 2 and source in result.stderr and "internal error" not in result.stderr


def test_bad_excel_cells_are_named_by_sheet_and_cell(cli, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Schedule"
    sheet.append(["id", "title", "duration", "progress"])
    sheet.append(["a", "A", "10 days", None])
    sheet.append(["b", "B", "5d", "inf"])
    book.save(tmp_path / "plan.xlsx")
    result = cli("import", "xlsx", str(tmp_path / "plan.xlsx"), "-o", str(tmp_path / "out.yaml"))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{tmp_path / 'plan.xlsx'}:Schedule!C2: error[invalid-duration]") for line in lines)
    assert any(line.startswith(f"{tmp_path / 'plan.xlsx'}:Schedule!D3: error[out-of-range]") for line in lines)
    assert not (tmp_path / "out.yaml").exists()


def test_a_file_that_is_not_a_workbook_is_a_clear_error(cli, tmp_path):
    (tmp_path / "plan.xlsx").write_text("id,title\n")
    result = cli("import", "xlsx", str(tmp_path / "plan.xlsx"), "-o", str(tmp_path / "out.yaml"))
    assert result.exit_code == 2 and "not an Excel workbook" in result.stderr


# -- formula injection -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-x", "@SUM(A1)", "\tx", "\rx", "'=already quoted", "=",
                                  "-1d late"])
def test_text_a_spreadsheet_would_run_is_quoted_and_comes_back_exact(text):
    assert safe_cell(text).startswith("'")
    assert unsafe_cell(safe_cell(text)) == text


@pytest.mark.parametrize("value", ["-5", "+3.5", "-1e3", "2024-03-01", "plain", "it's", 42, None])
def test_numbers_dates_and_plain_text_are_left_alone(value):
    assert safe_cell(value) == value
    if isinstance(value, str):
        assert unsafe_cell(value) == value


def test_csv_export_quotes_formulas_and_import_restores_the_titles(cli, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text('roadmap: {id: f, title: F}\nmilestones:\n'
                    '  - {id: a, title: "=HYPERLINK(\\"http://x\\")", duration: 2d, lead: "@boss"}\n'
                    '  - {id: b, title: "-minus", duration: 1d, after: [a], condition: "+if funded"}\n',
                    encoding="utf-8")
    assert cli("--file", str(plan), "export", "csv", "-o", str(tmp_path / "p.csv"), "--as-of", "2024-01-01").exit_code == 0
    text = (tmp_path / "p.csv").read_text()
    assert "'=HYPERLINK" in text and ",'@boss," in text and ",'-minus," in text and "'+if funded" in text
    assert cli("import", "csv", str(tmp_path / "p.csv"), "-o", str(tmp_path / "back.yaml")).exit_code == 0
    from roadmap_tracker.loading import load_roadmap

    back = load_roadmap(tmp_path / "back.yaml")
    assert [m.title for m in back.milestones] == ['=HYPERLINK("http://x")', "-minus"]
    assert back.get("a").lead == "@boss" and back.get("b").condition == "+if funded"


# -- fuzz: whatever a file holds, an import either succeeds or refuses with located errors ------------------

HOSTILE = ["", "X", "NaN", "inf", "-inf", "1e999", "-1", "0", "9" * 40, "PT-5H0M0S", "PT1e9H0M0S",
           "9999-12-31T00:00:00", "0001-01-01T00:00:00", "2024-02-30T00:00:00", "{\"a\": [1,", "[]", "{}",
           "null", "true", "2024-Q5", "-1bd", "100001d", "x" * 5000, "=cmd|' /C calc'!A0", "../../etc/passwd"]


def _import_must_not_crash(fmt: str, data: bytes, tmp_path) -> None:
    from roadmap_tracker.errors import RoadmapError
    from roadmap_tracker.formats.importers import import_file
    from roadmap_tracker.loading import load_roadmap

    source, target = tmp_path / f"in.{fmt}", tmp_path / "out.yaml"
    source.write_bytes(data)
    target.unlink(missing_ok=True)
    try:
        import_file(fmt, source, target)
    except RoadmapError as exc:
        assert not target.exists()
        for d in getattr(exc, "diagnostics", []):
            assert d.file.startswith(str(source)), d  # always the input, never the unwritten output
        return
    load_roadmap(target)  # what was written is a valid roadmap


@pytest.fixture(scope="module")
def windows_export():
    from datetime import date
    from pathlib import Path

    from roadmap_tracker.formats import EXPORTERS
    from roadmap_tracker.loading import load_roadmap
    from roadmap_tracker.scheduling import compute_schedule

    schedule = compute_schedule(load_roadmap(Path(__file__).parent / "roundtrip" / "windows.yaml"), date(2024, 2, 1))
    return {fmt: EXPORTERS[fmt].render(schedule) for fmt in ("mspdi", "xlsx", "csv")}


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

FUZZ = settings(max_examples=int(__import__("os").environ.get("ROADMAP_FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(picks=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(HOSTILE)), min_size=1, max_size=4))
def test_any_field_of_our_ms_project_xml_may_be_damaged(windows_export, tmp_path, picks):
    import re
    from xml.sax.saxutils import escape

    text = windows_export["mspdi"]
    fields = list(re.finditer(r">([^<>\n]*)</", text))
    for index, value in picks:
        match = fields[index % len(fields)]
        text = text[:match.start(1)] + escape(value) + text[match.end(1):]
        fields = list(re.finditer(r">([^<>\n]*)</", text))
    _import_must_not_crash("mspdi", text.encode("utf-8"), tmp_path)


@FUZZ
@given(picks=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(HOSTILE)), min_size=1, max_size=4))
def test_any_cell_of_our_csv_may_be_damaged(windows_export, tmp_path, picks):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(windows_export["csv"])))
    for index, value in picks:
        row = rows[1 + index % (len(rows) - 1)]
        row[index % len(row)] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    _import_must_not_crash("csv", out.getvalue().encode("utf-8"), tmp_path)


@FUZZ
@given(picks=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(HOSTILE + [3.5, -2, 10**20, True])),
                      min_size=1, max_size=4))
def test_any_cell_of_our_workbook_may_be_damaged(windows_export, tmp_path, picks):
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(windows_export["xlsx"]))
    for index, value in picks:
        sheet = book[("Schedule", "Roadmap")[index % 2]]
        cell = sheet.cell(row=1 + index % sheet.max_row, column=1 + index % sheet.max_column)
        cell.value = value
        cell.data_type = "s" if isinstance(value, str) else cell.data_type
    out = io.BytesIO()
    book.save(out)
    _import_must_not_crash("xlsx", out.getvalue(), tmp_path)


@FUZZ
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode("utf-8")))
def test_any_bytes_at_all_are_refused_cleanly_or_imported(tmp_path, data):
    for fmt in ("csv", "mspdi", "xlsx"):
        _import_must_not_crash(fmt, data, tmp_path)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "3.5"])
def test_our_json_attributes_holding_a_bare_number_are_located_errors(windows_export, tmp_path, constant):
    import re

    text = windows_export["mspdi"]
    field = re.search(r"<FieldID>(\d+)</FieldID>\s*<FieldName>\w+</FieldName>\s*<Alias>rt:depends_on</Alias>", text)[1]
    damaged, count = re.subn(rf"(<FieldID>{field}</FieldID>\s*<Value>)[^<]*(</Value>)", rf"\g<1>{constant}\g<2>",
                             text, count=1)
    assert count == 1
    _import_must_not_crash("mspdi", damaged.encode("utf-8"), tmp_path)
