"""OLS regressions (Tabel 4.9) from arrays, with explicit reference coding.

The design matrix is built here (intercept, numeric predictors, one dummy per non-reference level
of each categorical predictor); building it ourselves avoids formula parsing on string columns,
which is slow on large waves, and makes the reference levels explicit. Listwise deletion: a
respondent enters a model only with the outcome and every predictor present.

The fit is a QR decomposition of [X y] (Householder, LAPACK): its R holds everything OLS needs
(coefficients from R11 b = R12, the residual sum of squares as R22^2, (X'X)^-1 as R11^-1 R11^-T)
without forming Q or an n x n anything, so a million respondents cost one pass. The estimates
equal statsmodels' OLS (tests/test_models.py checks them against its formula interface):
classical standard errors with t-based p-values and intervals, or HC3 with normal-based ones, as
statsmodels gives for `cov_type="HC3"`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

COV_TYPES = ("nonrobust", "HC3")


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


def _floats(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=float, na_value=np.nan)


def design(data: pd.DataFrame, outcome: str, predictors: list[Predictor]
           ) -> tuple[np.ndarray, np.ndarray, list[Term], list[tuple[Predictor, str]]]:
    """(y, X, terms, levels without observations) after listwise deletion; X starts with the intercept."""
    complete = data[outcome].notna().to_numpy(dtype=bool).copy()
    for predictor in predictors:
        complete &= data[predictor.column].notna().to_numpy(dtype=bool)
    y = _floats(data[outcome])[complete]
    columns = [np.ones(len(y))]
    terms = [Term("const", Predictor("const", "Konstant"), None)]
    missing_levels = []
    for predictor in predictors:
        values = data[predictor.column]
        if not predictor.categorical:
            columns.append(_floats(values)[complete])
            terms.append(Term(predictor.column, predictor, None))
            continue
        for level, _label in predictor.levels:
            if level == predictor.reference:
                continue
            dummy = values.eq(level).to_numpy(dtype=bool, na_value=False)[complete].astype(float)
            if not dummy.any():
                missing_levels.append((predictor, level))
                continue
            columns.append(dummy)
            terms.append(Term(f"{predictor.column}[{level}]", predictor, level))
    return y, np.column_stack(columns), terms, missing_levels


def fit_ols(data: pd.DataFrame, outcome: str, predictors: list[Predictor], *, cov_type: str = "nonrobust"
            ) -> OLSResult | None:
    """Fit y on the predictors; None when there are no more respondents than parameters or the
    design is singular."""
    from scipy import special

    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {', '.join(COV_TYPES)}, got {cov_type!r}")
    y, X, terms, missing_levels = design(data, outcome, predictors)
    n, k = X.shape
    if n <= k:
        return None
    R = np.linalg.qr(np.column_stack([X, y]), mode="r")
    R11 = R[:k, :k]
    # The rank of X is that of R11 (k x k): the same test as on X, at no cost in n.
    if np.linalg.matrix_rank(R11) < k:
        return None
    coef = np.linalg.solve(R11, R[:k, k])
    rss = float(R[k, k] ** 2)
    R11_inv = np.linalg.solve(R11, np.eye(k))
    xtx_inv = R11_inv @ R11_inv.T
    df_resid = n - k
    if cov_type == "nonrobust":
        cov = xtx_inv * (rss / df_resid)
    else:  # HC3: (X'X)^-1 X' diag(e_i^2 / (1 - h_ii)^2) X (X'X)^-1, h_ii = the leverage
        residual = y - X @ coef
        leverage = np.einsum("ij,ij->i", X @ R11_inv, X @ R11_inv)
        weighted = X * (residual / (1.0 - leverage))[:, None]
        cov = xtx_inv @ (weighted.T @ weighted) @ xtx_inv
    se = np.sqrt(np.diag(cov))
    t = coef / se
    if cov_type == "nonrobust":
        p = 2.0 * special.stdtr(df_resid, -np.abs(t))
        critical = special.stdtrit(df_resid, 0.975)
    else:
        p = 2.0 * special.ndtr(-np.abs(t))
        critical = special.ndtri(0.975)
    centred = y - y.mean()
    tss = float(centred @ centred)
    r2 = 1.0 - rss / tss if tss > 0 else float("nan")
    adj_r2 = 1.0 - (1.0 - r2) * (n - 1) / df_resid if tss > 0 else float("nan")
    return OLSResult(terms=terms, coef=coef, se=se, t=t, p=p, ci_low=coef - critical * se,
                     ci_high=coef + critical * se, n=int(n), r2=float(r2), adj_r2=float(adj_r2), cov_type=cov_type,
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
