"""The Snakemake workflow, run as a user runs it, in a copy of the repository."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, copy_project

pytestmark = pytest.mark.workflow


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=workdir,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture()
def project(tmp_path) -> Path:
    return copy_project(tmp_path)


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


def write_wave_config(project: Path, name: str, text: str) -> Path:
    """A wave config as an analyst writes one, beside copies of the bundled exports."""
    exports = project / "exports"
    exports.mkdir(exist_ok=True)
    for q in ("studerende", "fagprofessionelle", "frivillige"):
        shutil.copy(project / f"data/reconstructed/{q}.csv", exports / f"{q}.csv")
    path = project / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_wave_config_with_only_wave_and_inputs_runs_as_itself(project):
    # config.yaml (the bundled wave) changes settings a new wave must not inherit
    config_yaml = project / "config.yaml"
    config_yaml.write_text(config_yaml.read_text(encoding="utf-8")
                           + "disclosure: {min_cell_n: 5}\nlanguage: en\n", encoding="utf-8")
    write_wave_config(project, "wave-2023.yaml", "wave: wave-2023\ninputs:\n"
                      "  studerende: exports/studerende.csv\n  fagprofessionelle: exports/fagprofessionelle.csv\n"
                      "  frivillige: exports/frivillige.csv\n")
    run = snakemake(project, "--configfile", "wave-2023.yaml")
    assert run.returncode == 0, run.stderr
    assert not (project / "reports/reconstructed-2021").exists()       # the bundled wave's outputs untouched
    manifest = json.loads((project / "reports/wave-2023/manifest.json").read_text(encoding="utf-8"))
    settings = {row["setting"]: (row["value"], row["source"]) for row in manifest["settings"]}
    # The report names the kind of each source; the run's record names the file.
    assert settings["wave"] == ("wave-2023", "config")
    assert settings["inputs.frivillige"] == ("exports/frivillige.csv", "config")
    assert settings["disclosure.min_cell_n"] == (0, "default")
    assert settings["language"] == ("da", "default")
    assert settings["missing_codes"] == ([], "default")
    sources = dict(csv.reader((project / "results/wave-2023/config_sources.csv").open(encoding="utf-8")))
    assert sources["wave"] == sources["inputs.frivillige"] == "wave-2023.yaml"
    assert sources["disclosure.min_cell_n"] == sources["language"] == "default"
    assert "config.yaml" not in sources.values()
    # The report hashes the wave's complete settings, which say what the run used.
    [entry] = [f for f in manifest["files"] if f["role"] == "config"]
    resolved = project / "results/wave-2023/config.yaml"
    assert entry["path"] == "results/wave-2023/config.yaml"
    assert entry["sha256"] == hashlib.sha256(resolved.read_bytes()).hexdigest()
    written = yaml.safe_load(resolved.read_text(encoding="utf-8"))
    assert written["wave"] == "wave-2023" and written["disclosure"]["min_cell_n"] == 0 and written["language"] == "da"
    page = (project / "reports/wave-2023/index.html").read_text(encoding="utf-8")
    assert "<code>disclosure.min_cell_n</code></td><td><code>0</code></td><td>default</td>" in page
    assert "reference_year (2020)" in run.stderr                        # a defaulted wave key is said on screen


def test_a_wave_without_volunteers_runs_and_says_which_tables_are_unavailable(project):
    write_wave_config(project, "no-volunteers.yaml", "wave: no-volunteers\nreference_year: 2020\ninputs:\n"
                      "  studerende: exports/studerende.csv\n  fagprofessionelle: exports/fagprofessionelle.csv\n"
                      "  frivillige: absent\n")
    run = snakemake(project, "--configfile", "no-volunteers.yaml")
    assert run.returncode == 0, run.stderr
    reports = project / "reports/no-volunteers"
    availability = pd.read_csv(reports / "tables/availability.csv", dtype=str, keep_default_na=False)
    unavailable = set(availability.loc[availability["status"] == "not_available", "table"])
    # every table of volunteers, and Tabel 3.2, which has a row for them
    assert unavailable == {"3.2", "4.12", "4.13", "4.14", "4.15", "4.16", "B2.3"}
    cells = pd.read_csv(reports / "tables/cells.csv", dtype=str, keep_default_na=False)
    assert not set(cells["table"]) & unavailable and {"4.4", "4.9", "B2.1"} <= set(cells["table"])
    diff = pd.read_csv(reports / "diff/cells.csv", dtype=str, keep_default_na=False)
    in_unavailable = diff["table"].isin(unavailable)
    assert (diff.loc[in_unavailable, "status"] == "not_available").all()
    assert diff.loc[in_unavailable, "reason"].str.contains("it has no frivillige questionnaire").all()
    assert not (diff.loc[~in_unavailable, "status"] == "not_available").any()
    summary = pd.read_csv(reports / "diff/summary.csv").set_index("table")
    assert summary.loc["4.13", "not_available"] == 16 and pd.isna(summary.loc["4.13", "match_share"])
    page = (reports / "index.html").read_text(encoding="utf-8")
    assert page.count("ikke tilgængelig for denne bølge") >= len(unavailable)
    assert "intet spørgeskema til frivillige" in (reports / "tables/4.14.md").read_text(encoding="utf-8")
    assert "intet spørgeskema til frivillige" in (reports / "tables/4.14.tex").read_text(encoding="utf-8")
    log = json.loads((reports / "cleaning_log.json").read_text(encoding="utf-8"))
    assert log["questionnaires_absent"] == ["frivillige"] and "frivillige" not in log["questionnaires"]


@pytest.mark.parametrize("text, key", [
    ("inputs:\n  studerende: exports/studerende.csv\n  fagprofessionelle: exports/fagprofessionelle.csv\n"
     "  frivillige: exports/frivillige.csv\n", "wave: not given"),
    ("wave: w\ninputs:\n  studerende: exports/studerende.csv\n  fagprofessionelle: exports/fagprofessionelle.csv\n",
     "inputs.frivillige: not given"),
])
def test_a_wave_config_lacking_a_key_is_refused_naming_it(project, text, key):
    write_wave_config(project, "incomplete.yaml", text)
    run = snakemake(project, "--configfile", "incomplete.yaml")
    assert run.returncode != 0
    assert f"incomplete.yaml: {key}" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert not (project / "reports").exists() and not (project / "results").exists()


def test_strict_diff_as_documented_fails_and_keeps_the_diff(project):
    run = snakemake(project, "--config", "strict_diff=true")
    assert run.returncode != 0
    match = re.search(r"strict diff: (\d+) published cell\(s\) not reproduced", run.stderr)
    assert match, run.stderr[-3000:]
    assert "reports/reconstructed-2021/diff/index.html" in run.stderr
    diff_dir = project / "reports/reconstructed-2021/diff"
    diff = pd.read_csv(diff_dir / "cells.csv", dtype=str, keep_default_na=False)
    assert int(match[1]) == diff["status"].isin(["mismatch", "missing"]).sum() > 0
    assert (diff_dir / "index.html").is_file() and (diff_dir / "summary.csv").is_file()
    assert (project / "reports/reconstructed-2021/index.html").is_file()   # the rest of the run finished too


def test_a_config_file_that_is_a_template_is_refused_by_the_workflow(project):
    (project / "template.yaml").write_text(
        "__use_yte__: true\nwave: templated\ninputs:\n  studerende: data/reconstructed/studerende.csv\n"
        "  fagprofessionelle: data/reconstructed/fagprofessionelle.csv\n  frivillige: absent\n", encoding="utf-8")
    run = snakemake(project, "-n", "--configfile", "template.yaml")
    assert run.returncode != 0
    assert "template.yaml: __use_yte__: a wave's config is data, not a template" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_every_rule_declares_threads_and_resources_for_a_scheduler():
    """A cluster scheduler needs each job's threads, memory and time before it starts (#17)."""
    rule_files = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
    blocks = {}
    for path in rule_files:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)*)", text, re.M):
            blocks[match.group(1)] = match.group(2)
    assert {"clean", "tables", "report", "diff", "compare", "audit", "check_diff"} <= set(blocks)
    lacking = {name: [key for key in ("threads:", "mem_mb=", "runtime=") if key not in body]
               for name, body in blocks.items() if name != "all"}
    assert {name: keys for name, keys in lacking.items() if keys} == {}
