"""The tests of a wave-over-wave comparison, on arrays: one function per kind of cell.

Each function takes the numbers of the cells to test (BASE first, WAVE second, as in
`review.waves.compare_waves`, whose docstring states the conventions) and returns a `Tests`: per
cell the test's name, statistic, df, p, the p of the statistic's reference distribution
(`p_asymptotic`) and a note. A test that is undefined for the numbers given (no respondents, fewer
than two, no variation in either wave) leaves name, statistic, df and both p empty (NaN, never
p = 1) and says why in the note. Every signed statistic runs WAVE minus BASE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# How far a count derived from a full-precision share (pct x base / 100) may lie from a whole number.
COUNT_TOLERANCE = 1e-6


@dataclass
class Tests:
    """One test result per cell, aligned with the arrays passed in."""

    test: np.ndarray
    statistic: np.ndarray
    df: np.ndarray
    p: np.ndarray
    p_asymptotic: np.ndarray
    note: np.ndarray

    @classmethod
    def empty(cls, n: int) -> "Tests":
        return cls(np.full(n, np.nan, dtype=object), np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan),
                   np.full(n, np.nan), np.full(n, "", dtype=object))

    def explain(self, mask: np.ndarray, why: str) -> None:
        """Undefined where `mask` (and no reason given yet): the note says why."""
        mask = mask & (self.note == "")
        self.note[mask] = "test undefined: " + why


def whole_counts(pct: np.ndarray, base: np.ndarray, describe: Callable[[int], str]) -> np.ndarray:
    """pct x base / 100 as whole numbers. A full-precision share of whole counts gives a whole number
    to within 1e-6; anything else (a rounded share, a wrong base) is an error naming the cell."""
    pct, base = np.asarray(pct, dtype=float), np.asarray(base, dtype=float)
    raw = np.where(base > 0, pct * base / 100.0, 0.0)
    counts = np.rint(raw)
    bad = np.flatnonzero(~(np.abs(raw - counts) <= COUNT_TOLERANCE))
    if len(bad):
        i = bad[0]
        raise ValueError(
            f"{describe(i)}: pct {pct[i]!r} x base_n {base[i]!r} / 100 = {raw[i]!r} is not a whole count (off by more "
            f"than {COUNT_TOLERANCE:g}); the comparison needs the full-precision values of tables/cells.csv, "
            f"not rounded ones ({len(bad)} such cell(s))")
    return counts.astype(np.int64)


def _two_sided_normal(z: np.ndarray) -> np.ndarray:
    from scipy import special

    return 2.0 * special.ndtr(-np.abs(z))


# ------------------------------------------------------------------------------- distributions

@dataclass(frozen=True)
class Distribution:
    """One chi-square test of wave x answer: the same for every category row of the item."""

    test: str | float
    statistic: float
    df: float
    p: float
    p_asymptotic: float
    note: str


def distribution_test(base_counts: np.ndarray, wave_counts: np.ndarray, categories: list[str], *,
                      rng_seed: list[int], resamples: int, min_expected: float) -> Distribution:
    """Pearson chi-square of the 2 x K table (base, wave) x answer, without continuity correction.

    Categories nobody chose in either wave are left out (they carry no information and would make
    an expected count 0), df = K' - 1 of those left. Undefined when a wave has no answers (an empty
    margin) or fewer than two categories are left. When an expected count is below `min_expected`
    (and `resamples` > 0), p is a Monte-Carlo permutation p: the pooled answers of both waves are
    shuffled between the waves `resamples` times, p = (1 + #(chi2 >= observed)) / (1 + resamples).
    The base's counts after a shuffle are drawn directly (numpy's multivariate hypergeometric: the
    same distribution, without shuffling every answer). `rng_seed` seeds numpy's Generator."""
    import scipy.stats

    table = np.vstack([base_counts, wave_counts]).astype(np.int64)
    margins = table.sum(axis=1)
    if (margins == 0).any():
        side = "both waves" if (margins == 0).all() else ("the base" if margins[0] == 0 else "the wave")
        return _undefined(f"no answers in {side} (an empty margin)")
    used = table.sum(axis=0) > 0
    if used.sum() < 2:
        return _undefined("every answer in one category in both waves (no variation)")
    kept = table[:, used]
    result = scipy.stats.chi2_contingency(kept, correction=False)
    statistic, df, p = float(result.statistic), float(result.dof), float(result.pvalue)
    notes = []
    if not used.all():
        notes.append("left out of the test, no answer in either wave: "
                     + ", ".join(c for c, u in zip(categories, used) if not u))
    smallest = float(result.expected_freq.min())
    if smallest >= min_expected:
        return Distribution("chi2", statistic, df, p, p, "; ".join(notes))
    if resamples <= 0:
        notes.append(f"smallest expected count {smallest:.2f} < {min_expected:g}, no permutation p "
                     "(permutation_resamples = 0)")
        return Distribution("chi2", statistic, df, p, p, "; ".join(notes))
    rng = np.random.default_rng(rng_seed)
    # The categories in the order of their labels, so that the draws do not depend on the cells' order.
    order = np.argsort(np.asarray([c for c, u in zip(categories, used) if u], dtype=str), kind="stable")
    kept, expected = kept[:, order], result.expected_freq[:, order]
    pooled = kept.sum(axis=0)
    drawn_base = rng.multivariate_hypergeometric(pooled, int(kept[0].sum()), size=resamples, method="marginals")
    # Both margins are fixed, so the wave's deviation from its expected count is minus the base's:
    # chi2 = sum over categories of d² (1/E_base + 1/E_wave), d = base count - E_base.
    deviation = drawn_base - expected[0]
    null = (deviation * deviation) @ (1.0 / expected[0] + 1.0 / expected[1])
    tolerance = abs(statistic) * 100 * np.finfo(float).eps    # ties up to rounding count as extreme
    p_perm = float((np.count_nonzero(null >= statistic - tolerance) + 1) / (resamples + 1))
    notes.append(f"smallest expected count {smallest:.2f} < {min_expected:g}: permutation p of {resamples} "
                 "shuffles of the pooled answers; the chi-square p is p_asymptotic")
    return Distribution("chi2_permutation", statistic, df, p_perm, p, "; ".join(notes))


def _undefined(why: str) -> Distribution:
    return Distribution(np.nan, np.nan, np.nan, np.nan, np.nan, "test undefined: " + why)


# -------------------------------------------------------------------------------------- shares

def share_tests(x_base: np.ndarray, n_base: np.ndarray, x_wave: np.ndarray, n_wave: np.ndarray) -> Tests:
    """Two-proportion z test with the pooled SE: z = (x_w/n_w - x_b/n_b) / sqrt(q(1-q)(1/n_w + 1/n_b)),
    q = (x_w + x_b) / (n_w + n_b), p two-sided. Undefined with no respondents in a wave or a pooled
    share of 0 or 100 % (no variation in either wave)."""
    x_base, n_base, x_wave, n_wave = (np.asarray(a, dtype=float) for a in (x_base, n_base, x_wave, n_wave))
    out = Tests.empty(len(x_base))
    out.explain(~(n_base > 0) & ~(n_wave > 0), "no respondents in either wave")
    out.explain(~(n_base > 0), "no respondents in the base")
    out.explain(~(n_wave > 0), "no respondents in the wave")
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x_base + x_wave) / (n_base + n_wave)
        out.explain(pooled == 0, "the share is 0 % in both waves (no variation)")
        out.explain(pooled == 1, "the share is 100 % in both waves (no variation)")
        ok = out.note == ""
        z = (x_wave / n_wave - x_base / n_base) / np.sqrt(pooled * (1 - pooled) * (1 / n_wave + 1 / n_base))
    p = _two_sided_normal(z)
    out.test[ok] = "z_proportions"
    out.statistic[ok], out.p[ok], out.p_asymptotic[ok] = z[ok], p[ok], p[ok]
    return out


# --------------------------------------------------------------------------------------- means

def mean_tests(mean_base: np.ndarray, sd_base: np.ndarray, n_base: np.ndarray,
               mean_wave: np.ndarray, sd_wave: np.ndarray, n_wave: np.ndarray) -> Tests:
    """Welch's t from each wave's mean, SD (ddof=1) and n (scipy.stats.ttest_ind_from_stats,
    equal_var=False), t = (mean_w - mean_b) / sqrt(sd_w²/n_w + sd_b²/n_b), df Welch–Satterthwaite.
    Undefined with fewer than two respondents in a wave, no SD, or an SD of 0 in both waves."""
    import scipy.stats

    arrays = [np.asarray(a, dtype=float) for a in (mean_base, sd_base, n_base, mean_wave, sd_wave, n_wave)]
    mean_base, sd_base, n_base, mean_wave, sd_wave, n_wave = arrays
    out = Tests.empty(len(mean_base))
    out.explain(~(n_base >= 2) & ~(n_wave >= 2), "fewer than two respondents in each wave")
    out.explain(~(n_base >= 2), "fewer than two respondents in the base")
    out.explain(~(n_wave >= 2), "fewer than two respondents in the wave")
    out.explain(np.isnan(mean_base) | np.isnan(mean_wave), "no mean in a wave")
    out.explain(np.isnan(sd_base), "no SD in the base")
    out.explain(np.isnan(sd_wave), "no SD in the wave")
    out.explain((sd_base == 0) & (sd_wave == 0), "an SD of 0 in both waves (no variation)")
    ok = out.note == ""
    if ok.any():
        args = [a[ok] for a in (mean_wave, sd_wave, n_wave, mean_base, sd_base, n_base)]
        result = scipy.stats.ttest_ind_from_stats(*args, equal_var=False)
        var_w, var_b = args[1] ** 2 / args[2], args[4] ** 2 / args[5]
        out.df[ok] = (var_w + var_b) ** 2 / (var_w ** 2 / (args[2] - 1) + var_b ** 2 / (args[5] - 1))
        out.test[ok] = "welch_t"
        out.statistic[ok] = result.statistic
        out.p[ok] = out.p_asymptotic[ok] = result.pvalue
    return out


# -------------------------------------------------------------------------------- coefficients

def coefficient_tests(coef_base: np.ndarray, se_base: np.ndarray, coef_wave: np.ndarray,
                      se_wave: np.ndarray) -> Tests:
    """z = (b_w - b_b) / sqrt(se_w² + se_b²) for the same coefficient of two independent samples,
    p two-sided from the normal. Undefined without an estimate or SE, or with SE 0 in both."""
    coef_base, se_base, coef_wave, se_wave = (np.asarray(a, dtype=float) for a in (coef_base, se_base, coef_wave,
                                                                                   se_wave))
    out = Tests.empty(len(coef_base))
    out.explain(np.isnan(coef_base), "no estimate in the base")
    out.explain(np.isnan(coef_wave), "no estimate in the wave")
    out.explain(np.isnan(se_base), "no standard error in the base")
    out.explain(np.isnan(se_wave), "no standard error in the wave")
    out.explain((se_base == 0) & (se_wave == 0), "a standard error of 0 in both waves")
    ok = out.note == ""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (coef_wave - coef_base) / np.sqrt(se_wave ** 2 + se_base ** 2)
    p = _two_sided_normal(z)
    out.test[ok] = "z_coefficients"
    out.statistic[ok], out.p[ok], out.p_asymptotic[ok] = z[ok], p[ok], p[ok]
    return out
