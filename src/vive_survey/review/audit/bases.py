"""Which answering bases n can give a row of printed shares, and the counts at a base (GRIM-style).

A share k/n is compatible with a printed percentage p with d decimals iff
``|100 * k / n - p| <= 0.5 * 10**-d`` (inclusive). Every test here is done in exact integer
arithmetic, so a tie such as 1/16 = 6.25 % matches both the report's round-half-even (6,2) and
round-half-up (6,3), and no float error moves a share across the boundary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pandas as pd

from vive_survey.printing.rounding import to_fraction

N_MAX = 400
"""Largest answering base searched. The survey has at most 342-378 respondents in all (Tabel 3.2,
4.2), so 'no base up to 400' proves that no set of answers in this survey gives the row."""


def is_blank(value) -> bool:
    """A cell the report leaves empty: an unknown count, unlike a dash, which is 0."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def scaled_percentages(percentages: Sequence, decimals) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(P, s, blank): each printed p is P / s exactly, with s = 10**d; blank cells are flagged."""
    m = len(percentages)
    if np.ndim(decimals) == 0:
        decimals = [decimals] * m
    if len(decimals) != m:
        raise ValueError(f"{m} percentages but {len(decimals)} decimals")
    big_p, scale, blank = np.zeros(m, dtype=np.int64), np.ones(m, dtype=np.int64), np.zeros(m, dtype=bool)
    for i, (p, d) in enumerate(zip(percentages, decimals)):
        if is_blank(p):
            blank[i] = True
            continue
        d = 1 if is_blank(d) else int(d)
        scale[i] = 10 ** d
        big_p[i] = round(to_fraction(p) * scale[i])
    return big_p, scale, blank


def count_bounds(big_p: np.ndarray, scale: np.ndarray, blank: np.ndarray, n: np.ndarray
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
    big_p, scale, blank = scaled_percentages(percentages, decimals)
    n = np.arange(1, n_max + 1, dtype=np.int64)
    lo, hi = count_bounds(big_p, scale, blank, n)
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
    big_p, scale, blank = scaled_percentages(percentages, decimals)
    lo, hi = (a[0] for a in count_bounds(big_p, scale, blank, np.array([n])))
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


def share_bases(p: float, d: int, n_max: int = N_MAX) -> list[int]:
    """Bases of a single printed share whose complement is not printed."""
    return implied_bases([p, None], [d, None], n_max)


def most_in_share(p: float, d: int, bases: Sequence[int]) -> int:
    """The largest count a printed share p (d decimals) allows at any of the given bases."""
    big_p, scale, blank = scaled_percentages([p], [d])
    _, hi = count_bounds(big_p, scale, blank, np.array(bases, dtype=np.int64))
    return int(hi.max())
