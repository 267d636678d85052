"""OLS regressions (Tabel 4.9) from arrays, with explicit reference coding.

The design matrix is built here (intercept, numeric predictors, one dummy per non-reference level
of each categorical predictor) and fitted with statsmodels' OLS; building it ourselves avoids
formula parsing on string columns, which is slow on large waves, and makes the reference levels
explicit. Listwise deletion: a respondent enters a model only with the outcome and every
predictor present.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm


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

    def term(self, predictor: Predictor, level: str | None = None) -> int | None:
        for i, term in enumerate(self.terms):
            if term.predictor == predictor and term.level == level:
                return i
        return None


def design(data: pd.DataFrame, outcome: str, predictors: list[Predictor]
           ) -> tuple[np.ndarray, np.ndarray, list[Term], list[tuple[Predictor, str]]]:
    """(y, X, terms, levels without observations) after listwise deletion; X starts with the intercept."""
    used = [outcome] + [p.column for p in predictors]
    complete = data[used].notna().all(axis=1).to_numpy()
    sample = data.loc[complete]
    y = sample[outcome].astype(float).to_numpy()
    columns = [np.ones(len(sample))]
    terms = [Term("const", Predictor("const", "Konstant"), None)]
    missing_levels = []
    for predictor in predictors:
        values = sample[predictor.column]
        if not predictor.categorical:
            columns.append(values.astype(float).to_numpy())
            terms.append(Term(predictor.column, predictor, None))
            continue
        for level, _label in predictor.levels:
            if level == predictor.reference:
                continue
            dummy = values.eq(level).to_numpy(dtype=float, na_value=0.0)
            if not dummy.any():
                missing_levels.append((predictor, level))
                continue
            columns.append(dummy)
            terms.append(Term(f"{predictor.column}[{level}]", predictor, level))
    return y, np.column_stack(columns), terms, missing_levels


def fit_ols(data: pd.DataFrame, outcome: str, predictors: list[Predictor], *, cov_type: str = "nonrobust"
            ) -> OLSResult | None:
    """Fit y on the predictors; None when there are no more respondents than parameters."""
    y, X, terms, missing_levels = design(data, outcome, predictors)
    # The rank of X'X (p x p) is that of X, and costs nothing next to an SVD of the n x p matrix.
    if len(y) <= X.shape[1] or np.linalg.matrix_rank(X.T @ X) < X.shape[1]:
        return None
    fit = sm.OLS(y, X).fit(method="qr", cov_type=cov_type)
    ci = np.asarray(fit.conf_int(alpha=0.05))
    return OLSResult(terms=terms, coef=np.asarray(fit.params), se=np.asarray(fit.bse), t=np.asarray(fit.tvalues),
                     p=np.asarray(fit.pvalues), ci_low=ci[:, 0], ci_high=ci[:, 1], n=int(fit.nobs),
                     r2=float(fit.rsquared), adj_r2=float(fit.rsquared_adj), cov_type=cov_type,
                     not_estimable=missing_levels)


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
