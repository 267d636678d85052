"""Audit of the published tables: which printed cells no respondent data can produce, and why.

The report (VIVE 2021) is not internally consistent. This module checks the transcribed tables
(`data/published/`) by computation only, without respondent data:

* whether a row of printed shares can come from one set of integer counts (GRIM-style, over every
  answering base n up to `N_MAX`), and which bases it implies compared with the n the report states;
* contradictions between tables (group sizes, shares of women, margins of a crosstab, titles' n);
* whether an index mean lies within what its items' printed distributions allow;
* whether a standard deviation is possible for its mean on the bounded 1-4 scale;
* the chi-square note of Tabel 4.13 and the significance marks of Tabel 4.9.

Rounding rule. A share k/n is compatible with a printed percentage p with d decimals iff
``|100 * k / n - p| <= 0.5 * 10**-d`` (inclusive), evaluated in exact integer arithmetic, which
accepts both round-half-even (the report's 1/16 = 6.25 -> 6,2) and round-half-up.

Every check returns *findings*: one row per published cell a finding concerns (a finding about a
whole row lists every cell of that row; a finding about a table's title or note is anchored at the
table's first cell), with the columns of `FINDING_COLUMNS`. ``unattainable`` is True only where
the computation proves that no respondent data can produce the printed cell together with the cells
it is tied to; warnings (which item non-response, filters or missing background answers could
explain) have ``unattainable`` False.

All functions are pure: they take the frames of `published.load_published`, the dict of
`published.load_metadata` and a `codebook.Codebook`, and return new frames or text.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from vive_survey.inputs.codebook import Codebook
from vive_survey.analysis.cells import KEY
from vive_survey.analysis.spec import table_sort_key
from vive_survey.printing.rounding import half_unit, to_fraction

LIKERT = ("Stort set aldrig", "Sjældent", "Nogle gange", "Altid")
SCALE_MIN, SCALE_MAX = 1, 4
N_MAX = 400
"""Largest answering base searched. The survey has at most 342-378 respondents in all (Tabel 3.2,
4.2), so 'no base up to 400' proves that no set of answers in this survey gives the row."""

FINDING_COLUMNS = KEY + ["check", "code", "unattainable", "reason", "details"]
CHECKS = ("row_sum", "implied_n", "cross_table", "index_mean", "mean_sd", "chi2_note", "significance_note")

# Which tables hold the items of an index table's themes, and the population table for volunteers.
INDEX_ITEM_TABLES = {"4.8": ("4.4", "4.5", "4.6", "4.7", "B2.1", "B2.2")}
VOLUNTEER_MODULE_TABLES = {"Interne relationer": "B2.3", "Faktiske samarbejdsoplevelser": "4.12",
                           "Krav til samarbejde": "4.15"}
VOLUNTEER_INDEX_TABLE = "4.16"
VOLUNTEER_TABLES = ("4.12", "4.13", "4.14", "4.15", "4.16", "B2.3")
AGE_RANGE = (15, 100)

_CODE_TEXT = {
    "row_sum_unattainable": "the printed shares cannot sum to 100 under any rounding",
    "row_no_base": "no answering base up to 400 reproduces the printed shares",
    "row_blank_cells": "blank cells in a distribution row",
    "no_base_within_stated_n": "the shares need more answers than the stated n",
    "stated_n_not_implied": "the stated n is not a base of the shares",
    "group_share_conflict": "the same group has different values in two tables",
    "subgroups_exceed_total": "subgroups add up to more than their group",
    "total_n_text_conflict": "the text's total differs from the table",
    "bands_base_conflict": "a distribution does not fit the group it claims to cover",
    "weighted_total_conflict": "a total is not the weighted mean of its rows",
    "band_share_unattainable": "a share needs more people than its band can hold",
    "margin_conflict": "crosstab margins differ from the items' distributions",
    "stated_n_exceeds_population": "a title/note n exceeds the population",
    "overall_outside_subgroups": "an overall mean lies outside all subgroup means",
    "index_mean_inconsistent": "index mean outside what its items allow",
    "index_mean_fits_unreversed_only": "index mean fits only without reverse coding",
    "mean_out_of_range": "mean outside the scale",
    "sd_exceeds_max": "SD larger than possible for the mean",
    "sd_zero_mean_off_grid": "SD 0 with a mean no identical answers give",
    "sd_negative": "negative SD",
    "p_value_impossible": "the printed p-value is impossible / not what the counts give",
    "base_conflict": "shares need a base the related table does not have",
    "note_inequality_reversed": "significance note with the inequality reversed",
    "missing_significance_mark": "coefficient printed without a mark",
}


# --------------------------------------------------------------------------------------------
# exact rounding arithmetic


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _scaled(percentages: Sequence, decimals) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(P, s, blank): printed p = P / s exactly, s = 10**d; blank cells flagged."""
    m = len(percentages)
    if np.ndim(decimals) == 0:
        decimals = [decimals] * m
    if len(decimals) != m:
        raise ValueError(f"{m} percentages but {len(decimals)} decimals")
    big_p, scale, blank = np.zeros(m, dtype=np.int64), np.ones(m, dtype=np.int64), np.zeros(m, dtype=bool)
    for i, (p, d) in enumerate(zip(percentages, decimals)):
        if _is_blank(p):
            blank[i] = True
            continue
        d = 1 if _is_blank(d) else int(d)
        scale[i] = 10 ** d
        big_p[i] = round(to_fraction(p) * scale[i])
    return big_p, scale, blank


def _count_bounds(big_p: np.ndarray, scale: np.ndarray, blank: np.ndarray, n: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per base n (rows) and category (columns): the least and greatest count k with
    |100 k / n - P / s| <= 1 / (2 s), i.e. |200 s k - 2 P n| <= n, in integers."""
    n = np.asarray(n, dtype=np.int64)[:, None]
    den = 200 * scale
    lo = -((-(2 * big_p * n - n)) // den)
    hi = (2 * big_p * n + n) // den
    lo = np.where(blank, 0, np.maximum(lo, 0))
    hi = np.where(blank, n, np.minimum(hi, n))
    return lo, hi


def implied_bases(percentages: Sequence, decimals, n_max: int = N_MAX) -> list[int]:
    """Every answering base n in 1..n_max for which integer counts reproduce all printed shares.

    Parameters
    ----------
    percentages : sequence of float or None
        The printed percentages of one distribution (every category of it). A dash is 0; a blank
        (None or NaN) is an unknown count.
    decimals : int or sequence of int
        Digits printed after the decimal mark, per percentage or one for all.
    n_max : int
        Largest base searched.

    Returns
    -------
    list of int
        Ascending bases n such that counts k_i >= 0 with sum k_i = n exist and every printed p_i
        satisfies |100 k_i / n - p_i| <= 0.5 * 10**-d_i (exact integer arithmetic). Empty when
        no base up to n_max works. Vectorised over n.
    """
    big_p, scale, blank = _scaled(percentages, decimals)
    n = np.arange(1, n_max + 1, dtype=np.int64)
    lo, hi = _count_bounds(big_p, scale, blank, n)
    ok = (lo <= hi).all(axis=1) & (lo.sum(axis=1) <= n) & (hi.sum(axis=1) >= n)
    return n[ok].tolist()


def compatible_counts(percentages: Sequence, decimals, n: int) -> list[int] | None:
    """Integer counts per category, summing to n, that reproduce every printed percentage.

    Parameters
    ----------
    percentages : sequence of float or None
        Printed percentages of one distribution; a dash is 0, None/NaN an unknown (blank) cell.
    decimals : int or sequence of int
        Printed decimals per percentage (or one for all).
    n : int
        The answering base.

    Returns
    -------
    list of int or None
        Counts k_i with sum n and |100 k_i / n - p_i| <= 0.5 * 10**-d_i for every printed p_i, each
        as close as possible to p_i * n / 100 (any remainder goes to blank cells first); None
        when no such counts exist.
    """
    if n < 1:
        return None
    big_p, scale, blank = _scaled(percentages, decimals)
    lo, hi = (a[0] for a in _count_bounds(big_p, scale, blank, np.array([n])))
    if (lo > hi).any() or lo.sum() > n or hi.sum() < n:
        return None
    target = [Fraction(int(p), int(s)) * n / 100 for p, s in zip(big_p, scale)]
    counts = [int(lo[i]) if blank[i] else min(max(round(target[i]), int(lo[i])), int(hi[i]))
              for i in range(len(lo))]
    while sum(counts) < n:
        room = [i for i in range(len(counts)) if counts[i] < hi[i]]
        blanks = [i for i in room if blank[i]]
        i = blanks[0] if blanks else max(room, key=lambda j: (target[j] - counts[j], -j))
        counts[i] += 1
    while sum(counts) > n:
        room = [i for i in range(len(counts)) if counts[i] > lo[i]]
        i = max(room, key=lambda j: ((counts[j] - target[j]) if not blank[j] else Fraction(10 ** 9), -j))
        counts[i] -= 1
    return counts


def _share_bases(p: float, d: int, n_max: int = N_MAX) -> list[int]:
    """Bases of a single printed share whose complement is not printed."""
    return implied_bases([p, None], [d, None], n_max)


def _fmt(x, d: int = 1) -> str:
    """A number for an English sentence: fixed decimals, point as decimal mark."""
    return f"{float(x):.{d}f}"


def _list(values, limit: int = 6) -> str:
    values = list(values)
    text = ", ".join(str(v) for v in values[:limit])
    return text + (", …" if len(values) > limit else "")


def _usual_decimals(published: pd.DataFrame, table: str) -> int:
    """The decimals most percentage cells of a table are printed with (ties: the fewer)."""
    cells = published[published["table"].eq(table) & published["stat"].eq("pct") & published["decimals"].notna()
                      & published["printed"].ne("-")]
    if cells.empty:
        return 1
    counts = cells["decimals"].astype(int).value_counts()
    return int(min(counts.index[counts == counts.max()]))


def _reread(printed: Sequence[str], decimals: Sequence, usual: int) -> tuple[list, list[str]]:
    """Decimals with trailing zeros beyond the table's usual decimals dropped ('30,80' -> 1 decimal)."""
    out, changed = [], []
    for text, d in zip(printed, decimals):
        text = str(text)
        if d is not None and not _is_blank(d) and int(d) > usual and re.fullmatch(rf"-?\d+[.,]\d{{{usual}}}0+", text):
            out.append(usual)
            changed.append(text)
        else:
            out.append(d)
    return out, changed


# --------------------------------------------------------------------------------------------
# the published cells as rows and lookups


@dataclass
class _Row:
    """One distribution of printed shares (a question row for one group, or a share with its n)."""

    table: str
    section: str
    row: str
    subrow: str
    cells: pd.DataFrame                      # every published cell of the row, file order
    labels: list[str]
    values: list                             # float, or None for a blank / unprinted remainder
    decimals: list
    printed: list[str]
    stated_n: int | None = None              # an n printed in the same row
    remainder: bool = False                  # True: a complement category that is not printed
    blanks: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.table, self.section, self.row, self.subrow)


def _cells(published: pd.DataFrame) -> pd.DataFrame:
    cells = published.reset_index(drop=True).copy()
    cells["_pos"] = np.arange(len(cells))
    return cells


def _title(metadata: dict, table: str) -> str:
    return str((metadata.get(table) or {}).get("title") or "")


def _is_crosstab(metadata: dict, table: str) -> bool:
    return "krydstabel" in _title(metadata, table).casefold()


def _distribution_rows(published: pd.DataFrame, metadata: dict) -> list[_Row]:
    """Likert distribution rows (not crosstabs) and rows of shares printed with their own n."""
    cells = _cells(published)
    records = cells[KEY + ["printed", "value", "decimals"]].to_dict("records")
    groups: dict[tuple, list[int]] = {}
    for i, rec in enumerate(records):
        groups.setdefault((rec["table"], rec["section"], rec["row"], rec["subrow"]), []).append(i)
    rows = []
    for (table, section, row, subrow), idx in groups.items():
        pct = [i for i in idx if records[i]["stat"] == "pct"]
        likert = {records[i]["column"]: i for i in pct if records[i]["column"] in LIKERT}
        ns = [i for i in idx if records[i]["stat"] == "n"]
        if len(likert) >= 2 and not _is_crosstab(metadata, table):
            order = [likert[c] for c in LIKERT if c in likert]
            values = [None if pd.isna(records[i]["value"]) else float(records[i]["value"]) for i in order]
            rows.append(_Row(table, section, row, subrow, cells.iloc[idx], [records[i]["column"] for i in order],
                             values, [None if pd.isna(records[i]["decimals"]) else int(records[i]["decimals"])
                                      for i in order],
                             [records[i]["printed"] for i in order],
                             blanks=[records[i]["column"] for i, v in zip(order, values) if v is None]))
        elif len(ns) == 1 and pct and all(not pd.isna(records[i]["value"]) for i in pct):
            remainder = len(pct) == 1
            rows.append(_Row(table, section, row, subrow, cells.iloc[sorted(pct + ns)],
                             [records[i]["column"] for i in pct] + (["(rest)"] if remainder else []),
                             [float(records[i]["value"]) for i in pct] + ([None] if remainder else []),
                             [int(records[i]["decimals"]) for i in pct] + ([None] if remainder else []),
                             [records[i]["printed"] for i in pct], stated_n=int(records[ns[0]]["value"]),
                             remainder=remainder))
    return rows


def _cell(published: pd.DataFrame, table: str, row: str, column: str, stat: str, section: str | None = None,
          subrow: str = "") -> pd.DataFrame:
    m = (published["table"].eq(table) & published["row"].eq(row) & published["column"].eq(column)
         & published["stat"].eq(stat) & published["subrow"].eq(subrow))
    if section is not None:
        m &= published["section"].eq(section)
    return published[m]


def _group_sizes(published: pd.DataFrame) -> dict[str, tuple[int, str]]:
    """Group sizes stated in Tabel 4.2 (row = group) and 4.8 (column = group): name -> (n, where)."""
    sizes: dict[str, tuple[int, str]] = {}
    n42 = published[published["table"].eq("4.2") & published["stat"].eq("n")]
    for _, c in n42.iterrows():
        sizes.setdefault(c["row"], (int(c["value"]), "Tabel 4.2"))
    n48 = published[published["table"].eq("4.8") & published["stat"].eq("n")]
    for _, c in n48.iterrows():
        if c["column"] in sizes and sizes[c["column"]][0] == int(c["value"]):
            sizes[c["column"]] = (sizes[c["column"]][0], "Tabel 4.2/4.8")
        else:
            sizes.setdefault(c["column"], (int(c["value"]), "Tabel 4.8"))
    return sizes


def _group_of(label: str, groups) -> str | None:
    folded = label.casefold()
    for g in groups:
        if folded == g.casefold() or folded.startswith(g.casefold() + " "):
            return g
    return None


def _table_stated_n(metadata: dict, table: str) -> tuple[int, str] | None:
    """The n a table states for itself: in its title or its Anm. (not one borrowed from elsewhere)."""
    for entry in (metadata.get(table) or {}).get("stated_n") or []:
        where = str(entry.get("where", "")).strip().casefold()
        if where == "title" or where.startswith("anm"):
            return int(entry["value"]), f"Tabel {table} {'title' if where == 'title' else 'Anm.'}"
    return None


def _findings(cells: pd.DataFrame, check: str, code: str, unattainable: bool, reason: str, details: str = ""
              ) -> list[dict]:
    return [{**{k: c[k] for k in KEY}, "check": check, "code": code, "unattainable": bool(unattainable),
             "reason": reason, "details": details} for _, c in cells.iterrows()]


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["unattainable"] = frame["unattainable"].astype(bool)
    for col in FINDING_COLUMNS:
        if col != "unattainable":
            frame[col] = frame[col].astype(str)
    return frame


def _first_cell(published: pd.DataFrame, table: str) -> pd.DataFrame:
    return published[published["table"].eq(table)].head(1)


def _counts_text(counts) -> str:
    return "/".join(str(c) for c in counts)


# --------------------------------------------------------------------------------------------
# a. row sums


def check_row_sum(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                  n_max: int = N_MAX) -> pd.DataFrame:
    """Distribution rows whose printed shares no set of counts reproduces (for any n <= n_max).

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `load_published`.
    metadata : dict
        As returned by `load_metadata` (crosstabs, whose rows are not distributions, are skipped).
    codebook : Codebook, optional
        Unused; for a uniform signature.
    n_max : int
        Largest base tried.

    Returns
    -------
    DataFrame
        Findings (`FINDING_COLUMNS`), one per cell of each offending row. Codes:
        ``row_sum_unattainable`` (the sum is off by more than rounding can explain),
        ``row_no_base`` (the sum is within rounding, yet no base up to n_max fits) - both
        unattainable - and ``row_blank_cells`` (blank cells; consistent only if a blank is an
        unknown count, not 0).
    """
    out: list[dict] = []
    for r in _distribution_rows(published, metadata):
        if r.remainder:
            continue
        printed = [v for v in r.values if v is not None]
        total = Fraction(0)
        tol = Fraction(0)
        for v, d in zip(r.values, r.decimals):
            if v is not None:
                total += to_fraction(v)
                tol += half_unit(d if d is not None else 1)
        bases = implied_bases(r.values, r.decimals, n_max)
        shares = ", ".join(_fmt(v, d or 0) for v, d in zip(r.values, r.decimals) if v is not None)
        if r.blanks:
            zero = implied_bases([0.0 if v is None else v for v in r.values],
                                 [1 if v is None else d for v, d in zip(r.values, r.decimals)], n_max)
            if bases and not zero:
                counts = compatible_counts(r.values, r.decimals, bases[0])
                out += _findings(r.cells, "row_sum", "row_blank_cells", False,
                                 f"{len(r.blanks)} of {len(r.labels)} cells are blank and the printed shares "
                                 f"{shares} sum to {_fmt(total)}: they fit one set of answers only if the blanks "
                                 f"are unknown counts (smallest n = {bases[0]}), not zeros",
                                 f"blank: {', '.join(r.blanks)}; bases (blanks unknown)={_list(bases)}; "
                                 f"counts@{bases[0]}={_counts_text(counts)}; bases (blanks = 0)=none")
                continue
            if bases:
                continue
        if bases:
            continue
        if abs(total - 100) > tol:
            reason = (f"row sums to {_fmt(total)}, not 100: no set of answers gives these {len(printed)} shares "
                      f"together (rounding moves the sum by at most {_fmt(tol, 2)})")
            code = "row_sum_unattainable"
        else:
            reason = (f"row sums to {_fmt(total)}, within rounding of 100, but no answering base n <= {n_max} "
                      f"reproduces all {len(printed)} shares together")
            code = "row_no_base"
        details = f"shares={shares}; bases<= {n_max}: none"
        alt, changed = _reread(r.printed, r.decimals, _usual_decimals(published, r.table))
        alt_bases = implied_bases(r.values, alt, n_max) if changed else []
        if alt_bases:
            reason += (f"; read with {_usual_decimals(published, r.table)} decimal(s) like the rest of the table, "
                       f"'{', '.join(changed)}' gives a row that fits n = {alt_bases[0]} (a print quirk)")
            details += f"; bases with {', '.join(changed)} re-read={_list(alt_bases)}"
        out += _findings(r.cells, "row_sum", code, True, reason, details)
    return _frame(out)


# --------------------------------------------------------------------------------------------
# b. implied bases against the stated n


def check_implied_n(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                    n_max: int = N_MAX) -> pd.DataFrame:
    """Bases implied by each distribution row against the n stated for its group.

    The stated n is, in order: an n printed in the same row (Tabel 3.2, 4.2, 4.11); the group's size
    from Tabel 4.2/4.8 for a respondent-group subrow (Studerende 109, Nyuddannede 54, Erfarne 181;
    'Studerende med praktikerfaring' is the Studerende group); the n of the table's title or Anm.
    (4.12, 4.15: 34; B2.3: 45). Rows without any base are left to `check_row_sum`.

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Unused; for the common signature.
    n_max : int
        Largest answering base tried.

    Returns
    -------
    DataFrame
        Findings, one per cell of each row. ``no_base_within_stated_n`` (unattainable: every base
        exceeds the stated n, so the group has too few members to give the shares) and
        ``stated_n_not_implied`` (warning: a smaller base fits, e.g. item non-response or a filter).
        Details give the smallest bases, the counts at the smallest base and, per table and group,
        the set of smallest bases of all its rows (different bases within a group are expected).
    """
    rows = _distribution_rows(published, metadata)
    sizes = _group_sizes(published)
    bases_of = {r.key: implied_bases(r.values, r.decimals, n_max) for r in rows}
    group_bases: dict[tuple[str, str], set[int]] = {}
    for r in rows:
        if bases_of[r.key] and r.stated_n is None:
            group_bases.setdefault((r.table, r.subrow), set()).add(bases_of[r.key][0])
    out: list[dict] = []
    for r in rows:
        bases = bases_of[r.key]
        if not bases:
            continue
        if r.stated_n is not None:
            stated, where = r.stated_n, f"printed in the same row of Tabel {r.table}"
        elif r.subrow and (g := _group_of(r.subrow, sizes)) is not None:
            stated, where = sizes[g][0], f"{g} in {sizes[g][1]}"
        elif (t := _table_stated_n(metadata, r.table)) is not None:
            stated, where = t
        else:
            continue
        if stated in bases:
            continue
        counts = compatible_counts(r.values, r.decimals, bases[0])
        what = ("share" if r.remainder else "shares")
        shares = ", ".join(_fmt(v, d) for v, d in zip(r.values, r.decimals) if v is not None)
        within = [b for b in bases if b <= stated]
        details = f"bases={_list(bases)}; counts@{bases[0]}={_counts_text(counts)}; stated n={stated} ({where})"
        if r.stated_n is None:
            details += (f"; smallest bases of the rows of Tabel {r.table}{' / ' + r.subrow if r.subrow else ''}: "
                        f"{_list(sorted(group_bases.get((r.table, r.subrow), set())), 12)}")
        if not within:
            out += _findings(r.cells, "implied_n", "no_base_within_stated_n", True,
                             f"the {what} {shares} need at least n = {bases[0]} answers, but the group has "
                             f"n = {stated} ({where})", details)
        else:
            out += _findings(r.cells, "implied_n", "stated_n_not_implied", False,
                             f"the {what} {shares} cannot come from n = {stated} ({where}); bases up to "
                             f"{stated} that fit: {_list(within)} (smallest {bases[0]}, counts "
                             f"{_counts_text(counts)})", details)
    return _frame(out)


# --------------------------------------------------------------------------------------------
# c. contradictions between tables


def _agree(a: pd.Series, b: pd.Series) -> bool:
    """Two printed cells can show the same true value (their rounding intervals overlap)."""
    return abs(to_fraction(a["value"]) - to_fraction(b["value"])) <= half_unit(a["decimals"]) + half_unit(b["decimals"])


def _weighted_mean_range(weights: list[tuple[Fraction, Fraction]], values: list[tuple[Fraction, Fraction]]
                         ) -> tuple[Fraction, Fraction]:
    """Range of sum w x / sum w for w, x in boxes (extremes lie at the boxes' vertices)."""
    lo = hi = None
    for choice in itertools.product(*weights):
        total = sum(choice)
        if total <= 0:
            continue
        low = sum(w * x[0] for w, x in zip(choice, values)) / total
        high = sum(w * x[1] for w, x in zip(choice, values)) / total
        lo = low if lo is None else min(lo, low)
        hi = high if hi is None else max(hi, high)
    return lo, hi


def _box(c: pd.Series) -> tuple[Fraction, Fraction]:
    v, h = to_fraction(c["value"]), half_unit(c["decimals"])
    return (max(v - h, Fraction(0)), v + h)


@functools.lru_cache(maxsize=None)
def _text_match(a: str, b: str) -> float:
    # Cached: the same printed rows are matched against the same items by several checks.
    norm = lambda s: re.sub(r"[^\w]+", " ", s.casefold()).strip()  # noqa: E731
    return difflib.SequenceMatcher(None, norm(a), norm(b)).ratio()


def check_cross_table(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                      n_max: int = N_MAX) -> pd.DataFrame:
    """Contradictions between tables (and between a table and its own total row).

    Checked: the groups of Tabel 3.2 against 4.2 (same group and n, different share of women or
    age; professionals 198 against Nyuddannede + Erfarne); 3.2's total against the text; the
    'I alt' row of 4.3 against 4.2 Studerende and against its own rows (weighted means; the Andel
    column's bases; shares of women a band is too small to give); the margins of crosstab 4.13
    against the two items of 4.12; the n in the titles/notes of the volunteers' tables against the
    34 volunteers of 3.2; and the overall index means of 4.16 against its subgroup means.

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Unused; for the common signature.
    n_max : int
        Largest answering base tried.

    Returns
    -------
    DataFrame
        Findings on the cells involved. Unattainable only where the cells must agree by definition
        (same group, same n) or a subset exceeds its whole.
    """
    out: list[dict] = []
    t32 = published[published["table"].eq("3.2")]
    t42 = published[published["table"].eq("4.2")]
    # 3.2 vs 4.2: same group and n
    column_map = {"Andel kvinder": "Andel kvinder", "Alder": "Gennemsnitsalder"}
    for group in sorted(set(t32["row"]) & set(t42["row"]), key=list(t32["row"]).index):
        n32 = _cell(published, "3.2", group, "Antal", "n")
        n42 = _cell(published, "4.2", group, "Antal respondenter", "n")
        if n32.empty or n42.empty or int(n32["value"].iloc[0]) != int(n42["value"].iloc[0]):
            continue
        n = int(n32["value"].iloc[0])
        agree, differ = [], []
        for c32, c42 in column_map.items():
            for stat in ("pct", "mean", "sd"):
                a, b = _cell(published, "3.2", group, c32, stat), _cell(published, "4.2", group, c42, stat)
                if a.empty or b.empty:
                    continue
                (differ if not _agree(a.iloc[0], b.iloc[0]) else agree).append((a, b, c32, stat))
        for a, b, c32, stat in differ:
            what = {"pct": "share of women", "mean": "mean age", "sd": "SD of age"}[stat]
            out += _findings(pd.concat([a, n32, b, n42]), "cross_table", "group_share_conflict", True,
                             f"the {n} {group.lower()} have a {what} of {_fmt(a['value'].iloc[0], 2)} in Tabel 3.2 "
                             f"but {_fmt(b['value'].iloc[0], 2)} in Tabel 4.2: the same group cannot have both",
                             "agreeing within rounding: " + (", ".join(f"{c} {s}" for _, _, c, s in agree) or "none"))
    # professionals: Nyuddannede + Erfarne are subsets of Fagprofessionelle
    prof = _cell(published, "3.2", "Fagprofessionelle", "Antal", "n")
    subs = [_cell(published, "4.2", g, "Antal respondenter", "n") for g in ("Nyuddannede", "Erfarne")]
    if not prof.empty and all(not s.empty for s in subs):
        total = sum(int(s["value"].iloc[0]) for s in subs)
        if total > int(prof["value"].iloc[0]):
            ns = [int(s["value"].iloc[0]) for s in subs]
            notes = []
            for c42, c32, stat in (("Andel kvinder", "Andel kvinder", "pct"), ("Gennemsnitsalder", "Alder", "mean")):
                vals = [_cell(published, "4.2", g, c42, stat) for g in ("Nyuddannede", "Erfarne")]
                own = _cell(published, "3.2", "Fagprofessionelle", c32, stat)
                if all(not v.empty for v in vals) and not own.empty:
                    pooled = sum(k * v["value"].iloc[0] for k, v in zip(ns, vals)) / total
                    notes.append(f"{c32}: 3.2 prints {_fmt(own['value'].iloc[0], 2)}, 4.2 pooled {_fmt(pooled, 2)}")
            out += _findings(pd.concat([prof] + subs), "cross_table", "subgroups_exceed_total", True,
                             f"Tabel 4.2 splits the professionals into {ns[0]} Nyuddannede and {ns[1]} Erfarne = "
                             f"{total}, more than the {int(prof['value'].iloc[0])} professionals of Tabel 3.2",
                             "; ".join(notes))
    # 3.2 total against the text
    antal = t32[t32["stat"].eq("n")]
    for entry in (metadata.get("3.2") or {}).get("stated_n") or []:
        if "total" in str(entry.get("where", "")).casefold() and not antal.empty:
            table_total = int(antal["value"].sum())
            if int(entry["value"]) != table_total:
                out += _findings(antal, "cross_table", "total_n_text_conflict", False,
                                 f"the text says {entry['value']} respondents in all, but the Antal column of "
                                 f"Tabel 3.2 sums to {table_total}",
                                 f"text: '{entry.get('printed', '')}' (line {entry.get('line', '?')})")
    out += _check_43(published, n_max)
    out += _check_crosstab_margins(published, metadata, n_max)
    # titles'/notes' n of the volunteers' tables against the volunteers of 3.2
    vol = _cell(published, "3.2", "Frivillige", "Antal", "n")
    smallest: dict[str, set[int]] = {}
    for r in _distribution_rows(published, metadata):
        if (b := implied_bases(r.values, r.decimals, n_max)):
            smallest.setdefault(r.table, set()).add(b[0])
    if not vol.empty:
        population = int(vol["value"].iloc[0])
        for table in VOLUNTEER_TABLES:
            stated = _table_stated_n(metadata, table)
            if stated and stated[0] > population:
                first = _first_cell(published, table)
                out += _findings(first, "cross_table", "stated_n_exceeds_population", False,
                                 f"{stated[1]} states n = {stated[0]}, more than the {population} volunteers who "
                                 f"answered the survey (Tabel 3.2 and the text)",
                                 f"table-level finding, anchored at the first cell of Tabel {table}"
                                 + "".join(f"; also stated: n = {e['value']} ({e.get('where', '')})"
                                           for e in (metadata.get(table) or {}).get("stated_n") or []
                                           if int(e["value"]) != stated[0])
                                 + (f"; smallest bases of its rows: {_list(sorted(smallest[table]))}"
                                    if table in smallest else ""))
    out += _check_subgroup_means(published)
    return _frame(out)


def _check_43(published: pd.DataFrame, n_max: int) -> list[dict]:
    """Tabel 4.3: experience bands of the students; 'I alt' row against 4.2 and against its rows."""
    out: list[dict] = []
    t43 = published[published["table"].eq("4.3")]
    if t43.empty:
        return out
    bands = [r for r in dict.fromkeys(t43["row"]) if r != "I alt"]
    found = [_cell(published, "4.3", b, "Andel", "pct") for b in bands]
    if not bands or any(f.empty or f["value"].isna().any() for f in found):
        return out
    andel = [f.iloc[0] for f in found]
    andel_cells = t43[t43["column"].eq("Andel")]
    values = [float(c["value"]) for c in andel]
    decimals = [int(c["decimals"]) for c in andel]
    bases = implied_bases(values, decimals, n_max)
    total = sum(to_fraction(v) for v in values)
    stud = _cell(published, "4.2", "Studerende", "Antal respondenter", "n")
    same = []
    for col43, col42, stat in (("Andel kvinder", "Andel kvinder", "pct"), ("Alder", "Gennemsnitsalder", "mean"),
                               ("Alder", "Gennemsnitsalder", "sd")):
        a, b = _cell(published, "4.3", "I alt", col43, stat), _cell(published, "4.2", "Studerende", col42, stat)
        if not a.empty and not b.empty:
            same.append(_agree(a.iloc[0], b.iloc[0]))
    if not stud.empty and same and all(same):
        n_stud = int(stud["value"].iloc[0])
        if bases and n_stud not in bases:
            counts = compatible_counts(values, decimals, bases[0])
            out += _findings(pd.concat([andel_cells, stud]), "cross_table", "bands_base_conflict", False,
                             f"the I alt row repeats the {n_stud} students of Tabel 4.2 (same share of women and "
                             f"age), but the Andel column ({', '.join(_fmt(v) for v in values)}, sum {_fmt(total)}, "
                             f"within rounding of 100) cannot come from {n_stud} students; it fits n = "
                             f"{_list(bases, 5)} (counts {'/'.join(map(str, counts))} of {bases[0]})",
                             f"bases={_list(bases, 10)}; students with unknown experience could explain a "
                             f"smaller base")
    # weighted means of the bands against I alt
    if bases:
        weights = [_box(c) for c in andel]
        for col, stat, what in (("Andel kvinder", "pct", "share of women"), ("Alder", "mean", "mean age")):
            cells = [_cell(published, "4.3", b, col, stat) for b in bands]
            tot = _cell(published, "4.3", "I alt", col, stat)
            if tot.empty or any(c.empty for c in cells):
                continue
            lo, hi = _weighted_mean_range(weights, [_box(c.iloc[0]) for c in cells])
            t, h = to_fraction(tot["value"].iloc[0]), half_unit(tot["decimals"].iloc[0])
            if t + h < lo or t - h > hi:
                out += _findings(pd.concat(cells + [tot]), "cross_table", "weighted_total_conflict", False,
                                 f"the I alt {what} {_fmt(t)} is not the Andel-weighted mean of the bands' values, "
                                 f"which lies in {_fmt(lo, 2)}-{_fmt(hi, 2)}",
                                 "missing answers to the background question could change the weights")
    # a band's share of women needs at least as many people as its smallest base
    for b, a in zip(bands, andel):
        share = _cell(published, "4.3", b, "Andel kvinder", "pct")
        if share.empty or not bases:
            continue
        p, d = float(share["value"].iloc[0]), int(share["decimals"].iloc[0])
        need = _share_bases(p, d, n_max)
        big_p, scale, blank = _scaled([a["value"]], [a["decimals"]])
        n = np.array(bases, dtype=np.int64)
        _, hi = _count_bounds(big_p, scale, blank, n)
        most = int(hi.max())
        if not need or need[0] > most:
            at_stud = ""
            if not stud.empty:
                _, hs = _count_bounds(big_p, scale, blank, np.array([int(stud["value"].iloc[0])]))
                at_stud = f" (at most {int(hs.max())} of the {int(stud['value'].iloc[0])} students of Tabel 4.2)"
            k = round(Fraction(p) * need[0] / 100) if need else None
            out += _findings(pd.concat([_cell(published, "4.3", b, "Andel", "pct"), share]), "cross_table",
                             "band_share_unattainable", True,
                             f"'{b}' holds {_fmt(a['value'])} % of the students, i.e. at most {most} people for any "
                             f"base up to {n_max}{at_stud}, but a share of women of {_fmt(p)} % needs at least "
                             f"{need[0] if need else 'more than ' + str(n_max)} people"
                             + (f" ({k}/{need[0]})" if need else ""),
                             f"bases of the share={_list(need)}; bases of the Andel column={_list(bases, 5)}")
    return out


def _check_crosstab_margins(published: pd.DataFrame, metadata: dict, n_max: int) -> list[dict]:
    """The margins of a crosstab (total percentages) against the item rows they summarise."""
    out: list[dict] = []
    for table, meta in metadata.items():
        if not _is_crosstab(metadata, table) or not meta.get("row_variable"):
            continue
        cells = published[published["table"].eq(table) & published["stat"].eq("pct")]
        grid = _crosstab_grid(published, table, n_max)
        if grid is None or not grid.bases:
            continue
        rows, cols, bases, counts, n0 = grid.rows, grid.cols, grid.bases, grid.counts, grid.bases[0]
        dist = {r.row: r for r in _distribution_rows(published, metadata) if r.table != table and not r.subrow}
        for variable, margin, labels in ((meta["row_variable"], counts.sum(axis=1), rows),
                                         (meta.get("column_variable"), counts.sum(axis=0), cols)):
            if not variable or not dist:
                continue
            best = max(dist, key=lambda label: _text_match(label, variable))
            if _text_match(best, variable) < 0.85:
                continue
            item = dist[best]
            if list(labels) != list(item.labels):
                continue
            ok = [v is None or compatible_counts([v, None], [d, None], n0) is not None
                  and abs(Fraction(100 * int(k), n0) - to_fraction(v)) <= half_unit(d)
                  for v, d, k in zip(item.values, item.decimals, margin)]
            if not all(ok):
                out += _findings(pd.concat([cells, item.cells]), "cross_table", "margin_conflict", False,
                                 f"the margins of Tabel {table} at n = {n0} ({'/'.join(map(str, margin))}) do not "
                                 f"reproduce '{best}' in Tabel {item.table}", f"bases={_list(bases)}")
    return out


@dataclass
class _Grid:
    """A crosstab of total percentages read as one distribution over its cells."""

    values: np.ndarray
    decimals: np.ndarray
    rows: list[str]
    cols: list[str]
    bases: list[int]
    counts: np.ndarray | None        # at the smallest base
    reread: list[str]                # printed cells whose trailing zeros were dropped to find a base


def _crosstab_grid(published: pd.DataFrame, table: str, n_max: int = N_MAX) -> _Grid | None:
    cells = published[published["table"].eq(table) & published["stat"].eq("pct")]
    rows = list(dict.fromkeys(cells["row"]))
    cols = list(dict.fromkeys(cells["column"]))
    grid = cells.set_index(["row", "column"])
    if cells.empty or len(grid) != len(rows) * len(cols) or grid["value"].isna().any():
        return None
    values = np.array([[float(grid.loc[(r, c), "value"]) for c in cols] for r in rows])
    decimals = [[int(grid.loc[(r, c), "decimals"]) for c in cols] for r in rows]
    printed = [str(grid.loc[(r, c), "printed"]) for r in rows for c in cols]
    flat_d = [d for row in decimals for d in row]
    bases = implied_bases(values.ravel().tolist(), flat_d, n_max)
    reread: list[str] = []
    if not bases:
        flat_d, reread = _reread(printed, flat_d, _usual_decimals(published, table))
        bases = implied_bases(values.ravel().tolist(), flat_d, n_max) if reread else []
    counts = None
    if bases:
        counts = np.array(compatible_counts(values.ravel().tolist(), flat_d, bases[0])).reshape(values.shape)
    return _Grid(values, np.array(flat_d).reshape(values.shape), rows, cols, bases, counts, reread)


def _check_subgroup_means(published: pd.DataFrame) -> list[dict]:
    """Tabel 4.16: the volunteers' overall index mean against the means of each partition."""
    out: list[dict] = []
    t = published[published["table"].eq(VOLUNTEER_INDEX_TABLE) & published["stat"].eq("mean")]
    overall = t[t["section"].eq("") ]
    for _, total in overall.iterrows():
        for section, part in t[t["section"].ne("") & t["column"].eq(total["column"])].groupby("section", sort=False):
            boxes = [_box(c) for _, c in part.iterrows()]
            lo, hi = min(b[0] for b in boxes), max(b[1] for b in boxes)
            v, h = to_fraction(total["value"]), half_unit(total["decimals"])
            if v + h < lo or v - h > hi:
                values = ", ".join(f"{r} {_fmt(x)}" for r, x in zip(part["row"], part["value"]))
                out += _findings(pd.concat([total.to_frame().T, part]), "cross_table", "overall_outside_subgroups",
                                 False,
                                 f"the overall mean {_fmt(v)} lies outside the means of every {section} group "
                                 f"({values}); only respondents outside these groups (e.g. another or a missing "
                                 f"answer) could pull it there",
                                 f"column {total['column']}")
    return out


# --------------------------------------------------------------------------------------------
# d. index means against their items


@dataclass
class _IndexSource:
    mean: pd.Series
    sd: pd.Series | None
    theme: str
    items: list[_Row]
    reverse: list[bool]
    expected: int | None
    n: int | None


def _lp_mean_range(boxes: list[tuple[Fraction, Fraction]]) -> tuple[Fraction, Fraction] | None:
    """min and max of sum_j j s_j / 100 for s_j in boxes with sum s_j = 100 (greedy); None if empty."""
    lo_sum, hi_sum = sum(b[0] for b in boxes), sum(b[1] for b in boxes)
    if not lo_sum <= 100 <= hi_sum:
        return None

    def extreme(order):
        s = [b[0] for b in boxes]
        rest = 100 - lo_sum
        for j in order:
            add = min(rest, boxes[j][1] - boxes[j][0])
            s[j] += add
            rest -= add
        return sum(x * (k + SCALE_MIN) for k, x in enumerate(s)) / 100

    idx = list(range(len(boxes)))
    return extreme(idx), extreme(idx[::-1])


def _item_mean_range(values: list, decimals: list) -> tuple[Fraction, Fraction, bool]:
    """Range of the mean score (1..4) of a distribution whose shares are known to +-half a unit.

    With the shares summing to 100 this is a linear programme over boxes, solved greedily (flag
    True). If the printed shares cannot sum to 100 at all (flag False), the range covers every
    reading: the shares as relative frequencies (sum j s_j / sum s_j over the boxes' vertices), and
    the missing share placed in any categories (shares at least their printed lower bound) or the
    excess share taken from any (shares at most their printed upper bound).
    """
    boxes = []
    for v, d in zip(values, decimals):
        if v is None:
            boxes.append((Fraction(0), Fraction(100)))
        else:
            p, h = to_fraction(v), half_unit(d if d is not None else 1)
            boxes.append((max(p - h, Fraction(0)), min(p + h, Fraction(100))))
    exact = _lp_mean_range(boxes)
    if exact is not None:
        return exact[0], exact[1], True
    means = []
    for choice in itertools.product(*boxes):
        if sum(choice) > 0:
            means.append(sum(x * (k + SCALE_MIN) for k, x in enumerate(choice)) / sum(choice))
    if sum(b[1] for b in boxes) < 100:
        loose = _lp_mean_range([(b[0], Fraction(100)) for b in boxes])
    else:
        loose = _lp_mean_range([(Fraction(0), b[1]) for b in boxes])
    if loose is not None:
        means += list(loose)
    return min(means), max(means), False


def _best_item(text: str, items) -> tuple[object | None, float]:
    best, score = None, 0.0
    for item in items:
        s = _text_match(text, item.text)
        if s > score:
            best, score = item, s
    return best, score


def _index_sources(published: pd.DataFrame, metadata: dict, codebook: Codebook | None) -> list[_IndexSource]:
    """Index means (4.8 per group; 4.16's overall row) with the distribution rows of their items."""
    rows = _distribution_rows(published, metadata)
    sources: list[_IndexSource] = []
    items_all = codebook.likert_items() if codebook is not None else []
    # Tabel 4.8: themes of the professionals' questionnaire, per group
    for table, item_tables in INDEX_ITEM_TABLES.items():
        t = published[published["table"].eq(table)]
        ns = {c["column"]: int(c["value"]) for _, c in t[t["stat"].eq("n")].iterrows()}
        for _, mean in t[t["stat"].eq("mean")].iterrows():
            theme = None
            if codebook is not None:
                for th in codebook.themes.values():
                    members = codebook.theme_items(th.id)
                    if th.index_label == mean["row"] and any("fagprofessionelle" in i.questionnaires for i in members):
                        theme = th
                        break
            section = theme.label if theme is not None else mean["row"]
            items = [r for r in rows if r.table in item_tables and r.section.casefold() == section.casefold()
                     and _group_of(r.subrow, [mean["column"]]) is not None]
            if not items:
                continue
            members = codebook.theme_items(theme.id) if theme is not None else []
            reverse = [bool(getattr(_best_item(r.row, members)[0], "reverse", False)) for r in items]
            sd = t[t["row"].eq(mean["row"]) & t["column"].eq(mean["column"]) & t["stat"].eq("sd")]
            sources.append(_IndexSource(mean, sd.iloc[0] if len(sd) else None, section, items, reverse,
                                        len(members) or None, ns.get(mean["column"])))
    # Tabel 4.16: the volunteers' overall row, columns '<module> / <theme>'
    t = published[published["table"].eq(VOLUNTEER_INDEX_TABLE)]
    stated = _table_stated_n(metadata, VOLUNTEER_INDEX_TABLE)
    volunteer_items = [i for i in items_all if "frivillige" in i.questionnaires]
    for _, mean in t[t["stat"].eq("mean") & t["section"].eq("")].iterrows():
        module, _, theme = mean["column"].partition(" / ")
        source = VOLUNTEER_MODULE_TABLES.get(module)
        if source is None:
            continue
        items = [r for r in rows if r.table == source and (r.section.casefold() == theme.casefold()
                                                           or r.section.casefold().endswith(" " + theme.casefold()))]
        if not items:
            continue
        reverse = []
        for r in items:
            item, score = _best_item(r.row, volunteer_items)
            reverse.append(bool(item is not None and score >= 0.8 and item.reverse))
        sd = t[t["section"].eq("") & t["row"].eq(mean["row"]) & t["column"].eq(mean["column"]) & t["stat"].eq("sd")]
        sources.append(_IndexSource(mean, sd.iloc[0] if len(sd) else None, mean["column"], items, reverse,
                                    None, stated[0] if stated else None))
    return sources


def check_index_mean(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None) -> pd.DataFrame:
    """Index means against the interval their items' printed distributions allow.

    If every respondent answered every item of a theme, the mean index equals the mean of the item
    means. Each item mean is bounded using its printed shares (each known to +-half a unit, summing
    to 100); the theme's interval is the mean of the item intervals, computed without and with
    reverse coding (5 - score) of the codebook's `reverse` items. Tabel 4.8 is checked per group
    against 4.4-4.7, B2.1 and B2.2 ('Studerende med praktikerfaring' rows for Studerende); the
    overall row of 4.16 against 4.12, 4.15 and B2.3.

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Themes, their items and the `reverse` flags (None: no reverse items known).

    Returns
    -------
    DataFrame
        Findings on the mean cell: ``index_mean_inconsistent`` (outside both intervals, allowing for
        the rounding of the mean) and ``index_mean_fits_unreversed_only`` (fits only if the reverse
        items were not reversed). Never unattainable: respondents who skip items move an index mean
        away from the mean of item means.
    """
    out: list[dict] = []
    for src in _index_sources(published, metadata, codebook):
        ranges = [_item_mean_range(r.values, r.decimals)[:2] for r in src.items]
        feasible = [_item_mean_range(r.values, r.decimals)[2] for r in src.items]
        raw = _theme_range(ranges, [False] * len(ranges))
        rev = _theme_range(ranges, src.reverse)
        m, h = to_fraction(src.mean["value"]), half_unit(src.mean["decimals"])
        fits = lambda rng: rng[0] - h <= m <= rng[1] + h  # noqa: E731
        has_reverse = any(src.reverse)
        fit_raw, fit_rev = fits(raw), fits(rev)
        if fit_rev or (fit_raw and not has_reverse):
            continue
        group = src.mean["column"]
        item_tables = "/".join(dict.fromkeys(r.table for r in src.items))
        notes = []
        rescaled = [r.row for r, ok in zip(src.items, feasible) if not ok]
        if rescaled:
            notes.append(f"rows that cannot sum to 100, taken in every reading (rescaled, or the missing/excess "
                         f"share in any category): {'; '.join(rescaled)}")
        if any(r.blanks for r in src.items):
            notes.append("blank cells taken as unknown shares")
        if src.expected is not None and src.expected != len(src.items):
            notes.append(f"{len(src.items)} item rows found, the codebook's theme has {src.expected}")
        also = [r.row for i, r in enumerate(src.items) if not src.reverse[i]
                and fits(_theme_range(ranges, [rv or j == i for j, rv in enumerate(src.reverse)]))]
        if also and not fit_raw:
            notes.append(f"it would fit if also reversed: {'; '.join(also)}")
        item_text = "; ".join(f"{r.row}{' (reverse item)' if rv else ''}: {_fmt(lo, 3)}-{_fmt(hi, 3)}"
                              for r, (lo, hi), rv in zip(src.items, ranges, src.reverse))
        details = (f"item means (Tabel {item_tables}, {group}): {item_text}; published mean {_fmt(m)} allows "
                   f"{_fmt(m - h, 2)}-{_fmt(m + h, 2)}" + ("; " + "; ".join(notes) if notes else ""))
        where = f"{src.theme} / {group}" if src.mean["table"] != VOLUNTEER_INDEX_TABLE else src.theme
        span = lambda rng: f"{_fmt(rng[0], 3)}-{_fmt(rng[1], 3)}"  # noqa: E731
        cell = src.mean.to_frame().T
        if not has_reverse:
            out += _findings(cell, "index_mean", "index_mean_inconsistent", False,
                             f"the published index mean {_fmt(m)} ({where}) lies outside {span(raw)}, the range "
                             f"the items' printed distributions in Tabel {item_tables} allow if everyone answered "
                             f"every item (no reverse-coded items): neither fits", details)
        elif not fit_raw:
            out += _findings(cell, "index_mean", "index_mean_inconsistent", False,
                             f"the published index mean {_fmt(m)} ({where}) lies outside the range the items in "
                             f"Tabel {item_tables} allow if everyone answered every item, both with the reverse "
                             f"items reversed ({span(rev)}) and without ({span(raw)}): neither fits", details)
        else:
            out += _findings(cell, "index_mean", "index_mean_fits_unreversed_only", False,
                             f"the published index mean {_fmt(m)} ({where}) fits its items only without reverse "
                             f"coding ({span(raw)}); with the reverse items reversed they give {span(rev)}: "
                             f"not reversed fits", details)
    return _frame(out)


def _theme_range(ranges: list[tuple[Fraction, Fraction]], reverse: list[bool]) -> tuple[Fraction, Fraction]:
    """Mean of the item ranges, reverse items as 5 - score."""
    parts = [(SCALE_MIN + SCALE_MAX - hi, SCALE_MIN + SCALE_MAX - lo) if rv else (lo, hi)
             for (lo, hi), rv in zip(ranges, reverse)]
    return sum(p[0] for p in parts) / len(parts), sum(p[1] for p in parts) / len(parts)


# --------------------------------------------------------------------------------------------
# e. means and SDs


def max_sd(mean: float, n: int | None, low: float = SCALE_MIN, high: float = SCALE_MAX) -> float:
    """Largest sample SD of n values in [low, high] with the given mean (Bhatia-Davis bound).

    Parameters
    ----------
    mean : float
        The mean of the values.
    n : int or None
        Number of values; None or < 2 uses n = 2, the most lenient.
    low, high : float
        The range of the values (the 1-4 scale by default).

    Returns
    -------
    float
        ``sqrt((mean - low) (high - mean) n / (n - 1))``, 0 for a mean on or outside the bounds.
    """
    n = 2 if n is None or n < 2 else n
    var = max((mean - low) * (high - mean), 0.0)
    return math.sqrt(var * n / (n - 1))


def _max_var_exact(m_lo: Fraction, m_hi: Fraction, low: Fraction, high: Fraction) -> Fraction:
    """max of (x - low)(high - x) for x in [m_lo, m_hi] (clipped to the range)."""
    mid = (low + high) / 2
    x = min(max(mid, m_lo), m_hi)
    return max((x - low) * (high - x), Fraction(0))


def check_mean_sd(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None) -> pd.DataFrame:
    """GRIM/GRIMMER-style checks of printed means and SDs.

    On the 1-4 index scale (Tabel 4.8, 4.16): a mean outside [1, 4]; an SD above the largest
    possible for the mean, ``sqrt((m - 1)(4 - m) n / (n - 1))``, with the mean and SD each allowed
    their rounding - evaluated with the stated n (4.8's 'Antal personer', 4.16's title n for its
    overall row) and with n = 2, the most lenient; an SD printed 0 with a mean that identical
    answers cannot give (a multiple of 1/k for a k-item index). For ages (3.2, 4.2, 4.3) only range
    sanity: a mean in [15, 100] and an SD possible in that range.

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Used through the index sources to know how many items an index has (for SD 0).

    Returns
    -------
    DataFrame
        Findings on the mean and SD cells. ``mean_out_of_range`` and ``sd_negative`` are
        unattainable; ``sd_exceeds_max`` is unattainable when even n = 2 cannot give it, else a
        warning (a smaller answering base would allow it); ``sd_zero_mean_off_grid`` is a warning
        (a printed 0,0 allows an SD below 0,05).
    """
    out: list[dict] = []
    items_per = {}
    for src in _index_sources(published, metadata, codebook):
        items_per[tuple(src.mean[k] for k in KEY)] = len(src.items)
    # k items per 4.16 column (every row of the table shares its columns' themes)
    items_by_column = {(k[0], k[4]): v for k, v in items_per.items()}
    means = published[published["stat"].eq("mean") & published["value"].notna()]
    sds = published[published["stat"].eq("sd")]
    sd_position = {key: i for i, key in enumerate(sds[KEY[:-1]].itertuples(index=False, name=None))}
    for _, mean in means.iterrows():
        table = mean["table"]
        position = sd_position.get(tuple(mean[c] for c in KEY[:-1]))
        sd = sds.iloc[[] if position is None else [position]]
        pair = pd.concat([mean.to_frame().T, sd])
        is_age = "alder" in mean["column"].casefold()
        low, high = (Fraction(v) for v in (AGE_RANGE if is_age else (SCALE_MIN, SCALE_MAX)))
        scale = f"[{low}, {high}]" + (" (age)" if is_age else "")
        m, h = to_fraction(mean["value"]), half_unit(mean["decimals"])
        n = _stated_n_for_mean(published, metadata, mean)
        if m + h < low or m - h > high:
            out += _findings(pair, "mean_sd", "mean_out_of_range", True,
                             f"mean {_fmt(m, 2)} lies outside the scale {scale}", f"n={n}")
            continue
        if sd.empty or pd.isna(sd["value"].iloc[0]):
            continue
        s, hs = to_fraction(sd["value"].iloc[0]), half_unit(sd["decimals"].iloc[0])
        if s < 0:
            out += _findings(pair, "mean_sd", "sd_negative", True, f"SD {_fmt(s, 2)} is negative", "")
            continue
        var = _max_var_exact(max(m - h, low), min(m + h, high), low, high)
        s_lo = max(s - hs, Fraction(0))
        exceeds = lambda k: s_lo ** 2 > var * Fraction(k, k - 1)  # noqa: E731 - the bound for k values
        if exceeds(2):
            out += _findings(pair, "mean_sd", "sd_exceeds_max", True,
                             f"SD {_fmt(s, 2)} is larger than any set of values in {scale} with mean {_fmt(m, 2)} "
                             f"allows (at most {_fmt(math.sqrt(var * 2), 3)} even for n = 2)", f"n={n}")
        elif n is not None and n >= 2 and exceeds(n):
            out += _findings(pair, "mean_sd", "sd_exceeds_max", False,
                             f"SD {_fmt(s, 2)} is larger than n = {n} values in {scale} with mean {_fmt(m, 2)} "
                             f"allow (at most {_fmt(math.sqrt(var * n / (n - 1)), 3)}); a smaller answering base "
                             f"could allow it", f"n={n}")
        if s == 0 and not is_age:
            k = items_per.get(tuple(mean[c] for c in KEY)) or items_by_column.get((table, mean["column"]))
            if k:
                on_grid = any(abs(Fraction(j, k) - m) <= h for j in range(SCALE_MIN * k, SCALE_MAX * k + 1))
                if not on_grid:
                    out += _findings(pair, "mean_sd", "sd_zero_mean_off_grid", False,
                                     f"SD printed 0 means (nearly) identical answers, but no identical answers to a "
                                     f"{k}-item index give a mean of {_fmt(m)}; only an SD below 0.05 with varied "
                                     f"answers in a large group could", f"k={k}; n={n}")
    return _frame(out)


def _stated_n_for_mean(published: pd.DataFrame, metadata: dict, mean: pd.Series) -> int | None:
    t = published[published["table"].eq(mean["table"]) & published["stat"].eq("n")]
    same_row = t[t["row"].eq(mean["row"]) & t["section"].eq(mean["section"]) & t["subrow"].eq(mean["subrow"])]
    if len(same_row) == 1:
        return int(same_row["value"].iloc[0])
    same_col = t[t["column"].eq(mean["column"])]
    if len(same_col) == 1:
        return int(same_col["value"].iloc[0])
    if mean["section"] == "":
        stated = _table_stated_n(metadata, mean["table"])
        if stated:
            return stated[0]
    return None


# --------------------------------------------------------------------------------------------
# f. chi-square note of a crosstab


def crosstab_chi2(counts) -> tuple[float, int, float]:
    """Pearson chi-square without continuity correction.

    Parameters
    ----------
    counts : array-like of int, 2-D
        A contingency table. Rows or columns whose total is 0 are dropped first (they carry no
        information and make expected counts 0).

    Returns
    -------
    tuple of (float, int, float)
        chi2, degrees of freedom and the asymptotic p (`scipy.stats.chi2_contingency`,
        ``correction=False``).
    """
    from vive_survey.analysis.stats import chi_square  # Pearson, no correction; tests/test_stats.py checks it against scipy

    test = chi_square(np.asarray(counts).round().astype(np.int64))
    return float(test.statistic), int(test.df), float(test.p)


_P_NOTE = re.compile(r"p\s*([<>]=?)\s*(\d+(?:[.,]\d+)?)")


def check_chi2_note(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                    n_max: int = N_MAX) -> pd.DataFrame:
    """Recompute a crosstab's chi-square from its implied counts and compare with its note.

    The crosstab (Tabel 4.13, total percentages) is read as one distribution over its cells; the
    smallest base reproducing every cell gives the counts, from which chi2, df and the asymptotic p
    (`scipy.stats.chi2_contingency`, no correction) follow. A printed 'p < 0,000' is impossible
    (no p-value is below 0) and is compared with what the counts give. A related table whose shares
    need a base larger than the crosstab's (Tabel 4.14's Koordinator shares are fourteenths while
    4.13 implies 13 respondents) is flagged as well.

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Unused; for the common signature.
    n_max : int
        Largest answering base tried.

    Returns
    -------
    DataFrame
        ``p_value_impossible`` (a warning anchored at the crosstab's first cell, since the note is
        not a cell; the cell itself is attainable) and ``base_conflict`` (warning on the related row's cells).
    """
    out: list[dict] = []
    for table, meta in metadata.items():
        if not _is_crosstab(metadata, table):
            continue
        grid = _crosstab_grid(published, table, n_max)
        notes = [str(n) for n in meta.get("notes_printed") or []]
        if grid is None or not grid.bases or not notes or set(grid.rows) != set(grid.cols):
            continue
        rows, bases, counts, n0 = grid.rows, grid.bases, grid.counts, grid.bases[0]
        reread = (f"; '{', '.join(grid.reread)}' read with {_usual_decimals(published, table)} decimal(s) like the "
                  f"rest of the table (as printed, no base fits)") if grid.reread else ""
        chi2, dof, p = crosstab_chi2(counts)
        kept = np.asarray(counts, dtype=float)[counts.sum(1) > 0][:, counts.sum(0) > 0]
        expected = np.outer(kept.sum(axis=1), kept.sum(axis=0)) / kept.sum()
        small = int((expected < 5).sum())
        for note in notes:
            for op, number in _P_NOTE.findall(note):
                bound = Fraction(number.replace(",", "."))
                impossible = op.startswith("<") and bound <= 0
                contradicts = (op.startswith("<") and p >= bound) or (op.startswith(">") and p <= bound)
                if not (impossible or contradicts):
                    continue
                say = (f"the note prints 'p {op} {number}', but a p-value cannot be below 0"
                       if impossible else f"the note prints 'p {op} {number}'")
                # A warning, not unattainable: the note is impossible, the cell it is pinned to is not.
                out += _findings(_first_cell(published, table), "chi2_note", "p_value_impossible", False,
                                 f"{say}; the counts implied by the printed cells (n = {n0}) give chi2 = "
                                 f"{chi2:.2f}, df = {dof}, asymptotic p = {p:.4f}"
                                 + (", so not even p < 0.001 holds" if p >= 0.001 else ""),
                                 f"note: '{note}'; counts@{n0} (rows {', '.join(rows)}) = "
                                 f"{counts.tolist()}; bases={_list(bases)}{reread}; {small} of {expected.size} "
                                 f"expected counts below 5 (the asymptotic p is unreliable); anchored at the first "
                                 f"cell")
        # related tables: same title stem, shares needing a base beyond the crosstab's
        for other, other_meta in metadata.items():
            if other == table or not _is_crosstab(metadata, other):
                continue
            if _text_match(_title(metadata, other), _title(metadata, table)) < 0.9:
                continue
            t = published[published["table"].eq(other) & published["stat"].eq("pct")]
            for row, part in t.groupby("row", sort=False):
                vals = [float(v) for v in part["value"]]
                decs = [int(d) for d in part["decimals"]]
                if sum(vals) >= 100 or not any(vals):
                    continue
                need = implied_bases(vals + [None], decs + [None], n_max)
                if need and need[0] > n0:
                    counts_row = compatible_counts(vals + [None], decs + [None], need[0])
                    larger = [b for b in bases if b >= need[0]]
                    out += _findings(part, "chi2_note", "base_conflict", False,
                                     f"'{row}' in Tabel {other} prints {', '.join(_fmt(v) for v in vals)} %, which "
                                     f"need a group of at least {need[0]} people "
                                     f"({' and '.join(map(str, counts_row[:-1]))} of {need[0]}), more than the {n0} "
                                     f"respondents Tabel {table} implies; of the bases that "
                                     f"reproduce Tabel {table}, only {larger[0] if larger else 'none'} or more would "
                                     f"leave room for them",
                                     f"bases of the row={_list(need)}; bases of Tabel {table}={_list(bases)}")
    return _frame(out)


# --------------------------------------------------------------------------------------------
# g. significance marks


_MARK_NOTE = re.compile(r"([†*]+)\s*p\s*([<>])\s*(\d+(?:[.,]\d+)?)")


def check_significance_note(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None
                            ) -> pd.DataFrame:
    """Significance marks of a regression table against its note.

    Flags the cells carrying a mark whose note gives 'p >' (Tabel 4.9: '† p > 0,10' where a
    marginal level must read p < 0,10), and coefficients printed without any mark in a table
    that shows non-significant cells as 'N.S.' (Tabel 4.9's two '0,32').

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Unused; for the common signature.

    Returns
    -------
    DataFrame
        ``note_inequality_reversed`` and ``missing_significance_mark``, both warnings (a data set
        can produce a coefficient with any p; the printed marks are what is inconsistent).
    """
    out: list[dict] = []
    coefs = published[published["stat"].eq("coef")]
    for table, cells in coefs.groupby("table", sort=False):
        notes = " ".join(str(n) for n in (metadata.get(table) or {}).get("notes_printed") or [])
        marks = {mark: (op, number) for mark, op, number in _MARK_NOTE.findall(notes)}
        for mark, (op, number) in marks.items():
            if op != ">":
                continue
            marked = cells[cells["printed"].str.match(rf"^-?\d+(?:[.,]\d+)?{re.escape(mark)}$")]
            other = [f"{k} p {o} {v}" for k, (o, v) in marks.items() if k != mark]
            out += _findings(marked, "significance_note", "note_inequality_reversed", False,
                             f"the note defines '{mark}' as p {op} {number}, i.e. not significant, yet marks "
                             f"printed coefficients while non-significant cells are printed 'N.S.'; it must "
                             f"mean p < {number}",
                             f"note: '{notes}'; other marks: {', '.join(other)}")
        has_ns = cells["printed"].str.strip().str.casefold().eq("n.s.").any()
        if has_ns and marks:
            unmarked = cells[cells["printed"].str.fullmatch(r"-?\d+(?:[.,]\d+)?") & cells["value"].notna()]
            for _, c in unmarked.iterrows():
                out += _findings(c.to_frame().T, "significance_note", "missing_significance_mark", False,
                                 f"coefficient {c['printed']} is printed without a significance mark, but the table "
                                 f"prints non-significant coefficients as 'N.S.' and the note defines marks "
                                 f"{', '.join(marks)}: a mark is missing or the cell should read N.S.",
                                 f"note: '{notes}'")
    return _frame(out)


# --------------------------------------------------------------------------------------------
# all checks, summary, Markdown


def audit(published: pd.DataFrame, metadata: dict, codebook: Codebook | None) -> pd.DataFrame:
    """All checks' findings, sorted by table (published.TABLE_ORDER), file order of the cell, check.

    Parameters
    ----------
    published : DataFrame
        From `load_published`.
    metadata : dict
        From `load_metadata`.
    codebook : Codebook
        From `load_codebook` (reverse items and themes for `check_index_mean`).

    Returns
    -------
    DataFrame
        Columns `FINDING_COLUMNS`, index 0..n-1.
    """
    frames = [check_row_sum(published, metadata, codebook), check_implied_n(published, metadata, codebook),
              check_cross_table(published, metadata, codebook), check_index_mean(published, metadata, codebook),
              check_mean_sd(published, metadata, codebook), check_chi2_note(published, metadata, codebook),
              check_significance_note(published, metadata, codebook)]
    findings = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else _frame([])
    position = {tuple(k): i for i, k in enumerate(published[KEY].itertuples(index=False, name=None))}
    order = pd.DataFrame({
        "t": [table_sort_key(t)[0] for t in findings["table"]],
        "p": [position.get(tuple(k), len(position)) for k in findings[KEY].itertuples(index=False, name=None)],
        "c": [CHECKS.index(c) for c in findings["check"]],
        "i": np.arange(len(findings)),
    })
    findings = findings.iloc[order.sort_values(["t", "p", "c", "i"], kind="stable").index].reset_index(drop=True)
    findings["unattainable"] = findings["unattainable"].astype(bool)
    return findings


def summarise(findings: pd.DataFrame) -> pd.DataFrame:
    """Counts of findings per table, check and code, with how many are unattainable.

    Parameters
    ----------
    findings : DataFrame
        As returned by `audit` (or any check).

    Returns
    -------
    DataFrame
        Columns table, check, code, findings, unattainable; tables in published.TABLE_ORDER.
    """
    if findings.empty:
        return pd.DataFrame(columns=["table", "check", "code", "findings", "unattainable"])
    grouped = (findings.groupby(["table", "check", "code"], sort=False)
               .agg(findings=("code", "size"), unattainable=("unattainable", "sum")).reset_index())
    grouped["unattainable"] = grouped["unattainable"].astype(int)
    keys = [(table_sort_key(t)[0], CHECKS.index(c), code) for t, c, code in
            zip(grouped["table"], grouped["check"], grouped["code"])]
    grouped = grouped.iloc[sorted(range(len(grouped)), key=keys.__getitem__)].reset_index(drop=True)
    return grouped


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


_CHECK_TEXT = {
    "row_sum": (
        "Each distribution row (the shares of Stort set aldrig ... Altid for one question and group) must "
        "come from one set of integer counts k_i summing to a base n. For every n up to 400 - more than the "
        "survey's respondents put together - the admissible counts per cell are computed exactly; a row no "
        "n reproduces is **unattainable**. The reason states the printed sum; if it is off by more than "
        "the rounding of its cells can explain, no n of any size works. Blank cells are treated as unknown "
        "counts (and noted)."),
    "implied_n": (
        "For every reproducible row, the bases n that fit are compared with the n the report states for "
        "the group (an n in the same row; Tabel 4.2/4.8 for Studerende, Nyuddannede, Erfarne; a title's or "
        "Anm.'s n). A stated n that is not a base is a warning (item non-response or a filter can shrink "
        "the base); a row whose every base exceeds the stated n is **unattainable**. Details list the "
        "bases, the counts at the smallest base and the smallest bases of all rows of the same table and "
        "group (different bases per row are expected)."),
    "cross_table": (
        "Cells that describe the same people in two tables (Tabel 3.2 against 4.2; 4.3's I alt against "
        "4.2's students and its own bands; 4.13's margins against 4.12; the n in the volunteers' tables' "
        "titles against the 34 volunteers of 3.2; 4.16's overall mean against its subgroups). "
        "**Unattainable** only where the cells must agree by definition (same group and n) or a part "
        "exceeds its whole."),
    "index_mean": (
        "If every respondent answered every item of a theme, the mean index equals the mean of the item "
        "means. Each item mean is bounded from its printed distribution (every share known only to "
        "+-half a unit, the shares summing to 100), with and without reverse coding (5 - score) of the "
        "codebook's reverse items. A published mean outside both ranges (allowing its own rounding) is a "
        "strong warning, never unattainable: respondents who skip items move an index mean."),
    "mean_sd": (
        "On the 1-4 scale a sample SD cannot exceed sqrt((m - 1)(4 - m) n / (n - 1)); the check allows the "
        "rounding of mean and SD, uses the stated n and flags as **unattainable** only what even n = 2 "
        "cannot give. An SD printed 0 needs a mean that identical answers give (a multiple of 1/k for a "
        "k-item index). Ages get a range check."),
    "chi2_note": (
        "The crosstab's printed total percentages are read as one distribution; the smallest base "
        "reproducing every cell gives the counts, and chi2, df and the asymptotic p are recomputed "
        "(scipy, no continuity correction) and compared with the note. A related table whose shares need "
        "a base the crosstab does not have is flagged."),
    "significance_note": (
        "Significance marks against the table's note: a mark defined with 'p >' and a coefficient printed "
        "without a mark in a table that prints non-significant cells as N.S."),
}


def _cells_text(cells: pd.DataFrame) -> str:
    """'section / row / subrow — column (stat), column …; next row — …' for the cells of one finding."""
    parts = []
    for (section, row, subrow), g in cells.groupby(["section", "row", "subrow"], sort=False):
        where = " / ".join(x for x in (section, row, subrow) if x)
        cols = [f"{c}" + (f" ({st})" if st != "pct" else "") for c, st in zip(g["column"], g["stat"])]
        parts.append(f"{where} — {', '.join(dict.fromkeys(cols))}")
    return "; ".join(parts)


def audit_markdown(findings: pd.DataFrame, published: pd.DataFrame) -> str:
    """The audit as a Markdown page: method, summary, and per check a table of findings.

    Findings on several cells of the same row with the same reason are shown as one line naming the
    columns. Deterministic for given inputs.

    Parameters
    ----------
    findings : DataFrame
        From `audit`.
    published : DataFrame
        From `load_published` (for the number of cells and tables audited).

    Returns
    -------
    str
        The page, ending with a newline.
    """
    lines = [
        "# Audit of the published tables",
        "",
        "<!-- Generated by `python -m vive_survey.review.audit` from data/published/ and data/codebook.yaml; "
        "do not edit by hand (tests/test_audit.py checks that this page is current). -->",
        "",
        f"The audit reads the {len(published)} transcribed cells of {published['table'].nunique()} tables of "
        "VIVE (2021) and proves, by computation alone, which printed cells no respondent data can produce "
        "and which contradict each other. It needs no respondent data.",
        "",
        "**Rounding.** A share k/n matches a printed percentage p with d decimals when "
        "|100 k/n - p| <= 0.5 * 10^-d (inclusive, in exact integer arithmetic), which accepts both "
        "round-half-even (the report prints 1/16 = 6.25 % as 6,2) and round-half-up. A dash is 0; a blank "
        "cell is unknown.",
        "",
        "**Findings.** One row per published cell a finding concerns (a finding about a whole row is listed "
        "for every cell of it; one about a title or a note is anchored at the table's first cell). "
        "`unattainable` is true only where the computation proves that no answers give the cell together "
        "with the cells it is tied to; everything else is a warning that missing answers, filters or "
        "another reading could explain. Columns: " + ", ".join(f"`{c}`" for c in FINDING_COLUMNS) + ".",
        "",
        "## What each check does",
        "",
    ]
    for check in CHECKS:
        lines += [f"- **{check}**: {_CHECK_TEXT[check]}"]
    lines += ["", "## Summary", "", "| check | findings | unattainable | codes |", "|---|---:|---:|---|"]
    for check in CHECKS:
        part = findings[findings["check"].eq(check)]
        codes = ", ".join(f"`{c}` ({n})" for c, n in part["code"].value_counts(sort=False).items())
        lines.append(f"| {check} | {len(part)} | {int(part['unattainable'].sum())} | {codes} |")
    lines.append(f"| **all** | {len(findings)} | {int(findings['unattainable'].sum())} | |")
    lines += ["", "Per table:", "", "| table | check | code | findings | unattainable |", "|---|---|---|---:|---:|"]
    for _, s in summarise(findings).iterrows():
        lines.append(f"| {s['table']} | {s['check']} | `{s['code']}` | {s['findings']} | {s['unattainable']} |")
    lines += ["", "Codes:", ""]
    for code in [c for c in _CODE_TEXT if c in set(findings["code"])]:
        lines.append(f"- `{code}`: {_CODE_TEXT[code]}")
    for check in CHECKS:
        part = findings[findings["check"].eq(check)]
        lines += ["", f"## {check}", "",
                  f"{len(part)} findings on cells, {int(part['unattainable'].sum())} unattainable.", ""]
        if part.empty:
            lines.append("No findings.")
            continue
        lines += ["| table | cells | unattainable | reason | details |", "|---|---|:-:|---|---|"]
        grouped = part.groupby(["table", "code", "unattainable", "reason", "details"], sort=False)
        for (table, code, unatt, reason, details), g in grouped:
            lines.append(f"| {table} | {_md(_cells_text(g))} | {'yes' if unatt else 'no'} | {_md(reason)} | "
                         f"{_md(details)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write docs/audit.md (or --output) from the published tables and the codebook."""
    from vive_survey.inputs.codebook import load_codebook
    from vive_survey.review.published import load_metadata, load_published

    parser = argparse.ArgumentParser(prog="python -m vive_survey.review.audit", description=main.__doc__)
    parser.add_argument("--published", default="data/published/tables")
    parser.add_argument("--codebook", default="data/codebook.yaml")
    parser.add_argument("--output", default="docs/audit.md")
    parser.add_argument("--csv", default=None, help="also write the findings as CSV")
    args = parser.parse_args(argv)
    published = load_published(args.published)
    findings = audit(published, load_metadata(args.published), load_codebook(args.codebook))
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(audit_markdown(findings, published), encoding="utf-8")
    if args.csv:
        findings.to_csv(args.csv, index=False)
    print(f"{len(findings)} findings ({int(findings['unattainable'].sum())} unattainable) -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
