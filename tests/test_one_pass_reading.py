"""The one-pass reading of well-formed milestones gives exactly what the checked, key-by-key
reading gives: the same roadmap, the same key lines, the same diagnostics in the same order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap_tracker import loading
from roadmap_tracker.loading import parse_roadmap_bytes

from .conftest import SHIPPED

HEADER = """roadmap: {id: r, title: R, tracks: [t1, t2]}
milestones:
  - {id: s1, title: Session, kind: session, start: 2024-03-04, end: 2024-03-08}
  - {id: a, title: A, duration: 5d}
"""

# For each key, values the one-pass reading takes and values it must leave to the checked one.
VALUES = {
    "id": ["m", "''", "~", "5", "true", "'bad id'", "' m '", "m" * 101, "[m]", "{m: 1}", "m.x_y-z"],
    "title": ["T", "''", "'  '", "2024", "true", ".nan", '"a\\x01b"', "' padded '", "x" * 301, "[t]", "{t: 1}"],
    "kind": ["session", "Session", "SESSION", "foo", "5", "''", "~"],
    "status": ["in progress", "In-Progress", "done", "nope", "~"],
    "duration": ["5d", "0", "'0'", "5", "-1d", "5 bd", "3mo", "100001d", "2W", "1.5d",
                 "{optimistic: 1d, likely: 2d, pessimistic: 3d}", "{optimistic: 3d, likely: 2d, pessimistic: 1d}",
                 "{optimistic: 1d, likely: 2d}", "{optimistic: 1d, likely: 2d, pessimistic: 3d, extra: 1}",
                 "{optimistic: '', likely: 2d, pessimistic: 3d}", "{optimistic: 1d, likely: 2d, pessimistic: ~}",
                 "[1d]"],
    "after": ["[a]", "a", "[a, 5]", "5", "[]", "[[a]]", "'a b'", "~", "{a: 1}", "[a, s1]", "[zzz]", "[' a']"],
    "depends_on": ["[a]", "[{id: a, type: SS, lag: 2w}]", "[{id: a, type: ss, lag: -1bd}]", "[{id: a, typo: SS}]",
                   "[{type: SS}]", "[{id: '', type: SS}]", "[{id: a, type: XX}]", "a", "[{id: a, lag: 5}]",
                   "[{id: a, lag: ~}]", "[{id: a, type: ~}]", "[5]", "[[a]]", "[{id: a, lag: -2mo}]"],
    "actual": ["{start: 2024-01-02}", "{start: 2024-01-02, end: 2024-01-01}", "{start: 2024-Q1}",
               "{begin: 2024-01-01}", "2024-01-01", "{}", "{start: ~, end: 2024-02-01}"],
    "start": ["2024-01-01", "2024-Q1", "2024-13-01", "2025-12-16T10:00", "20240101", "2024", "''", "2024-h2"],
    "end": ["2024-01-09", "2024-Q2", "2023-12-01", "2025-12-16T12:00", "x"],
    "not_before": ["2024-W10", "2024-02", "nope"],
    "deadline": ["2025-06-30", "1899-01-01"],
    "progress": ["50", "50.4", "101", "'50'", "true", "-1"],
    "virtual": ["true", "'yes'", "1", "false"],
    "slip": ["{probability: 0.2, by: 4w}", "{probability: 2, by: 4w}", "{probability: 0.2}",
             "{probability: 0.2, by: 4w, x: 1}", "{probability: '', by: 4w}", "0.2", "{probability: 1, by: 0}"],
    "tags": ["[a, b]", "a", "5", "[a, ~]", "[[a]]", "~", "[]", "'x'"],
    "links": ["[https://example.org/a]", "'https://example.org/b'"],
    "timezone": ["Europe/Zurich", "Mars/Olympus", "Europe", "UTC"],
    "distribution": ["pert", "PERT", "normal"],
    "during": ["[s1]", "s1", "['bad id']", "[a]", "[nope]"],
    "track": ["t1", "'bad id'", "t3"],
    "notes": ["'a note'", '"tab\\there"', '"bell\\x07"'],
    "lead": ["'Ann'", "[Ann]"],
    "partners": ["[A, B]", "A"],
    "venue": ["Geneva", "{city: Geneva}"],
    "condition": ["'if funded'"],
    "documents": ["[A/RES/1]"],
    "foo": ["1"],
    "titel": ["x"],
}
BASE = {"id": "m", "title": "T", "duration": "5d", "after": "[a]"}


def _read_both(text: str, monkeypatch):
    data = text.encode()
    fast = parse_roadmap_bytes(data, "plan.yaml")
    with monkeypatch.context() as patch:
        patch.setattr(loading._Reader, "read_plain_milestone", lambda self, item, line, index: None)
        checked = parse_roadmap_bytes(data, "plan.yaml")
    return fast, checked


def _assert_same(text: str, monkeypatch) -> None:
    (fast, fast_diagnostics), (checked, checked_diagnostics) = _read_both(text, monkeypatch)
    assert fast_diagnostics == checked_diagnostics
    assert fast == checked
    if fast is not None:
        assert [m.key_lines for m in fast.milestones] == [m.key_lines for m in checked.milestones]
        assert [repr(m) for m in fast.milestones] == [repr(m) for m in checked.milestones]
        assert [list(vars(m).items()) for m in fast.milestones] == [list(vars(m).items()) for m in checked.milestones]


def _flow(fields: dict) -> str:
    return "  - {" + ", ".join(f"{key}: {value}" for key, value in fields.items()) + "}\n"


def _block(fields: dict) -> str:
    lines = [f"    {key}: {value}" for key, value in fields.items()]
    return "  -" + "\n".join(lines)[3:] + "\n"


@pytest.mark.parametrize("key,value", [(key, value) for key, values in VALUES.items() for value in values])
def test_one_value_reads_as_the_checked_reading_reads_it(key, value, monkeypatch):
    fields = {**BASE, key: value}
    _assert_same(HEADER + _flow(fields) + _block(fields).replace("id: ", "id: b", 1), monkeypatch)


@settings(max_examples=150, deadline=None)
@given(choices=st.dictionaries(st.sampled_from(sorted(VALUES)), st.integers(0, 20), max_size=6), flow=st.booleans())
def test_any_mix_of_values_reads_as_the_checked_reading_reads_it(choices, flow, monkeypatch_module):
    fields = dict(BASE)
    for key, pick in choices.items():
        fields[key] = VALUES[key][pick % len(VALUES[key])]
    _assert_same(HEADER + (_flow if flow else _block)(fields), monkeypatch_module)


def test_the_shipped_roadmap_reads_as_the_checked_reading_reads_it(monkeypatch):
    _assert_same(SHIPPED.read_text(encoding="utf-8"), monkeypatch)


def test_links_name_the_very_id_string_of_their_step():
    roadmap, _ = parse_roadmap_bytes((HEADER + _flow(BASE)).encode())
    assert roadmap.get("m").dependencies[0].predecessor is roadmap.get("a").id


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_a_pickled_roadmap_comes_back_field_for_field(monkeypatch):
    """The parse cache keeps only the fields of a step that differ from their defaults."""
    import pickle

    text = HEADER + "".join(_flow({**BASE, "id": f"m{i}", key: values[0]})
                            for i, (key, values) in enumerate(VALUES.items()) if key not in ("id", "foo", "titel"))
    text += _flow({**BASE, "id": "defaults", "kind": "task", "distribution": "triangular", "tags": "[]", "progress": 0})
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "plan.yaml")
    assert roadmap is not None, diagnostics
    again = pickle.loads(pickle.dumps(roadmap, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == roadmap
    assert [list(vars(m).items()) for m in again.milestones] == [list(vars(m).items()) for m in roadmap.milestones]


def test_a_loop_closed_by_a_backward_during_link_is_still_found():
    """Loops are looked for only when some link points backward: a 'during' link counts too."""
    text = HEADER.replace("  - {id: s1, title: Session, kind: session, start: 2024-03-04, end: 2024-03-08}\n", "") + (
        "  - {id: m, title: M, duration: 1d, during: [s1]}\n"
        "  - {id: s1, title: S, kind: session, start: 2024-03-04, end: 2024-03-08, after: [m]}\n")
    _, diagnostics = parse_roadmap_bytes(text.encode(), "plan.yaml")
    assert [(d.code, d.line, d.message) for d in diagnostics] == [("dependency-cycle", 5, "dependency cycle: m -> s1 -> m")]


def test_loading_leaves_the_collector_on_and_nothing_frozen(tmp_path, monkeypatch):
    """What loading made is handed to the oldest generation (gc.freeze then gc.unfreeze), warm or cold."""
    import gc

    from roadmap_tracker import cache
    from roadmap_tracker.loading import load_roadmap

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ROADMAP_NO_CACHE", raising=False)
    path = tmp_path / "plan.yaml"
    path.write_text(HEADER + _flow(BASE), encoding="utf-8")
    for _ in range(2):  # read, then from the parse cache
        roadmap = load_roadmap(path, cache=True)
        cache.reap(wait=True)
        assert gc.isenabled() and gc.get_freeze_count() == 0
        assert [m.id for m in roadmap.milestones] == ["s1", "a", "m"]
