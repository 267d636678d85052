"""OLS regressions (Tabel 4.9): statsmodels' OLS (WLS with weights) on a design matrix built here.

The design matrix is built with numpy (intercept, numeric predictors, one dummy per non-reference
level of each categorical predictor) rather than with statsmodels' formula interface: formula
parsing of string columns is slow on large waves, and building it here makes the reference levels
explicit. Listwise deletion: a respondent enters a model only with the outcome, every predictor and
the cluster and weight columns the settings name all present; the model's n counts those.

The fit is statsmodels' `OLS(y, X).fit(cov_type=...)` (`WLS(y, X, weights=w)` when `models.weights`
names a column), with `cov_kwds={"groups": codes}` for cluster-robust standard errors. Its p-values
and intervals are statsmodels' own: t-based for the classical ('nonrobust') standard errors,
normal-based for HC0-HC3 and cluster. A level nobody in a model has gets no dummy and is reported
not estimable. statsmodels' pseudo-inverse would give numbers for a rank-deficient design, so the
rank is tested here (numpy's matrix_rank, with the tolerance of the QR fit used before statsmodels)
and a rank-deficient design, or one with no more respondents than parameters, gives no model.
The predictors' columns are built once per table and shared by its outcomes' models.
tests/test_models.py checks every estimate against statsmodels' formula interface.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vive_survey.errors import Problem, SurveyInputError

COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster")


@dataclass(frozen=True)
class Predictor:
    """A numeric column (`levels` empty) or a categorical one with a reference level."""

    column: str
    label: str
    section: str = ""
    reference: str | None = None
    levels: tuple[tuple[str, str], ...] = ()   # (value in the data, label as printed)

    @property
    def categorical(self) -> bool:
        return bool(self.levels)


@dataclass(frozen=True)
class Term:
    name: str          # column name in the design matrix
    predictor: Predictor
    level: str | None  # data value of a dummy, None for a numeric predictor


@dataclass
class OLSResult:
    terms: list[Term]
    coef: np.ndarray
    se: np.ndarray
    t: np.ndarray
    p: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: int
    r2: float
    adj_r2: float
    cov_type: str
    not_estimable: list[tuple[Predictor, str]] = field(default_factory=list)
    clusters: int | None = None      # clusters among the n respondents (cov_type 'cluster')
    level_n: np.ndarray | None = None  # per term: respondents at a dummy's level; NaN for other terms

    def respondents_behind(self, index: int) -> int | None:
        """The fewest respondents a category's coefficient rests on: its level's, or its
        reference level's (the coefficient is a difference between the two); None for a numeric
        predictor. For disclosure control."""
        term = self.terms[index]
        if term.level is None or self.level_n is None:
            return None
        same = [i for i, t in enumerate(self.terms) if t.predictor == term.predictor and t.level is not None]
        reference = self.n - int(sum(self.level_n[i] for i in same))
        return int(min(self.level_n[index], reference))

    def term(self, predictor: Predictor, level: str | None = None) -> int | None:
        for i, term in enumerate(self.terms):
            if term.predictor == predictor and term.level == level:
                return i
        return None


@dataclass(frozen=True)
class ModelOptions:
    """The `models` settings: standard errors, and the columns (if any) of clusters and weights."""

    cov_type: str = "nonrobust"
    cluster: str | None = None
    weights: str | None = None

    @classmethod
    def from_settings(cls, models: dict | None) -> "ModelOptions":
        models = models or {}
        options = cls(cov_type=models.get("cov_type") or "nonrobust", cluster=models.get("cluster") or None,
                      weights=models.get("weights") or None)
        if options.cov_type not in COV_TYPES:
            raise _setting_error("models.cov_type", f"{options.cov_type!r} is not one of {', '.join(COV_TYPES)}")
        if options.cov_type == "cluster" and options.cluster is None:
            raise _setting_error("models.cluster", "not given: cluster-robust standard errors (models.cov_type: "
                                 "cluster) need the column that holds each respondent's cluster",
                                 hint="for example `models: {cov_type: cluster, cluster: institution}`")
        return options

    @property
    def columns(self) -> list[str]:
        """The data columns the models need besides their outcome and predictors."""
        used = [self.cluster if self.cov_type == "cluster" else None, self.weights]
        return list(dict.fromkeys(c for c in used if c))

    def check_columns(self, columns) -> None:
        """A clear error, naming the setting, for a cluster or weight column the data does not have."""
        available = set(columns)
        for key, column in (("models.cluster", self.cluster if self.cov_type == "cluster" else None),
                            ("models.weights", self.weights)):
            if column is not None and column not in available:
                raise _setting_error(key, f"{column!r} is not a column of the cleaned data",
                                     hint="give the id of a codebook item (or a derived column) that the "
                                          "cleaned data holds")


def settings_columns(models: dict | None) -> list[str]:
    """The cluster and weight columns the `models` settings name (read beside the analysis columns)."""
    return ModelOptions.from_settings(models).columns


def _setting_error(key: str, message: str, hint: str | None = None) -> SurveyInputError:
    return SurveyInputError(Problem(f"{key}: {message}", hint=hint))


def _floats(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=float, na_value=np.nan)


@dataclass
class PredictorColumns:
    """What the models of one table share, built once for all its outcomes: the rows with every
    predictor (and the cluster and weight) present, the design matrix's columns over those rows
    (intercept, numeric predictors, a dummy per non-reference level), the clusters and the weights."""

    rows: np.ndarray                             # the data's rows with every predictor present (bool)
    X: np.ndarray                                # rows.sum() x len(terms)
    terms: list[Term]
    groups: np.ndarray | None = None             # cluster codes over the rows (cov_type 'cluster')
    weights: np.ndarray | None = None            # over the rows (models.weights)

    @classmethod
    def build(cls, data: pd.DataFrame, predictors: list[Predictor], options: "ModelOptions") -> "PredictorColumns":
        rows = np.ones(len(data), dtype=bool)
        for column in [p.column for p in predictors] + options.columns:
            rows &= data[column].notna().to_numpy(dtype=bool)
        terms = [Term("const", Predictor("const", "Konstant"), None)]
        for predictor in predictors:
            if not predictor.categorical:
                terms.append(Term(predictor.column, predictor, None))
            terms += [Term(f"{predictor.column}[{level}]", predictor, level) for level, _label in predictor.levels
                      if level != predictor.reference]
        X = np.empty((int(rows.sum()), len(terms)))
        X[:, 0] = 1.0
        for j, term in enumerate(terms[1:], start=1):
            values = data[term.predictor.column]
            X[:, j] = (_floats(values)[rows] if term.level is None
                       else values.eq(term.level).to_numpy(dtype=bool, na_value=False)[rows])
        built = cls(rows, X, terms)
        if options.cov_type == "cluster":
            built.groups = pd.factorize(data[options.cluster][rows])[0]
        if options.weights:
            built.weights = _weights(data[options.weights][rows], options.weights)
        return built

    def design(self, y: pd.Series) -> tuple[np.ndarray, np.ndarray, list[Term], list[tuple[Predictor, str]],
                                            np.ndarray]:
        """(y, X, terms, levels without respondents, the rows' subset) of the model of the outcome y
        after listwise deletion; a level nobody in the model has gets no dummy."""
        subset = y.notna().to_numpy(dtype=bool)[self.rows]
        X = self.X[subset]
        dummies = [j for j, term in enumerate(self.terms) if term.level is not None]
        empty = {j for j, used in zip(dummies, X[:, dummies].any(axis=0)) if not used}
        missing_levels = [(self.terms[j].predictor, self.terms[j].level) for j in sorted(empty)]
        if empty:
            X = X[:, [j for j in range(len(self.terms)) if j not in empty]]
        terms = [term for j, term in enumerate(self.terms) if j not in empty]
        return _floats(y)[self.rows][subset], X, terms, missing_levels, subset


def _weights(series: pd.Series, column: str) -> np.ndarray:
    try:
        values = _floats(series)
    except (TypeError, ValueError):
        raise _setting_error("models.weights", f"column {column!r} is not numeric ({series.dtype})") from None
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        raise _setting_error("models.weights", f"column {column!r} has {int(bad.sum())} weight(s) that are not "
                             f"positive and finite, for example {float(values[bad][0])!r}",
                             hint="a respondent without a weight is left out (missing); one who is not to count "
                                  "belongs outside the data, not at weight 0")
    return values


def fit_ols(data: pd.DataFrame, outcome: str, predictors: list[Predictor], *, cov_type: str = "nonrobust",
            cluster: str | None = None, weights: str | None = None) -> OLSResult | None:
    """Fit the column `outcome` on the predictors with statsmodels; `cluster` and `weights` are
    columns of `data`. None when there are no more respondents than parameters or the design is
    singular."""
    return fit_models(data, [outcome], predictors, cov_type=cov_type, cluster=cluster, weights=weights)[0]


def fit_models(data: pd.DataFrame, outcomes: list[str], predictors: list[Predictor], *,
               cov_type: str = "nonrobust", cluster: str | None = None, weights: str | None = None
               ) -> list[OLSResult | None]:
    """`fit_ols` for each of several outcome columns on the same predictors, whose columns are
    built once."""
    options = ModelOptions.from_settings({"cov_type": cov_type, "cluster": cluster, "weights": weights})
    options.check_columns(data.columns)
    shared = PredictorColumns.build(data, predictors, options)
    return [_fit(shared, data[outcome], outcome, options) for outcome in outcomes]


def _fit(shared: PredictorColumns, outcome: pd.Series, name: str, options: ModelOptions) -> OLSResult | None:
    from statsmodels.regression.linear_model import OLS, WLS   # = statsmodels.api.OLS / WLS, lighter to import
    from statsmodels.tools.sm_exceptions import SingularMatrixWarning

    y, X, terms, missing_levels, subset = shared.design(outcome)
    n, k = X.shape
    if n <= k:
        return None
    cov_kwds, clusters = None, None
    if shared.groups is not None:
        groups = shared.groups[subset]
        clusters = int(np.count_nonzero(np.bincount(groups)))
        if clusters < 2:
            raise _setting_error("models.cluster", f"column {options.cluster!r} has {clusters} cluster among the "
                                 f"{n} respondents of the model of {name!r}; cluster-robust standard errors "
                                 "need at least 2")
        cov_kwds = {"groups": groups}
    if shared.weights is not None:
        model = WLS(y, X, weights=shared.weights[subset], hasconst=True)
    else:
        model = OLS(y, X, hasconst=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingularMatrixWarning)      # tested below
        fit = model.fit(cov_type=options.cov_type, cov_kwds=cov_kwds)
    # The rank test is ours: statsmodels' pseudo-inverse gives numbers for a singular design too. It
    # is numpy's matrix_rank of the k x k diagonal of the design's singular values, which the fit
    # computed anyway: the test of the QR fit before statsmodels (matrix_rank of R, whose singular
    # values are the design's), at no further pass over the n rows.
    if np.linalg.matrix_rank(np.diag(model.wexog_singular_values)) < k:
        return None
    interval = np.asarray(fit.conf_int(alpha=0.05))
    if fit.centered_tss > 0:
        r2, adj_r2 = float(fit.rsquared), float(fit.rsquared_adj)
    else:                                      # a constant outcome: R² is undefined
        r2 = adj_r2 = float("nan")
    return OLSResult(terms=terms, coef=np.asarray(fit.params), se=np.asarray(fit.bse), t=np.asarray(fit.tvalues),
                     p=np.asarray(fit.pvalues), ci_low=interval[:, 0], ci_high=interval[:, 1], n=int(n), r2=r2,
                     adj_r2=adj_r2, cov_type=options.cov_type, not_estimable=missing_levels, clusters=clusters,
                     level_n=np.array([X[:, j].sum() if term.level is not None else np.nan
                                       for j, term in enumerate(terms)]))


def significance_mark(p: float) -> str:
    """The report's marks: ** p < 0.01, * p < 0.05, † p < 0.10, '' otherwise (printed 'N.S.')."""
    if p != p:
        return ""
    if p < 0.01:
        return "**"
    if p < 0.05:
        return "*"
    if p < 0.10:
        return "†"
    return ""
