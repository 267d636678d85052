"""Recovery after an interrupted run (vive_survey.recovery, workflow/rules/recovery.smk and the
default workflow profile profiles/default/config.yaml): a run killed mid-way is followed by a plain
`snakemake --cores 2` that needs no --unlock and no --rerun-incomplete, and leaves no .tmp file."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_project
from vive_survey import recovery



# ----------------------------------------------------------------------------------- helpers

def make_locks(workdir: Path, n: int = 0) -> list[Path]:
    locks = workdir / ".snakemake" / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    paths = [locks / f"{n}.input.lock", locks / f"{n}.output.lock"]
    for path in paths:
        path.write_text("results/x\n", encoding="utf-8")
    return paths


def make_tmp_files(workdir: Path) -> list[Path]:
    paths = [workdir / "results" / "w" / "clean" / ".respondents.parquet.abc12345.tmp",
             workdir / "reports" / "w" / "figures" / ".fig.png.xyz98765.tmp"]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    return paths


def dead_identity() -> dict:
    """The identity of a process that ran and is gone (reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        identity = recovery.process_identity(child.pid)
    finally:
        child.kill()
        child.wait()
    assert identity["start"] is not None
    return identity


def recover(workdir: Path, **kwargs) -> tuple[recovery.Recovery, str]:
    out = io.StringIO()
    return recovery.recover(workdir, out=out, **kwargs), out.getvalue()


# -------------------------------------------------------------------------------- unit tests

def test_locks_of_a_dead_owner_are_removed_with_the_leftover_tmp_files(tmp_path):
    locks = make_locks(tmp_path)
    record = recovery.record_owner(tmp_path, locks, identity=dead_identity())
    tmp_files = make_tmp_files(tmp_path)
    kept = tmp_path / "results" / "w" / "clean" / "respondents.parquet"      # an output, not a tmp file
    kept.write_bytes(b"rows")
    result, said = recover(tmp_path)
    assert not any(p.exists() for p in locks) and not record.exists()
    assert not any(p.exists() for p in tmp_files) and kept.is_file()
    assert said.count("\n") == 2 and "removed the locks" in said and "removed 2 temporary file(s)" in said
    assert result.stale_locks == locks and result.tmp_files == sorted(tmp_files)


def test_a_reused_process_id_is_not_taken_for_the_owner(tmp_path):
    locks = make_locks(tmp_path)
    identity = recovery.process_identity()                   # this very process, but another start time
    recovery.record_owner(tmp_path, locks, identity={**identity, "start": str(int(identity["start"]) + 1)})
    recover(tmp_path)
    assert not any(p.exists() for p in locks)


def test_a_killed_owner_not_yet_reaped_counts_as_gone(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        identity = recovery.process_identity(child.pid)
        assert recovery.is_running(identity)
        child.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 10
        while recovery.is_running(identity) and time.monotonic() < deadline:     # a zombie until waited for
            time.sleep(0.02)
        assert not recovery.is_running(identity)
    finally:
        child.kill()
        child.wait()


def test_locks_of_a_live_owner_are_kept_and_so_are_tmp_files(tmp_path):
    locks = make_locks(tmp_path)
    record = recovery.record_owner(tmp_path, locks)          # this process: running
    tmp_files = make_tmp_files(tmp_path)
    result, said = recover(tmp_path)
    assert all(p.exists() for p in locks) and record.exists()
    assert all(p.exists() for p in tmp_files)                # they may be the live run's
    assert said == "" and result.kept_locks == locks


def test_locks_without_an_owner_record_are_kept_and_so_are_tmp_files(tmp_path):
    locks = make_locks(tmp_path)
    tmp_files = make_tmp_files(tmp_path)
    result, said = recover(tmp_path)
    assert all(p.exists() for p in locks) and all(p.exists() for p in tmp_files)
    assert said == "" and result.kept_locks == locks


def test_only_the_dead_runs_locks_go_when_a_live_run_holds_others(tmp_path):
    dead = make_locks(tmp_path, 0)
    live = make_locks(tmp_path, 1)
    recovery.record_owner(tmp_path, dead, identity=dead_identity())
    recovery.record_owner(tmp_path, live)
    tmp_files = make_tmp_files(tmp_path)
    recover(tmp_path)
    assert not any(p.exists() for p in dead) and all(p.exists() for p in live)
    assert all(p.exists() for p in tmp_files)


def test_a_dry_run_changes_nothing_and_says_what_a_run_would_remove(tmp_path):
    locks = make_locks(tmp_path)
    record = recovery.record_owner(tmp_path, locks, identity=dead_identity())
    tmp_files = make_tmp_files(tmp_path)
    result, said = recover(tmp_path, dry_run=True)
    assert all(p.exists() for p in [*locks, record, *tmp_files])
    assert "next real run removes them" in said and said.count("\n") == 2
    assert result.stale_locks == locks and len(result.tmp_files) == 2


def test_without_locks_only_tmp_files_older_than_the_call_are_removed(tmp_path):
    old, = make_tmp_files(tmp_path)[:1]
    fresh = tmp_path / "reports" / "w" / ".index.html.new12345.tmp"    # written by a run that just started
    fresh.parent.mkdir(parents=True, exist_ok=True)
    fresh.write_bytes(b"x")
    os.utime(fresh, (time.time() + 60, time.time() + 60))
    outside = tmp_path / "data" / ".notes.tmp"
    outside.parent.mkdir()
    outside.write_bytes(b"x")
    recover(tmp_path)
    assert not old.exists() and fresh.exists() and outside.exists()


def test_owner_record_names_pid_start_time_and_the_lock_files(tmp_path):
    locks = make_locks(tmp_path)
    record = json.loads(recovery.record_owner(tmp_path, [*map(str, locks), "/elsewhere/not-a-lock"])
                        .read_text(encoding="utf-8"))
    assert record["pid"] == os.getpid() and record["locks"] == ["0.input.lock", "0.output.lock"]
    stat = Path(f"/proc/{os.getpid()}/stat").read_text()
    assert record["start"] == stat[stat.rfind(")") + 1:].split()[19]
    assert recovery.record_owner(tmp_path, []) is None                   # --nolock: nothing to own


# ----------------------------------------------------------------------- the pipeline, killed

@pytest.fixture()
def project(tmp_path) -> tuple[Path, dict]:
    """A copy of the project, and the environment that makes `import vive_survey` resolve to it."""
    copy_project(tmp_path, with_src=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path / "src"),
                                                                     os.environ.get("PYTHONPATH")]))}
    return tmp_path, env


def snakemake(workdir: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.workflow
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_plain_rerun_after_a_run_killed_mid_way_finishes_and_leaves_no_tmp_file(project, signum):
    workdir, env = project
    wave = "reconstructed-2021"
    assert f"wave: {wave}" in (workdir / "config.yaml").read_text(encoding="utf-8")
    started = workdir / f"results/{wave}/clean/respondents.parquet"     # clean done: tables is running
    with open(workdir / "first.log", "wb") as log:
        first = subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=workdir, env=env,
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 300
            while not started.exists() and first.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            assert first.poll() is None, "the first run ended before it could be interrupted:\n" + \
                (workdir / "first.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            os.killpg(first.pid, signum)                         # the whole process group: Snakemake and its jobs
            first.wait(timeout=120)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
                first.wait()
    if signum == signal.SIGKILL:
        assert recovery.lock_files(workdir), "a killed run leaves its locks (else this test tests nothing)"
    stale = workdir / f"reports/{wave}/.index.html.killed01.tmp"       # as an interrupted step leaves it
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"half a page")

    dry = snakemake(workdir, env, "-n")                                  # a dry run changes nothing
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert stale.exists()

    rerun = snakemake(workdir, env)
    output = rerun.stdout + rerun.stderr
    assert rerun.returncode == 0, output[-5000:]
    for word in ("--unlock", "LockException", "Traceback", "IncompleteFilesException"):
        assert word not in output, output[-5000:]
    if signum == signal.SIGKILL:
        assert "removed the locks left by an interrupted Snakemake run" in output
    assert re.search(r"removed \d+ temporary file\(s\) left by interrupted steps \(.*\.index\.html\.killed01\.tmp",
                     output), output[-5000:]
    leftovers = [p for top in ("results", "reports") for p in (workdir / top).rglob("*.tmp")]
    assert not leftovers
    assert not recovery.lock_files(workdir)
    for path in (started, workdir / f"reports/{wave}/tables/cells.csv", workdir / f"reports/{wave}/diff/cells.csv",
                 workdir / f"reports/{wave}/index.html", workdir / f"reports/{wave}/tables.xlsx"):
        assert path.is_file(), path
    again = snakemake(workdir, env, "-n")
    assert "Nothing to be done" in again.stdout + again.stderr
