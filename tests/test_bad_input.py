"""No input ever produces a traceback: every bad file is a file:line message and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadmap_tracker.cli import main

from .conftest import DIAGNOSTIC_LINE, SHIPPED

GOOD = SHIPPED.read_text(encoding="utf-8")


def _validate(runner, path):
    result = runner.invoke(main, ["validate", str(path)], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("content, code", [
    (b"", "empty-file"),
    (b"   \n\n", "empty-file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not-text"),
    (b"\xff\xfe\xfa bad", "not-utf8"),
    (b"- a\n- b\n", "wrong-type"),
    (b"roadmap: [1, 2]\nmilestones: []\n", "wrong-type"),
    (b"roadmap: {id: x, title: y}\nmilestones: {a: 1}\n", "wrong-type"),
    (b"roadmap: {id: x, title: y}\nmilestones:\n  - just a string\n", "wrong-type"),
    (b"roadmap: {id: x\nmilestones: []\n", "yaml-syntax"),
    (b"roadmap:\n  id: x\n   title: y\n", "yaml-syntax"),
    (b"a: &a [*a]\n", "recursive-alias"),
    (b"roadmap: {id: x, title: y}\nmilestones:\n  - {id: a, title: A, id: b}\n", "duplicate-key"),
    (b"roadmap: {id: x, title: y}\nmilestones:\n  - {id: a, title: !!python/object:os.system ls}\n",
     "unsupported-yaml"),
])
def test_bad_files_get_a_located_error_and_exit_2(runner, tmp_path, content, code):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    result = _validate(runner, path)
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith(str(path)) and f"error[{code}]" in first, first


@pytest.mark.parametrize("milestones, said, not_said", [
    # a comma inside a {...} value ends it: the message shows the quoted fix
    ("  - {id: s, title: Session, start: 2027-07-12, venue: UN Headquarters, New York}\n",
     ":3: error[unknown-key]: unknown key 'New York' in milestone 's'; a comma ends a value inside {...}: "
     "if 'New York' is the rest of venue, quote the value: venue: \"UN Headquarters, New York\"", None),
    # an id used twice is reported alone, not echoed as a loop through it
    ("  - {id: a, title: A}\n  - {id: b, title: B, after: [a]}\n  - {id: a, title: A again, after: [b]}\n",
     ":5: error[duplicate-id]: milestone id 'a' is used twice (first at line 3)", "dependency-cycle"),
], ids=["comma-in-flow-value", "duplicate-id-without-cycle"])
def test_common_mistakes_are_explained_with_their_fix(runner, tmp_path, milestones, said, not_said):
    path = tmp_path / "mistake.yaml"
    path.write_text("roadmap: {id: x, title: y}\nmilestones:\n" + milestones)
    result = _validate(runner, path)
    assert result.exit_code == 2
    assert f"{path}{said}" in result.stderr
    assert not_said is None or not_said not in result.stderr


def test_alias_bomb_is_refused_not_expanded(runner, tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = _validate(runner, path)
    assert result.exit_code == 2
    assert "error[too-large]" in result.stderr


def test_deep_nesting_is_refused(runner, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    result = _validate(runner, path)
    assert result.exit_code == 2


def test_a_50_mb_file_is_refused_with_a_clear_message(runner, tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = _validate(runner, path)
    assert result.exit_code == 2
    assert "error[file-too-large]: the file is 50 MB" in result.stderr


def test_a_folder_instead_of_a_file_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(main, ["--file", str(tmp_path), "status"])
    assert result.exit_code == 2
    assert "is a folder" in result.stderr


def _mutations():
    lines = GOOD.splitlines(keepends=True)
    drop_line = st.integers(0, len(lines) - 1).map(lambda i: "".join(lines[:i] + lines[i + 1:]))
    wrong_types = st.sampled_from(["[1, 2]", "{a: b}", "true", "-7", "2024-02-30", "''", "~", "3 weeks"])
    key_lines = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("#")]

    def retype(i, value):
        line = lines[i]
        key, _, _ = line.partition(":")
        return "".join(lines[:i] + [f"{key}: {value}\n"] + lines[i + 1:])

    wrong_value = st.builds(retype, st.sampled_from(key_lines), wrong_types)
    noise = st.builds(lambda i, junk: GOOD[:i] + junk + GOOD[i:],
                      st.integers(0, len(GOOD)), st.text(min_size=1, max_size=12))
    return st.one_of(drop_line, wrong_value, noise)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_mutations())
def test_mutated_roadmaps_never_crash(runner, tmp_path, text):
    path = tmp_path / "mutated.yaml"
    path.write_text(text, encoding="utf-8")
    result = _validate(runner, path)
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        assert any(DIAGNOSTIC_LINE.match(line) for line in result.stderr.splitlines()), result.stderr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash(runner, tmp_path, data):
    path = tmp_path / "random.yaml"
    path.write_bytes(data)
    result = _validate(runner, path)
    assert result.exit_code == 2


def test_status_does_not_import_heavy_libraries():
    probe = (
        "import sys\n"
        "from roadmap_tracker.cli import main\n"
        f"main(['--file', {str(SHIPPED)!r}, 'status', '--as-of', '2024-03-01'], standalone_mode=False)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('matplotlib', 'numpy', 'sqlalchemy', 'flask', 'starlette', 'uvicorn', 'waitress', 'icalendar', "
        "'networkx'))\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env={**os.environ})
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout


def test_a_text_direction_override_in_a_title_is_refused_with_its_line(cli):
    from tests.conftest import ROOT

    path = ROOT / "tests" / "hostile" / "bidi-override-in-title.yaml"
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:3: error[control-character]: milestone 'a': 'title': contains U+202E (after 'Budget '), " \
           "a text-direction control" in result.stderr


def test_a_byte_order_mark_inside_a_title_is_refused_but_one_opening_the_file_is_not(cli, tmp_path):
    from tests.conftest import ROOT

    path = ROOT / "tests" / "hostile" / "byte-order-mark-in-title.yaml"
    result = cli("--file", str(path), "gantt", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 2
    assert f"{path}:3: error[control-character]: milestone 'a': 'title': contains U+FEFF" in result.stderr
    opening = tmp_path / "bom.yaml"
    opening.write_bytes("\ufeffroadmap: {id: b, title: B}\nmilestones:\n  - {id: a, title: A}\n".encode())
    assert cli("validate", str(opening)).exit_code == 0
