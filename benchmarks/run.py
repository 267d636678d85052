"""Benchmark the whole pipeline on synthetic waves of N respondents.

For each N: generate a synthetic wave (not timed), then time as whole processes
- parsing its three raw files with pyarrow.csv.read_csv (the floor any CSV pipeline stands on),
- `snakemake --cores 2` from scratch (the audit, cleaning, all 18 tables, the 8 regressions, reports, diff),
and record the peak RSS of the largest process. For the largest N also a no-op rerun and a rerun
after editing one template. Once, the orchestration floor: the pipeline's own job graph with every
job's work taken out (see `orchestration_floor`). Writes a Markdown table (default
benchmarks/results.md).

Everything runs in a temporary copy of the project (Snakefile, config.yaml, profiles/, workflow/,
data/, tables/ and src/), with PYTHONPATH=<copy>/src so that Snakemake, its jobs and the report's
template inputs use the copy's package: the checkout is only read, and the one file written into it
is the --out file.

    python benchmarks/run.py                      # N = 1,000 ... 1,000,000
    python benchmarks/run.py --sizes 1000 --out /tmp/bench.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONNAIRES = ("studerende", "fagprofessionelle", "frivillige")
# What is copied into the work directory: the project as a user runs it (profiles/ holds the default
# workflow profile Snakemake loads; src/ the package, put first on PYTHONPATH).
PROJECT_FILES = ("Snakefile", "config.yaml")
PROJECT_DIRS = ("profiles", "workflow", "data", "tables", "src")
# The copy of the project every measured command runs in (set by `copy_project`).
PROJECT: Path | None = None
ENV: dict[str, str] = {}

# A child process that runs a command and reports its wall time and the peak RSS of the largest
# process below it, so that each measurement is isolated from the others.
MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "peak_mb": peak_kb / 1024, "rc": done.returncode, "err": done.stderr[-2000:]}))
"""

PARSE = r"""
import sys
import pyarrow.csv as pc
for path in sys.argv[1:]:
    pc.read_csv(path, parse_options=pc.ParseOptions(delimiter=";"))
"""


def copy_project(work: Path) -> Path:
    """Copy the project into `work/project`; every command below runs there, with its src/ first on
    PYTHONPATH. Checks that `import vive_survey` resolves to the copy."""
    global PROJECT, ENV
    project = work / "project"
    project.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, project / name)
    for name in PROJECT_DIRS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, project / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(project / "src"), *filter(None, [env.get("PYTHONPATH")])])
    # The copy's bytecode, compiled once before anything is timed (as an installed package has it),
    # also when PYTHONDONTWRITEBYTECODE is set (the tests set it), so every run imports the same way.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(project / "src")], env=env, check=True,
                   capture_output=True)
    package = subprocess.run([sys.executable, "-c", "import vive_survey; print(vive_survey.__file__)"], cwd=project,
                             env=env, capture_output=True, text=True, check=True).stdout.strip()
    if not Path(package).resolve().is_relative_to((project / "src").resolve()):
        raise SystemExit(f"vive_survey resolves to {package}, not to the copy in {project}")
    PROJECT, ENV = project, env
    sys.path.insert(0, str(project / "src"))     # this process imports the copy too
    return project


def measure(command: list[str], cwd: Path | None = None) -> dict:
    cwd = PROJECT if cwd is None else cwd
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, env=ENV, capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{result['err']}")
    return result


def median_of(times: int, command: list[str]) -> dict:
    """The run with the median wall time of `times` runs (short runs vary more than long ones)."""
    runs = sorted((measure(command) for _ in range(times)), key=lambda r: r["wall"])
    return runs[len(runs) // 2]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 ** 2:.0f} GiB memory"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def run(sizes: list[int], out: Path, work: Path, repeat: int = 3) -> list[dict]:
    project = copy_project(work)
    from vive_survey.inputs.codebook import load_codebook
    from vive_survey.synthetic import write_synthetic_wave

    codebook = load_codebook(project / "data" / "codebook.yaml")
    rows = []
    for n in sizes:
        wave = f"bench-{n}"
        data_dir = work / wave
        paths = write_synthetic_wave(data_dir, n, codebook)
        config = work / f"{wave}.yaml"
        config.write_text(json.dumps({"wave": wave, "inputs": {q: str(paths[q]) for q in QUESTIONNAIRES}}),
                          encoding="utf-8")
        parse = median_of(repeat, [sys.executable, "-c", PARSE, *map(str, paths.values())])
        snakemake = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", str(config)]
        runs = []
        for _ in range(repeat):
            # From scratch: the wave's results and reports, and the wave-independent audit too.
            for folder in (project / "results" / wave, project / "reports" / wave, project / "results" / "audit"):
                shutil.rmtree(folder, ignore_errors=True)
            runs.append({**measure(snakemake), "steps": step_times(wave)})
        full = sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]   # the median run
        row = {"n": n, "repeat": repeat, "mb": sum(p.stat().st_size for p in paths.values()) / 1e6, "parse": parse["wall"],
               "pipeline": full["wall"], "peak_mb": max(r["peak_mb"] for r in runs),
               "pipeline_range": [min(r["wall"] for r in runs), max(r["wall"] for r in runs)]}
        if n == max(sizes):
            row["steps"] = full["steps"]
            row["noop"] = median_of(repeat, snakemake)["wall"]
            # Snakemake >= 9.18 reruns on content, not on a bare touch: edit the copy's template, then
            # restore it.
            template = project / "src" / "vive_survey" / "render" / "templates" / "report.html.j2"
            original = template.read_bytes()
            try:
                template.write_bytes(original + b"\n")
                row["template"] = measure(snakemake)["wall"]
            finally:
                template.write_bytes(original)
        rows.append(row)
        shutil.rmtree(data_dir, ignore_errors=True)
        print(json.dumps(row), flush=True)
    rows[-1]["bundled"] = bundled_wave(repeat)
    rows[-1]["floor"] = orchestration_floor(work / "floor", repeat)
    write_markdown(rows, out)
    return rows


def bundled_wave(repeat: int) -> float:
    """Median wall time of `snakemake --cores 2` from scratch on the bundled wave (config.yaml)."""
    from vive_survey.inputs.config import load_config

    wave = load_config(PROJECT / "config.yaml")["wave"]
    return median_from_scratch(repeat, [sys.executable, "-m", "snakemake", "--cores", "2"],
                               [PROJECT / "results" / wave, PROJECT / "reports" / wave, PROJECT / "results" / "audit"])


def median_from_scratch(repeat: int, command: list[str], outputs: list[Path]) -> float:
    """Median wall time of `repeat` runs of `command`, each after deleting the folders `outputs`."""
    times = []
    for _ in range(repeat):
        for folder in outputs:
            shutil.rmtree(folder, ignore_errors=True)
        times.append(measure(command)["wall"])
    return sorted(times)[len(times) // 2]


def orchestration_floor(work: Path, repeat: int) -> dict:
    """Median wall time of `snakemake --cores 2` on the pipeline's job graph with the work taken out.

    The graph is the real one (`snakemake --rulegraph`): the same rules and dependencies. Each job
    starts Python as Snakemake's `script:` does and runs only the import statements of its adapter
    (workflow/scripts/<rule>.py), then writes an empty output. No job reads or writes data, so this
    is a lower bound of any run of the pipeline, whatever the size of the wave."""
    import ast

    dot = subprocess.run([sys.executable, "-m", "snakemake", "--rulegraph", "--forceall", "--cores", "1"], cwd=PROJECT,
                         env=ENV, capture_output=True, text=True, check=True).stdout
    names = dict(re.findall(r'^\s*(\d+)\[label = "([^"]+)"', dot, flags=re.M))
    parents: dict[str, list[str]] = {name: [] for name in names.values()}
    for source, target in re.findall(r"^\s*(\d+) -> (\d+)", dot, flags=re.M):
        parents[names[target]].append(names[source])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rules = [f"rule all:\n    input: {sorted(f'done/{p}' for p in parents['all'])!r}\n"]
    for rule in sorted(parents.keys() - {"all"}):
        adapter = ast.parse((PROJECT / "workflow" / "scripts" / f"{rule}.py").read_text(encoding="utf-8"))
        imports = [ast.unparse(node) for node in adapter.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        (work / f"{rule}.py").write_text("\n".join(imports + ['open(snakemake.output[0], "w").close()']) + "\n",
                                         encoding="utf-8")
        rules.append(f"rule {rule}:\n    input: {sorted(f'done/{p}' for p in parents[rule])!r}\n"
                     f"    output: 'done/{rule}'\n    script: '{rule}.py'\n")
    (work / "Snakefile").write_text("\n".join(rules), encoding="utf-8")
    # And the least any Snakemake run can cost: one job that imports nothing (a one-process pipeline).
    (work / "nothing.py").write_text('open(snakemake.output[0], "w").close()\n', encoding="utf-8")
    (work / "Snakefile.one").write_text("rule all:\n    input: 'done/one'\n\n"
                                        "rule one:\n    output: 'done/one'\n    script: 'nothing.py'\n", encoding="utf-8")

    def median_run(snakefile: str) -> float:
        return median_from_scratch(repeat, [sys.executable, "-m", "snakemake", "--cores", "2", "--snakefile",
                                            str(work / snakefile), "--directory", str(work)],
                                   [work / "done", work / ".snakemake"])

    return {"wall": median_run("Snakefile"), "jobs": len(parents) - 1, "levels": _depth(parents, "all") - 1,
            "one_job": median_run("Snakefile.one")}


def _depth(parents: dict[str, list[str]], rule: str) -> int:
    """Jobs on the longest chain that ends in `rule` (rule included)."""
    return 1 + max((_depth(parents, p) for p in parents[rule]), default=0)


def step_times(wave: str) -> dict[str, dict]:
    """Wall seconds, CPU seconds and peak RSS of each job, from Snakemake's benchmark files."""
    files = {"audit": PROJECT / "results" / "benchmarks" / "audit.tsv"}
    files |= {step: PROJECT / "results" / wave / "benchmarks" / f"{step}.tsv"
              for step in ("clean", "tables", "diff", "report")}
    out = {}
    for step, path in files.items():
        if path.is_file():
            header, values = path.read_text(encoding="utf-8").splitlines()[:2]
            record = dict(zip(header.split("\t"), values.split("\t")))
            out[step] = {"wall": float(record["s"]), "cpu": float(record["cpu_time"]), "rss": float(record["max_rss"])}
    return out


def write_markdown(rows: list[dict], out: Path) -> None:
    lines = ["# Benchmark results", "",
             f"Machine: {machine()}.", "",
             "Generated by `python benchmarks/run.py` (synthetic waves from `vive_survey.synthetic`: three",
             "`;`-separated CSV files, 45-column-wide questionnaires, Likert answers as codes). Times are whole",
             "processes, wall clock; the pipeline is `snakemake --cores 2` from scratch; peak RSS is that of",
             f"the largest process (the highest of the runs). The parse, pipeline and no-op times are the median "
             f"of {rows[0]['repeat']} runs (the pipeline's range in brackets); the template rerun is one run.", "",
             "| respondents | raw CSV (MB) | pyarrow parse (s) | pipeline (s) | pipeline / parse | peak RSS (MB) |",
             "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        low, high = r["pipeline_range"]
        lines.append(f"| {r['n']:,} | {r['mb']:.1f} | {r['parse']:.2f} | {r['pipeline']:.1f} ({low:.1f}–{high:.1f}) | "
                     f"{r['pipeline'] / r['parse']:.1f}x | {r['peak_mb']:.0f} |")
    last = rows[-1]
    if last.get("steps"):
        lines += ["", f"The jobs of the median run at {last['n']:,} respondents (Snakemake's `benchmark:` files; audit "
                      "and clean run side by side, then tables, then diff and report side by side):", "",
                  "| job | wall (s) | CPU (s) | peak RSS (MB) |", "|---|---:|---:|---:|"]
        for step, t in last["steps"].items():
            lines.append(f"| {step} | {t['wall']:.1f} | {t['cpu']:.1f} | {t['rss']:.0f} |")
        cpu = sum(t["cpu"] for t in last["steps"].values())
        lines += ["", f"Between them the jobs use {cpu:.1f} s of CPU: at least {cpu / 2:.1f} s of wall time on two cores "
                      f"even if they were perfectly spread ({cpu / 2 / last['parse']:.1f}x the parse)."]
    if "bundled" in last:
        lines += ["", f"The bundled wave (`config.yaml`) from scratch takes {last['bundled']:.1f} s."]
    if "floor" in last:
        floor = last["floor"]
        lines += ["", f"Orchestration floor: the same {floor['jobs']} jobs and dependencies ({floor['levels']} jobs deep), each "
                      f"job only starting Python and running its adapter's imports, take {floor['wall']:.1f} s, that is "
                      f"{floor['wall'] / last['parse']:.1f}x the parse at {last['n']:,} respondents before any data is read. "
                      f"Snakemake running a single job that imports nothing takes {floor['one_job']:.1f} s "
                      f"({floor['one_job'] / last['parse']:.1f}x the parse)."]
    if "noop" in last:
        lines += ["", f"At {last['n']:,} respondents: a no-op rerun takes {last['noop']:.1f} s; a rerun after "
                      f"editing one template (`report.html.j2`) takes {last['template']:.1f} s."]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the median is reported")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vive-bench-") as work:
        run(args.sizes, args.out, Path(work), max(1, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
