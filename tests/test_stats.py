"""Statistics against hand computations and independent implementations (scipy)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from vive_survey.analysis.stats import chi_square, grouped_counts, mean_sd, percentages


def test_grouped_counts_by_hand():
    groups = np.array([0, 0, 0, 1, 1, -1])
    values = np.array([0, 0, 3, 1, -1, 2])   # -1 = missing: left out
    assert grouped_counts(groups, values, 2, 4).tolist() == [[2, 0, 0, 1], [0, 1, 0, 0]]


def test_percentages_of_a_row_and_of_the_total():
    counts = np.array([[1, 15], [0, 0]])
    rows = percentages(counts, axis=1)
    assert rows[0].tolist() == [6.25, 93.75]
    assert np.isnan(rows[1]).all()                      # no respondents: undefined, not 0
    assert percentages(counts, axis=None).tolist() == [[6.25, 93.75], [0.0, 0.0]]


def test_mean_and_sample_sd_by_hand():
    mean, sd, n = mean_sd(np.array([1, 2, 3, 4, np.nan]))
    assert (mean, n) == (2.5, 4)
    assert sd == pytest.approx(np.sqrt(5 / 3), rel=1e-12)   # squares 2.25+.25+.25+2.25 = 5, / (4-1)
    assert np.isnan(mean_sd(np.array([3.0]))[1])


def test_chi_square_by_hand_on_a_2x2_table():
    # O = [[10, 20], [30, 40]], n = 100; E = [[12, 18], [28, 42]]
    # chi2 = 4/12 + 4/18 + 4/28 + 4/42 = 0.79365...
    result = chi_square(np.array([[10, 20], [30, 40]]))
    assert result.statistic == pytest.approx(4 / 12 + 4 / 18 + 4 / 28 + 4 / 42, rel=1e-12)
    assert result.df == 1
    assert result.expected.tolist() == [[12, 18], [28, 42]]
    assert result.p == pytest.approx(scipy.stats.chi2.sf(result.statistic, 1), rel=1e-12)
    assert not result.small_expected and result.p_permutation is None


@pytest.mark.parametrize("table", [
    [[12, 5, 9], [7, 14, 3], [6, 6, 11]],
    [[20, 31], [18, 9], [4, 16], [10, 10]],
])
def test_chi_square_equals_scipy_without_continuity_correction(table):
    ours = chi_square(np.array(table))
    theirs = scipy.stats.chi2_contingency(np.array(table), correction=False)
    np.testing.assert_allclose([ours.statistic, ours.p, ours.df], [theirs.statistic, theirs.pvalue, theirs.dof],
                               rtol=1e-10)
    np.testing.assert_allclose(ours.expected, theirs.expected_freq, rtol=1e-12)


def test_exact_permutation_p_value_of_a_small_known_table():
    # Margins (3, 3) x (3, 3): the first cell a is hypergeometric, P(a) = C(3,a) C(3,3-a) / C(6,3)
    # = 1/20, 9/20, 9/20, 1/20. The observed a = 3 (and a = 0) gives the largest chi2 = 6, so the
    # exact p-value is 2/20 = 0.1, while the asymptotic one is chi2.sf(6, 1) = 0.0143.
    result = chi_square(np.array([[3, 0], [0, 3]]), permutation_resamples=100_000, seed=1)
    assert result.statistic == pytest.approx(6.0)
    assert result.small_expected and result.min_expected == 1.5
    assert result.p == pytest.approx(0.014305878, rel=1e-6)
    assert result.p_permutation == pytest.approx(0.1, abs=1e-12)


def test_monte_carlo_p_value_is_seeded():
    table = np.array([[2, 0, 0, 0], [0, 1, 0, 0], [0, 1, 4, 2], [0, 0, 0, 3]])
    first = chi_square(table, permutation_resamples=2000, seed=7).p_permutation
    again = chi_square(table, permutation_resamples=2000, seed=7).p_permutation
    other = chi_square(table, permutation_resamples=2000, seed=8).p_permutation
    assert first == again
    assert 0 < first < 0.02 and abs(first - other) < 0.01


def test_degenerate_tables_give_no_evidence():
    one_row = chi_square(np.array([[3, 4, 5], [0, 0, 0]]))
    assert (one_row.statistic, one_row.df, one_row.p) == (0.0, 0, 1.0)
    empty = chi_square(np.zeros((2, 2), dtype=int))
    assert (empty.df, empty.p, empty.n) == (0, 1.0, 0)


def test_monte_carlo_p_value_agrees_with_scipys_permutation_test():
    # The same null distribution sampled two ways: random tables with the observed margins (ours)
    # and permuted respondents (scipy). The p-values differ only by Monte Carlo error.
    table = np.array([[4, 1, 2], [2, 6, 1], [1, 2, 7], [0, 3, 1]])
    ours = chi_square(table, permutation_resamples=20_000, seed=3)
    theirs = scipy.stats.chi2_contingency(table, correction=False, method=scipy.stats.PermutationMethod(
        n_resamples=20_000, rng=np.random.default_rng(4)))
    assert ours.small_expected
    assert ours.p_permutation == pytest.approx(theirs.pvalue, abs=4 * np.sqrt(theirs.pvalue / 20_000) + 1e-4)
    assert 0.005 < ours.p_permutation < 0.2        # a table where the test has something to say
