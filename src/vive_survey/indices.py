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

from .codebook import Codebook

INDEX_PREFIX = "idx_"


def required_answers(n_items: int, min_answered: float | int) -> int:
    if isinstance(min_answered, bool):
        raise TypeError("min_answered must be a number")
    if isinstance(min_answered, int) and min_answered >= 1:
        return min(min_answered, n_items)
    if 0 < float(min_answered) <= 1:
        return max(1, math.ceil(float(min_answered) * n_items - 1e-9))
    raise ValueError(f"min_answered must be a count >= 1 or a share in (0, 1], got {min_answered!r}")


def item_scores(data: pd.DataFrame, codebook: Codebook, theme: str, reverse_coding: bool) -> pd.DataFrame:
    """The theme's item scores as floats (NaN = missing), reversed where the codebook says so."""
    columns = {}
    for item in codebook.theme_items(theme):
        column = f"{item.id}_r" if (reverse_coding and item.reverse) else item.id
        columns[item.id] = data[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame(columns, index=data.index)


def likert_index(scores: pd.DataFrame, min_answered: float | int = 1.0) -> pd.Series:
    """Row mean of the answered items; NaN where fewer than the required number were answered."""
    values = scores.to_numpy(dtype=float)
    answered = np.sum(~np.isnan(values), axis=1)
    need = required_answers(values.shape[1], min_answered)
    with np.errstate(invalid="ignore"):
        means = np.nansum(values, axis=1) / np.where(answered == 0, 1, answered)
    return pd.Series(np.where(answered >= need, means, np.nan), index=scores.index)


def add_indices(data: pd.DataFrame, codebook: Codebook, *, min_answered: float | int = 1.0,
                reverse_coding: bool = True) -> pd.DataFrame:
    """Add an `idx_<theme>` column for every theme of the codebook."""
    out = data.copy()
    for theme in codebook.themes:
        scores = item_scores(out, codebook, theme, reverse_coding)
        out[INDEX_PREFIX + theme] = likert_index(scores, min_answered)
    return out


def cronbach_alpha(scores: pd.DataFrame) -> float:
    """Cronbach's alpha on the respondents who answered every item:
    k/(k-1) * (1 - sum of item variances / variance of the sum), variances with ddof=1.
    NaN when fewer than 2 items or 2 complete respondents, or when the sum has no variance."""
    values = scores.to_numpy(dtype=float)
    values = values[~np.isnan(values).any(axis=1)]
    n, k = values.shape
    if k < 2 or n < 2:
        return float("nan")
    total_var = values.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - values.var(axis=0, ddof=1).sum() / total_var))
