"""The benchmark harness runs (at N = 1,000, not timed), so it cannot rot, and leaves the checkout
alone: it works in a temporary copy of the project and writes only its --out file."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT, checkout_changes, checkout_listing


def test_benchmark_harness_runs_at_1000_respondents(tmp_path):
    out = tmp_path / "results.md"
    before = checkout_listing(ROOT)
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1000", "--repeat", "1", "--out", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    # Not a file of the checkout created, changed or deleted: no results/ or reports/bench-1000/, the
    # bundled wave's outputs untouched, the template edited for the rerun timing is the copy's.
    assert checkout_changes(before, checkout_listing(ROOT)) == []
    text = out.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| 1,000 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    parse, pipeline, ratio = float(cells[2]), float(cells[3].split()[0]), cells[4]
    assert 0 < parse < pipeline and ratio.endswith("x")
    assert "no-op rerun takes" in text and "editing one template" in text
    cpu_by_job = {}
    for job in ("audit", "clean", "tables", "diff", "report"):       # per-job times from Snakemake's benchmark files
        job_row = next(line for line in text.splitlines() if line.startswith(f"| {job} |"))
        cpu_by_job[job] = float(job_row.strip("|").split("|")[2])
    total = re.search(r"the jobs use ([\d.]+) s of CPU: at least ([\d.]+) s", text)
    assert total, text
    assert abs(float(total[1]) - sum(cpu_by_job.values())) <= 0.05 * len(cpu_by_job) + 0.05   # rounded per job
    assert abs(float(total[2]) - float(total[1]) / 2) <= 0.1                 # both rounded to 0.1
    assert "The bundled wave" in text
    floor = re.search(r"Orchestration floor: the same (\d+) jobs and dependencies \((\d+) jobs deep\).*? take ([\d.]+) s",
                      text)
    assert floor, text
    jobs, depth, seconds = int(floor[1]), int(floor[2]), float(floor[3])
    assert (jobs, depth) == (5, 3)        # audit, clean, tables, diff, report; clean -> tables -> diff/report
    assert 0 < seconds < pipeline         # the floor does no work, so it cannot take longer than the pipeline
    one_job = re.search(r"a single job that imports nothing takes ([\d.]+) s", text)
    assert one_job and 0 < float(one_job[1]) <= seconds + 0.5, text   # no slower than five jobs (up to noise)


def test_readme_quotes_the_committed_benchmark_results():
    """The README's numbers are benchmarks/results.md as run.py wrote it, not edited by hand."""
    results = (ROOT / "benchmarks" / "results.md").read_text(encoding="utf-8")
    body = results.removeprefix("# Benchmark results\n").strip()
    assert body.startswith("Machine:") and "| 1,000,000 |" in body
    assert body in (ROOT / "README.md").read_text(encoding="utf-8")
