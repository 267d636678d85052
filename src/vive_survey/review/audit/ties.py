"""Check: cells that lie exactly halfway at the printed precision, and the rounding rule they follow.

At the base its row implies, a printed share is a count k out of n, so its exact value 100 k / n
is known. Where that value lies exactly halfway between two printable numbers (1/16 = 6,25 % at
one decimal), the printed one tells the rounding rule: half-up prints the upper (6,3),
half-even the even one (6,2); an upper even number agrees with both, a lower odd one with
neither (half-down). The audit's matching accepts either rule (`bases`); this check counts which
the report follows, per table (a note).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vive_survey.inputs.codebook import Codebook
from vive_survey.review.audit.bases import N_MAX, count_bounds, implied_bases, scaled_percentages
from vive_survey.review.audit.findings import findings_frame, findings_on, list_text
from vive_survey.review.audit.relations import Relations
from vive_survey.review.audit.rows import crosstab_grid, distribution_rows, first_cell, is_crosstab

HALF_UP, HALF_EVEN, BOTH, NEITHER = "half-up", "half-even", "either rule", "neither (half-down)"
RULES = (HALF_UP, HALF_EVEN, BOTH, NEITHER)


def tie_rule(value: float, decimals: int, n: int) -> tuple[int, str] | None:
    """(the count, the rule the print follows) if the printed share's count at base n is one number
    whose exact share is halfway at the printed precision; else None."""
    big_p, scale, blank = scaled_percentages([value], [decimals])
    lo, hi = (int(a[0, 0]) for a in count_bounds(big_p, scale, blank, np.array([n])))
    if lo != hi:
        return None
    # 100 k / n in units of the last printed digit, doubled: an odd integer is a tie.
    twice, remainder = divmod(2 * int(scale[0]) * 100 * lo, n)
    if remainder or twice % 2 == 0:
        return None
    lower, printed = twice // 2, int(big_p[0])
    upper = lower + 1
    if printed == upper:
        return lo, BOTH if upper % 2 == 0 else HALF_UP
    return lo, HALF_EVEN if lower % 2 == 0 else NEITHER


def _tie_cells(published: pd.DataFrame, metadata: dict, n_max: int) -> list[tuple[pd.DataFrame, int, int, str]]:
    """(cell, count, base, rule) for every tie of the distribution rows and crosstabs."""
    ties = []
    for r in distribution_rows(published, metadata):
        bases = implied_bases(r.values, r.decimals, n_max)
        if not bases:
            continue
        n = r.stated_n if r.stated_n in bases else bases[0]
        row_cells = r.cells
        for label, value, decimals in zip(r.labels, r.values, r.decimals):
            if value is None or decimals is None:
                continue
            found = tie_rule(value, decimals, n)
            if found:
                cell = row_cells[row_cells["column"].eq(label) & row_cells["stat"].eq("pct")]
                ties.append((cell, found[0], n, found[1]))
    for table in metadata:
        if not is_crosstab(metadata, table):
            continue
        grid = crosstab_grid(published, table, n_max)
        if grid is None or not grid.bases:
            continue
        cells = published[published["table"].eq(table) & published["stat"].eq("pct")]
        for i, row in enumerate(grid.rows):
            for j, column in enumerate(grid.cols):
                found = tie_rule(float(grid.values[i, j]), int(grid.decimals[i, j]), grid.bases[0])
                if found:
                    cell = cells[cells["row"].eq(row) & cells["column"].eq(column)]
                    ties.append((cell, found[0], grid.bases[0], found[1]))
    return ties


def check_rounding_ties(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                        relations: Relations | None = None, n_max: int = N_MAX) -> pd.DataFrame:
    """Per table, the printed shares whose exact value at the implied base is a tie, by rounding rule.

    The base of a row is the n printed in it if that reproduces the row, else the smallest base
    that does (`bases.implied_bases`); a crosstab's is the smallest base of all its cells. A cell
    whose count at that base is not one number (a share with no decimals at a large base) is not
    counted.

    Parameters
    ----------
    published : DataFrame
        Cells as the checks judge them.
    metadata : dict
        Per-table metadata (crosstabs are read as one distribution).
    codebook, relations
        Unused; for the common signature.
    n_max : int
        Largest base tried.

    Returns
    -------
    DataFrame
        One ``rounding_ties`` note per table with a tie, anchored at the table's first cell: how many
        ties follow half-up, half-even, either or neither, and each tie in the details.
    """
    by_table: dict[str, list] = {}
    for tie in _tie_cells(published, metadata, n_max):
        by_table.setdefault(tie[0]["table"].iloc[0], []).append(tie)
    out: list[dict] = []
    for table, ties in by_table.items():
        counts = {rule: sum(t[3] == rule for t in ties) for rule in RULES}
        decisive = [rule for rule in (HALF_UP, HALF_EVEN, NEITHER) if counts[rule]]
        verdict = (f"the decisive ones follow {decisive[0]}" if len(decisive) == 1 else
                   "none decides between half-up and half-even" if not decisive else
                   f"the report mixes rules ({' and '.join(decisive)})")
        reason = (f"{len(ties)} printed share(s) of Tabel {table} are exact ties at their implied base (halfway "
                  f"between two printable numbers): " + ", ".join(f"{counts[r]} {r}" for r in RULES if counts[r])
                  + f"; {verdict}")
        items = [f"{' / '.join(x for x in (c['row'].iloc[0], c['subrow'].iloc[0]) if x)} — {c['column'].iloc[0]}: "
                 f"{k}/{n} = {100 * k / n:.{int(c['decimals'].iloc[0]) + 1}f} printed {c['printed'].iloc[0]} ({rule})"
                 for c, k, n, rule in ties]
        out += findings_on(first_cell(published, table), "rounding_ties", "rounding_ties", False, reason,
                           "ties: " + list_text(items, 40) + "; anchored at the first cell")
    return findings_frame(out)
