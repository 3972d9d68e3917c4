"""Calendar feeds carry only what a calendar should act on: web links, and a true count of events."""

from __future__ import annotations

from icalendar import Calendar

from tests.conftest import strict_ics_checks


PLAN = """\
roadmap: {id: h, title: Hostile feed}
milestones:
  - id: a
    title: "Looks like BEGIN:VEVENT inside a title"
    start: 2026-03-02
    links: ["javascript:alert(1)", "https://example.org/a"]
  - id: b
    title: Only a script
    start: 2026-03-03
    links: ["javascript:alert(1)"]
"""


def test_a_script_link_never_reaches_an_events_url_and_the_first_web_address_does(cli, write_roadmap, tmp_path):
    path = write_roadmap(PLAN)
    out = tmp_path / "h.ics"
    result = cli("--file", str(path), "export", "ics", "--as-of", "2026-01-05", "-o", str(out))
    assert result.exit_code == 0, result.output
    events = {str(e["UID"]).split("@")[0]: e for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")}
    assert str(events["a"]["URL"]) == "https://example.org/a"
    assert "URL" not in events["b"]
    assert len(strict_ics_checks(out.read_bytes())) == 2  # the strict parser reads both events


def test_the_export_counts_events_not_the_words_begin_vevent(cli, write_roadmap, tmp_path):
    path = write_roadmap(PLAN)
    result = cli("--file", str(path), "export", "ics", "--as-of", "2026-01-05", "-o", str(tmp_path / "h.ics"))
    assert "(2 events)" in result.stderr
