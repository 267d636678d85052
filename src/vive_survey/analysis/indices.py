"""Likert indices: a respondent's index is the mean of their scores on a theme's items.

Reverse-coded items (codebook `reverse: true`) enter as 5 - score when `reverse_coding` is on.
A respondent gets an index only if they answered at least `min_answered` of the theme's items:
an integer is a count, a number in (0, 1] a share of the theme's items (1.0 = all, the default,
which is what the report describes: the items' sum divided by their number).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vive_survey.inputs.codebook import Codebook

INDEX_PREFIX = "idx_"


def required_answers(n_items: int, min_answered: float | int) -> int:
    if isinstance(min_answered, bool):
        raise TypeError("min_answered must be a number")
    if isinstance(min_answered, int) and min_answered >= 1:
        return min(min_answered, n_items)
    if 0 < float(min_answered) <= 1:
        return max(1, math.ceil(float(min_answered) * n_items - 1e-9))
    raise ValueError(f"min_answered must be a count >= 1 or a share in (0, 1], got {min_answered!r}")


def item_scores(data, codebook: Codebook, theme: str, reverse_coding: bool) -> np.ndarray:
    """The theme's item scores as a float matrix [respondent, item] (NaN = missing), reversed where
    the codebook says so. `data` is a DataFrame or anything indexable by column name."""
    items = codebook.theme_items(theme)
    # Column-major, so that each item is one contiguous array for the column loops below.
    values = np.empty((len(data), len(items)), order="F")
    for j, item in enumerate(items):
        column = f"{item.id}_r" if (reverse_coding and item.reverse) else item.id
        values[:, j] = data[column].to_numpy(dtype=float, na_value=np.nan)
    return values


def _index_values(values: np.ndarray, min_answered: float | int) -> np.ndarray:
    # Column by column: a theme has a handful of items and a wave up to millions of respondents,
    # and numpy's reductions along a short row axis are many times slower than this. Missing
    # answers are added as the column's smallest value (fmax skips NaN) and then taken off again:
    # no np.where/nansum, which branch on every value when answers are missing at random.
    n, k = values.shape
    total = np.zeros(n)
    answered = np.zeros(n, dtype=np.int64)
    for j in range(k):
        column = values[:, j]
        missing = np.isnan(column)
        if missing.all():
            continue
        low = float(np.fmin.reduce(column))
        total += np.fmax(column, low)
        total -= low * missing
        answered += ~missing
    need = required_answers(k, min_answered)
    means = total / np.maximum(answered, 1)
    means[answered < need] = np.nan
    return means


def _row_sums(values: np.ndarray) -> np.ndarray:
    total = np.zeros(len(values))
    for j in range(values.shape[1]):
        total += values[:, j]
    return total


def likert_index(scores: pd.DataFrame, min_answered: float | int = 1.0) -> pd.Series:
    """Row mean of the answered items; NaN where fewer than the required number were answered."""
    return pd.Series(_index_values(scores.to_numpy(dtype=float), min_answered), index=scores.index)


def add_indices(data: pd.DataFrame, codebook: Codebook, *, min_answered: float | int = 1.0,
                reverse_coding: bool = True) -> pd.DataFrame:
    """Add an `idx_<theme>` column for every theme of the codebook (a new frame; `data` is not changed)."""
    indices = {INDEX_PREFIX + theme: _index_values(item_scores(data, codebook, theme, reverse_coding), min_answered)
               for theme in codebook.themes}
    out = data.copy(deep=False)  # the new columns are added to a new frame; the data's columns are shared
    for name, values in indices.items():
        out[name] = values
    return out


def cronbach_alpha(scores: pd.DataFrame | np.ndarray) -> float:
    """Cronbach's alpha on the respondents who answered every item:
    k/(k-1) * (1 - sum of item variances / variance of the sum), variances with ddof=1.
    NaN when fewer than 2 items or 2 complete respondents, or when the sum has no variance."""
    values = np.asarray(scores, dtype=float)
    values = values[~np.isnan(values).any(axis=1)]
    n, k = values.shape
    if k < 2 or n < 2:
        return float("nan")
    total_var = values.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - values.var(axis=0, ddof=1).sum() / total_var))


def cronbach_alpha_by_group(scores: np.ndarray, masks: list[np.ndarray]) -> list[float]:
    """Cronbach's alpha of the same items in each group (boolean masks, which may overlap), as
    `cronbach_alpha` gives it for each group's rows, in one pass over the data: the per-group sums
    and sums of squares of every item and of the item sum come from one matrix product."""
    values = np.asarray(scores, dtype=float)
    n, k = values.shape
    if k < 2 or not masks:
        return [float("nan")] * len(masks)
    complete = ~np.isnan(_row_sums(values))
    rows = np.flatnonzero(complete)
    # Centre on the complete rows' means, so that sums of squares do not cancel.
    kept = np.asfortranarray(values[rows])
    kept -= kept.mean(axis=0)
    total = _row_sums(kept)
    columns = np.column_stack([kept, total])
    groups = np.column_stack([m[rows] for m in masks]).astype(float)  # [complete respondent, group]
    counts = groups.sum(axis=0)
    sums = groups.T @ columns
    squares = groups.T @ (columns * columns)
    alphas = []
    for g, m in enumerate(counts):
        if m < 2:
            alphas.append(float("nan"))
            continue
        var = (squares[g] - sums[g] ** 2 / m) / (m - 1)
        item_var, total_var = var[:k].sum(), var[k]
        alphas.append(float(k / (k - 1) * (1 - item_var / total_var)) if total_var > 1e-12 * max(item_var, 1.0)
                      else float("nan"))
    return alphas
