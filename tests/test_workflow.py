"""The Snakemake workflow, run as a user runs it, in a copy of the repository."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.workflow


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=workdir,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture()
def project(tmp_path) -> Path:
    for name in ("Snakefile", "config.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "workflow", tmp_path / "workflow")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "tables", tmp_path / "tables")
    return tmp_path


def scheduled_rules(output: str) -> set[str]:
    """Rule names from the 'Job stats' table of a dry run."""
    stats = output.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1) for m in re.finditer(r"^(\w+)\s+\d+\s*$", stats, re.M)}


def downstream_of(workdir: Path, rule: str) -> set[str]:
    """The rule and every rule that depends on it, read from `snakemake --rulegraph`."""
    dot = snakemake(workdir, "--rulegraph").stdout
    names = dict(re.findall(r'^\s*(\d+)\[label = "(\w+)"', dot, re.M))
    edges = [(names[a], names[b]) for a, b in re.findall(r"^\s*(\d+) -> (\d+)", dot, re.M)]
    found, frontier = {rule}, [rule]
    while frontier:
        current = frontier.pop()
        for source, target in edges:
            if source == current and target not in found:
                found.add(target)
                frontier.append(target)
    return found


def test_pipeline_runs_on_the_bundled_wave_and_reruns_only_what_the_codebook_feeds(project):
    first = snakemake(project)
    assert first.returncode == 0, first.stderr
    wave = re.search(r"^wave: (\S+)", (project / "config.yaml").read_text(), re.M).group(1)
    assert (project / f"results/{wave}/clean/respondents.parquet").is_file()
    assert (project / f"reports/{wave}/cleaning_log.json").is_file()
    cells = project / f"reports/{wave}/tables/cells.csv"
    published_outputs = [cells, project / f"reports/{wave}/diff/cells.csv", project / f"reports/{wave}/index.html",
                         project / f"reports/{wave}/tables.xlsx", project / f"reports/{wave}/manifest.json"]
    first_bytes = [p.read_bytes() for p in published_outputs]

    nothing = snakemake(project, "-n")
    assert "Nothing to be done" in nothing.stdout + nothing.stderr

    spec = project / "tables/4.4.yaml"
    original_spec = spec.read_bytes()
    spec.write_text(spec.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    dry = snakemake(project, "-n")
    assert "clean" not in scheduled_rules(dry.stdout + dry.stderr)
    assert "tables" in scheduled_rules(dry.stdout + dry.stderr)
    spec.write_bytes(original_spec)

    again = snakemake(project, "--forceall")
    assert again.returncode == 0, again.stderr
    assert [p.read_bytes() for p in published_outputs] == first_bytes, \
        "a rerun on the same inputs must give identical tables, diff and reports"

    codebook = project / "data/codebook.yaml"
    codebook.write_text(codebook.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    dry = snakemake(project, "-n")
    rerun = scheduled_rules(dry.stdout + dry.stderr)
    assert "clean" in rerun
    # the audit of the published tables reads the codebook's reverse coding too
    assert rerun <= downstream_of(project, "clean") | downstream_of(project, "audit")


def test_bad_config_stops_with_a_message_and_no_traceback(project):
    (project / "bad.yaml").write_text('wave: "../escape"\ncleaning: {invalid_values: maybe}\n', encoding="utf-8")
    result = snakemake(project, "-n", "--configfile", "bad.yaml")
    assert result.returncode != 0
    assert "wave: '../escape' is not a valid wave id" in result.stderr
    assert "cleaning.invalid_values: 'maybe' is not one of ['error', 'missing']" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_data_stops_with_file_row_column_value_and_leaves_no_outputs(project):
    path = project / "data/reconstructed/fagprofessionelle.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(";")
    cells = lines[5].split(";")
    cells[header.index("int_glad")] = "7"
    lines[5] = ";".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = snakemake(project)
    assert result.returncode != 0
    assert (f"data/reconstructed/fagprofessionelle.csv, row 6 (respondent_id={cells[0]}), column 'int_glad': "
            "value '7': not an answer on scale 'likert4'") in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not list((project / "results").glob("*/clean/*.parquet"))
    assert not list((project / "reports").glob("*/cleaning_log.json"))


def test_a_run_that_fails_midway_leaves_no_output_a_later_run_would_trust(project):
    qualitative = project / "data/published/qualitative.yaml"
    good = qualitative.read_bytes()
    qualitative.write_text("tables: [unclosed\n", encoding="utf-8")      # the report step will fail
    failed = snakemake(project)
    assert failed.returncode != 0
    assert "Traceback" not in failed.stderr + failed.stdout
    reports = next((project / "reports").iterdir())
    assert (reports / "tables/cells.csv").is_file()                      # earlier steps finished
    assert not (reports / "index.html").exists() and not (reports / "tables.xlsx").exists()
    assert not list(project.glob("reports/**/*.tmp")) and not list(project.glob("reports/**/.*.tmp"))

    qualitative.write_bytes(good)
    dry = snakemake(project, "-n")
    # Only what failed reruns, and the diff if the failure stopped the run before the diff started
    # (it waits for the audit, which may still be running when the tables are done).
    rerun = scheduled_rules(dry.stdout + dry.stderr)
    assert {"report", "all"} <= rerun <= {"report", "diff", "all"}
    assert snakemake(project).returncode == 0
    assert (reports / "index.html").is_file()
