"""A real calendar client reads the export: khal imports it and lists every milestone on its days."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timezone

import pytest

from roadmap_tracker.formats.ics import FeedOptions, build_calendar
from roadmap_tracker.loading import load_roadmap
from roadmap_tracker.scheduling import compute_schedule

from .conftest import SHIPPED, KHAL_CONFIG

pytestmark = pytest.mark.skipif(shutil.which("khal") is None,
                                reason="khal (Debian package 'khal') is not installed; .ci/run installs it")



def test_khal_shows_every_milestone_on_the_right_days(tmp_path):
    schedule = compute_schedule(load_roadmap(SHIPPED), date(2024, 3, 1))
    feed = tmp_path / "wsis20.ics"
    feed.write_bytes(build_calendar(schedule, FeedOptions(dtstamp=datetime(2024, 3, 1, tzinfo=timezone.utc))))
    (tmp_path / "cal").mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(KHAL_CONFIG.format(path=tmp_path / "cal"))
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    subprocess.run(["khal", "-c", str(config), "import", "--batch", "-a", "roadmap", str(feed)],
                   check=True, env=env, capture_output=True, timeout=120)
    listing = subprocess.run(
        ["khal", "-c", str(config), "list", "--format", "{uid}|{start-date}|{end-date}", "--day-format", "",
         "2015-01-01", "2028-12-31"], check=True, env=env, capture_output=True, text=True, timeout=120).stdout
    seen = {tuple(line.split("|")) for line in listing.splitlines() if "|" in line}
    expected = {(f"{e.id}@cstd-wsis20.roadmap-tracker", e.start.isoformat(), e.end.isoformat()) for e in schedule}
    assert seen == expected
