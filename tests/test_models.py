"""OLS/WLS against numpy least squares, statsmodels' formula interface and a hand computation; the
rank-deficient and empty-level cases; the errors of a bad cluster or weights setting; the marks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from vive_survey.analysis.models import ModelOptions, Predictor, fit_ols, settings_columns, significance_mark
from vive_survey.errors import SurveyInputError

GENDER = Predictor("gender", "Køn", "Køn", reference="Kvinde", levels=(("Kvinde", "Kvinde"), ("Mand", "Mand"),
                                                                       ("Andet", "Andet")))
GROUP = Predictor("group", "Gruppe", "Gruppe", reference="Studerende",
                  levels=(("Studerende", "Studerende"), ("Nyuddannede", "Nyuddannede"), ("Erfarne", "Erfarne")))
AGE = Predictor("age", "Alder")
KONTROL = Predictor("kontrol", "Kontrol")
PREDICTORS = [AGE, GENDER, GROUP, KONTROL]

FORMULA = "y ~ age + C(gender, Treatment('Kvinde')) + C(group, Treatment('Studerende')) + kontrol"
ORDER = ["Intercept", "age", "C(gender, Treatment('Kvinde'))[T.Mand]",
         "C(group, Treatment('Studerende'))[T.Nyuddannede]", "C(group, Treatment('Studerende'))[T.Erfarne]", "kontrol"]


@pytest.fixture()
def sample():
    rng = np.random.default_rng(11)
    n = 150
    frame = pd.DataFrame({
        "age": rng.integers(20, 65, n).astype(float),
        "gender": rng.choice(["Kvinde", "Mand"], n, p=[0.7, 0.3]),
        "group": rng.choice(["Studerende", "Nyuddannede", "Erfarne"], n),
        "kontrol": rng.uniform(1, 4, n),
        "institution": pd.array(rng.choice([f"Kommune {i}" for i in range(12)], n), dtype="string"),
        "weight": rng.uniform(0.3, 3.0, n),
    })
    # Heteroskedastic and clustered errors, so that every kind of standard error differs from the others.
    cluster_effect = dict(zip(sorted(set(frame["institution"])), rng.normal(0, 0.4, 12)))
    frame["y"] = (1 + 0.01 * frame["age"] + 0.3 * (frame["gender"] == "Mand") - 0.4 * (frame["group"] == "Erfarne")
                  + 0.25 * frame["kontrol"] + frame["institution"].map(cluster_effect).astype(float)
                  + rng.normal(0, 0.2 + 0.2 * frame["kontrol"], n))
    frame.loc[[3, 7], "y"] = np.nan          # listwise deletion must drop these
    frame.loc[5, "age"] = np.nan
    frame.loc[[9, 10], "institution"] = pd.NA  # ... and these when the models cluster or weight
    frame.loc[[10, 12], "weight"] = np.nan
    return frame


def compare(ours, theirs):
    for ours_values, theirs_values in ((ours.coef, theirs.params), (ours.se, theirs.bse), (ours.t, theirs.tvalues),
                                       (ours.p, theirs.pvalues), (ours.ci_low, theirs.conf_int()[0]),
                                       (ours.ci_high, theirs.conf_int()[1])):
        np.testing.assert_allclose(ours_values, theirs_values[ORDER].to_numpy(), rtol=1e-8)
    assert ours.n == theirs.nobs
    assert ours.r2 == pytest.approx(theirs.rsquared, rel=1e-10)
    assert ours.adj_r2 == pytest.approx(theirs.rsquared_adj, rel=1e-10)


def test_coefficients_equal_numpy_least_squares(sample):
    result = fit_ols(sample, "y", PREDICTORS)
    complete = sample.dropna(subset=["y", "age"])
    X = np.column_stack([np.ones(len(complete)), complete["age"], complete["gender"] == "Mand",
                         complete["group"] == "Nyuddannede", complete["group"] == "Erfarne", complete["kontrol"]])
    beta, *_ = np.linalg.lstsq(X.astype(float), complete["y"].to_numpy(), rcond=None)
    assert result.n == len(complete) == 147
    np.testing.assert_allclose(result.coef, beta, rtol=1e-10)
    assert [t.name for t in result.terms] == ["const", "age", "gender[Mand]", "group[Nyuddannede]",
                                             "group[Erfarne]", "kontrol"]
    assert result.not_estimable == [(GENDER, "Andet")]      # a level nobody has is reported, not fitted


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1", "HC2", "HC3"])
def test_estimates_equal_the_statsmodels_formula_interface(sample, cov_type):
    ours = fit_ols(sample, "y", PREDICTORS, cov_type=cov_type)
    theirs = smf.ols(FORMULA, data=sample).fit(cov_type=cov_type)
    compare(ours, theirs)
    assert ours.cov_type == cov_type
    # t-based p-values and intervals for the classical standard errors, normal-based for the robust ones.
    df = ours.n - len(ours.terms)
    expected_p = 2 * (stats.t.sf if cov_type == "nonrobust" else lambda x, _df: stats.norm.sf(x))(np.abs(ours.t), df)
    np.testing.assert_allclose(ours.p, expected_p, rtol=1e-8)


def test_cluster_robust_estimates_equal_the_formula_interface_and_drop_respondents_without_a_cluster(sample):
    ours = fit_ols(sample, "y", PREDICTORS, cov_type="cluster", cluster="institution")
    complete = sample.dropna(subset=["y", "age", "institution"])
    theirs = smf.ols(FORMULA, data=complete).fit(cov_type="cluster",
                                                 cov_kwds={"groups": complete["institution"].astype(str).to_numpy()})
    compare(ours, theirs)
    assert ours.n == 145 and ours.clusters == 12
    # The cluster column counts only when the standard errors are cluster-robust.
    assert fit_ols(sample, "y", PREDICTORS, cov_type="HC1", cluster="institution").n == 147


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC1", "HC3", "cluster"])
def test_weighted_estimates_equal_the_formula_interface(sample, cov_type):
    ours = fit_ols(sample, "y", PREDICTORS, cov_type=cov_type, cluster="institution", weights="weight")
    drop = ["y", "age", "weight"] + (["institution"] if cov_type == "cluster" else [])
    complete = sample.dropna(subset=drop)
    kwds = {"groups": complete["institution"].astype(str).to_numpy()} if cov_type == "cluster" else None
    theirs = smf.wls(FORMULA, data=complete, weights=complete["weight"]).fit(cov_type=cov_type, cov_kwds=kwds)
    compare(ours, theirs)
    assert ours.n == len(complete) == (144 if cov_type == "cluster" else 145)   # rows 3, 5, 7, (9,) 10, 12
    unweighted = fit_ols(sample, "y", PREDICTORS, cov_type=cov_type, cluster="institution")
    assert not np.allclose(ours.coef, unweighted.coef)


def test_two_groups_by_hand():
    """y on one dummy: the intercept is the reference group's mean, the coefficient the difference of
    the means, its variance s² (1/n0 + 1/n1) with s² = RSS / (n - 2)."""
    data = pd.DataFrame({"group": ["Studerende"] * 3 + ["Nyuddannede"] * 2, "y": [1.0, 2.0, 3.0, 4.0, 6.0]})
    two = Predictor("group", "Gruppe", reference="Studerende",
                    levels=(("Studerende", "Studerende"), ("Nyuddannede", "Nyuddannede")))
    result = fit_ols(data, "y", [two])
    # means 2 and 5; residuals -1, 0, 1, -1, 1: RSS = 4 on 3 degrees of freedom; TSS around 3.2 = 14.8.
    s2 = 4 / 3
    se = np.sqrt([s2 / 3, s2 * (1 / 3 + 1 / 2)])
    np.testing.assert_allclose(result.coef, [2.0, 3.0], rtol=1e-12)
    np.testing.assert_allclose(result.se, se, rtol=1e-12)
    np.testing.assert_allclose(result.t, [2.0, 3.0] / se, rtol=1e-12)
    np.testing.assert_allclose(result.p, 2 * stats.t.sf([2.0, 3.0] / se, 3), rtol=1e-10)
    critical = stats.t.ppf(0.975, 3)
    np.testing.assert_allclose(result.ci_low, [2.0, 3.0] - critical * se, rtol=1e-12)
    np.testing.assert_allclose(result.ci_high, [2.0, 3.0] + critical * se, rtol=1e-12)
    assert result.n == 5
    assert result.r2 == pytest.approx(1 - 4 / 14.8, rel=1e-12)
    assert result.adj_r2 == pytest.approx(1 - (4 / 3) / (14.8 / 4), rel=1e-12)


def test_too_few_respondents_or_a_singular_design_gives_no_model(sample):
    tiny = pd.DataFrame({"y": [1.0, 2.0], "age": [30.0, 40.0]})
    assert fit_ols(tiny, "y", [AGE]) is None
    constant = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "age": [30.0] * 4})
    assert fit_ols(constant, "y", [AGE]) is None
    # A predictor that is a linear combination of others: statsmodels' pseudo-inverse would give
    # numbers; the rank test gives no model, for every kind of standard error.
    collinear = sample.assign(kontrol=2 * sample["age"] - 3)
    for cov_type in ("nonrobust", "HC3", "cluster"):
        assert fit_ols(collinear, "y", PREDICTORS, cov_type=cov_type, cluster="institution") is None
    # Two dummies that are the same respondents (every man is Erfaren and every Erfaren a man).
    confounded = sample.assign(gender=np.where(sample["group"] == "Erfarne", "Mand", "Kvinde"))
    assert fit_ols(confounded, "y", PREDICTORS) is None


def test_a_level_without_respondents_is_not_estimable_and_the_rest_is_fitted(sample):
    no_erfarne = sample[sample["group"] != "Erfarne"]
    result = fit_ols(no_erfarne, "y", PREDICTORS, cov_type="HC3")
    assert result.not_estimable == [(GENDER, "Andet"), (GROUP, "Erfarne")]
    assert result.term(GROUP, "Erfarne") is None and result.term(GROUP, "Nyuddannede") is not None
    theirs = smf.ols(FORMULA, data=no_erfarne).fit(cov_type="HC3")
    order = [name for name in ORDER if "Erfarne" not in name]
    np.testing.assert_allclose(result.se, theirs.bse[order].to_numpy(), rtol=1e-8)


def test_a_constant_outcome_has_no_r_squared():
    data = pd.DataFrame({"y": [2.0] * 5, "age": [20.0, 30.0, 35.0, 50.0, 61.0]})
    result = fit_ols(data, "y", [AGE])
    assert result.coef == pytest.approx([2.0, 0.0], abs=1e-12)
    assert np.isnan(result.r2) and np.isnan(result.adj_r2)


@pytest.mark.parametrize("settings, key, words", [
    ({"cov_type": "cluster"}, "models.cluster", "not given"),
    ({"cov_type": "cluster", "cluster": None}, "models.cluster", "not given"),
    ({"cov_type": "HC9"}, "models.cov_type", "'HC9' is not one of"),
])
def test_a_bad_models_setting_names_its_key(settings, key, words):
    with pytest.raises(SurveyInputError) as error:
        ModelOptions.from_settings(settings)
    assert f"{key}: " in error.value.render() and words in error.value.render()


@pytest.mark.parametrize("kwargs, key, words", [
    ({"cov_type": "cluster", "cluster": "kommune"}, "models.cluster", "'kommune' is not a column"),
    ({"weights": "vaegt"}, "models.weights", "'vaegt' is not a column"),
    ({"weights": "gender"}, "models.weights", "'gender' is not numeric"),
    ({"weights": "minus"}, "models.weights", "1 weight(s) that are not positive"),
    ({"weights": "zero"}, "models.weights", "1 weight(s) that are not positive"),
    ({"cov_type": "cluster", "cluster": "one"}, "models.cluster", "1 cluster among the 147 respondents"),
])
def test_a_cluster_or_weights_column_that_cannot_serve_is_an_error_naming_the_key(sample, kwargs, key, words):
    sample = sample.assign(minus=np.where(sample.index == 20, -1.0, 1.0), zero=np.where(sample.index == 21, 0, 2.0),
                           one="Kommune 1")
    with pytest.raises(SurveyInputError) as error:
        fit_ols(sample, "y", PREDICTORS, **kwargs)
    assert error.value.render().startswith(f"{key}: ") and words in error.value.render()


def test_missing_weights_drop_out_rather_than_fail(sample):
    sample.loc[20, "weight"] = np.nan          # missing: left out, not an error
    assert fit_ols(sample, "y", PREDICTORS, weights="weight").n == 144


def test_the_config_schema_requires_a_cluster_column_for_cluster_robust_errors():
    from vive_survey.inputs.config import validate_config

    base = {"wave": "w", "inputs": {q: f"{q}.csv" for q in ("studerende", "fagprofessionelle", "frivillige")}}
    assert validate_config(base)["models"] == {"cov_type": "nonrobust", "cluster": None, "weights": None}
    with pytest.raises(SurveyInputError, match=r"models\.cluster: not given"):
        validate_config({**base, "models": {"cov_type": "cluster"}})
    with pytest.raises(SurveyInputError, match=r"models\.weights: "):
        validate_config({**base, "models": {"weights": ""}})
    config = validate_config({**base, "models": {"cov_type": "cluster", "cluster": "institution", "weights": "w"}})
    assert settings_columns(config["models"]) == ["institution", "w"]
    assert settings_columns({"cov_type": "HC3", "cluster": "institution"}) == []   # not used, not read


def test_the_tables_step_reads_the_configured_cluster_column_beside_the_analysis_columns(tmp_path, codebook):
    from vive_survey.steps import read_analysis_columns

    path = tmp_path / "respondents.parquet"
    pd.DataFrame({"respondent_id": ["a", "b"], "institution": ["X", "Y"], "job_title": ["p", "q"],
                  "age": [30.0, 40.0]}).to_parquet(path)
    assert list(read_analysis_columns(path, codebook)) == ["age"]
    settings = {"models": {"cov_type": "cluster", "cluster": "institution"}}
    assert list(read_analysis_columns(path, codebook, settings)) == ["institution", "age"]


@pytest.mark.parametrize("p, mark", [(0.0999, "†"), (0.1, ""), (0.05, "†"), (0.0499, "*"), (0.01, "*"),
                                     (0.0099, "**"), (0.5, ""), (float("nan"), "")])
def test_significance_marks_at_their_boundaries(p, mark):
    assert significance_mark(p) == mark
