"""Derived variables: age, the respondent groups of Tabel 4.2, the student experience bands of
Tabel 4.3, and categories coded from open text (job types of Tabel 4.11, volunteer roles of 4.14).

Pure functions of Series: no file access, no config loading, vectorised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GROUP_LABELS = ("Studerende", "Nyuddannede", "Erfarne")


def age(birth_year: pd.Series, reference_year: int) -> pd.Series:
    """Age in the year of data collection: reference_year - birth year (missing stays missing)."""
    return (reference_year - birth_year.astype("Float64")).astype("Float64")


def professional_group(questionnaire: pd.Series, experience_years: pd.Series, experienced_min_years: float
                       ) -> pd.Series:
    """Tabel 4.2: every student is 'Studerende'; a professional with fewer than
    `experienced_min_years` years of relevant experience is 'Nyuddannede', with at least that many
    'Erfarne' (so exactly 4 years is Erfarne by default). Volunteers, and professionals whose
    experience is missing, get no group."""
    years = experience_years.astype("Float64")
    is_prof = questionnaire.eq("fagprofessionelle").to_numpy()
    known = years.notna().to_numpy()
    values = years.fillna(0).to_numpy(dtype=float)
    codes = np.select(
        [questionnaire.eq("studerende").to_numpy(),
         is_prof & known & (values < experienced_min_years),
         is_prof & known & (values >= experienced_min_years)],
        [0, 1, 2], default=-1)
    return _categorical(codes, GROUP_LABELS, questionnaire.index)


def experience_band(years: pd.Series, bands: list[dict]) -> pd.Series:
    """Tabel 4.3: the first band with min <= years < below (below absent = no upper bound)."""
    values = years.astype("Float64")
    known = values.notna().to_numpy()
    x = values.fillna(-np.inf).to_numpy(dtype=float)
    conditions = []
    for band in bands:
        cond = known & (x >= band["min"])
        if band.get("below") is not None:
            cond &= x < band["below"]
        conditions.append(cond)
    labels = [b["label"] for b in bands]
    return _categorical(np.select(conditions, list(range(len(labels))), default=-1), labels, years.index)


def code_open_text(text: pd.Series, rules: list[dict], unmatched: str) -> pd.Series:
    """Code free-text answers by keyword rules, tried in order: the first rule with a keyword in the
    text (case-insensitive substring) and none of its exclude words wins; an answer no rule matches
    gets `unmatched`, and so does a blank or missing answer (one rule for both: Tabel 4.14 counts a
    volunteer who did not describe the role as "Ukendt rolle"). Who is coded at all is the caller's
    choice (clean.add_derived codes professionals' job titles and volunteers' roles only)."""
    # Normalised per distinct answer, not per respondent: answers repeat, and casefold is a Python loop.
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype="string").str.strip().str.casefold()
    conditions = []
    for rule in rules:
        hit = np.zeros(len(distinct), dtype=bool)
        for word in rule["keywords"]:
            hit |= distinct.str.contains(word.casefold(), regex=False).fillna(False).to_numpy(dtype=bool)
        for word in rule.get("exclude", []):
            hit &= ~distinct.str.contains(word.casefold(), regex=False).fillna(False).to_numpy(dtype=bool)
        conditions.append(hit)
    labels = [r["label"] for r in rules]
    categories = list(dict.fromkeys(labels + [unmatched]))
    rule_codes = [categories.index(label) for label in labels]
    none = categories.index(unmatched)
    coded = np.select(conditions, rule_codes, default=none)
    coded[(distinct.fillna("") == "").to_numpy(dtype=bool)] = none  # a blank answer, whatever the keywords
    per_row = np.append(coded, none)[codes]  # sentinel -1: a missing answer, coded `unmatched` too
    return _categorical(per_row, categories, text.index)


def reverse_score(scores: pd.Series, low: int, high: int) -> pd.Series:
    """Reverse an ordinal score on [low, high]: low <-> high (1-4: 1<->4, 2<->3)."""
    return (low + high - scores).astype(scores.dtype)


def _categorical(codes: np.ndarray, categories, index) -> pd.Series:
    """Category codes (-1 = missing) as a categorical Series."""
    return pd.Series(pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=list(categories)),
                     index=index)
