"""Check e: printed means and SDs that no values on their scale can give (GRIM/GRIMMER-style)."""

from __future__ import annotations

import math
from fractions import Fraction

import pandas as pd

from vive_survey.analysis.cells import KEY
from vive_survey.inputs.codebook import Codebook
from vive_survey.printing.rounding import half_unit, to_fraction
from vive_survey.review.audit.bases import N_MAX
from vive_survey.review.audit.findings import findings_frame, findings_on, number_text
from vive_survey.review.audit.index_means import SCALE_MAX, SCALE_MIN, index_sources
from vive_survey.review.audit.relations import Relations
from vive_survey.review.audit.rows import table_stated_n

AGE_RANGE = (15, 100)
"""The ages a respondent can plausibly have: an age column's mean and SD are checked in this range."""


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


def _age_columns(relations: Relations | None) -> set[tuple[str, str]]:
    """(table, column) of every age the respondent tables of relations.yaml print."""
    if relations is None:
        return set()
    return {(t.table, column) for t in relations.respondent_tables for column in (t.mean_age, t.sd_age) if column}


def check_mean_sd(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                  relations: Relations | None = None) -> pd.DataFrame:
    """GRIM/GRIMMER-style checks of printed means and SDs.

    On the 1-4 index scale (Tabel 4.8, 4.16): a mean outside [1, 4]; an SD above the largest
    possible for the mean, ``sqrt((m - 1)(4 - m) n / (n - 1))``, with the mean and SD each allowed
    their rounding - evaluated with the stated n (4.8's 'Antal personer', 4.16's title n for its
    overall row) and with n = 2, the most lenient; an SD printed 0 with a mean that identical
    answers cannot give (a multiple of 1/k for a k-item index). For ages (the mean_age columns of
    relations.yaml's respondent tables: 3.2, 4.2, 4.3) only range sanity: a mean in [15, 100] and
    an SD possible in that range.

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Used through the index sources to know how many items an index has (for SD 0).
    relations : Relations, optional
        Which columns are ages, and the index tables (None: every mean is on the 1-4 scale, and no
        index's items are known).

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
    for src in index_sources(published, metadata, codebook, relations):
        items_per[tuple(src.mean[k] for k in KEY)] = len(src.items)
    # k items per column of an overall row (every row of such a table shares its columns' themes)
    items_by_column = {(k[0], k[4]): v for k, v in items_per.items()}
    ages = _age_columns(relations)
    means = published[published["stat"].eq("mean") & published["value"].notna()]
    sds = published[published["stat"].eq("sd")]
    sd_position = {key: i for i, key in enumerate(sds[KEY[:-1]].itertuples(index=False, name=None))}
    n_cells = {table: cells for table, cells in published[published["stat"].eq("n")].groupby("table", sort=False)}
    for _, mean in means.iterrows():
        table = mean["table"]
        position = sd_position.get(tuple(mean[c] for c in KEY[:-1]))
        sd = sds.iloc[[] if position is None else [position]]
        is_age = (table, mean["column"]) in ages
        low, high = (Fraction(v) for v in (AGE_RANGE if is_age else (SCALE_MIN, SCALE_MAX)))
        scale = f"[{low}, {high}]" + (" (age)" if is_age else "")
        m, h = to_fraction(mean["value"]), half_unit(mean["decimals"])
        n = _stated_n_for_mean(n_cells.get(table, published.iloc[:0]), metadata, mean)
        if m + h < low or m - h > high:
            out += findings_on(_mean_and_sd(mean, sd), "mean_sd", "mean_out_of_range", True,
                               f"mean {number_text(m, 2)} lies outside the scale {scale}", f"n={n}")
            continue
        if sd.empty or pd.isna(sd["value"].iloc[0]):
            continue
        s, hs = to_fraction(sd["value"].iloc[0]), half_unit(sd["decimals"].iloc[0])
        if s < 0:
            out += findings_on(_mean_and_sd(mean, sd), "mean_sd", "sd_negative", True,
                               f"SD {number_text(s, 2)} is negative", "")
            continue
        var = _max_var_exact(max(m - h, low), min(m + h, high), low, high)
        s_lo = max(s - hs, Fraction(0))

        def exceeds(k: int) -> bool:
            """The SD is larger than k values in the range with this mean allow."""
            return s_lo ** 2 > var * Fraction(k, k - 1)

        if exceeds(2):
            out += findings_on(_mean_and_sd(mean, sd), "mean_sd", "sd_exceeds_max", True,
                               f"SD {number_text(s, 2)} is larger than any set of values in {scale} with mean "
                               f"{number_text(m, 2)} allows (at most {number_text(math.sqrt(var * 2), 3)} even for "
                               f"n = 2)", f"n={n}")
        elif n is not None and n >= 2 and exceeds(n):
            out += findings_on(_mean_and_sd(mean, sd), "mean_sd", "sd_exceeds_max", False,
                               f"SD {number_text(s, 2)} is larger than n = {n} values in {scale} with mean "
                               f"{number_text(m, 2)} allow (at most {number_text(math.sqrt(var * n / (n - 1)), 3)}); "
                               f"a smaller answering base could allow it", f"n={n}")
        k_grid = 1 if is_age else items_per.get(tuple(mean[c] for c in KEY)) or items_by_column.get(
            (table, mean["column"]))
        if s > 0 and k_grid and n is not None and n >= 2 and not any(
                grimmer_consistent(m, h, s, hs, size, k_grid) for size in range(n, 1, -1)):
            out += findings_on(_mean_and_sd(mean, sd), "mean_sd", "sd_granularity", True,
                               f"no group of 2 to {n} respondents with {'whole-year ages' if is_age else f'{k_grid}-item index values'} "
                               f"has a mean that prints as {number_text(m, 2)} and an SD that prints as "
                               f"{number_text(s, 2)} (GRIMMER: the sum of squares must be a whole number of "
                               f"the sum's parity)", f"k={k_grid}; n<={n}")
        if s == 0 and not is_age:
            k = items_per.get(tuple(mean[c] for c in KEY)) or items_by_column.get((table, mean["column"]))
            largest = n if n is not None and n >= 2 else N_MAX
            if k and not least_sd_within(m - h, m + h, k, largest, hs):
                out += findings_on(_mean_and_sd(mean, sd), "mean_sd", "sd_zero_mean_off_grid", False,
                                   f"SD printed {sd['printed'].iloc[0]} needs (nearly) identical answers, but no "
                                   f"answers of up to {largest} respondents to a {k}-item index give a mean of "
                                   f"{number_text(m)} with an SD that prints as 0", f"k={k}; n={n}")
    return findings_frame(out)


def grimmer_consistent(mean: Fraction, mean_half: Fraction, sd: Fraction, sd_half: Fraction, n: int,
                       items: int = 1) -> bool:
    """GRIMMER (Anaya 2016; Allard 2018): whether n values on the grid 1/items (items = 1: whole
    numbers) can have a mean within mean +- mean_half and an SD (n - 1 in the denominator) within
    sd +- sd_half. With y = items * x whole, a total T and a sum of squares Q of the y: T / (items n)
    prints as the mean (GRIM), Q = (n - 1) SD_y^2 + T^2 / n is a whole number, Q has T's parity
    (y^2 and y are both even or both odd), and Q is at least the sum of squares of T spread as evenly
    as whole numbers go. Exact arithmetic; bounds of the scale are not used."""
    k = items
    for total in range(math.ceil((mean - mean_half) * k * n), math.floor((mean + mean_half) * k * n) + 1):
        base = Fraction(total * total, n)
        low = (n - 1) * (k * max(sd - sd_half, Fraction(0))) ** 2 + base
        high = (n - 1) * (k * (sd + sd_half)) ** 2 + base
        spread, extra = divmod(total, n)
        least = n * spread * spread + extra * (2 * spread + 1)   # the total spread as evenly as it goes
        q = max(math.ceil(low), least)
        q += (q - total) % 2                  # the first whole number of the total's parity
        if q <= high:
            return True
    return False


def least_sd_within(low: Fraction, high: Fraction, k: int, largest: int, half: Fraction) -> bool:
    """Whether n <= `largest` answers to a k-item index on the 1-4 scale (each respondent's value a
    multiple of 1/k) can have a mean in [low, high] and an SD (n - 1 in the denominator) of at most
    `half`. For a total T of n values the least SD spreads T as evenly as it goes: r = T mod n values
    one grid step 1/k above the others, SD = (1/k) * sqrt(r (n - r) / (n (n - 1))) (GRIMMER's lower
    bound; an SD printed 0 with d decimals stands for one up to half a unit of d)."""
    for n in range(2, largest + 1):
        first = max(math.ceil(low * k * n), SCALE_MIN * k * n)
        last = min(math.floor(high * k * n), SCALE_MAX * k * n)
        for total in range(first, last + 1):
            r = total % n
            if Fraction(r * (n - r), k * k * n * (n - 1)) <= half * half:
                return True
    return False


def _mean_and_sd(mean: pd.Series, sd: pd.DataFrame) -> pd.DataFrame:
    """The cells a finding on a mean concerns: the mean and its SD (built only for a finding)."""
    return pd.concat([mean.to_frame().T, sd])


def _stated_n_for_mean(t: pd.DataFrame, metadata: dict, mean: pd.Series) -> int | None:
    """The n a mean rests on: an n in its row, else in its column, else its table's own n (overall
    rows). `t` holds the n cells of the mean's table."""
    same_row = t[t["row"].eq(mean["row"]) & t["section"].eq(mean["section"]) & t["subrow"].eq(mean["subrow"])]
    if len(same_row) == 1:
        return int(same_row["value"].iloc[0])
    same_col = t[t["column"].eq(mean["column"])]
    if len(same_col) == 1:
        return int(same_col["value"].iloc[0])
    if mean["section"] == "":
        stated = table_stated_n(metadata, mean["table"])
        if stated:
            return stated[0]
    return None
