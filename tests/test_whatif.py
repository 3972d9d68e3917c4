"""What-if answers name every consequence a secretariat briefs on, including a missed session."""

from __future__ import annotations

import json
from datetime import date

from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.scheduling import compute_schedule
from roadmap_tracker.text import render_whatif
from roadmap_tracker.whatif import what_if

TWO_SESSIONS = """\
roadmap: {id: wi, title: Adopted at a session, target: adopt}
milestones:
  - {id: session-1, title: Session 1, kind: session, start: 2025-04-07, end: 2025-04-11}
  - {id: session-2, title: Session 2, kind: session, start: 2025-10-06, end: 2025-10-10}
  - {id: draft, title: Draft, not_before: 2025-01-06, duration: 6w}
  - {id: adopt, title: Adoption, kind: decision, during: [session-1, session-2], after: [draft]}
"""
AS_OF = date(2025, 1, 6)


def _schedule():
    roadmap, diagnostics = parse_roadmap_bytes(TWO_SESSIONS.encode(), "wi.yaml")
    assert roadmap is not None, diagnostics
    return compute_schedule(roadmap, AS_OF)


def test_a_slip_that_pushes_a_decision_to_the_next_session_says_so():
    result = what_if(_schedule(), {"draft": 84})
    assert result.sessions_missed == [("adopt", ("session-1",), "session-2")]
    assert "adopt misses session-1; now at session-2" in render_whatif(result)
    assert json.loads(render_whatif(result, "json"))["sessions_missed"] == [
        {"id": "adopt", "missed": ["session-1"], "now_in": "session-2"}]


def test_a_slip_past_every_session_says_there_is_none_left():
    result = what_if(_schedule(), {"draft": 280})
    assert result.sessions_missed == [("adopt", ("session-1", "session-2"), None)]
    assert "no later session in its 'during' list" in render_whatif(result, "markdown")


def test_a_slip_within_the_float_misses_no_session():
    assert what_if(_schedule(), {"draft": 7}).sessions_missed == []


def test_an_earlier_finish_that_brings_a_decision_back_into_its_session_says_so():
    late = compute_schedule(parse_roadmap_bytes(TWO_SESSIONS.replace("duration: 6w", "duration: 20w").encode(),
                                                "wi.yaml")[0], AS_OF)
    assert late["adopt"].session == "session-2"
    result = what_if(late, finishes={"draft": date(2025, 3, 14)})
    assert result.sessions_regained == [("adopt", "session-1")] and result.sessions_missed == []
    assert "adopt now at session-1" in render_whatif(result)
