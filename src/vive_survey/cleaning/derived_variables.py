"""The derived variables added to the combined cleaned data of a wave: respondent groups,
experience bands, open text coded into groups (for the respondents of the questionnaire that asks
it), reversed item scores. The rules themselves are in `derive`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vive_survey.cleaning import derive
from vive_survey.inputs.codebook import Codebook

# Open-text answers coded into groups: derived variable -> (open-text item, the questionnaire whose
# respondents are coded, the rule set in config derive). Everyone else gets no code.
OPEN_TEXT_CODING = {
    "job_type": ("job_title", "fagprofessionelle", "job_types"),
    "volunteer_role_group": ("volunteer_role", "frivillige", "volunteer_roles"),
}


def _coded_population(data: pd.DataFrame, variable: str, absent: dict | None) -> np.ndarray:
    """Who gets a code for `variable`: the respondents of its questionnaire, unless that
    questionnaire's file has no column for the open-text item (then nobody: no answer was asked for)."""
    source, questionnaire, _ = OPEN_TEXT_CODING[variable]
    if source in (absent or {}).get(questionnaire, ()):
        return np.zeros(len(data), dtype=bool)
    return data["questionnaire"].eq(questionnaire).to_numpy(dtype=bool)


def blank_open_text(data: pd.DataFrame, variable: str, absent: dict | None = None) -> np.ndarray:
    """The respondents coded for `variable` whose open-text answer is blank (coded as unmatched)."""
    source = OPEN_TEXT_CODING[variable][0]
    blank = data[source].astype("string").str.strip().fillna("").eq("").to_numpy(dtype=bool)
    return blank & _coded_population(data, variable, absent)


def add_derived(data: pd.DataFrame, codebook: Codebook, config: dict, *, absent: dict | None = None
                ) -> pd.DataFrame:
    """Groups, bands, coded open text and reversed item scores, on the combined cleaned data.

    `absent`: questionnaire -> optional items its file has no column for."""
    rules = config["derive"]
    data = data.copy()
    data["group"] = derive.professional_group(data["questionnaire"], data["experience_years"],
                                              rules["experienced_min_years"])
    # The bands of Tabel 4.3 (students) are also used for volunteers in Tabel 4.16.
    data["experience_band"] = derive.experience_band(data["experience_years"], rules["student_experience_bands"])
    # A blank answer is coded as the rule set's unmatched group, like an answer no rule matches
    # (Tabel 4.14 counts both as "Ukendt rolle"); the log counts how many were blank.
    for variable, (source, _, key) in OPEN_TEXT_CODING.items():
        coded = derive.code_open_text(data[source], rules[key]["rules"], rules[key]["unmatched"])
        population = pd.Series(_coded_population(data, variable, absent), index=data.index)
        data[variable] = coded.where(population)
    for item in codebook.items:
        if item.reverse:
            scale = codebook.scale_of(item)
            data[f"{item.id}_r"] = derive.reverse_score(data[item.id], min(scale.codes), max(scale.codes))
    return data
