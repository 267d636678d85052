"""An overall row's means against its groups' means: the groups' shares must be the same in every column.

If a section's groups (4.16's Mand and Kvinde) split the respondents of an overall row, each
overall mean is the groups' means weighted by their shares of the respondents: m = sum_g w_g m_g,
w in the simplex. With every mean known to +- half a unit, one column allows the shares w with
sum_g w_g lo_g <= m_hi and sum_g w_g hi_g >= m_lo (linear in w). Two columns whose sets of shares
do not meet cannot both hold for the same respondents. A warning, not unattainable: respondents
without an answer to the background question count in the overall row only, and item
non-response changes the shares from one column to the next.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pandas as pd

from vive_survey.printing.rounding import half_unit, to_fraction
from vive_survey.review.audit.findings import findings_on, number_text
from vive_survey.review.audit.relations import Partition


def _interval(cell: pd.Series) -> tuple[Fraction, Fraction]:
    v, h = to_fraction(cell["value"]), half_unit(cell["decimals"])
    return v - h, v + h


def two_group_shares(overall: tuple[Fraction, Fraction], first: tuple[Fraction, Fraction],
                     second: tuple[Fraction, Fraction]) -> tuple[Fraction, Fraction] | None:
    """The shares w of the second group (0-1) for which (1 - w) m_1 + w m_2 can be the overall mean,
    each mean anywhere in its interval; None if no share can."""
    lo, hi = Fraction(0), Fraction(1)
    # (1 - w) a + w b <= c  and  (1 - w) a' + w b' >= c': each bounds w from one side.
    for a, b, c, sign in ((first[0], second[0], overall[1], 1), (first[1], second[1], overall[0], -1)):
        slope, room = sign * (b - a), sign * (c - a)
        if slope > 0:
            hi = min(hi, room / slope)
        elif slope < 0:
            lo = max(lo, room / slope)
        elif room < 0:
            return None
    return (lo, hi) if lo <= hi else None


def _feasible(columns: list[tuple[tuple[Fraction, Fraction], list[tuple[Fraction, Fraction]]]]) -> bool:
    """Shares w (k >= 3 groups) fitting every column: a linear programme's feasibility (scipy)."""
    from scipy.optimize import linprog

    k = len(columns[0][1])
    a_ub, b_ub = [], []
    for overall, groups in columns:
        a_ub.append([float(g[0]) for g in groups])
        b_ub.append(float(overall[1]) + 1e-9)
        a_ub.append([-float(g[1]) for g in groups])
        b_ub.append(-float(overall[0]) + 1e-9)
    result = linprog(np.zeros(k), A_ub=a_ub, b_ub=b_ub, A_eq=[[1.0] * k], b_eq=[1.0], bounds=[(0, 1)] * k,
                     method="highs")
    return result.status == 0


def check_partition_shares(published: pd.DataFrame, partition: Partition) -> list[dict]:
    """Per section of the partition's table: columns that need different shares of its groups.

    Returns ``partition_shares_conflict`` findings (warnings) on the means of the two columns whose
    sets of shares lie furthest apart (two groups: intervals of the second group's share), or, with
    three groups or more, on the first pair of columns no shares fit together."""
    out: list[dict] = []
    t = published[published["table"].eq(partition.table) & published["stat"].eq("mean") & published["value"].notna()]
    overall = t[t["section"].eq("") & t["row"].eq(partition.overall_row)]
    for section, part in t[t["section"].ne("")].groupby("section", sort=False):
        groups = list(dict.fromkeys(part["row"]))
        columns = []
        for _, total in overall.iterrows():
            cells = [part[part["row"].eq(g) & part["column"].eq(total["column"])] for g in groups]
            if len(groups) >= 2 and all(len(c) == 1 for c in cells):
                columns.append((total, [c.iloc[0] for c in cells]))
        if len(groups) == 2:
            out += _two_groups(partition, section, groups, columns)
        elif len(groups) > 2:
            out += _more_groups(partition, section, groups, columns)
    return out


def _means_text(total: pd.Series, cells: list[pd.Series]) -> str:
    return (f"'{total['column']}' (overall {number_text(total['value'])}; "
            + ", ".join(f"{c['row']} {number_text(c['value'])}" for c in cells) + ")")


def _cells(pair) -> pd.DataFrame:
    return pd.DataFrame([cell for total, cells in pair for cell in [total, *cells]])


def _two_groups(partition: Partition, section: str, groups: list[str], columns: list) -> list[dict]:
    shares = []
    for total, cells in columns:
        w = two_group_shares(_interval(total), _interval(cells[0]), _interval(cells[1]))
        if w is not None:     # a column no share fits is overall_outside_subgroups' finding
            shares.append((total, cells, w))
    pairs = [(a, b) for a, b in itertools.combinations(shares, 2) if a[2][1] < b[2][0] or b[2][1] < a[2][0]]
    if not pairs:
        return []
    a, b = max(pairs, key=lambda p: max(p[1][2][0] - p[0][2][1], p[0][2][0] - p[1][2][1]))
    low, high = sorted((a, b), key=lambda s: s[2][0])

    def pct(w):
        return f"{number_text(100 * w[0])}-{number_text(100 * w[1])} %"

    reason = (f"if the {section} groups {groups[0]} and {groups[1]} split the respondents of Tabel {partition.table}'s "
              f"'{partition.overall_row}' row, every overall mean is their means weighted by the same shares; "
              f"{_means_text(low[0], low[1])} needs {groups[1]} to be {pct(low[2])} of them, "
              f"{_means_text(high[0], high[1])} {pct(high[2])}: no share fits both (respondents without a {section} "
              f"answer, or who skipped items of one theme, could explain it)")
    details = f"share of {groups[1]} each column allows: " + "; ".join(
        f"{total['column']} {pct(w)}" for total, _, w in shares) + f"; {len(pairs)} pair(s) of columns disagree"
    return findings_on(_cells([(low[0], low[1]), (high[0], high[1])]), "cross_table", "partition_shares_conflict",
                       False, reason, details)


def _more_groups(partition: Partition, section: str, groups: list[str], columns: list) -> list[dict]:
    bounded = [(_interval(total), [_interval(c) for c in cells]) for total, cells in columns]
    alone = [i for i, column in enumerate(bounded) if _feasible([column])]
    for i, j in itertools.combinations(alone, 2):
        if not _feasible([bounded[i], bounded[j]]):
            pair = [columns[i], columns[j]]
            reason = (f"if the {section} groups ({', '.join(groups)}) split the respondents of Tabel "
                      f"{partition.table}'s '{partition.overall_row}' row, every overall mean is their means "
                      f"weighted by the same shares; no shares fit both {_means_text(*columns[i])} and "
                      f"{_means_text(*columns[j])} "
                      f"(respondents without a {section} answer, or who skipped items of one theme, could explain it)")
            return findings_on(_cells(pair), "cross_table", "partition_shares_conflict", False, reason,
                               f"columns each fitting some shares alone: {len(alone)} of {len(columns)}")
    return []
