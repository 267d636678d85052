"""Several waves in one run (`waves:`) and their comparison (`compare:`), as Snakemake runs them."""

from __future__ import annotations

import filecmp
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from vive_survey.errors import SurveyInputError
from vive_survey.inputs.config import WAVE_KEYS
from vive_survey.inputs.waves import resolve_waves

from conftest import ROOT, copy_project

BUNDLED = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
WAVE_OWN = {k: v for k, v in BUNDLED.items() if k in WAVE_KEYS and k != "wave"}


def synthetic_inputs(folder: str) -> dict:
    return {q: f"{folder}/{q}.csv" for q in ("studerende", "fagprofessionelle", "frivillige")}


def waves_config() -> dict:
    return {"waves": {BUNDLED["wave"]: WAVE_OWN,
                      "syn-a": {"inputs": synthetic_inputs("syn-a"), "data_note": "SYNTETISKE DATA"},
                      "syn-b": {"inputs": synthetic_inputs("syn-b"), "data_note": "SYNTETISKE DATA",
                                "reference_year": 2022}},
            "compare": [{"base": BUNDLED["wave"], "wave": "syn-a"}, {"base": "syn-a", "wave": "syn-b"}]}


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    # Targets first: --configfile and -q take several values each.
    result = subprocess.run([sys.executable, "-m", "snakemake", *args, "--cores", "2", "-q"], cwd=workdir,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def project_with_waves(root: Path) -> Path:
    root.mkdir(parents=True)
    project = copy_project(root)
    for folder, n, seed in (("syn-a", 200, 2), ("syn-b", 250, 3)):
        subprocess.run([sys.executable, "-m", "vive_survey", "synthetic-wave", str(n), "--out", folder, "--seed",
                        str(seed)], cwd=project, check=True, capture_output=True)
    # Key order kept: the order of the inputs is the order of the respondents (and of float sums).
    (project / "waves.yaml").write_text(yaml.safe_dump(waves_config(), allow_unicode=True, sort_keys=False),
                                        encoding="utf-8")
    return project


def differing(a: Path, b: Path) -> list[str]:
    """Relative paths of files that differ or exist on one side only, under two folders."""
    out = []
    compared = filecmp.dircmp(a, b)

    def walk(d: filecmp.dircmp, prefix: str) -> None:
        out.extend(prefix + n for n in d.left_only + d.right_only + d.funny_files)
        out.extend(prefix + n for n in d.common_files if (Path(d.left) / n).read_bytes() != (Path(d.right) / n).read_bytes())
        for name, sub in d.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(compared, "")
    return sorted(out)


def single_wave_config(wave: str) -> dict:
    """The wave as a config of its own: its keys and the wave id, written in another key order than
    in waves.yaml (the order of a file's keys changes nothing)."""
    own = waves_config()["waves"][wave]
    return {**{k: own[k] for k in reversed(list(own))}, "wave": wave}


def planned_outputs(workdir: Path, *args: str) -> list[str]:
    """The output files of every job a dry run plans."""
    run = subprocess.run([sys.executable, "-m", "snakemake", "-n", *args, "--cores", "2"], cwd=workdir,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return re.findall(r"^\s+output: (.+)$", run.stdout + run.stderr, re.M)


@pytest.mark.workflow
def test_three_waves_in_one_run_equal_their_single_wave_runs_and_are_compared(tmp_path):
    together = project_with_waves(tmp_path / "together")
    snakemake(together, "--configfile", "waves.yaml")
    for wave in (BUNDLED["wave"], "syn-a", "syn-b"):
        assert (together / "reports" / wave / "index.html").is_file()
        assert (together / "reports" / wave / "diff" / "cells.csv").is_file()
    for pair in (f"{BUNDLED['wave']}--syn-a", "syn-a--syn-b"):
        compared = together / "reports" / "compare" / pair
        assert all((compared / name).is_file() for name in ("cells.csv", "index.html", "tables.xlsx"))
    # Each wave run alone from a config of its own: every file of reports/<wave>/ has the same bytes,
    # the provenance (index.html, manifest.json, tables.xlsx) included.
    for wave in (BUNDLED["wave"], "syn-a", "syn-b"):
        alone = project_with_waves(tmp_path / f"alone-{wave}")
        (alone / f"{wave}.yaml").write_text(yaml.safe_dump(single_wave_config(wave), allow_unicode=True,
                                                           sort_keys=False), encoding="utf-8")
        snakemake(alone, "--configfile", f"{wave}.yaml")
        assert sorted(p.name for p in (alone / "reports").iterdir()) == [wave]
        assert differing(together / "reports" / wave, alone / "reports" / wave) == []
        sources = (alone / "results" / wave / "config_sources.csv").read_text(encoding="utf-8")
        assert f"reference_year,{wave}.yaml" in sources or "reference_year,default" in sources
    # The run's record names the file each setting came from; the report names only its kind.
    assert "reference_year,waves.yaml" in (together / "results/syn-b/config_sources.csv").read_text(encoding="utf-8")
    manifest = json.loads((together / "reports/syn-b/manifest.json").read_text(encoding="utf-8"))
    assert {"setting": "reference_year", "value": 2022, "source": "config"} in manifest["settings"]

    # A fourth wave added to the run: only its own jobs and its comparison are planned.
    config = waves_config()
    config["waves"]["syn-c"] = {**config["waves"]["syn-a"], "data_note": "SYNTETISKE DATA (c)"}
    config["compare"].append({"base": "syn-b", "wave": "syn-c"})
    (together / "waves.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                         encoding="utf-8")
    planned = planned_outputs(together, "--configfile", "waves.yaml")
    assert planned and all("syn-c" in outputs for outputs in planned), planned
    # The same run under another file name: only the report steps rerun, to rewrite the record of
    # the sources (results/<wave>/config_sources.csv), with the comparisons after them; no table is
    # computed again and the reports keep their bytes.
    (together / "waves.yaml").rename(together / "runs.yaml")
    config["waves"].pop("syn-c")
    config["compare"].pop()
    (together / "runs.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                        encoding="utf-8")
    before = {w: (together / "reports" / w / "manifest.json").read_bytes() for w in ("syn-a", "syn-b")}
    planned = planned_outputs(together, "--configfile", "runs.yaml")
    assert sorted(re.findall(r"results/([\w-]+)/config_sources\.csv", " ".join(planned))) == sorted(
        [BUNDLED["wave"], "syn-a", "syn-b"])
    # The three report jobs, then the two comparisons that read their files; no cleaning, tables or diff.
    assert len(planned) == 5 and all(outputs.startswith("reports/") and "index.html" in outputs
                                     and "/tables/cells.csv" not in outputs and "/diff/" not in outputs
                                     for outputs in planned)
    assert sum(outputs.startswith("reports/compare/") for outputs in planned) == 2
    snakemake(together, "--configfile", "runs.yaml")
    assert "reference_year,runs.yaml" in (together / "results/syn-b/config_sources.csv").read_text(encoding="utf-8")
    assert before == {w: (together / "reports" / w / "manifest.json").read_bytes() for w in ("syn-a", "syn-b")}


def test_waves_share_the_analysis_and_keep_their_own_keys():
    run = resolve_waves([("waves.yaml", {**waves_config(), "disclosure": {"min_cell_n": 3}})])
    assert list(run.configs) == [BUNDLED["wave"], "syn-a", "syn-b"]
    assert {c["disclosure"]["min_cell_n"] for c in run.configs.values()} == {3}
    assert run.configs["syn-b"]["reference_year"] == 2022 and run.configs["syn-a"]["reference_year"] == 2020
    assert run.configs["syn-a"].get("data_note") == "SYNTETISKE DATA"
    assert run.configs["syn-a"].get("reconstruction_limits") is None          # never inherited
    assert run.compare == [(BUNDLED["wave"], "syn-a"), ("syn-a", "syn-b")]
    sources = {row["setting"]: row["source"] for row in run.settings["syn-b"]}
    assert sources["reference_year"] == "waves.yaml" and sources["disclosure.min_cell_n"] == "waves.yaml"
    # The single-wave form is one wave, as before.
    single = resolve_waves([("config.yaml", BUNDLED)])
    assert list(single.configs) == [BUNDLED["wave"]] and single.compare == []


@pytest.mark.parametrize("change, message", [
    (lambda c: c["compare"].append({"base": "syn-a", "wave": "syn-c"}),
     "compare[2]: syn-c is not a wave of `waves:`"),
    (lambda c: c["compare"].append({"base": "syn-a", "wave": "syn-a"}), "compare[2]: syn-a compared with itself"),
    (lambda c: c["waves"]["syn-a"].update(disclosure={"min_cell_n": 5}),
     "waves.syn-a: disclosure belong to the analysis, which the waves share"),
    (lambda c: c.update(wave="x"), "wave: give one wave with `wave` and `inputs`, or several under `waves:`"),
    (lambda c: c["waves"].update({"bad id": {"inputs": synthetic_inputs("x")}}), "is not a valid wave id"),
    # The comparisons' folder and its separator: reports/compare/a--b--c/ would have two readings.
    (lambda c: c["waves"].update({"syn--c": {"inputs": synthetic_inputs("x")}}), "'syn--c' is not a valid wave id"),
    (lambda c: c["waves"].update({"compare": {"inputs": synthetic_inputs("x")}}), "not 'compare' and no '--'"),
])
def test_a_mistake_in_the_waves_is_named(change, message):
    config = waves_config()
    change(config)
    with pytest.raises(SurveyInputError) as info:
        resolve_waves([("waves.yaml", config)])
    assert message in info.value.render()


@pytest.mark.workflow
def test_the_readmes_two_wave_example_runs_on_a_fresh_checkout(tmp_path):
    commands = ["vive-survey synthetic-wave 300 --out synthetic-wave",
                "snakemake --cores 2 --configfile examples/two-waves.yaml"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(command in readme for command in commands)
    project = copy_project(tmp_path)
    shutil.copytree(ROOT / "examples", project / "examples")
    subprocess.run([sys.executable, "-m", "vive_survey", *commands[0].split()[1:]], cwd=project, check=True,
                   capture_output=True)
    snakemake(project, "--configfile", "examples/two-waves.yaml")
    compared = project / "reports" / "compare" / "reconstructed-2021--synthetic-2023"
    assert (compared / "cells.csv").is_file() and (compared / "figures" / "index_means.svg").is_file()
    page = (compared / "index.html").read_text(encoding="utf-8")
    assert "SYNTETISKE DATA" in page and "REKONSTRUEREDE DATA" in page


@pytest.mark.workflow
def test_the_waves_run_through_a_cluster_executor_with_a_local_submit_command(tmp_path):
    """snakemake-executor-plugin-cluster-generic submits every job as a job script to a command, as
    it would to sbatch or qsub; here the command records the script and runs it on this machine.
    Each job then runs in a process of its own, sharing nothing with the others but files."""
    project = copy_project(tmp_path)
    shutil.copytree(ROOT / "examples", project / "examples")
    subprocess.run([sys.executable, "-m", "vive_survey", "synthetic-wave", "300", "--out", "synthetic-wave"],
                   cwd=project, check=True, capture_output=True)
    (project / "submit.sh").write_text('echo "$1" >> submitted.txt\nbash "$1" > /dev/null 2>&1\necho local\n',
                                       encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "snakemake", "--configfile", "examples/two-waves.yaml",
                             "--executor", "cluster-generic", "--cluster-generic-submit-cmd", "bash submit.sh",
                             "--jobs", "4", "-q"], cwd=project, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    submitted = (project / "submitted.txt").read_text(encoding="utf-8").split()
    # clean, tables, diff and report for each of the two waves, the audit and the comparison
    assert len(submitted) == 10, submitted
    compared = project / "reports" / "compare" / "reconstructed-2021--synthetic-2023"
    assert (compared / "cells.csv").is_file()
    for wave in ("reconstructed-2021", "synthetic-2023"):
        assert (project / "reports" / wave / "index.html").is_file()
