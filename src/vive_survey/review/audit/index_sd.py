"""Check: an index's printed SD against what its items' printed distributions allow together.

An index is the mean of a theme's items on the 1-4 scale, per respondent. If the index's
respondents are those the items' shares imply (everyone answered every item, at a base n common to
all item rows), each item's answers are known as a multiset (the counts at n), and only how they
are paired across respondents is free. The index SD is then bounded from both sides:

* largest: when the items are comonotone - every item's answers sorted and paired position-wise -
  the variance of the sum is largest (each covariance is at its maximum at once; the rearrangement
  inequality);
* smallest: every respondent's total is an integer and the totals sum to a known S, so the
  variance is at least that of the most even split of S (floor/ceil); and the SD of a sum is at
  least the largest item's SD less the others' (Minkowski);
* for small n every pairing is enumerated, which gives both extremes exactly.

The bounds are taken over every base common to the item rows (up to `bases.N_MAX`), every set of
counts a row allows at that base, and - where the theme has reverse-coded items - with and without
reversing them. A printed SD outside them is a strong warning, not unattainable: it is impossible
if the index's respondents are those who answered its items, but an index over fewer of them
(some skipped an item, as the index needs every item) is not bounded by the items' printed
distributions, and the report does not say which respondents its indices cover.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

from vive_survey.inputs.codebook import Codebook
from vive_survey.printing.rounding import half_unit, to_fraction
from vive_survey.review.audit.bases import N_MAX, count_bounds, implied_bases, scaled_percentages
from vive_survey.review.audit.findings import counts_text, findings_frame, findings_on, list_text, number_text
from vive_survey.review.audit.index_means import SCALE_MAX, SCALE_MIN, IndexSource, index_sources
from vive_survey.review.audit.relations import Relations

COUNT_VECTORS_LIMIT = 64
"""Most count vectors of one row at one base that are tried; beyond it the base is undecided (no finding)."""

ENUMERATION_LIMIT = 20_000
"""Most pairings of the items' answers enumerated exactly; beyond it the bounds above are used."""


def count_vectors(values: list, decimals: list, n: int,
                  limit: int = COUNT_VECTORS_LIMIT) -> list[tuple[int, ...]] | None:
    """Every vector of counts (sum n) that reproduces the printed shares at base n; None if more than `limit`."""
    big_p, scale, blank = scaled_percentages(values, decimals)
    lo, hi = (a[0] for a in count_bounds(big_p, scale, blank, np.array([n])))
    if (lo > hi).any():
        return []
    out: list[tuple[int, ...]] = []

    def extend(prefix: list[int], i: int, left: int) -> bool:
        if i == len(lo) - 1:
            if lo[i] <= left <= hi[i]:
                out.append(tuple(prefix + [left]))
            return len(out) <= limit
        rest_lo, rest_hi = int(lo[i + 1:].sum()), int(hi[i + 1:].sum())
        for k in range(int(lo[i]), int(min(hi[i], left)) + 1):
            if rest_lo <= left - k <= rest_hi and not extend(prefix + [k], i + 1, left - k):
                return False
        return True

    return out if extend([], 0, n) else None


def scores_of(counts: tuple[int, ...], reverse: bool) -> list[int]:
    """Each respondent's answer (1-4, reversed as 5 - score), ascending."""
    scores = [s for s, k in zip(range(SCALE_MIN, SCALE_MAX + 1), counts) for _ in range(k)]
    return sorted(SCALE_MIN + SCALE_MAX - s for s in scores) if reverse else scores


def variance_of_totals(totals) -> Fraction:
    """The sample variance (n - 1) of the respondents' item totals, exactly (0 for one respondent)."""
    totals = [int(t) for t in totals]
    n = len(totals)
    if n < 2:
        return Fraction(0)
    return Fraction(n * sum(t * t for t in totals) - sum(totals) ** 2, n * (n - 1))


def comonotone_max_variance(scores: list[list[int]]) -> Fraction:
    """The largest variance of the respondents' totals over every pairing: each item sorted, paired by position."""
    return variance_of_totals(np.sum([sorted(s) for s in scores], axis=0))


def min_variance_bound(scores: list[list[int]]) -> Fraction:
    """A lower bound of the totals' variance over every pairing, the larger of two:

    * the totals are integers summing to S, at best as even as floor/ceil of S / n allow;
    * the SD of a sum is at least the largest item's SD less the others' (Minkowski's inequality
      on the centred answers), whatever the pairing."""
    n, total = len(scores[0]), sum(sum(s) for s in scores)
    q, r = divmod(total, n)
    even = variance_of_totals([q + 1] * r + [q] * (n - r))
    sds = sorted(math.sqrt(variance_of_totals(s)) for s in scores)
    # Rounded down a little: a float square root must not make the bound larger than the truth.
    spread = max(sds[-1] - sum(sds[:-1]), 0.0) * (1 - 1e-12)
    return max(even, Fraction(spread) ** 2)


def _pairings(n_values: list[int]) -> int:
    """How many distinct orders a multiset of answers has (n! / prod k!)."""
    counts = Counter(n_values)
    return math.factorial(len(n_values)) // math.prod(math.factorial(k) for k in counts.values())


def _distinct_orders(left: Counter, n: int):
    """Every distinct order of a multiset of answers (without generating the n! orders of a list)."""
    if n == 0:
        yield ()
        return
    for value in sorted(v for v, k in left.items() if k):
        left[value] -= 1
        for rest in _distinct_orders(left, n - 1):
            yield (value,) + rest
        left[value] += 1


def enumerated_variance_range(scores: list[list[int]]) -> tuple[Fraction, Fraction] | None:
    """The least and greatest variance of the totals over every pairing of the items' answers
    (the first item's order fixed: respondents are interchangeable); None if there are more than
    `ENUMERATION_LIMIT` pairings."""
    if math.prod(_pairings(s) for s in scores[1:]) > ENUMERATION_LIMIT:
        return None
    first = np.array(sorted(scores[0]))
    orders = [list(_distinct_orders(Counter(s), len(s))) for s in scores[1:]]
    variances = {variance_of_totals(first + np.sum(combo, axis=0)) if combo else variance_of_totals(first)
                 for combo in itertools.product(*orders)}
    return min(variances), max(variances)


@dataclass
class SdRange:
    """The index variance's bounds at one base, with how they were found."""

    n: int
    low: Fraction            # of the index (the totals' variance / k**2)
    high: Fraction
    counts: list[tuple[int, ...]]
    reversed_: bool
    exact: bool


def sd_ranges(src: IndexSource, n_max: int = N_MAX) -> tuple[list[int], list[SdRange]] | None:
    """The common bases of the index's item rows and the bounds at each; None when some base leaves
    too many count vectors to try (nothing can be proven)."""
    bases = [set(implied_bases(r.values, r.decimals, n_max)) for r in src.items]
    common = sorted(set.intersection(*bases)) if bases else []
    codings = [list(src.reverse)] + ([[False] * len(src.items)] if any(src.reverse) else [])
    k = len(src.items)
    ranges = []
    for n in common:
        vectors = [count_vectors(r.values, r.decimals, n) for r in src.items]
        if any(v is None for v in vectors):
            return None
        for combo in itertools.product(*vectors):
            for coding in codings:
                scores = [scores_of(c, rv) for c, rv in zip(combo, coding)]
                exact = enumerated_variance_range(scores)
                low, high = exact if exact is not None else (min_variance_bound(scores),
                                                             comonotone_max_variance(scores))
                ranges.append(SdRange(n, low / k ** 2, high / k ** 2, list(combo), any(coding), exact is not None))
    return common, ranges


def _sd(variance: Fraction) -> float:
    return math.sqrt(variance)


def check_index_sd(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                   relations: Relations | None = None, n_max: int = N_MAX) -> pd.DataFrame:
    """Printed index SDs outside what the items' distributions allow together at their common bases.

    For every index of relations.yaml's index tables (Tabel 4.8 per group from 4.4-4.7, B2.1 and
    B2.2; 4.16's overall row from 4.12, 4.15 and B2.3), at every base n that reproduces all its
    item rows: the largest index SD (sample SD, n - 1) is that of the comonotone pairing; the least
    is at least that of the most even integer totals; for small n every pairing is enumerated. A
    printed SD whose whole rounding interval lies above the largest (or below the least) bound at
    every common base is unattainable: no respondents answering the items as printed give it.

    Parameters
    ----------
    published : DataFrame
        Cells as `check_index_mean` takes them.
    metadata : dict
        Per-table metadata.
    codebook : Codebook, optional
        Themes, items and reverse flags (a theme with reverse items is tried both ways).
    relations : Relations, optional
        The index tables (None: nothing to check).
    n_max : int
        Largest base tried.

    Returns
    -------
    DataFrame
        ``index_sd_exceeds_joint_max`` / ``index_sd_below_joint_min`` (unattainable) on the SD cell.
        An index whose item rows share no base (item non-response) is not checked.
    """
    out: list[dict] = []
    for src in index_sources(published, metadata, codebook, relations):
        if src.sd is None or pd.isna(src.sd["value"]) or any(not r.values for r in src.items):
            continue
        found = sd_ranges(src, n_max)
        if found is None or not found[1]:
            continue
        common, ranges = found
        s, h = to_fraction(src.sd["value"]), half_unit(src.sd["decimals"])
        s_lo, s_hi = max(s - h, Fraction(0)), s + h
        widest_high = max(ranges, key=lambda r: r.high)
        widest_low = min(ranges, key=lambda r: r.low)
        where = f"{src.theme} / {src.mean['column']}" if src.mean["section"] else src.theme
        items = "; ".join(f"{r.table} {r.row}" + (" (reverse item)" if rv else "")
                          for r, rv in zip(src.items, src.reverse))
        at = widest_high if s_lo ** 2 > widest_high.high else widest_low
        method = "every pairing enumerated" if at.exact else "comonotone maximum; the minimum bounded from below"
        details = (f"items: {items}; common bases={list_text(common)}; at n = {at.n} counts "
                   f"{', '.join(counts_text(c) for c in at.counts)}"
                   f"{' (reverse items reversed)' if at.reversed_ else ''}: index SD "
                   f"{number_text(_sd(at.low), 3)}-{number_text(_sd(at.high), 3)} "
                   f"({method}); "
                   f"over all {len(common)} common bases: {number_text(_sd(widest_low.low), 3)}-"
                   f"{number_text(_sd(widest_high.high), 3)}; printed {number_text(s)} allows "
                   f"{number_text(s_lo, 2)}-{number_text(s_hi, 2)}")
        cell = src.sd.to_frame().T
        if s_lo ** 2 > widest_high.high:
            out += findings_on(cell, "index_sd", "index_sd_exceeds_joint_max", False,
                               f"the index SD {number_text(s)} ({where}) is larger than any pairing of its "
                               f"{len(src.items)} items' printed answers allows: at most "
                               f"{number_text(_sd(widest_high.high), 3)} (n = {widest_high.n}, items comonotone) at "
                               f"every base that reproduces all the item rows, if the index covers those who "
                               f"answered the items", details)
        elif s_hi ** 2 < widest_low.low:
            out += findings_on(cell, "index_sd", "index_sd_below_joint_min", False,
                               f"the index SD {number_text(s)} ({where}) is smaller than any pairing of its "
                               f"{len(src.items)} items' printed answers allows: at least "
                               f"{number_text(_sd(widest_low.low), 3)} (n = {widest_low.n}) at every base that "
                               f"reproduces all the item rows, if the index covers those who answered the items",
                               details)
    return findings_frame(out)
