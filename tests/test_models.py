"""OLS against numpy least squares and statsmodels' formula interface; the significance marks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from vive_survey.analysis.models import Predictor, fit_ols, significance_mark

GENDER = Predictor("gender", "Køn", "Køn", reference="Kvinde", levels=(("Kvinde", "Kvinde"), ("Mand", "Mand"),
                                                                       ("Andet", "Andet")))
GROUP = Predictor("group", "Gruppe", "Gruppe", reference="Studerende",
                  levels=(("Studerende", "Studerende"), ("Nyuddannede", "Nyuddannede"), ("Erfarne", "Erfarne")))
AGE = Predictor("age", "Alder")
KONTROL = Predictor("kontrol", "Kontrol")


@pytest.fixture()
def sample():
    rng = np.random.default_rng(11)
    n = 150
    frame = pd.DataFrame({
        "age": rng.integers(20, 65, n).astype(float),
        "gender": rng.choice(["Kvinde", "Mand"], n, p=[0.7, 0.3]),
        "group": rng.choice(["Studerende", "Nyuddannede", "Erfarne"], n),
        "kontrol": rng.uniform(1, 4, n),
    })
    frame["y"] = (1 + 0.01 * frame["age"] + 0.3 * (frame["gender"] == "Mand") - 0.4 * (frame["group"] == "Erfarne")
                  + 0.25 * frame["kontrol"] + rng.normal(0, 0.5, n))
    frame.loc[[3, 7], "y"] = np.nan          # listwise deletion must drop these
    frame.loc[5, "age"] = np.nan
    return frame


def test_coefficients_equal_numpy_least_squares(sample):
    result = fit_ols(sample, "y", [AGE, GENDER, GROUP, KONTROL])
    complete = sample.dropna()
    X = np.column_stack([np.ones(len(complete)), complete["age"], complete["gender"] == "Mand",
                         complete["group"] == "Nyuddannede", complete["group"] == "Erfarne", complete["kontrol"]])
    beta, *_ = np.linalg.lstsq(X.astype(float), complete["y"].to_numpy(), rcond=None)
    assert result.n == len(complete) == 147
    np.testing.assert_allclose(result.coef, beta, rtol=1e-10)
    assert [t.name for t in result.terms] == ["const", "age", "gender[Mand]", "group[Nyuddannede]",
                                             "group[Erfarne]", "kontrol"]
    assert result.not_estimable == [(GENDER, "Andet")]      # a level nobody has is reported, not fitted


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
def test_estimates_equal_the_statsmodels_formula_interface(sample, cov_type):
    ours = fit_ols(sample, "y", [AGE, GENDER, GROUP, KONTROL], cov_type=cov_type)
    formula = ("y ~ age + C(gender, Treatment('Kvinde')) + C(group, Treatment('Studerende')) + kontrol")
    theirs = smf.ols(formula, data=sample).fit(cov_type=cov_type)
    order = ["Intercept", "age", "C(gender, Treatment('Kvinde'))[T.Mand]",
             "C(group, Treatment('Studerende'))[T.Nyuddannede]", "C(group, Treatment('Studerende'))[T.Erfarne]",
             "kontrol"]
    for ours_values, theirs_values in ((ours.coef, theirs.params), (ours.se, theirs.bse), (ours.p, theirs.pvalues),
                                       (ours.ci_low, theirs.conf_int()[0])):
        np.testing.assert_allclose(ours_values, theirs_values[order].to_numpy(), rtol=1e-8)
    assert ours.r2 == pytest.approx(theirs.rsquared) and ours.adj_r2 == pytest.approx(theirs.rsquared_adj)


def test_too_few_respondents_or_a_singular_design_gives_no_model():
    tiny = pd.DataFrame({"y": [1.0, 2.0], "age": [30.0, 40.0]})
    assert fit_ols(tiny, "y", [AGE]) is None
    constant = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "age": [30.0] * 4})
    assert fit_ols(constant, "y", [AGE]) is None


@pytest.mark.parametrize("p, mark", [(0.0999, "†"), (0.1, ""), (0.05, "†"), (0.0499, "*"), (0.01, "*"),
                                     (0.0099, "**"), (0.5, ""), (float("nan"), "")])
def test_significance_marks_at_their_boundaries(p, mark):
    assert significance_mark(p) == mark
