"""Distributions and contingency tables: counts, percentages, Pearson chi-square.

Pure numpy/scipy on arrays of integer codes; no formatting. Counting is done with np.bincount on
combined group x category codes, so it costs one pass over the data whatever the number of groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_EXPECTED = 5.0


def grouped_counts(group_codes: np.ndarray, value_codes: np.ndarray, n_groups: int, n_values: int) -> np.ndarray:
    """Counts[g, v] of respondents in group g with value v. Codes < 0 (missing) are left out."""
    group_codes = np.asarray(group_codes, dtype=np.int64)
    value_codes = np.asarray(value_codes, dtype=np.int64)
    # Missing (-1) is counted in an extra first row and column that are then dropped: no boolean
    # selection, which costs a mispredicted branch per respondent when answers are missing at random.
    combined = (np.maximum(group_codes, -1) + 1) * (n_values + 1) + (np.maximum(value_codes, -1) + 1)
    counts = np.bincount(combined, minlength=(n_groups + 1) * (n_values + 1)).reshape(n_groups + 1, n_values + 1)
    return counts[1:, 1:]


def percentages(counts: np.ndarray, axis: int | None = -1) -> np.ndarray:
    """100 * counts / total along `axis` (None = of the grand total); NaN where the total is 0."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum() if axis is None else counts.sum(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 100.0 * counts / np.where(total == 0, 1, total), np.nan)


def mean_sd(values: np.ndarray) -> tuple[float, float, int]:
    """Mean, sample SD (ddof=1) and n of the non-missing values (NaN where undefined)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    mean = float(values.mean()) if n else float("nan")
    sd = float(values.std(ddof=1)) if n > 1 else float("nan")
    return mean, sd, n


@dataclass(frozen=True)
class ChiSquare:
    """Pearson's chi-square test of independence on a two-way table of counts.

    Rows and columns with no observations are left out of the test (they carry no information and
    would make expected counts zero); `df` is (r - 1)(c - 1) of what remains."""

    statistic: float
    df: int
    p: float
    expected: np.ndarray
    min_expected: float
    small_expected: bool
    p_permutation: float | None
    n: int


def chi_square(counts: np.ndarray, *, permutation_resamples: int = 0, seed: int | None = None,
               min_expected: float = MIN_EXPECTED) -> ChiSquare:
    """Pearson chi-square = sum (O - E)^2 / E with E = row total * column total / n, no continuity
    correction. When any expected count is below `min_expected` and `permutation_resamples` > 0, a
    permutation p-value (scipy's permutation test of the chi-square statistic with fixed margins,
    exact when the permutations are fewer than the resamples, otherwise Monte Carlo with `seed`)
    is given beside the asymptotic one."""
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    rows = counts.sum(axis=1) > 0
    cols = counts.sum(axis=0) > 0
    kept = counts[rows][:, cols]
    expected = np.zeros(counts.shape, dtype=float)
    if n == 0 or kept.shape[0] < 2 or kept.shape[1] < 2:
        return ChiSquare(0.0, 0, 1.0, expected, float("nan"), False, None, n)
    exp_kept = np.outer(kept.sum(axis=1), kept.sum(axis=0)) / n
    expected[np.ix_(rows, cols)] = exp_kept
    statistic = float(((kept - exp_kept) ** 2 / exp_kept).sum())
    df = (kept.shape[0] - 1) * (kept.shape[1] - 1)
    from scipy import special

    p = float(special.chdtrc(df, statistic))  # the chi-square survival function
    smallest = float(exp_kept.min())
    small = smallest < min_expected
    p_perm = None
    if small and permutation_resamples > 0:
        p_perm = permutation_p(kept, statistic, permutation_resamples, seed)
    return ChiSquare(statistic, df, p, expected, smallest, small, p_perm, n)


def permutation_p(counts: np.ndarray, statistic: float, resamples: int, seed: int | None) -> float:
    """P-value of the chi-square statistic under permutation (both margins fixed).

    Exact, by scipy's permutation test, when the n! orderings of the respondents are no more than
    `resamples`; otherwise Monte Carlo: `resamples` tables drawn with the observed margins
    (scipy.stats.random_table, Patefield's algorithm), which is the permutation distribution
    without permuting n respondents one by one (0.02 s where scipy's Monte Carlo takes seconds),
    and p = (tables at least as extreme + 1) / (resamples + 1) as scipy computes it."""
    import math

    import scipy.stats  # only here: it is the slowest import of the package

    rng = np.random.default_rng(seed)
    n = int(counts.sum())
    if n <= 20 and math.factorial(n) <= resamples:
        method = scipy.stats.PermutationMethod(n_resamples=resamples, rng=rng)
        return float(scipy.stats.chi2_contingency(counts, correction=False, method=method).pvalue)
    rows, cols = counts.sum(axis=1), counts.sum(axis=0)
    expected = np.outer(rows, cols) / n
    tables = scipy.stats.random_table(rows, cols, seed=rng).rvs(resamples)
    null = ((tables - expected) ** 2 / expected).sum(axis=(1, 2))
    tolerance = abs(statistic) * 100 * np.finfo(float).eps  # ties up to rounding count as extreme, as in scipy
    return float((np.count_nonzero(null >= statistic - tolerance) + 1) / (resamples + 1))
