"""The exact conditional test of independence of a contingency table, by full enumeration.

Given the margins, every table with those margins has the multiple hypergeometric probability
P(t) = prod(r_i!) prod(c_j!) / (N! prod t_ij!). Two exact p-values follow:

* Fisher-Freeman-Halton: the total probability of the tables as likely as the observed one or
  less (P(t) <= P(observed); for 2x2 this is scipy's two-sided `fisher_exact`);
* exact Pearson: the total probability of the tables whose Pearson statistic is at least the
  observed one.

The comparisons are exact: P(t) <= P(obs) iff prod t_ij! >= prod obs_ij!, and the Pearson
statistic N (sum t_ij^2 / (r_i c_j) - 1) is compared as a fraction, so no float tolerance decides
a tie. Small tables only (the audit's crosstab rests on 13 respondents).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

ENUMERATION_LIMIT = 2_000_000
"""Most tables enumerated; a larger table raises ValueError rather than run for hours."""


@dataclass(frozen=True)
class ExactTest:
    """The exact conditional p-values of a table, with what they rest on."""

    p_fisher: float          # Fisher-Freeman-Halton: tables as or less likely
    p_pearson: float         # tables with a Pearson statistic at least the observed
    tables: int              # tables with the observed margins
    statistic: float         # the observed Pearson statistic
    min_expected: float      # the smallest expected count r_i c_j / N
    below_five: int          # expected counts below 5


def _compositions(total: int, caps: list[int]):
    """Every way to split `total` into len(caps) parts, part j at most caps[j]."""
    if len(caps) == 1:
        if total <= caps[0]:
            yield (total,)
        return
    rest = sum(caps[1:])
    for k in range(max(0, total - rest), min(total, caps[0]) + 1):
        for tail in _compositions(total - k, caps[1:]):
            yield (k,) + tail


def tables_with_margins(rows: list[int], cols: list[int]):
    """Every table of non-negative integers with the given row and column sums."""
    def fill(i: int, left: list[int]):
        if i == len(rows) - 1:
            yield (tuple(left),)
            return
        for row in _compositions(rows[i], left):
            for rest in fill(i + 1, [a - b for a, b in zip(left, row)]):
                yield (row,) + rest

    if sum(rows) != sum(cols):
        raise ValueError("row and column sums differ")
    yield from fill(0, list(cols))


def exact_test(counts) -> ExactTest:
    """The exact conditional test of a table of counts (rows or columns summing to 0 dropped first).

    Parameters
    ----------
    counts : array-like of int, 2-D

    Returns
    -------
    ExactTest
        Both exact p-values, the number of tables enumerated, the Pearson statistic and the smallest
        expected count.
    """
    table = np.asarray(counts, dtype=np.int64)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    rows, cols = table.sum(axis=1).tolist(), table.sum(axis=0).tolist()
    n = int(table.sum())
    weights = [[Fraction(1, r * c) for c in cols] for r in rows]

    def pearson_core(t) -> Fraction:
        return sum(x * x * w for row, wrow in zip(t, weights) for x, w in zip(row, wrow))

    def factorial_product(t) -> int:
        return math.prod(math.factorial(x) for row in t for x in row)

    observed = [list(map(int, row)) for row in table]
    obs_core, obs_prod = pearson_core(observed), factorial_product(observed)
    # P(t) = K / prod t_ij!, with K = prod r! prod c! / N!
    k = Fraction(math.prod(map(math.factorial, rows)) * math.prod(map(math.factorial, cols)), math.factorial(n))
    p_fisher, p_pearson, total, seen = Fraction(0), Fraction(0), Fraction(0), 0
    for t in tables_with_margins(rows, cols):
        seen += 1
        if seen > ENUMERATION_LIMIT:
            raise ValueError(f"more than {ENUMERATION_LIMIT} tables with these margins")
        prod = factorial_product(t)
        p = k / prod
        total += p
        if prod >= obs_prod:
            p_fisher += p
        if pearson_core(t) >= obs_core:
            p_pearson += p
    assert total == 1, "the probabilities of the tables must sum to 1"
    expected = np.outer(rows, cols) / n
    return ExactTest(float(p_fisher), float(p_pearson), seen, float(n * (obs_core - 1)), float(expected.min()),
                     int((expected < 5).sum()))
