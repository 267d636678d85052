"""Statistical disclosure control: no published number may rest on fewer than k respondents.

The rule set (`disclosure.min_cell_n` = k; docs/disclosure.md compares it with Danmarks
Statistik's practice):

1. Groups. A group of 1 to k-1 respondents is hidden in every table that prints it, with all its
   cells (its n included). Complementary groups are hidden with it (`GroupLedger.protected_groups`):
   within each variable's levels, and wherever a linear combination of visible groups would give
   back a hidden group or a small remainder.
2. Cells. A cell whose own base (the respondents who answered) is below k is hidden; within the
   cells that differ only by group (one question, statistic and column), complementary cells follow
   the same family rule (`complete_family`).
3. Crosstabs. A count of 1 to k-1 is hidden with its percentages, and complementary counts along
   its row and column; the margins are public through the item tables. A crosstab with a hidden
   count does not print its chi-square statistic or p-values, which are functions of all counts.
4. Models. The coefficient of a category with fewer than k respondents in the model (or of every
   category of a predictor whose reference has fewer than k) is hidden with its SE, t, p and
   interval.

A hidden cell loses its value and its base (`base_n`) and is flagged `suppressed`; with k = 0
nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vive_survey.analysis.disclosure.complement import complete_family
from vive_survey.analysis.disclosure.ledger import GroupLedger

SUPPRESSED = "suppressed"
CROSSTAB_SHARES = ("pct", "pct_total", "pct_row", "pct_column", "n", "expected")
CROSSTAB_TESTS = ("chi2", "p", "p_permutation")


def suppress(cells: pd.DataFrame, min_cell_n: int, *, groups: Sequence[str] | None = None,
             group_n: Sequence | None = None, measures: Sequence[str] | None = None,
             ledger: GroupLedger | None = None, crosstabs: Sequence[str] = ()) -> pd.DataFrame:
    """A copy of `cells` with the rule set applied. `groups` (ids in `ledger`), `group_n` (the
    respondents behind a model coefficient's category) and `measures` (what a cell measures,
    whatever its group) run parallel to the cells; without them only the cell rules apply, on
    blocks of cells that differ by row or subrow."""
    out = cells.copy()
    if not min_cell_n:
        return out
    size = len(out)
    groups = np.asarray(groups if groups is not None else [""] * size, dtype=object)
    not_ref = (out["flag"] != "ref").to_numpy()
    base = out["base_n"].astype("Float64")
    hidden = (base < min_cell_n).fillna(False).to_numpy(dtype=bool) & not_ref
    if group_n is not None:
        behind = pd.array(list(group_n), dtype="Float64")
        hidden |= (behind < min_cell_n).fillna(False).to_numpy(dtype=bool) & not_ref
    if ledger is not None:
        protected = ledger.protected_groups(min_cell_n)
        hidden |= np.isin(groups, list(protected)) & not_ref
    hidden |= _complementary_cells(out, hidden, min_cell_n, groups, measures, ledger)
    for table in crosstabs:
        hidden |= _crosstab(out, table, min_cell_n)
    out.loc[hidden, "value"] = np.nan
    out.loc[hidden, "base_n"] = pd.NA
    out.loc[hidden, "flag"] = SUPPRESSED
    return out


def _complementary_cells(cells: pd.DataFrame, hidden: np.ndarray, min_cell_n: int, groups: np.ndarray,
                         measures: Sequence[str] | None, ledger: GroupLedger | None) -> np.ndarray:
    """Rule 2: in each block of cells that differ only by group, the family rule over their bases."""
    if measures is not None and ledger is not None:
        family_of = {m: key for key, fam in ledger.families.items() for m in fam.members}
        block = (cells["table"] + "\x1f" + cells["stat"] + "\x1f" + pd.Series(list(measures), index=cells.index)
                 + "\x1f" + pd.Series([str(family_of.get(g, "")) for g in groups], index=cells.index))
        block = block.where(pd.Series(list(measures), index=cells.index) != "", "")
    else:
        nested = cells["subrow"] != ""
        block = pd.Series(np.where(nested, cells["table"] + "\x1f" + cells["section"] + "\x1f" + cells["row"],
                                   cells["table"] + "\x1f" + cells["section"]), index=cells.index)
        block = block + "\x1f" + cells["column"] + "\x1f" + cells["stat"]
    base = cells["base_n"].astype("Float64").fillna(0).to_numpy(dtype=float).astype(int)
    candidate = (cells["flag"] != "ref").to_numpy()
    extra = np.zeros(len(cells), dtype=bool)
    positions = pd.Series(np.arange(len(cells)), index=cells.index)
    for key, members in positions.groupby(block.to_numpy(), sort=False):
        rows = members.to_numpy()
        rows = rows[candidate[rows]]
        if key == "" or len(rows) < 2 or not hidden[rows].any():
            continue
        chosen = complete_family(base[rows].tolist(), set(np.flatnonzero(hidden[rows]).tolist()), min_cell_n)
        extra[rows[sorted(chosen)]] = True
    return extra & ~hidden


def _crosstab(cells: pd.DataFrame, table: str, min_cell_n: int) -> np.ndarray:
    """Rule 3 for one crosstab: hidden counts along rows and columns, their shares, and the tests."""
    in_table = (cells["table"] == table).to_numpy()
    body = in_table & (cells["section"] == "").to_numpy()
    counts = cells[body & (cells["stat"] == "n").to_numpy()]
    if counts.empty:
        return np.zeros(len(cells), dtype=bool)
    matrix = counts.pivot(index="row", columns="column", values="value")
    matrix = matrix.reindex(index=list(dict.fromkeys(counts["row"])), columns=list(dict.fromkeys(counts["column"])))
    values = matrix.fillna(0).to_numpy(dtype=int)
    hidden = (values > 0) & (values < min_cell_n)
    while True:
        before = hidden.copy()
        for lines in (hidden, hidden.T):
            source = values if lines is hidden else values.T
            for i in range(lines.shape[0]):
                if lines[i].any():
                    chosen = complete_family(source[i].tolist(), set(np.flatnonzero(lines[i]).tolist()), min_cell_n)
                    lines[i, sorted(chosen)] = True
        if (hidden == before).all():
            break
    pairs = {(matrix.index[i], matrix.columns[j]) for i, j in zip(*np.nonzero(hidden))}
    keyed = pd.Series(list(zip(cells["row"], cells["column"])), index=cells.index)
    out = body & keyed.isin(pairs).to_numpy() & cells["stat"].isin(CROSSTAB_SHARES).to_numpy()
    if hidden.any():
        out |= in_table & (cells["section"] == "_test").to_numpy() & cells["stat"].isin(CROSSTAB_TESTS).to_numpy()
    return out
