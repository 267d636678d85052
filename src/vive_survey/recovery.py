"""Recovery after an interrupted run: stale Snakemake locks and the temporary files of killed steps.

A run killed hard (SIGKILL, out-of-memory killer, a machine that went down) leaves behind

- its locks in `.snakemake/locks/`, so that the next run stops with "Directory cannot be locked"
  until someone runs `snakemake --unlock`;
- the temporary files `.<name>.<random>.tmp` that `vive_survey.steps.atomic_path` writes beside
  each output before renaming it into place;
- outputs Snakemake marked incomplete: those are rerun by `rerun-incomplete: true` in the default
  workflow profile (`profiles/default/config.yaml`), not here.

How the owner of a lock is known. Snakemake writes no process id into its locks, so the workflow
records one: `record_owner`, called from the `onstart:` handler (workflow/rules/recovery.smk), which
Snakemake runs after it has taken its locks and before the first job, writes
`.snakemake/locks/owner-<pid>.json` with the process id, its start time (field 22 of
/proc/<pid>/stat, so that a reused process id is not taken for the owner), the boot id, and the
names of the lock files that run took. The record lives in the lock directory, so Snakemake's own
unlock at the end of a run (which deletes that directory) removes it with the locks.

`recover`, called when the Snakefile is parsed (before Snakemake checks its locks), then

- removes the lock files of every owner record whose process is no longer running, and the record
  (what `snakemake --unlock` does), printing one line;
- leaves alone a lock whose owner is still running (a concurrent run) and a lock no owner record
  names (taken by a run that has not reached `onstart` yet, or by a Snakemake without this
  workflow): Snakemake then refuses as it always did;
- when no lock is left (no run owns the directory), removes the `.*.tmp` files under results/ and
  reports/ that are older than the call (a run that starts meanwhile cannot lose a fresh one).

Dry runs (`-n`) take no lock and run no `onstart`, so they record no owner; `recover` in a dry run
changes nothing and only says what the next real run will remove. A run with `--nolock` is not
seen by any of this (it takes no lock and records no owner), and one with `--no-hooks` runs no
`onstart`, so its locks have no owner record and are left alone if it is killed.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, TextIO

LOCK_DIR = Path(".snakemake") / "locks"
LOCK_FILE = re.compile(r"^\d+\.(input|output)\.lock$")
OWNER_PREFIX = "owner-"
OUTPUT_DIRS = ("results", "reports")
PROC = Path("/proc")


# ----------------------------------------------------------------------------------- processes

def _stat_fields(pid: int) -> list[str] | None:
    """Fields 3.. of /proc/<pid>/stat (state first), or None if there is no such process."""
    try:
        text = (PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # Field 2 is the command name in parentheses and may itself hold spaces or parentheses.
    return text[text.rfind(")") + 1:].split()


def _boot_id() -> str | None:
    try:
        return (PROC / "sys" / "kernel" / "random" / "boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return None


def process_identity(pid: int | None = None) -> dict:
    """The process id, its start time (clock ticks after boot, from /proc) and the boot id."""
    pid = os.getpid() if pid is None else pid
    fields = _stat_fields(pid)
    return {"pid": pid, "start": fields[19] if fields and len(fields) > 19 else None, "boot": _boot_id()}


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:          # someone else's process: it exists
        return True
    except OSError:
        return True                  # cannot tell: assume it runs
    return True


def is_running(identity: dict) -> bool:
    """Whether the process an owner record names is still the same process and still running.

    Without /proc (not Linux) the start time cannot be checked: a process with that id counts as
    running, so a lock is never broken on a guess."""
    pid = identity.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return True                  # not a record this module wrote: never break it
    if not (PROC / "self" / "stat").exists() or identity.get("start") is None:
        return _pid_exists(pid)
    fields = _stat_fields(pid)
    if fields is None:
        return False                 # no such process
    if fields[0] in ("Z", "X", "x"):
        return False                 # killed, not yet reaped by its parent
    if len(fields) <= 19 or fields[19] != str(identity["start"]):
        return False                 # the id was reused by another process
    boot = _boot_id()
    if identity.get("boot") and boot and identity["boot"] != boot:
        return False                 # recorded before a reboot
    return True


# ------------------------------------------------------------------------------ owner records

def lock_files(workdir: Path) -> list[Path]:
    """Snakemake's lock files in `workdir` (`.snakemake/locks/<n>.input.lock`, `<n>.output.lock`)."""
    locks = workdir / LOCK_DIR
    try:
        return sorted(p for p in locks.iterdir() if LOCK_FILE.match(p.name) and p.is_file())
    except OSError:
        return []


def owner_records(workdir: Path) -> dict[Path, dict | None]:
    """Every owner record in the lock directory, None for one that cannot be read."""
    records: dict[Path, dict | None] = {}
    try:
        paths = sorted((workdir / LOCK_DIR).glob(f"{OWNER_PREFIX}*.json"))
    except OSError:
        return records
    for path in paths:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("locks"), list):
            record = None
        records[path] = record
    return records


def locks_of(workflow) -> list[str]:
    """The lock files the running Snakemake `workflow` took (empty if it took none)."""
    settings = getattr(workflow, "execution_settings", None)
    if settings is not None and not getattr(settings, "lock", True):
        return []                                       # --nolock
    taken = getattr(getattr(workflow, "persistence", None), "_lockfile", None)
    if isinstance(taken, dict):
        return [str(p) for p in taken.values()]
    return []


def record_owner(workdir: Path, locks: Iterable[str | Path], identity: dict | None = None) -> Path | None:
    """Write the owner record of the lock files `locks` (the current process unless `identity`)."""
    names = sorted({Path(p).name for p in locks if LOCK_FILE.match(Path(p).name)})
    if not names:
        return None
    identity = process_identity() if identity is None else identity
    target = workdir / LOCK_DIR / f"{OWNER_PREFIX}{identity['pid']}.json"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        tmp.write_text(json.dumps({**identity, "locks": names}, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, target)
    except OSError as error:          # the run goes on; only its locks will need --unlock if it is killed
        sys.stderr.write(f"vive-survey: could not record the owner of the Snakemake locks: {error}\n")
        return None
    return target


# ----------------------------------------------------------------------------------- recovery

@dataclass
class Recovery:
    """What `recover` found, and removed unless it was a dry run."""

    stale_owners: list[int] = field(default_factory=list)
    stale_locks: list[Path] = field(default_factory=list)
    kept_locks: list[Path] = field(default_factory=list)
    tmp_files: list[Path] = field(default_factory=list)
    dry_run: bool = False


def leftover_tmp_files(workdir: Path, older_than: float | None = None) -> list[Path]:
    """`.*.tmp` files under results/ and reports/ (modified before `older_than`, if given)."""
    found = []
    for top in OUTPUT_DIRS:
        for folder, _dirs, files in os.walk(workdir / top):
            for name in files:
                if not (name.startswith(".") and name.endswith(".tmp")):
                    continue
                path = Path(folder) / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                if older_than is None or info.st_mtime < older_than:
                    found.append(path)
    return sorted(found)


def recover(workdir: str | Path = ".", *, dry_run: bool = False, out: TextIO | None = None) -> Recovery:
    """Remove the locks of runs that are no longer running, then, if no run owns `workdir`, the
    temporary files interrupted steps left under results/ and reports/. One line per kind of thing
    removed on `out` (stderr). A dry run removes nothing and says what a real run would remove."""
    workdir = Path(workdir)
    out = sys.stderr if out is None else out
    started = time.time()
    result = Recovery(dry_run=dry_run)

    records = owner_records(workdir)
    live = {path: r for path, r in records.items() if r is not None and is_running(r)}
    dead = {path: r for path, r in records.items() if r is not None and path not in live}
    claimed_by_live = {name for r in live.values() for name in r["locks"]}
    existing = {p.name: p for p in lock_files(workdir)}
    for record in dead.values():
        for name in record["locks"]:
            if name in existing and name not in claimed_by_live and existing[name] not in result.stale_locks:
                result.stale_locks.append(existing[name])
                if record["pid"] not in result.stale_owners:
                    result.stale_owners.append(record["pid"])
    result.kept_locks = [p for p in existing.values() if p not in result.stale_locks]

    pids = ", ".join(str(pid) for pid in sorted(result.stale_owners))
    if dry_run:
        if result.stale_locks:
            out.write(f"vive-survey: an interrupted Snakemake run (pid {pids}, no longer running) left its locks; "
                      "the next real run removes them by itself\n")
    else:
        for path in [*result.stale_locks, *dead]:
            try:
                path.unlink()
            except OSError:              # gone already, or not ours to remove
                pass
        if result.stale_locks:
            out.write(f"vive-survey: removed the locks left by an interrupted Snakemake run (pid {pids}, no longer "
                      "running)\n")

    if not result.kept_locks:                   # no run owns the directory
        result.tmp_files = leftover_tmp_files(workdir, older_than=started)
        if result.tmp_files:
            shown = ", ".join(p.relative_to(workdir).as_posix() for p in result.tmp_files[:3])
            more = f" and {len(result.tmp_files) - 3} more" if len(result.tmp_files) > 3 else ""
            if dry_run:
                out.write(f"vive-survey: {len(result.tmp_files)} temporary file(s) of interrupted steps "
                          f"({shown}{more}); the next real run removes them\n")
            else:
                for path in result.tmp_files:
                    try:
                        path.unlink()
                    except OSError:              # gone already, or not ours to remove
                        pass
                out.write(f"vive-survey: removed {len(result.tmp_files)} temporary file(s) left by "
                          f"interrupted steps ({shown}{more})\n")
    return result
