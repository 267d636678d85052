"""Derived variables on hand-made cases, including the boundaries the report leaves open."""

from __future__ import annotations

import pandas as pd
import pytest

from vive_survey.cleaning import derive
from vive_survey.inputs.config import defaults, validate_config

# The rules the pipeline uses when no config sets them: the schema's defaults, one source for both.
DEFAULT_JOB_TYPES = defaults()["derive"]["job_types"]
DEFAULT_VOLUNTEER_ROLES = defaults()["derive"]["volunteer_roles"]

BANDS = validate_config({"wave": "w", "inputs": {"studerende": "a", "fagprofessionelle": "b", "frivillige": "c"}}
                        )["derive"]["student_experience_bands"]


def test_age_is_reference_year_minus_birth_year():
    ages = derive.age(pd.Series([1990, None, 2001], dtype="Float64"), 2020)
    assert ages.tolist()[0] == 30 and ages.tolist()[2] == 19
    assert pd.isna(ages.iloc[1])


@pytest.mark.parametrize("years, expected", [
    (0, "Nyuddannede"), (3, "Nyuddannede"), (3.9, "Nyuddannede"),
    (4, "Erfarne"), (4.0, "Erfarne"), (25, "Erfarne"),
])
def test_professional_group_threshold_is_at_least_four_years(years, expected):
    group = derive.professional_group(pd.Series(["fagprofessionelle"]), pd.Series([years], dtype="Float64"), 4)
    assert group.iloc[0] == expected


def test_students_are_one_group_whatever_their_experience_and_volunteers_have_none():
    group = derive.professional_group(
        pd.Series(["studerende", "studerende", "frivillige", "fagprofessionelle"]),
        pd.Series([0, 12, 5, None], dtype="Float64"), 4)
    assert group.iloc[0] == "Studerende" and group.iloc[1] == "Studerende"
    assert pd.isna(group.iloc[2]) and pd.isna(group.iloc[3])
    assert list(group.cat.categories) == ["Studerende", "Nyuddannede", "Erfarne"]


@pytest.mark.parametrize("years, band", [
    (0, "Ingen"), (0.5, "Ingen"), (1, "1-3 år"), (3, "1-3 år"), (3.5, "1-3 år"), (4, "4-10 år"),
    (10, "4-10 år"), (10.5, "4-10 år"), (11, "Mere end 10 år"), (40, "Mere end 10 år"),
])
def test_student_experience_bands_count_completed_years(years, band):
    assert derive.experience_band(pd.Series([years], dtype="Float64"), BANDS).iloc[0] == band


def test_experience_band_of_missing_is_missing_and_categories_keep_report_order():
    bands = derive.experience_band(pd.Series([None, 2], dtype="Float64"), BANDS)
    assert pd.isna(bands.iloc[0])
    assert list(bands.cat.categories) == ["Ingen", "1-3 år", "4-10 år", "Mere end 10 år"]


@pytest.mark.parametrize("title, job_type", [
    ("Socialpædagog", "Socialpædagoger"),
    ("pædagogisk LEDER", "Ledere"),             # the first rule wins: a leader who is a pedagogue
    ("  Afdelingsleder ", "Ledere"),
    ("Vejleder", "Ukendt"),                    # 'leder' inside 'vejleder' is excluded
    ("SOCIALRÅDGIVER", "Socialrådgivere"),
    ("Social- og sundhedsassistent", "Sundhedsmedarbejdere"),
    ("Administrativ medarbejder", "Administrative medarbejdere"),
    ("Landmand", "Ukendt"),
])
def test_job_titles_are_coded_by_ordered_keyword_rules(title, job_type):
    coded = derive.code_open_text(pd.Series([title]), DEFAULT_JOB_TYPES["rules"], "Ukendt")
    assert coded.iloc[0] == job_type


def test_blank_open_text_is_coded_as_unmatched_like_an_unmatched_answer():
    """One rule for a blank answer: it is the rule set's unmatched group (Tabel 4.14's "Ukendt rolle"),
    whether it is empty, spaces only or missing."""
    text = pd.Series(["", None, "  ", "Kasserer", "Mentor"], dtype="object")
    coded = derive.code_open_text(text, DEFAULT_VOLUNTEER_ROLES["rules"], "Ukendt rolle")
    assert coded.tolist() == ["Ukendt rolle"] * 4 + ["Medhjælp"]
    assert list(coded.cat.categories) == ["Leder", "Koordinator", "Medhjælp", "Ukendt rolle"]
    as_string = derive.code_open_text(pd.Series([pd.NA, "pædagog"], dtype="string"), DEFAULT_JOB_TYPES["rules"],
                                      "Ukendt")
    assert as_string.tolist() == ["Ukendt", "Socialpædagoger"]


@pytest.mark.parametrize("role, group", [
    ("Formand for foreningen", "Leder"), ("Frivilligkoordinator", "Koordinator"),
    ("Besøgsven", "Medhjælp"), ("Kasserer", "Ukendt rolle"),
])
def test_volunteer_roles(role, group):
    coded = derive.code_open_text(pd.Series([role]), DEFAULT_VOLUNTEER_ROLES["rules"], "Ukendt rolle")
    assert coded.iloc[0] == group


def test_reverse_score_swaps_ends_of_the_scale():
    scores = pd.Series([1, 2, 3, 4, None], dtype="Int8")
    assert derive.reverse_score(scores, 1, 4).tolist()[:4] == [4, 3, 2, 1]
    assert pd.isna(derive.reverse_score(scores, 1, 4).iloc[4])
