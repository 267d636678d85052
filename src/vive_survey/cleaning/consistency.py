"""Answers that contradict other answers of the same record, set to missing and counted: an age
or years of experience that cannot be true, an answer to an item the filter question says was not
asked.

Run on the kept records only, so every value counted is one the cleaned data holds.
"""

from __future__ import annotations

import pandas as pd

from vive_survey.cleaning import derive
from vive_survey.cleaning.context import CleaningContext
from vive_survey.inputs.codebook import Codebook, Item


def apply_plausibility(data: pd.DataFrame, ctx: CleaningContext, config: dict) -> pd.DataFrame:
    """Ages and years of experience that cannot be true are set to missing, and counted."""
    rules = config["cleaning"]
    age = derive.age(data["birth_year"], config["reference_year"])
    bad_age = (age.lt(rules["min_age"]) | age.gt(rules["max_age"])).fillna(False).to_numpy(dtype=bool)
    ctx.count("birth_year", "implausible_age", bad_age.sum())
    data.loc[bad_age, "birth_year"] = pd.NA
    data["age"] = age.mask(bad_age)
    exp = data["experience_years"]
    limit = data["age"] - rules["min_working_age"]
    bad_exp = exp.gt(limit).fillna(False).to_numpy(dtype=bool)
    ctx.count("experience_years", "implausible_experience", bad_exp.sum())
    data.loc[bad_exp, "experience_years"] = pd.NA
    return data


def apply_filters(data: pd.DataFrame, ctx: CleaningContext, codebook: Codebook, items: list[Item], *,
                  enforce: bool) -> pd.DataFrame:
    """An answer to an item the filter question says was not asked is set to missing."""
    present = {i.id for i in items}
    for item in items:
        if not enforce or item.filter is None or item.filter not in present:
            continue
        not_asked = data[item.filter].eq("Nej").fillna(False).to_numpy(dtype=bool) & data[item.id].notna().to_numpy()
        ctx.count(item.id, "answered_despite_filter", not_asked.sum())
        if not_asked.any():
            data.loc[not_asked, item.id] = pd.NA
    return data
