"""Likert indices and Cronbach's alpha against hand computations and an independent formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vive_survey.analysis.indices import add_indices, cronbach_alpha, cronbach_alpha_by_group, likert_index, required_answers


def test_index_is_the_mean_of_answered_items_when_enough_are_answered():
    scores = pd.DataFrame({"a": [1, 4, np.nan, np.nan], "b": [2, 4, 3, np.nan], "c": [3, 1, 3, np.nan]})
    assert likert_index(scores, 1.0).tolist()[:2] == [2.0, 3.0]
    assert np.isnan(likert_index(scores, 1.0).iloc[2])          # all items needed by default
    assert likert_index(scores, 2).iloc[2] == 3.0               # two answered items suffice
    assert likert_index(scores, 0.5).iloc[2] == 3.0             # half of 3 items -> 2
    assert np.isnan(likert_index(scores, 1).iloc[3])            # nothing answered


@pytest.mark.parametrize("n_items, setting, need", [(3, 1.0, 3), (3, 0.5, 2), (4, 0.5, 2), (3, 1, 1), (2, 5, 2)])
def test_required_answers(n_items, setting, need):
    assert required_answers(n_items, setting) == need


def test_reverse_coded_items_enter_as_five_minus_the_answer(codebook):
    data = pd.DataFrame({
        "eks_sammen": pd.array([4, 1], dtype="Int8"),
        "eks_planer": pd.array([1, 4], dtype="Int8"), "eks_planer_r": pd.array([4, 1], dtype="Int8"),
        "eks_konkurrence": pd.array([2, 4], dtype="Int8"), "eks_konkurrence_r": pd.array([3, 1], dtype="Int8"),
    })
    for theme in codebook.themes:
        for item in codebook.theme_items(theme):
            if item.id not in data:
                data[item.id] = pd.array([None, None], dtype="Int8")
                if item.reverse:
                    data[f"{item.id}_r"] = pd.array([None, None], dtype="Int8")
    reversed_ = add_indices(data, codebook, reverse_coding=True)["idx_faellesskab"].tolist()
    plain = add_indices(data, codebook, reverse_coding=False)["idx_faellesskab"].tolist()
    assert reversed_ == [pytest.approx(11 / 3), 1.0]
    assert plain == [pytest.approx(7 / 3), 3.0]


def test_cronbach_alpha_equals_the_covariance_form():
    rng = np.random.default_rng(3)
    latent = rng.normal(size=200)
    items = pd.DataFrame({f"i{k}": np.clip(np.rint(2.5 + latent + rng.normal(0, 0.8, 200)), 1, 4) for k in range(4)})
    cov = np.cov(items.to_numpy(), rowvar=False, ddof=1)
    k = cov.shape[0]
    expected = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    assert cronbach_alpha(items) == pytest.approx(expected, rel=1e-12)


def test_cronbach_alpha_textbook_case():
    # Three items, four respondents; item variances 1, 1, 1 (ddof 1) with these perfectly
    # parallel items the sum has variance 9, so alpha = 3/2 * (1 - 3/9) = 1.0.
    items = pd.DataFrame({"a": [1, 2, 3, 2], "b": [1, 2, 3, 2], "c": [1, 2, 3, 2]})
    assert cronbach_alpha(items) == pytest.approx(1.0)
    # Two uncorrelated items with equal variance: cov sum = 2 var, alpha = 2 * (1 - 2var/2var) = 0.
    assert cronbach_alpha(pd.DataFrame({"a": [1, 2, 1, 2], "b": [1, 1, 2, 2]})) == pytest.approx(0.0)


def test_cronbach_alpha_is_nan_when_undefined():
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]})))
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [2, 2], "b": [3, 3]})))


def test_alpha_by_group_equals_alpha_of_each_groups_rows():
    rng = np.random.default_rng(5)
    n = 400
    latent = rng.normal(size=n)
    items = np.column_stack([np.clip(np.round(2.5 + latent + rng.normal(0, 0.8, n)), 1, 4) for _ in range(4)])
    items[rng.random((n, 4)) < 0.05] = np.nan               # item non-response: the row leaves alpha
    groups = rng.integers(0, 3, n)
    masks = [groups == 0, groups == 1, groups == 2, np.ones(n, dtype=bool), groups == 0]   # overlapping too
    expected = [cronbach_alpha(pd.DataFrame(items[m])) for m in masks]
    assert cronbach_alpha_by_group(items, masks) == pytest.approx(expected, rel=1e-10)


def test_alpha_by_group_is_nan_for_tiny_or_constant_groups():
    items = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 3.0], [2.0, 2.0]])
    one_row = np.array([True, False, False, False])
    two_rows = np.array([False, False, True, True])        # the smallest group with an alpha
    alphas = cronbach_alpha_by_group(items, [one_row, np.zeros(4, dtype=bool)])
    assert all(np.isnan(a) for a in alphas)
    flat = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])   # every sum is 4: no variance, no alpha
    assert np.isnan(cronbach_alpha_by_group(flat, [np.ones(3, dtype=bool)])[0])
    assert cronbach_alpha_by_group(items, [two_rows])[0] == pytest.approx(1.0)
    assert cronbach_alpha(pd.DataFrame(items[two_rows])) == pytest.approx(1.0)
