"""Each guard where a value enters: one behaviour per test (the corpus in test_hostile.py covers the rest)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from roadmap_tracker.dates import DateOutOfRange, Duration, WorkCalendar, parse_date_window, shift
from roadmap_tracker.loading import parse_roadmap_bytes

HEADER = "roadmap: {id: hard, title: Hard}\nmilestones:\n"


def _errors(text: str) -> list:
    roadmap, diagnostics = parse_roadmap_bytes(text.encode("utf-8"), "hard.yaml")
    return [d for d in diagnostics if d.is_error]


# -- dates ------------------------------------------------------------------------------------------

def test_a_chain_of_long_durations_past_2999_names_the_step_and_its_line(cli, write_roadmap):
    path = write_roadmap(HEADER + "".join(
        f"  - {{id: s{i}, title: S{i}, duration: 100000d{', after: s%d' % (i - 1) if i else ''}}}\n"
        for i in range(5)))
    result = cli("validate", str(path), "--as-of", "2026-01-05")
    assert result.exit_code == 2
    assert f"{path}:6: error[date-out-of-range]: milestone 's3'" in result.stderr
    assert "past 2999-12-31 (100000d from" in result.stderr


def test_a_negative_lag_before_1900_is_refused_with_the_dependency_line(cli, write_roadmap):
    path = write_roadmap(HEADER + "  - {id: a, title: A, start: 1900-01-02}\n  - id: b\n    title: B\n"
                                  "    depends_on:\n      - {id: a, type: SS, lag: -100000mo}\n")
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert f"{path}:7: error[date-out-of-range]" in result.stderr and "before 1900-01-01" in result.stderr


def test_a_time_of_day_is_no_way_around_the_year_check():
    with pytest.raises(ValueError, match="year 9999 .* out of range"):
        parse_date_window("9999-12-31T10:00")


def test_every_shift_stays_within_the_years_a_roadmap_spans():
    last = date(2999, 12, 31).toordinal()
    for lag in (Duration(1, "d"), Duration(1, "w"), Duration(1, "mo"), Duration(2, "bd")):
        with pytest.raises(DateOutOfRange):
            shift(last + 1, lag, WorkCalendar())


def test_whatif_slips_past_the_range_are_a_clear_error(cli, write_roadmap):
    path = write_roadmap(HEADER + "  - {id: a, title: A, start: 2026-03-02}\n  - {id: b, title: B, after: a}\n")
    result = cli("--file", str(path), "whatif", "b", *["--slip", "100000w"] * 12)
    assert result.exit_code == 2 and "past 2999-12-31" in result.stderr
    result = cli("--file", str(path), "whatif", "a", "--slip", "100000w")
    assert result.exit_code == 2 and "give a smaller slip" in result.stderr


# -- characters, numbers, encodings, lengths --------------------------------------------------------

@pytest.mark.parametrize("key, value", [("title", r'"A\x01B"'), ("notes", r'"x\0y"'), ("venue", r'"\e[31m"'),
                                        ("title", r'"A\rB"'), ("lead", r'"x\x85y"'), ("title", r'"A\uFFFEB"')])
def test_control_characters_are_refused_with_file_and_line(key, value):
    lines = [f"    title: {value}"] if key == "title" else ["    title: A", f"    {key}: {value}"]
    errors = _errors(HEADER + "  - id: a\n" + "\n".join(lines) + "\n")
    assert [(e.code, e.line) for e in errors] == [("control-character", 4 if key == "title" else 5)]


def test_tabs_and_line_breaks_stay_allowed_in_free_text():
    assert _errors(HEADER + '  - {id: a, title: A, notes: "one\\ttwo\\nthree"}\n') == []


def test_a_line_break_in_a_link_is_kept_for_the_calendar_to_encode():
    assert _errors(HEADER + '  - {id: a, title: A, links: ["https://example.org/\\nBEGIN:VEVENT"]}\n') == []


def test_a_time_zone_that_is_a_folder_is_an_unknown_zone_without_an_install_path(cli, write_roadmap):
    path = write_roadmap("roadmap: {id: x, title: X, timezone: Europe}\nmilestones:\n  - {id: a, title: A}\n")
    result = cli("validate", str(path))
    assert result.exit_code == 2 and "error[unknown-timezone]" in result.stderr
    assert "zoneinfo" not in result.stderr and "/usr/" not in result.stderr


def test_a_5000_digit_number_is_too_long_not_an_unsupported_tag():
    errors = _errors(HEADER + "  - {id: a, title: A, progress: " + "9" * 5000 + "}\n")
    assert [e.code for e in errors] == ["too-long"] and "tag" not in errors[0].message


def test_utf16_files_are_named_as_such():
    for data in ((HEADER + "  - {id: a, title: A}\n").encode("utf-16"),
                 (HEADER + "  - {id: a, title: A}\n").encode("utf-16-le")):
        _roadmap, diagnostics = parse_roadmap_bytes(data, "hard.yaml")
        assert "UTF-16: save as UTF-8" in str(diagnostics[0])


@pytest.mark.parametrize("text, limit", [("  - {id: %s, title: A}\n" % ("a" * 101), "at most 100"),
                                         ("  - {id: a, title: %s}\n" % ("T" * 301), "at most 300"),
                                         ("  - {id: a, title: A, notes: %s}\n" % ("n" * 20_001), "at most 20,000")])
def test_ids_titles_and_notes_have_a_length_limit(text, limit):
    errors = _errors(HEADER + text)
    assert [e.code for e in errors] == ["too-long"] and limit in errors[0].message
    assert len(errors[0].message) < 200


def test_values_at_the_limits_are_accepted():
    assert _errors(HEADER + "  - {id: %s, title: %s, notes: %s}\n" % ("a" * 100, "T" * 300, "n" * 20_000)) == []


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)
    result = subprocess.run([sys.executable, "-m", "roadmap_tracker.cli", "validate", str(fifo)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "error[not-a-file]: this is a FIFO" in result.stderr


def test_validate_never_quotes_a_whole_file_back(cli, tmp_path):
    path = tmp_path / "passwd"
    path.write_text("root:x:0:0:root:/root:/bin/bash\nsecret:x:1:1:second line:/:/bin/false\n")
    result = cli("validate", str(path))
    assert result.exit_code == 2 and "plain text" in result.stderr and "secret" not in result.stderr


# -- empty roadmaps ---------------------------------------------------------------------------------

EMPTY = "roadmap: {id: empty, title: Empty}\nmilestones: []\n"


def test_status_of_a_roadmap_without_milestones_says_so_and_exits_0(cli, write_roadmap):
    result = cli("--file", str(write_roadmap(EMPTY)), "status")
    assert result.exit_code == 0 and "no milestones yet" in result.stdout


@pytest.mark.parametrize("args", [["path"], ["risk", "--runs", "100"], ["brief", "-o", "pack"],
                                  ["gantt", "-o", "plan.xml"],
                                  ["export", "mspdi", "-o", "plan.xml"]])
def test_commands_with_nothing_to_work_on_refuse_an_empty_roadmap_clearly(cli, write_roadmap, tmp_path, args):
    args = [str(tmp_path / a) if a in ("pack", "plan.xml") else a for a in args]
    result = cli("--file", str(write_roadmap(EMPTY)), *args)
    assert result.exit_code == 2 and "has no milestones yet" in result.stderr
    assert not (tmp_path / "plan.xml").exists() and not (tmp_path / "pack").exists()


# -- git revisions ----------------------------------------------------------------------------------

def _git_repo(folder: Path, text: str) -> Path:
    path = folder / "milestones.yaml"
    path.write_text(text)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "plan"]):
        subprocess.run(["git", *args], cwd=folder, check=True, env=env)
    return path


@pytest.mark.parametrize("how", ["diff", "gantt"])
def test_a_revision_that_looks_like_an_option_is_refused_and_writes_nothing(cli, tmp_path, how):
    path = _git_repo(tmp_path, HEADER + "  - {id: a, title: A}\n")
    planted = tmp_path / "planted"
    if how == "diff":
        result = cli("--file", str(path), "diff", "--baseline", f"git:--output={planted}")
    else:
        result = cli("--file", str(path), "gantt", "--baseline", f"git:--output={planted}", "-o",
                     str(tmp_path / "g.svg"))
    assert result.exit_code == 2 and "is not a git revision" in result.stderr
    assert not planted.exists()


# -- symbolic links ---------------------------------------------------------------------------------

def test_exporting_onto_a_link_writes_through_to_its_target_and_keeps_the_link(cli, write_roadmap, tmp_path):
    path = write_roadmap(HEADER + "  - {id: a, title: A}\n")
    target = tmp_path / "published" / "plan.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "plan.csv"
    link.symlink_to(target)
    assert cli("--file", str(path), "export", "csv", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and "old" not in target.read_text() and "a" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_dangling_link_inside_dot_roadmap_is_never_followed(cli, write_roadmap, tmp_path):
    path = write_roadmap(HEADER + "  - {id: a, title: A}\n")
    private = tmp_path / ".roadmap"
    private.mkdir()
    elsewhere = tmp_path / "elsewhere.txt"
    (private / ".gitignore").symlink_to(elsewhere)
    assert cli("--file", str(path), "update", "a", "--note", "x", "--by", "t").exit_code == 0
    assert not elsewhere.exists()
    from roadmap_tracker._util import write_atomic

    write_atomic(private / ".gitignore", "*\n")  # the link is replaced by a file, not followed
    assert not elsewhere.exists() and not (private / ".gitignore").is_symlink()


# -- the tracking store -----------------------------------------------------------------------------

from .conftest import PG_URL  # noqa: E402
PLAN = HEADER + "  - {id: a, title: A, duration: 1w}\n"


def test_two_files_with_the_same_roadmap_id_never_mix_in_one_store(cli, tmp_path):
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text(PLAN)
    two.write_text(PLAN)
    assert cli("--file", str(one), "update", "a", "--progress", "10", "--by", "t").exit_code == 0
    for args in (["update", "a", "--progress", "20", "--by", "t"], ["status"], ["history"]):
        result = cli("--file", str(two), *args)
        assert result.exit_code == 2, args
        assert "one.yaml" in result.stderr and "two.yaml" in result.stderr and "would mix" in result.stderr
    assert cli("--file", str(one), "history").exit_code == 0


def test_a_moved_roadmap_file_is_adopted_on_request(cli, tmp_path):
    one = tmp_path / "one.yaml"
    one.write_text(PLAN)
    assert cli("--file", str(one), "update", "a", "--note", "x", "--by", "t").exit_code == 0
    moved = one.rename(tmp_path / "moved.yaml")
    assert cli("--file", str(moved), "status").exit_code == 2
    assert cli("--file", str(moved), "db", "adopt").exit_code == 0
    assert cli("--file", str(moved), "status").exit_code == 0


def test_init_gives_every_new_roadmap_its_own_id(cli, tmp_path):
    ids = set()
    for name in ("a.yaml", "b.yaml"):
        assert cli("init", str(tmp_path / name)).exit_code == 0
        roadmap, _ = parse_roadmap_bytes((tmp_path / name).read_bytes(), name)
        ids.add(roadmap.id)
    assert len(ids) == 2 and all(i.startswith("my-roadmap-") for i in ids)


def _damage(database: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(database)
    root, = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'milestone_state'").fetchone()
    size, = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    with open(database, "r+b") as handle:  # a page header that no longer adds up
        handle.seek((root - 1) * size)
        handle.write(b"\x0d\x00\x00\x00\x09\xff\xff" + b"\x00" * 20)


def test_a_damaged_store_is_never_written_and_db_check_says_how_to_recover(cli, write_roadmap):
    path = write_roadmap(PLAN)
    assert cli("--file", str(path), "update", "a", "--note", "first", "--by", "t").exit_code == 0
    database = path.parent / ".roadmap" / "tracking.sqlite"
    _damage(database)
    before = database.read_bytes()
    result = cli("--file", str(path), "update", "a", "--progress", "50", "--by", "t")
    assert result.exit_code == 2 and "is damaged" in result.stderr and ".recover" in result.stderr
    assert database.read_bytes() == before
    check = cli("--file", str(path), "db", "check")
    assert check.exit_code == 2 and "restore a backup" in check.stderr
    assert "internal error" not in cli("--file", str(path), "status").stderr


def test_db_check_of_a_healthy_store_says_ok(cli, write_roadmap):
    path = write_roadmap(PLAN)
    assert cli("--file", str(path), "update", "a", "--note", "x", "--by", "t").exit_code == 0
    result = cli("--file", str(path), "db", "check")
    assert result.exit_code == 0 and ": ok (integrity checked" in result.stdout


def test_a_full_disk_is_named_as_such(write_roadmap):
    from sqlalchemy import event

    from roadmap_tracker.store import Store, StoreError

    path = write_roadmap(PLAN)
    url = f"sqlite:///{path.parent / 'full.sqlite'}"
    with Store.open(url, "hard") as store:
        store.engine.dispose()

        @event.listens_for(store.engine, "connect")
        def _tiny(dbapi_connection, _record):  # SQLite's own "database or disk is full"
            dbapi_connection.execute("PRAGMA max_page_count = 1")

        with pytest.raises(StoreError, match="no space left on the device holding"):
            store.record_update("a", lambda current: {"progress": 5}, "t", "x" * 100_000)


def test_read_only_commands_work_in_a_read_only_folder_and_writes_say_read_only(tmp_path):
    """Run as an unprivileged user (root ignores permissions): read, then a refused write."""
    import shutil

    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("needs setpriv to drop root's privileges")
    folder = Path("/tmp") / f"roadmap-ro-{os.getpid()}" if os.geteuid() == 0 else tmp_path / "ro"
    folder.mkdir(mode=0o755, exist_ok=True)
    try:
        path = folder / "plan.yaml"
        path.write_text(PLAN)
        run = [sys.executable, "-m", "roadmap_tracker.cli", "--file", str(path)]
        subprocess.run(run + ["update", "a", "--note", "x", "--by", "t"], check=True, capture_output=True)
        for item in (folder / ".roadmap", folder):
            for child in item.iterdir() if item.is_dir() else ():
                os.chmod(child, 0o444) if child.is_file() else None
            os.chmod(item, 0o555)
        drop = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.geteuid() == 0 else []
        for args in (["status"], ["history"], ["show", "a"], ["baseline", "list"], ["db", "check"]):
            result = subprocess.run(drop + run + args, capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, (args, result.stderr)
        result = subprocess.run(drop + run + ["update", "a", "--note", "y", "--by", "t"], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 2 and "read-only" in result.stderr
    finally:
        for item in (folder, folder / ".roadmap"):
            if item.exists():
                os.chmod(item, 0o755)
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(not PG_URL, reason="set ROADMAP_TEST_POSTGRES_URL to a server's database (.ci/run does)")
def test_postgres_gets_only_values_that_fit_and_messages_never_carry_sql_parameters(cli, write_roadmap):
    from .conftest import reset_postgres

    reset_postgres(PG_URL)
    path = write_roadmap(HEADER + "  - {id: %s, title: A, duration: 1w}\n" % ("a" * 100))
    env = {"ROADMAP_DATABASE_URL": PG_URL}
    assert cli("--file", str(path), "update", "a" * 100, "--note", "x", "--by", "t", env=env).exit_code == 0
    for args in (["update", "a" * 100, "--note", "x", "--by", "b" * 250], ["baseline", "save", "n" * 250]):
        result = cli("--file", str(path), *args, env=env)
        assert result.exit_code == 2 and "at most 200" in result.stderr
        assert "INSERT" not in result.stderr and "parameters" not in result.stderr and len(result.stderr) < 400


# -- the feed server --------------------------------------------------------------------------------

from .conftest import SMALL_FEED_ROADMAP


def test_a_feed_that_cannot_be_written_keeps_the_last_good_one_and_fails_the_health_check(server, tmp_path):  # noqa: F811
    status, _, good = server.request("GET", "/calendar.ics")
    assert status == 200
    state = tmp_path / "state.json"
    state.unlink()
    state.mkdir()  # the feed state can no longer be written
    server.touch(SMALL_FEED_ROADMAP.replace("Session of 15-19 April", "Session renamed"))
    status, headers, body = server.request("GET", "/calendar.ics")
    assert status == 200 and "Warning" in headers and body == good
    status, _, message = server.request("GET", "/healthz")
    assert status == 503 and b"cannot be written" in message and b"Traceback" not in message


def test_a_damaged_feed_state_file_is_set_aside_and_the_feeds_still_serve(tmp_path):
    import http.client
    import time

    from .conftest import Server, free_port

    roadmap = tmp_path / "roadmap.yaml"
    roadmap.write_text(SMALL_FEED_ROADMAP)
    state = tmp_path / "state.json"
    state.write_text('{"events": {"x": [1, 2]}, "exported": 5}')
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "roadmap_tracker.cli", "--file", str(roadmap), "serve",
                                "--port", str(port), "--as-of", "2024-03-01", "--state", str(state)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        srv = Server(roadmap, port)
        for _ in range(200):
            try:
                status = srv.request("GET", "/calendar.ics")[0]
                break
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
        assert status == 200 and srv.request("GET", "/healthz")[0] == 200
    finally:
        process.terminate()
        stderr = process.communicate(timeout=10)[1].decode()
    assert "SEQUENCE numbers start again" in stderr


def test_a_huge_request_body_is_refused_before_it_is_read(server):  # noqa: F811
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("POST", "/calendar.ics")
    connection.putheader("Content-Length", str(900 * 1024 * 1024))
    connection.endheaders()  # and not one byte of the body
    response = connection.getresponse()
    assert response.status == 413
    connection.close()


def test_idle_connections_do_not_block_the_health_check(server):  # noqa: F811
    import socket

    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(150)]
    try:
        assert server.request("GET", "/healthz")[0] == 200
    finally:
        for sock in idle:
            sock.close()


def test_the_feed_cache_follows_every_edit(tmp_path):
    from roadmap_tracker.formats.ics import FeedOptions
    from roadmap_tracker.server import FeedSource

    roadmap = tmp_path / "roadmap.yaml"
    source = FeedSource(roadmap, tmp_path / "state.json", today=lambda: date(2024, 3, 1))
    for i in range(40):
        roadmap.write_text(SMALL_FEED_ROADMAP.replace("Session of 15-19 April", f"Session edit {i}"))
        os.utime(roadmap, ns=(i * 10**9, i * 10**9))
        assert f"Session edit {i}".encode() in source.feed(FeedOptions()).body


# -- any text at all --------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=_TEXT, notes=_TEXT, venue=_TEXT, link=_TEXT)
def test_any_text_is_either_refused_where_it_enters_or_exported_well_formed(title, notes, venue, link):
    import xml.etree.ElementTree as ET

    from roadmap_tracker.formats import EXPORTERS
    from roadmap_tracker.formats.ics import build_calendar
    from roadmap_tracker.scheduling import compute_schedule

    from .conftest import strict_ics_checks

    def quoted(value):  # YAML double quotes: every character that is not printable as an escape
        if isinstance(value, list):
            return "[" + ", ".join(quoted(v) for v in value) + "]"
        return '"' + "".join(c if c.isprintable() and c not in '\\"' else
                             "\\" + c if c in '\\"' else f"\\U{ord(c):08x}" for c in value) + '"'

    fields = {"title": title or "x", "notes": notes, "venue": venue, "links": [link]}
    text = HEADER + "  - id: a\n" + "".join(f"    {k}: {quoted(v)}\n" for k, v in fields.items()) + \
        "    duration: 1w\n"
    roadmap, diagnostics = parse_roadmap_bytes(text.encode("utf-8"), "any.yaml")
    errors = [d for d in diagnostics if d.is_error]
    if errors:
        assert {d.code for d in errors} <= {"control-character", "too-long", "missing-key"}, errors
        assert all(d.line for d in errors)
        return
    schedule = compute_schedule(roadmap, date(2026, 1, 5))
    strict_ics_checks(build_calendar(schedule))
    ET.fromstring(EXPORTERS["mspdi"].render(schedule))
    EXPORTERS["csv"].render(schedule)
