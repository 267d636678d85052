"""The published tables as data: data/published/tables/<id>.csv (cells) and <id>.yaml (metadata).

The cell key (table, section, row, subrow, column, stat) is shared with the regenerated cells, so a
published cell and its regenerated twin join on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from vive_survey.analysis.cells import KEY
from vive_survey.analysis.spec import table_sort_key
from vive_survey.errors import Problem, SurveyInputError
from vive_survey.yamlfile import read_yaml

PUBLISHED_COLUMNS = KEY + ["printed", "value", "decimals", "note"]


def published_files(source: str | Path | Sequence[str | Path], suffix: str) -> list[Path]:
    """The files with `suffix` of the published tables, in table order: those of a folder, or those
    of a list of files (a Snakemake rule names its files rather than a folder its script rescans)."""
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        paths = Path(source).glob(f"*{suffix}")
    else:
        paths = [Path(p) for p in ([source] if isinstance(source, (str, Path)) else source)]
    return sorted((p for p in paths if p.suffix == suffix), key=lambda p: table_sort_key(p.stem))


def load_published(source: str | Path | Sequence[str | Path]) -> pd.DataFrame:
    """Every published cell, in table order then file order.

    Text columns hold Python strings ('' when empty) in object columns: the audit selects and
    compares these small frames thousands of times, about twice as fast as on Arrow-backed strings.
    `value` is float (NaN when the cell has no number); `decimals` is a nullable integer."""
    files = published_files(source, ".csv")
    where = str(source) if isinstance(source, (str, Path)) else str(Path(files[0]).parent) if files else "inputs"
    if not files:
        raise SurveyInputError(Problem("no published tables (*.csv) found", file=where))
    frames = []
    for path in files:
        frame = pd.read_csv(path, dtype=object, keep_default_na=False, encoding="utf-8")
        missing = [c for c in PUBLISHED_COLUMNS if c not in frame.columns]
        if missing:
            raise SurveyInputError(Problem(f"missing columns {missing}", file=str(path)))
        wrong = frame.index[frame["table"] != path.stem]
        if len(wrong):
            raise SurveyInputError(Problem(f"table id '{frame.loc[wrong[0], 'table']}' in a file named {path.stem}",
                                           file=str(path), row=int(wrong[0]) + 2))
        frames.append(frame[PUBLISHED_COLUMNS])
    cells = pd.concat(frames, ignore_index=True)
    cells["value"] = pd.to_numeric(cells["value"].replace("", None), errors="raise").astype(float)
    cells["decimals"] = pd.to_numeric(cells["decimals"].replace("", None)).astype("Int64")
    duplicated = cells.duplicated(KEY, keep=False)
    if duplicated.any():
        first = cells.loc[duplicated, KEY].iloc[0].tolist()
        raise SurveyInputError(Problem(f"{int(duplicated.sum())} published cells share a key, e.g. {first}",
                                       file=where))
    return cells


def load_metadata(source: str | Path | Sequence[str | Path]) -> dict[str, dict]:
    """Per table: title, stated n, printed notes and transcription decisions (safe_load)."""
    meta = {}
    for path in published_files(source, ".yaml"):
        meta[path.stem] = read_yaml(path, "published table's metadata") or {}
    return meta
