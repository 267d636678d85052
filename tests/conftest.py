"""Shared test helpers: a small valid wave built from the codebook, written in any raw format.

Also the guard that the test run leaves the checkout alone (see `pytest_sessionstart` below): every
file under the repository root, git-ignored ones included (a user's results/ and reports/), must be
byte for byte the same after the run as before it, or `python -m pytest` fails naming them.
"""

from __future__ import annotations

import os
import sys

# No bytecode caches in the checkout, from this process (test modules are imported after this) or
# from any subprocess (Snakemake, benchmarks/run.py, ...): they inherit the environment.
sys.dont_write_bytecode = True
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"

import atexit
import csv
import hashlib
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from vive_survey.inputs.codebook import load_codebook
from vive_survey.inputs.config import validate_config

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK_PATH = ROOT / "data" / "codebook.yaml"
LIKERT = {1: "Stort set aldrig", 2: "Sjældent", 3: "Nogle gange", 4: "Altid"}

# Hypothesis keeps its example database and a cache of constants in .hypothesis/ of the working
# directory (the checkout): give it a temporary home instead, and no example database.
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="vive-survey-hypothesis-")
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, ignore_errors=True)
os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = _HYPOTHESIS_HOME
try:
    from hypothesis import settings as _hypothesis_settings
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(_HYPOTHESIS_HOME)
    _hypothesis_settings.register_profile("vive-survey", database=None)
    _hypothesis_settings.load_profile("vive-survey")
except ImportError:
    pass


# ----------------------------------------------------------- the test run leaves the checkout alone

_CHECKOUT_BEFORE = pytest.StashKey[dict]()


def checkout_listing(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (git-ignored ones included): its path relative to `root`
    -> the SHA-256 of a file, the target of a symbolic link, or "<dir>". Left out: .git/, Python's
    bytecode caches (__pycache__/, written by any import, pytest's own included, before a hook of
    ours can run) and virtual environments (a folder with a pyvenv.cfg: the user's tools, whose
    packages write their bytecode when imported)."""
    listing: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        if here == root and ".git" in dirs:
            dirs.remove(".git")
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not (here / d / "pyvenv.cfg").is_file())
        for name in dirs:                       # a symbolic link to a folder is listed, not followed
            path = here / name
            rel = path.relative_to(root).as_posix()
            listing[rel] = f"<link {os.readlink(path)}>" if path.is_symlink() else "<dir>"
        for name in sorted(files):
            path = here / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                listing[rel] = f"<link {os.readlink(path)}>"
                continue
            try:
                with open(path, "rb") as handle:
                    listing[rel] = hashlib.file_digest(handle, "sha256").hexdigest()
            except OSError as error:            # unreadable, or gone while listing: still listed
                listing[rel] = f"<unreadable {error.errno}>"
    return listing


def checkout_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """One line per path created, changed or deleted between two listings."""
    lines = [f"created: {p}" for p in sorted(after.keys() - before.keys())]
    lines += [f"changed: {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    lines += [f"deleted: {p}" for p in sorted(before.keys() - after.keys())]
    return lines


def pytest_sessionstart(session):
    if hasattr(session.config, "workerinput"):      # a pytest-xdist worker: the controller checks
        return
    session.config.stash[_CHECKOUT_BEFORE] = checkout_listing(ROOT)


def pytest_sessionfinish(session, exitstatus):
    before = session.config.stash.get(_CHECKOUT_BEFORE, None)
    if before is None:
        return
    changes = checkout_changes(before, checkout_listing(ROOT))
    if not changes:
        return
    message = [f"FAILED: the test run changed the checkout {ROOT} ({len(changes)} path(s)); tests must work "
               "in temporary folders:", *(f"  {line}" for line in changes[:200])]
    if len(changes) > 200:
        message.append(f"  ... and {len(changes) - 200} more")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", "checkout changed by the tests", red=True, bold=True)
        for line in message:
            reporter.write_line(line, red=True)
    else:
        sys.stderr.write("\n".join(message) + "\n")
    if session.exitstatus == pytest.ExitCode.OK or session.exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def codebook():
    return load_codebook(CODEBOOK_PATH)


@pytest.fixture(scope="session")
def published_audit():
    """The published tables, their metadata, the bundled codebook and the audit's findings on them:
    computed once for the test modules of the audit (the audit takes seconds)."""
    from vive_survey.review import audit
    from vive_survey.review.published import load_metadata, load_published

    tables = ROOT / "data" / "published" / "tables"
    published, metadata, codebook = load_published(tables), load_metadata(tables), load_codebook(CODEBOOK_PATH)
    relations = audit.load_relations(ROOT / "data" / "published" / "relations.yaml")
    return published, metadata, codebook, audit.audit(published, metadata, codebook, relations)


@pytest.fixture()
def config(tmp_path):
    return make_config(tmp_path)


# What a user's checkout runs the pipeline from; tests that run it copy these (never run in ROOT).
PROJECT_FILES = ("Snakefile", "config.yaml")
PROJECT_DIRS = ("profiles", "workflow", "data", "tables")


def copy_project(dest: Path, *, with_src: bool = False) -> Path:
    """A copy of the project to run Snakemake in; with `with_src`, the package's source too (put
    dest/src first on PYTHONPATH to run it)."""
    for name in PROJECT_FILES:
        shutil.copy(ROOT / name, dest / name)
    for name in PROJECT_DIRS + (("src",) if with_src else ()):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def make_config(directory: Path, **overrides) -> dict:
    raw = {
        "wave": "test",
        "inputs": {q: str(directory / f"{q}.csv") for q in ("studerende", "fagprofessionelle", "frivillige")},
        "codebook": str(CODEBOOK_PATH),
        **overrides,
    }
    return validate_config(raw)


def valid_rows(codebook, questionnaire: str, n: int = 4) -> list[dict]:
    """n respondents with a valid answer to every item of the questionnaire (Likert as codes)."""
    rows = []
    for r in range(n):
        row = {}
        for item in codebook.items_for(questionnaire):
            scale = codebook.scale_of(item)
            if item.id == "respondent_id":
                row[item.id] = f"{questionnaire[0]}{r + 1}"
            elif item.id == "birth_year":
                row[item.id] = str(1960 + 5 * r)
            elif item.id == "experience_years":
                row[item.id] = str(2 + 3 * r)
            elif item.id == "collab_experience":
                row[item.id] = "Ja"
            elif scale.kind == "text":
                row[item.id] = {"job_title": "Socialpædagog", "volunteer_role": "Mentor"}.get(item.id, "Sted")
            elif scale.is_categorical:
                codes = sorted(scale.codes)
                row[item.id] = str(codes[r % len(codes)])
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[dict], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_wave(directory: Path, codebook, n: int = 4, **per_questionnaire_rows) -> dict[str, Path]:
    """Write a valid three-file wave as CSV; rows for a questionnaire can be passed in to replace it."""
    paths = {}
    for q in ("studerende", "fagprofessionelle", "frivillige"):
        rows = per_questionnaire_rows.get(q) or valid_rows(codebook, q, n)
        paths[q] = write_csv(directory / f"{q}.csv", rows)
    return paths


def frame_of(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def bundled_and_synthetic_cells(tmp: Path, n: int, seed: int) -> tuple:
    """Two waves to compare: the bundled wave and a synthetic one of n respondents, cleaned and
    tabulated as Snakemake does, under `tmp`; returns (base cells, wave cells, specs, codebook)."""
    from vive_survey import steps
    from vive_survey.analysis.cells import read_cells
    from vive_survey.analysis.spec import load_specs
    from vive_survey.inputs.config import load_config
    from vive_survey.synthetic import write_synthetic_wave

    config = load_config(ROOT / "config.yaml")
    codebook_path = ROOT / config["codebook"]
    codebook = load_codebook(codebook_path)
    bundled = {q: {"path": str(ROOT / "data" / "reconstructed" / f"{q}.csv")}
               for q in ("studerende", "fagprofessionelle", "frivillige")}
    synthetic = {q: {"path": str(p)} for q, p in write_synthetic_wave(tmp / "raw", n, codebook, seed=seed).items()}
    cells = []
    for name, inputs in (("base", bundled), ("wave", synthetic)):
        steps.clean(inputs, codebook_path, config, data_out=tmp / f"{name}.parquet",
                    exclusions_out=tmp / f"{name}-excl.csv", log_out=tmp / f"{name}-log.json")
        steps.compute_tables(tmp / f"{name}.parquet", codebook_path, ROOT / "tables", config,
                             cells_out=tmp / f"{name}-cells.csv", models_out=tmp / f"{name}-models.csv")
        cells.append(read_cells(tmp / f"{name}-cells.csv"))
    return cells[0], cells[1], load_specs(ROOT / "tables", codebook), codebook
