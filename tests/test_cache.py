"""The parse cache: used only for the exact same file, code and version; off on request; private,
bounded, and never trusted when damaged or planted."""

from __future__ import annotations

import dataclasses
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from roadmap_tracker import cache
from roadmap_tracker.errors import RoadmapInvalid
from roadmap_tracker.loading import load_roadmap

from .conftest import SHIPPED
from .synthetic import synthetic_yaml

AS_OF = ["--as-of", "2024-03-01"]


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Each test starts from an empty cache folder of its own."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("ROADMAP_NO_CACHE", raising=False)
    return folder / "roadmap-tracker"


@pytest.fixture
def roadmap_file(tmp_path):
    path = tmp_path / "plan" / "milestones.yaml"
    path.parent.mkdir()
    path.write_bytes(SHIPPED.read_bytes())
    return path


def _entries(folder: Path) -> list[Path]:
    cache.reap(wait=True)  # entries are written by a child process
    return sorted(folder.glob("*.pickle")) if folder.exists() else []


def _plant(path: Path, roadmap) -> None:
    """Write an entry for ``path`` as the cache itself would, holding ``roadmap``."""
    digest = cache.hashlib.sha256(path.read_bytes()).hexdigest()
    cache.store(digest, path, roadmap, background=False)


def test_a_loaded_file_is_cached_in_the_users_private_cache_folder(roadmap_file, own_cache):
    roadmap = load_roadmap(roadmap_file, cache=True)
    [entry] = _entries(own_cache)
    assert oct(own_cache.stat().st_mode & 0o777) == "0o700"
    assert oct(entry.stat().st_mode & 0o777) == "0o600"
    assert load_roadmap(roadmap_file, cache=True) == roadmap == load_roadmap(roadmap_file)


def test_nothing_is_written_beside_the_file_or_in_dot_roadmap(cli, roadmap_file, own_cache):
    before = sorted(p.name for p in roadmap_file.parent.rglob("*"))
    assert cli("--file", str(roadmap_file), "status", *AS_OF).exit_code == 0
    assert sorted(p.name for p in roadmap_file.parent.rglob("*")) == before
    assert len(_entries(own_cache)) == 1


def test_the_cli_uses_the_entry_of_the_same_file(cli, roadmap_file):
    real = load_roadmap(roadmap_file)
    _plant(roadmap_file, dataclasses.replace(real, title="Title from the cache"))
    assert "Title from the cache" in cli("--file", str(roadmap_file), "status", *AS_OF).output


def test_no_cache_option_and_environment_read_the_file_afresh(cli, roadmap_file, own_cache):
    real = load_roadmap(roadmap_file)
    _plant(roadmap_file, dataclasses.replace(real, title="Title from the cache"))
    fresh = cli("--no-cache", "--file", str(roadmap_file), "status", *AS_OF).output
    assert real.title in fresh and "Title from the cache" not in fresh
    fresh = cli("--file", str(roadmap_file), "status", *AS_OF, env={"ROADMAP_NO_CACHE": "1"}).output
    assert real.title in fresh and "Title from the cache" not in fresh


def test_an_edited_file_is_read_again(cli, roadmap_file):
    load_roadmap(roadmap_file, cache=True)
    text = roadmap_file.read_text(encoding="utf-8")
    title = load_roadmap(roadmap_file).title
    roadmap_file.write_text(text.replace(title, "Edited title", 1), encoding="utf-8")
    assert load_roadmap(roadmap_file, cache=True).title == "Edited title"


def test_cached_and_fresh_schedules_are_the_same_bytes(cli, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(synthetic_yaml(2000))
    cold = cli("--file", str(path), "schedule", "--format", "csv", *AS_OF)
    cache.reap(wait=True)
    warm = cli("--file", str(path), "schedule", "--format", "csv", *AS_OF)
    fresh = cli("--no-cache", "--file", str(path), "schedule", "--format", "csv", *AS_OF)
    assert cold.exit_code == warm.exit_code == 0
    assert cold.output == warm.output == fresh.output


def test_a_corrupt_entry_is_ignored_and_rewritten(roadmap_file, own_cache):
    expected = load_roadmap(roadmap_file, cache=True)
    [entry] = _entries(own_cache)
    data = entry.read_bytes()
    entry.write_bytes(data[: len(data) // 2])  # truncated
    assert load_roadmap(roadmap_file, cache=True) == expected
    [entry] = _entries(own_cache)
    assert entry.read_bytes() == data


class _Planted:
    def __reduce__(self):
        return (os.system, ("touch planted-code-ran",))


def test_a_planted_entry_is_refused_not_run(roadmap_file, own_cache, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    expected = load_roadmap(roadmap_file, cache=True)
    [entry] = _entries(own_cache)
    data = entry.read_bytes()
    head = len(cache.MAGIC)
    (size,) = struct.unpack(">I", data[head:head + 4])
    entry.write_bytes(data[: head + 4 + size] + pickle.dumps(_Planted()))  # the right key, hostile payload
    assert load_roadmap(roadmap_file, cache=True) == expected
    assert not (tmp_path / "planted-code-ran").exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs to chown a file")
def test_an_entry_owned_by_someone_else_is_not_read(roadmap_file, own_cache):
    real = load_roadmap(roadmap_file)
    _plant(roadmap_file, dataclasses.replace(real, title="Title from the cache"))
    [entry] = _entries(own_cache)
    os.chown(entry, 12345, 12345)
    assert load_roadmap(roadmap_file, cache=True).title == real.title


def test_a_folder_others_can_write_to_is_made_private_again(roadmap_file, own_cache):
    load_roadmap(roadmap_file, cache=True)
    os.chmod(own_cache, 0o777)
    load_roadmap(roadmap_file, cache=True)
    assert oct(own_cache.stat().st_mode & 0o777) == "0o700"


def test_an_invalid_file_is_not_cached(write_roadmap, own_cache):
    path = write_roadmap("roadmap: {id: r, title: R}\nmilestones:\n  - {id: a, title: A, after: [missing]}\n")
    with pytest.raises(RoadmapInvalid):
        load_roadmap(path, cache=True)
    assert _entries(own_cache) == []


def test_the_cache_keeps_a_bounded_number_of_entries(tmp_path, own_cache, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for i in range(6):
        path = tmp_path / f"plan-{i}.yaml"
        path.write_text(synthetic_yaml(5 + i))
        load_roadmap(path, cache=True)
        cache.reap(wait=True)
    assert len(_entries(own_cache)) == 3


def test_a_new_package_version_does_not_read_old_entries(roadmap_file, own_cache, monkeypatch):
    real = load_roadmap(roadmap_file)
    _plant(roadmap_file, dataclasses.replace(real, title="Title from the cache"))
    monkeypatch.setattr(cache, "__version__", "99.0")
    assert load_roadmap(roadmap_file, cache=True).title == real.title


def test_only_the_models_classes_are_rebuilt_from_an_entry():
    import io

    allowed = cache._Unpickler(io.BytesIO(pickle.dumps(load_roadmap(SHIPPED)))).load()
    assert allowed == load_roadmap(SHIPPED)
    from roadmap_tracker.formats.ics import SequenceState

    with pytest.raises(pickle.UnpicklingError):
        cache._Unpickler(io.BytesIO(pickle.dumps(SequenceState()))).load()
    with pytest.raises(pickle.UnpicklingError):
        cache._Unpickler(io.BytesIO(pickle.dumps(load_roadmap))).load()


def test_status_from_a_cached_file_does_not_import_the_yaml_parser(roadmap_file, own_cache):
    """PyYAML's import is a sixth of `roadmap status`; a file read from the cache does without it,
    and without a tracking store SQLite is not loaded either (nor platformdirs on Linux)."""
    _plant(roadmap_file, load_roadmap(roadmap_file))
    unwanted = ("yaml", "sqlite3", "_sqlite3") + (("platformdirs",) if sys.platform == "linux" else ())
    probe = ("import sys\n"
             "from roadmap_tracker.cli import main\n"
             f"main(['--file', {str(roadmap_file)!r}, 'status', '--as-of', '2024-03-01'], standalone_mode=False)\n"
             f"print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in {unwanted!r}))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env={**os.environ})
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG rule is computed directly on Linux only")
@pytest.mark.parametrize("xdg", [None, "", "/srv/caches", "relative/caches"])
def test_the_cache_folder_is_where_platformdirs_puts_it(monkeypatch, xdg):
    from platformdirs import user_cache_dir

    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert cache.cache_folder() == Path(user_cache_dir("roadmap-tracker", appauthor=False))


# -- schedules of large roadmaps -------------------------------------------------------------------

@pytest.fixture
def large_plan(tmp_path, monkeypatch):
    """A roadmap that counts as large (the threshold lowered, so that tests stay quick)."""
    monkeypatch.setattr(cache, "SCHEDULE_MIN_STEPS", 50)
    path = tmp_path / "large" / "milestones.yaml"
    path.parent.mkdir()
    path.write_text(synthetic_yaml(80, seed=4))
    return path


def _schedule_once(path, day="2024-02-01", facts=None, risk_float=7):
    from datetime import date

    from roadmap_tracker.scheduling import compute_schedule

    roadmap = load_roadmap(path, cache=True)
    calls = []

    def compute():
        calls.append(1)
        return compute_schedule(roadmap, date.fromisoformat(day), facts or {}, risk_float=risk_float)

    result = cache.schedule(roadmap, date.fromisoformat(day), facts or {}, risk_float, compute)
    cache.reap(wait=True)
    assert result.roadmap is roadmap
    return result, bool(calls)


def test_a_large_plan_scheduled_again_the_same_day_is_read_back_equal(large_plan, own_cache):
    first, computed = _schedule_once(large_plan)
    again, computed_again = _schedule_once(large_plan)
    assert computed and not computed_again
    assert list(again) == list(first) and again.targets == first.targets
    assert again.diagnostics == first.diagnostics and again.successors == first.successors
    # the entries refer to the loaded roadmap's milestones (checked in _schedule_once), not to copies
    assert all(e.milestone is again.roadmap.milestones[e.milestone.index] for e in again)


@pytest.mark.parametrize("change", ["day", "facts", "risk_float", "file"])
def test_another_day_facts_setting_or_file_is_scheduled_afresh(large_plan, own_cache, change):
    from datetime import date

    from roadmap_tracker.model import Facts

    _schedule_once(large_plan)
    if change == "file":
        large_plan.write_text(large_plan.read_text().replace("duration: 5d", "duration: 6d", 1))
    changed = {"day": {"day": "2024-02-02"}, "facts": {"facts": {"m3": Facts("in_progress", 40, date(2024, 1, 20))}},
               "risk_float": {"risk_float": 14}, "file": {}}[change]
    _, computed = _schedule_once(large_plan, **changed)
    assert computed


def test_a_small_plan_is_scheduled_afresh_and_never_written(roadmap_file, own_cache):
    load_roadmap(roadmap_file, cache=True)
    before = _entries(own_cache)
    _, computed = _schedule_once(roadmap_file)
    _, computed_again = _schedule_once(roadmap_file)
    assert computed and computed_again and _entries(own_cache) == before


def test_a_schedule_entry_naming_a_class_outside_the_schedule_is_refused(large_plan, own_cache, tmp_path,
                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    _schedule_once(large_plan)
    entry = max(_entries(own_cache), key=lambda p: p.stat().st_size)  # the schedule is the larger one
    data = entry.read_bytes()
    head = len(cache.MAGIC)
    (size,) = struct.unpack(">I", data[head:head + 4])
    entry.write_bytes(data[: head + 4 + size] + pickle.dumps(_Planted()))
    _, computed = _schedule_once(large_plan)
    assert computed and not (tmp_path / "planted-code-ran").exists()


def test_cli_views_of_a_large_plan_are_the_same_from_the_schedule_cache(cli, large_plan, own_cache):
    args = ("--file", str(large_plan), "schedule", "--format", "json", "--as-of", "2024-02-01")
    fresh = cli("--no-cache", *args).stdout
    first = cli(*args).stdout
    cache.reap(wait=True)
    again = cli(*args).stdout
    assert fresh == first == again


def test_a_command_writes_its_new_entry_once_it_is_done(cli, roadmap_file, own_cache):
    """By a child process started when the command ends (not left for the process's exit)."""
    import time

    assert cli("--file", str(roadmap_file), "status", *AS_OF).exit_code == 0
    deadline = time.monotonic() + 20
    while not list(own_cache.glob("*.pickle")) and time.monotonic() < deadline:
        cache.reap()  # collects finished writers only: nothing is written by this test itself
        time.sleep(0.05)
    assert len(list(own_cache.glob("*.pickle"))) == 1


def _run_program(roadmap_file: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """`roadmap ARGS` as the console script runs it, with an exit handler that leaves a mark."""
    mark = tmp_path / "exit-handler-ran"
    probe = ("import atexit, pathlib, sys\n"
             f"atexit.register(pathlib.Path({str(mark)!r}).write_text, 'ran')\n"
             "from roadmap_tracker.cli import run\n"
             f"sys.argv = ['roadmap', '--file', {str(roadmap_file)!r}, *{list(args)!r}]\n"
             "run()\n")
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env={**os.environ})


def test_a_first_run_ends_with_all_its_output_its_exit_handlers_and_its_entry(roadmap_file, own_cache, tmp_path):
    """The program ends without the interpreter's teardown once a cache writer is forked: nothing
    of the output, the exit handlers or the entry may be lost by that."""
    import time

    first = _run_program(roadmap_file, tmp_path, "status", *AS_OF)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "exit-handler-ran").read_text() == "ran"
    deadline = time.monotonic() + 20
    while not list(own_cache.glob("*.pickle")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(list(own_cache.glob("*.pickle"))) == 1
    again = _run_program(roadmap_file, tmp_path, "status", *AS_OF)  # from the entry: the usual end
    assert (again.returncode, again.stdout) == (0, first.stdout)


def test_a_first_run_that_fails_after_loading_keeps_its_exit_code_and_message(roadmap_file, tmp_path):
    result = _run_program(roadmap_file, tmp_path, "show", "no-such-step")
    assert result.returncode == 2
    assert "no-such-step" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "exit-handler-ran").read_text() == "ran"
