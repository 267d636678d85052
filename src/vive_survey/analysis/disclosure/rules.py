"""Statistical disclosure control: no published number may rest on fewer than k respondents.

The rule set (`disclosure.min_cell_n` = k; docs/disclosure.md compares it with Danmarks
Statistik's practice):

1. Groups. A group of 1 to k-1 respondents is hidden in every table that prints it, with all its
   cells (its n included). Complementary groups are hidden with it (`GroupLedger.protected_groups`):
   within each variable's levels, and wherever a linear combination of visible groups would give
   back a hidden group or a small remainder.
2. Cells. A cell whose own base (the respondents who answered) is below k is hidden; within the
   cells that differ only by group (one question, statistic and column), complementary cells follow
   the same family rule (`complete_family`), counting as remainder those who answered outside the
   printed levels when the population's own cell is printed.
3. Crosstabs. A count of 1 to k-1 is hidden with its percentages, and complementary counts along
   its row and column; the margins are public through the item tables. A crosstab with a hidden
   count does not print its chi-square statistic or p-values, which are functions of all counts.
   A share table whose conditions are cells of a crosstab (4.14 of 4.13) counts respondents of
   those cells by group: a share resting on 1 to k-1 such respondents is hidden too.
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


def suppress(cells: pd.DataFrame, min_cell_n: int, *, context: pd.DataFrame | None = None,
             ledger: GroupLedger | None = None, crosstabs: Sequence[str] = (),
             crosstab_shares: Sequence[str] = ()) -> pd.DataFrame:
    """A copy of `cells` with the rule set applied. `context` (cells.context_frame, row for row)
    says which group of `ledger` each cell describes, its family, what it measures and the
    respondents behind a model coefficient; without it only the cell rules apply, on blocks of cells
    that differ by row or subrow. `crosstab_shares` are share tables whose conditions are cells of
    one of the `crosstabs` (Tabel 4.14 of 4.13): their counts follow the crosstab's rule."""
    out = cells.copy()
    if not min_cell_n:
        return out
    not_ref = (out["flag"] != "ref").to_numpy()
    base = out["base_n"].astype("Float64")
    hidden = (base < min_cell_n).fillna(False).to_numpy(dtype=bool) & not_ref
    if context is not None:
        behind = context["group_n"].astype("Float64")
        hidden |= (behind < min_cell_n).fillna(False).to_numpy(dtype=bool) & not_ref
    if ledger is not None and context is not None:
        protected = ledger.protected_groups(min_cell_n)
        hidden |= context["group"].isin(protected).to_numpy() & not_ref
    for table in crosstab_shares:
        hidden |= _small_counts(out, table, min_cell_n, hidden)
    hidden |= _complementary_cells(out, hidden, min_cell_n, context)
    for table in crosstabs:
        hidden |= _crosstab(out, table, min_cell_n)
    out.loc[hidden, "value"] = np.nan
    out.loc[hidden, "base_n"] = pd.NA
    out.loc[hidden, "flag"] = SUPPRESSED
    return out


def _complementary_cells(cells: pd.DataFrame, hidden: np.ndarray, min_cell_n: int,
                         context: pd.DataFrame | None) -> np.ndarray:
    """Rule 3: in each block of cells that differ only by the group of one family, the family rule
    over their bases, with the remainder that the population's own cell of the same measure (where
    one is printed, in any table) leaves outside the printed levels."""
    base = cells["base_n"].astype("Float64").fillna(0).to_numpy(dtype=float).astype(int)
    remainder_of: dict[str, int] = {}
    if context is not None:
        measured = (context["measure"] != "") & (context["family"] != "")
        block = pd.Series(np.where(measured, cells["table"] + "\x1f" + cells["stat"] + "\x1f" + context["measure"]
                                   + "\x1f" + context["family"], ""), index=cells.index)
        population_base = {}
        for group, stat, measure, b in zip(context["group"], cells["stat"], context["measure"], base):
            population_base.setdefault((group, stat, measure), b)
        for key, family, stat, measure in zip(block, context["family"], cells["stat"], context["measure"]):
            if key and key not in remainder_of:
                remainder_of[key] = population_base.get((family.split("|")[0], stat, measure), -1)
    else:
        nested = cells["subrow"] != ""
        block = pd.Series(np.where(nested, cells["table"] + "\x1f" + cells["section"] + "\x1f" + cells["row"],
                                   cells["table"] + "\x1f" + cells["section"]), index=cells.index)
        block = block + "\x1f" + cells["column"] + "\x1f" + cells["stat"]
    candidate = (cells["flag"] != "ref").to_numpy()
    extra = np.zeros(len(cells), dtype=bool)
    positions = pd.Series(np.arange(len(cells)), index=cells.index)
    for key, members in positions.groupby(block.to_numpy(), sort=False):
        rows = members.to_numpy()
        rows = rows[candidate[rows]]
        if key == "" or not len(rows):
            continue
        population = remainder_of.get(key, -1)
        remainder = max(population - int(base[rows].sum()), 0) if population >= 0 else 0
        if not hidden[rows].any() and not 0 < remainder < min_cell_n:
            continue
        chosen = complete_family(base[rows].tolist(), set(np.flatnonzero(hidden[rows]).tolist()), min_cell_n,
                                 remainder)
        extra[rows[sorted(chosen)]] = True
    return extra & ~hidden


def _small_counts(cells: pd.DataFrame, table: str, min_cell_n: int, hidden: np.ndarray) -> np.ndarray:
    """Rule 5 for a share table whose conditions are cells of a crosstab: the respondents a share
    counts (share x base) follow the crosstab's count rule, with complements down each column."""
    rows = np.flatnonzero(((cells["table"] == table) & (cells["stat"] == "pct")).to_numpy())
    values = cells["value"].to_numpy()[rows]
    bases = cells["base_n"].astype("Float64").fillna(0).to_numpy(dtype=float)[rows]
    hits = np.rint(np.nan_to_num(values) * bases / 100).astype(int)
    extra = np.zeros(len(cells), dtype=bool)
    columns = cells["column"].to_numpy()[rows]
    for column in dict.fromkeys(columns):
        part = np.flatnonzero(columns == column)
        small = {i for i, p in enumerate(part) if 0 < hits[p] < min_cell_n or hidden[rows[p]]}
        if small:
            chosen = complete_family(hits[part].tolist(), small, min_cell_n)
            extra[rows[part[sorted(chosen)]]] = True
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
