"""Path-level entry points: read files, call the pure functions, write files atomically.

Snakemake's scripts call these (through `run_step`), and so do the tests, with temporary paths.
A step writes each output to a temporary file beside it and renames it into place, so a step that
fails leaves no partial output that a later run could trust.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from .codebook import load_codebook
from .errors import SurveyInputError
from .ingest import read_raw
from .clean import clean_wave


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it onto `target` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_json(obj: object, target: str | Path) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")


def write_parquet(frame: pd.DataFrame, target: str | Path) -> None:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")


def write_csv(frame: pd.DataFrame, target: str | Path) -> None:
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")


def clean(inputs: dict[str, dict], codebook_path: str | Path, config: dict, *, data_out: str | Path,
          exclusions_out: str | Path, log_out: str | Path) -> dict:
    """Read the wave's raw exports, clean them, and write the cleaned data (parquet, respondent
    level: results/), the exclusions (CSV, respondent level: results/) and the cleaning log (JSON,
    aggregate only: reports/). Returns the log."""
    codebook = load_codebook(codebook_path)
    raws = {}
    problems = []
    for questionnaire, spec in inputs.items():
        options = {k: v for k, v in spec.items() if k != "path"}
        try:
            raws[questionnaire] = read_raw(spec["path"], **options)
        except SurveyInputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SurveyInputError(problems)
    result = clean_wave(raws, codebook, config)
    log = {"wave": config["wave"], "codebook": str(codebook_path), **result.log}
    write_parquet(result.data, data_out)
    write_csv(result.exclusions, exclusions_out)
    write_json(log, log_out)
    return log


def run_step(function: Callable[[], object], log_file: str | None = None) -> None:
    """Run a step for Snakemake: a user's mistake ends the process with its message, no traceback."""
    try:
        function()
    except SurveyInputError as exc:
        message = f"vive-survey: {exc.render()}"
        print(message, file=sys.stderr)
        if log_file:
            Path(log_file).parent.mkdir(parents=True, exist_ok=True)
            Path(log_file).write_text(message + "\n", encoding="utf-8")
        sys.exit(1)


def compute_tables(data_path: str | Path, codebook_path: str | Path, specs_dir: str | Path, settings: dict, *,
                   cells_out: str | Path, models_out: str | Path) -> pd.DataFrame:
    """Every table of the specification from the cleaned data: reports/<wave>/tables/cells.csv
    (aggregates only) and the full OLS estimates in wide form."""
    from . import tables
    from .cells import frame, write_cells
    from .indices import add_indices
    from .spec import load_specs

    codebook = load_codebook(codebook_path)
    specs = load_specs(specs_dir, codebook)
    data = pd.read_parquet(data_path)
    data = add_indices(data, codebook, min_answered=settings["indices"]["min_answered"],
                       reverse_coding=settings["indices"]["reverse_coding"])
    cells = frame([c for spec in specs for c in tables.compute(spec, data, codebook, settings)])
    write_cells(cells, cells_out)
    write_csv(model_estimates(cells, [s.id for s in specs if s.kind == "ols"]), models_out)
    return cells


def model_estimates(cells: pd.DataFrame, table_ids: list[str]) -> pd.DataFrame:
    """OLS cells in wide form: one row per table, outcome and term (in the table's order), a column
    per statistic, then the model's n, R² and adjusted R²."""
    stats = ["coef", "se", "t", "p", "ci_low", "ci_high"]
    ols_cells = cells[cells["table"].isin(table_ids)]
    terms = ols_cells[ols_cells["section"] != "_model"]
    keys = ["table", "column", "section", "row"]
    order = terms[keys].drop_duplicates()
    wide = terms[terms["stat"].isin(stats)].set_index(keys + ["stat"])["value"].unstack("stat")
    wide = order.merge(wide.reset_index(), on=keys, how="left").reindex(columns=keys + stats)
    model = ols_cells[ols_cells["section"] == "_model"].set_index(["table", "column", "stat"])["value"]
    per_model = model.unstack("stat").reindex(columns=["n", "r2", "adj_r2"]).reset_index()
    flags = terms[terms["stat"] == "coef"][keys + ["flag"]]
    out = wide.merge(flags, on=keys, how="left").merge(per_model, on=["table", "column"], how="left")
    return out.rename(columns={"column": "outcome", "row": "term"})
