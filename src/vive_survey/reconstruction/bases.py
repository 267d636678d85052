"""Share solutions and bases: the integer arithmetic that turns printed shares into counts.

A printed row of shares fits only some answering bases n (the audit's `implied_bases`); per table
and group the base shared by most rows is used, and each item in each group gets exactly the
counts that print as its row (an ItemPlan).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from vive_survey.analysis.spec import TableSpec
from vive_survey.review.audit import compatible_counts, implied_bases

# The group sizes the report states (Tabel 4.2/4.8 for the professionals and students, 3.2 for the
# volunteers): the largest base any group's row can have.
GROUP_SIZES = {"Studerende": 109, "Nyuddannede": 54, "Erfarne": 181, "Frivillige": 34}


def close_enough(x: float, target: float, decimals: int) -> bool:
    """Inside the printed precision, with a hair of margin so that the exact check agrees."""
    return abs(x - target) <= 0.5 * 10.0 ** -decimals - 1e-9


def share_solutions(percent: float, decimals: int, max_n: int) -> list[tuple[int, int]]:
    """(n, k) with k/n printing as `percent`, largest n first."""
    out = []
    for n in sorted(implied_bases([percent, None], [decimals, 0], max_n), reverse=True):
        counts = compatible_counts([percent, None], [decimals, 0], n)
        if counts is not None:
            out.append((n, counts[0]))
    return out


def grim_n(mean: float, decimals: int, max_n: int) -> int:
    """The largest n <= max_n for which some integer total gives `mean` at the printed precision."""
    for n in range(max_n, 0, -1):
        if close_enough(round(mean * n) / n, mean, decimals):
            return n
    return max_n


def nearest_counts(percentages: list, n: int) -> list[int]:
    """Counts summing to n as close as possible to the printed shares (for rows no base fits)."""
    shares = np.array([0.0 if p is None or p != p else p for p in percentages])
    raw = shares / max(shares.sum(), 1e-9) * n
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    return counts.tolist()


def choose_base(rows: list[list], decimals: list[list], limit: int) -> int | None:
    """The base shared by most rows (largest on a tie), up to `limit`."""
    tally: dict[int, int] = {}
    for shares, decs in zip(rows, decimals):
        for n in implied_bases(shares, decs, limit):
            tally[n] = tally.get(n, 0) + 1
    if not tally:
        return None
    return max(tally, key=lambda n: (tally[n], n))


def row_counts(shares: list, decs: list, base: int | None, limit: int) -> tuple[int, list[int]]:
    """(n, counts) for one printed row: the table's base if it fits, else the row's nearest base,
    else the nearest counts at the table's base."""
    if base is not None:
        counts = compatible_counts(shares, decs, base)
        if counts is not None:
            return base, counts
    own = implied_bases(shares, decs, limit)
    if own:
        n = min(own, key=lambda m: (abs(m - (base or m)), -m))
        return n, compatible_counts(shares, decs, n)
    n = base or limit
    return n, nearest_counts(shares, n)


@dataclass
class ItemPlan:
    item: str
    group: str
    base: int
    counts: list[int]


def distribution_plans(published: pd.DataFrame, specs: list[TableSpec]) -> list[ItemPlan]:
    """Counts per item and group from every likert_distribution table."""
    plans = []
    for spec in specs:
        if spec.kind != "likert_distribution":
            continue
        cells = published[published["table"] == spec.id]
        labels = {e["label"]: e["item"] for s in spec["sections"] for e in s["items"]}
        groups = {"": "Frivillige"}
        for block in spec.groups:
            groups.update({lvl.label: lvl.value for lvl in block.levels})
        for subrow, group_cells in cells.groupby("subrow", sort=False):
            group = groups[subrow]
            rows, decs, items = [], [], []
            for row, row_cells in group_cells.groupby("row", sort=False):
                answers = row_cells[row_cells["column"] != "Total"]
                rows.append([None if pd.isna(v) else float(v) for v in answers["value"]])
                decs.append([1 if pd.isna(d) else int(d) for d in answers["decimals"]])
                items.append(labels[row])
            limit = GROUP_SIZES[group]
            base = choose_base(rows, decs, limit)
            for item, shares, dec in zip(items, rows, decs):
                n, counts = row_counts(shares, dec, base, limit)
                plans.append(ItemPlan(item, group, n, counts))
    return plans
