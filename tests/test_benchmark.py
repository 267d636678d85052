"""The benchmark harness runs (at N = 1,000, not timed), so it cannot rot."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_benchmark_harness_runs_at_1000_respondents(tmp_path):
    out = tmp_path / "results.md"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1000", "--repeat", "1", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| 1,000 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    parse, pipeline, ratio = float(cells[2]), float(cells[3].split()[0]), cells[4]
    assert 0 < parse < pipeline and ratio.endswith("x")
    assert "no-op rerun takes" in text and "editing one template" in text
    for job in ("audit", "clean", "tables", "diff", "report"):       # per-job times from Snakemake's benchmark files
        assert f"| {job} |" in text
    assert "The bundled wave" in text
