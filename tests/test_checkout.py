"""The guard of tests/conftest.py: a test run that creates, changes or deletes a file of the checkout
(git-ignored outputs included) fails, naming the files. Tested on a tiny project made of this
repository's own conftest.py and pyproject.toml, run with `python -m pytest` as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, checkout_changes, checkout_listing

TOUCHES = '''
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_touches_the_checkout():
    (ROOT / "results" / "new.txt").write_text("created", encoding="utf-8")
    (ROOT / "edit.txt").write_text("changed", encoding="utf-8")
    (ROOT / "gone.txt").unlink()
    (ROOT / "reports" / "wave" / "index.html").unlink()
'''

LEAVES_ALONE = '''
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_reads_the_checkout_and_writes_elsewhere(tmp_path):
    (tmp_path / "copy.txt").write_text((ROOT / "edit.txt").read_text(encoding="utf-8"), encoding="utf-8")
'''


@pytest.fixture()
def tiny_project(tmp_path) -> Path:
    """A project with this repository's test configuration, some sources and some outputs."""
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copy(ROOT / "tests" / "conftest.py", project / "tests" / "conftest.py")
    (project / "edit.txt").write_text("original", encoding="utf-8")
    (project / "gone.txt").write_text("here", encoding="utf-8")
    (project / "results").mkdir()
    (project / "reports" / "wave").mkdir(parents=True)
    (project / "reports" / "wave" / "index.html").write_text("<html></html>", encoding="utf-8")
    return project


def run_pytest(project: Path) -> subprocess.CompletedProcess:
    # As a user runs it: without the PYTHONDONTWRITEBYTECODE this session's conftest set.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.run([sys.executable, "-m", "pytest"], cwd=project, env=env, capture_output=True, text=True,
                          timeout=300)


def test_a_run_that_touches_the_checkout_fails_naming_what_it_created_changed_and_deleted(tiny_project):
    (tiny_project / "tests" / "test_touch.py").write_text(TOUCHES, encoding="utf-8")
    done = run_pytest(tiny_project)
    output = done.stdout + done.stderr
    assert "1 passed" in output, output          # the test itself passes: the guard fails the run
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, output
    for line in ("created: results/new.txt", "changed: edit.txt", "deleted: gone.txt",
                 "deleted: reports/wave/index.html"):
        assert line in output, output


def test_a_run_that_leaves_the_checkout_alone_passes_and_writes_no_cache(tiny_project):
    (tiny_project / "tests" / "test_alone.py").write_text(LEAVES_ALONE, encoding="utf-8")
    before = checkout_listing(tiny_project)
    done = run_pytest(tiny_project)
    output = done.stdout + done.stderr
    assert done.returncode == pytest.ExitCode.OK, output
    assert "checkout changed" not in output
    after = checkout_listing(tiny_project)
    # Only pytest's bytecode of conftest.py, written before the session (and the guard) starts.
    assert all(line.startswith("created: tests/__pycache__") for line in checkout_changes(before, after)), \
        checkout_changes(before, after)
    assert not (tiny_project / ".pytest_cache").exists() and not (tiny_project / ".hypothesis").exists()


def test_listing_sees_ignored_outputs_folders_and_links_but_not_git(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "index").write_bytes(b"x")
    (tmp_path / "results" / "wave").mkdir(parents=True)
    (tmp_path / "results" / "wave" / "data.parquet").write_bytes(b"rows")
    (tmp_path / "link").symlink_to("results")
    listing = checkout_listing(tmp_path)
    assert set(listing) == {"results", "results/wave", "results/wave/data.parquet", "link"}
    assert listing["results"] == "<dir>" and listing["link"] == "<link results>"
    (tmp_path / "results" / "wave" / "data.parquet").write_bytes(b"other rows")
    (tmp_path / "results" / "empty").mkdir()
    assert checkout_changes(listing, checkout_listing(tmp_path)) == ["created: results/empty",
                                                                     "changed: results/wave/data.parquet"]
