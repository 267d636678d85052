"""The tidy cell model shared by computing, rendering and diffing.

One row per number: the key (table, section, row, subrow, column, stat) uses the labels as printed
in the report, so a regenerated cell and its published twin join on it. `value` is kept at full
precision (rounding belongs to rendering); `base_n` is the denominator or the number of
respondents behind the value; `flag` marks cells that need a word in the rendering (`ref` for a
reference level, `small_expected` for a crosstab with expected counts below 5, `not_estimable`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vive_survey.files import atomic_path
from vive_survey.safe_text import neutralise_frame, restore

# The key of a cell: the labels as printed, shared with the published tables (review.published).
KEY = ["table", "section", "row", "subrow", "column", "stat"]
CELL_COLUMNS = KEY + ["value", "base_n", "flag"]
# What disclosure control needs to know of a cell beyond what is published (see `cell`).
DISCLOSURE_CONTEXT = ["group", "family", "measure", "group_n"]


def cell(table: str, row: str, column: str, stat: str, value: float | None, *, section: str = "",
         subrow: str = "", base_n: int | None = None, flag: str = "", group: str = "", family: str = "",
         measure: str = "", group_n: int | None = None) -> dict:
    """One cell as a dict (collect many, then `frame(cells)`). The DISCLOSURE_CONTEXT keys are for
    disclosure control only, and `frame` leaves them out: the respondent group the cell describes,
    the family of groups it belongs to (its population split by one variable), what it measures of
    its group, and the respondents behind a model coefficient's category."""
    if value is not None and not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"cell values are numbers, got {type(value).__name__} for {table}/{row}/{column}/{stat}")
    return {"table": table, "section": section, "row": row, "subrow": subrow, "column": column, "stat": stat,
            "value": np.nan if value is None else float(value),
            "base_n": pd.NA if base_n is None else int(base_n), "flag": flag,
            "group": group, "family": family, "measure": measure, "group_n": group_n}


def frame(cells: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(cells, columns=CELL_COLUMNS)
    out["value"] = out["value"].astype(float)
    out["base_n"] = out["base_n"].astype("Int64")
    for col in KEY + ["flag"]:
        out[col] = out[col].astype(str)
    return out


def context_frame(cells: list[dict]) -> pd.DataFrame:
    """The DISCLOSURE_CONTEXT of cells made by `cell`, row for row with `frame(cells)`."""
    out = pd.DataFrame(cells, columns=DISCLOSURE_CONTEXT)
    out["group_n"] = out["group_n"].astype("Float64")
    return out


def write_cells(cells: pd.DataFrame, path: str | Path) -> None:
    """CSV with full-precision values; the row order is the computation order, which is fixed by
    the table specifications, so reruns give identical bytes."""


    with atomic_path(path) as tmp:
        neutralise_frame(cells[CELL_COLUMNS]).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n",
                                                    float_format="%.15g")


def read_cells(path: str | Path) -> pd.DataFrame:
    out = pd.read_csv(path, dtype={c: str for c in KEY + ["flag"]}, keep_default_na=False,
                      na_values={"value": [""], "base_n": [""]})
    out["value"] = out["value"].astype(float)
    out["base_n"] = out["base_n"].astype("Int64")
    for col in KEY + ["flag"]:
        out[col] = out[col].map(restore)
    return out
