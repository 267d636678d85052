"""Cleaning: every kind of bad input gets a clear error or a logged exclusion; no row is lost."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from vive_survey import steps
from vive_survey.clean import clean_questionnaire, clean_wave
from vive_survey.errors import SurveyInputError
from vive_survey.ingest import read_raw

from conftest import make_config, valid_rows, write_csv, write_wave

Q = "fagprofessionelle"


def clean_rows(tmp_path, codebook, config, rows, questionnaire=Q, **csv_options):
    path = write_csv(tmp_path / f"{questionnaire}.csv", rows, **csv_options)
    return clean_questionnaire(read_raw(path), questionnaire, codebook, config)


def problems_text(result) -> str:
    return "\n".join(str(p) for p in result.problems)


def wave_error(tmp_path, codebook, config, **rows) -> str:
    paths = write_wave(tmp_path, codebook, **rows)
    with pytest.raises(SurveyInputError) as info:
        clean_wave({q: read_raw(p) for q, p in paths.items()}, codebook, config)
    return str(info.value)


# ------------------------------------------------------------------------------------ valid input

def test_valid_wave_keeps_every_row_with_typed_columns(tmp_path, codebook, config):
    paths = write_wave(tmp_path, codebook, n=4)
    result = clean_wave({q: read_raw(p) for q, p in paths.items()}, codebook, config)
    assert len(result.data) == 12 and result.exclusions.empty
    assert result.log["rows_read"] == 12 and result.log["rows_kept"] == 12
    assert str(result.data["erh_let"].dtype) == "Int8"
    assert list(result.data["gender"].cat.categories) == ["Mand", "Kvinde", "Andet"]
    assert result.data["erh_indsats_r"].dropna().tolist() == [5 - v for v in result.data["erh_indsats"].dropna()]
    assert set(result.data["questionnaire"]) == {"studerende", "fagprofessionelle", "frivillige"}


@pytest.mark.parametrize("spelling", ["Nogle gange", "nogle gange", "  NOGLE   GANGE ", "3", "3.0", "3,0",
                                      "(3) Nogle gange"])
def test_likert_answers_accepted_as_codes_or_labels_in_any_case(tmp_path, codebook, config, spelling):
    rows = valid_rows(codebook, Q, 2)
    rows[0]["erh_let"] = spelling
    result = clean_rows(tmp_path, codebook, config, rows)
    assert not result.problems
    assert result.data["erh_let"].iloc[0] == 3


@pytest.mark.parametrize("answer", ["Ved ikke", "ved ikke", "9", "99", ""])
def test_no_answer_labels_missing_codes_and_blanks_become_missing(tmp_path, codebook, answer):
    config = make_config(tmp_path, missing_codes=[9, 99])
    rows = valid_rows(codebook, Q, 2)
    rows[0]["erh_let"] = answer
    result = clean_rows(tmp_path, codebook, config, rows)
    assert not result.problems
    assert pd.isna(result.data["erh_let"].iloc[0])
    expected = {} if answer == "" else {"erh_let": {"missing_label_or_code": 1}}
    assert result.log["values_set_missing"] == expected


def test_missing_codes_do_not_touch_numeric_answers(tmp_path, codebook):
    config = make_config(tmp_path, missing_codes=[9])
    rows = valid_rows(codebook, Q, 2)
    rows[0]["experience_years"] = "9"
    result = clean_rows(tmp_path, codebook, config, rows)
    assert result.data["experience_years"].iloc[0] == 9


def test_decimal_comma_in_numbers(tmp_path, codebook, config):
    rows = valid_rows(codebook, Q, 2)
    rows[0]["experience_years"] = "3,5"
    result = clean_rows(tmp_path, codebook, config, rows, delimiter=";")
    assert result.data["experience_years"].iloc[0] == 3.5


def test_unknown_extra_columns_are_ignored_and_listed(tmp_path, codebook, config):
    rows = valid_rows(codebook, Q, 2)
    for row in rows:
        row["Browser"] = "Firefox"
    result = clean_rows(tmp_path, codebook, config, rows)
    assert result.log["columns_ignored"] == ["Browser"]
    assert "Browser" not in result.data


def test_source_column_aliases_and_header_case(tmp_path, codebook, config):
    rows = [{("KØN" if k == "gender" else k): v for k, v in row.items()} for row in valid_rows(codebook, Q, 2)]
    result = clean_rows(tmp_path, codebook, config, rows)
    assert not result.problems
    assert result.data["gender"].notna().all()


# ---------------------------------------------------------------------- bad values: clear errors

@pytest.mark.parametrize("column, value, message", [
    ("erh_let", "Nogle gang", "not an answer on scale 'likert4'\n  hint: did you mean 'Nogle gange'?"),
    ("erh_let", "5", "not an answer on scale 'likert4'"),
    ("erh_let", "0", "not an answer on scale 'likert4'"),
    ("gender", "Kvinder", "not an answer on scale 'gender'"),
    ("collab_experience", "Måske", "not an answer on scale 'yes_no'"),
    ("birth_year", "nitten firs", "not a number"),
    ("birth_year", "1980,5", "not a whole number"),
    ("birth_year", "1850", "outside the scale's range 1900 to inf"),
    ("experience_years", "-2", "outside the scale's range 0 to inf"),
    ("experience_years", "=1+2", "not a number"),
])
def test_bad_value_error_names_file_row_respondent_column_and_value(tmp_path, codebook, config, column, value,
                                                                    message):
    rows = valid_rows(codebook, Q, 3)
    rows[1][column] = value
    result = clean_rows(tmp_path, codebook, config, rows)
    text = problems_text(result)
    assert f"{tmp_path / (Q + '.csv')}, row 3 (respondent_id=f2), column '{column}': value {value!r}: " in text
    assert message in text


def test_all_bad_values_of_all_files_are_reported_together(tmp_path, codebook, config):
    stud = valid_rows(codebook, "studerende", 3)
    stud[0]["int_tid"] = "7"
    frv = valid_rows(codebook, "frivillige", 3)
    frv[2]["krav_boksen"] = "Altid!"
    message = wave_error(tmp_path, codebook, config, studerende=stud, frivillige=frv)
    assert message.startswith("2 problem(s) in ")
    assert "studerende.csv, row 2 (respondent_id=s1), column 'int_tid': value '7'" in message
    assert "frivillige.csv, row 4 (respondent_id=f3), column 'krav_boksen': value 'Altid!'" in message


def test_invalid_values_policy_missing_blanks_and_counts_them(tmp_path, codebook):
    config = make_config(tmp_path, cleaning={"invalid_values": "missing"})
    rows = valid_rows(codebook, Q, 3)
    rows[0]["erh_let"] = "5"
    rows[1]["erh_let"] = "Ofte"
    result = clean_rows(tmp_path, codebook, config, rows)
    assert not result.problems
    assert result.data["erh_let"].isna().sum() == 2
    assert result.log["values_set_missing"]["erh_let"] == {"invalid_value": 2}


def test_long_lists_of_problems_are_cut_with_a_count(tmp_path, codebook, config):
    rows = valid_rows(codebook, Q, 60)
    for row in rows:
        row["erh_let"] = "x"
    message = wave_error(tmp_path, codebook, config, fagprofessionelle=rows)
    assert "... and " in message and " more" in message
    assert message.count("\n") < 60


# -------------------------------------------------------------------- implausible values: logged

def test_birth_year_after_data_collection_is_set_missing_and_logged(tmp_path, codebook, config):
    rows = valid_rows(codebook, Q, 3)
    rows[0]["birth_year"] = "2031"
    result = clean_rows(tmp_path, codebook, config, rows)
    assert pd.isna(result.data["birth_year"].iloc[0]) and pd.isna(result.data["age"].iloc[0])
    assert result.log["values_set_missing"]["birth_year"] == {"implausible_age": 1}


def test_experience_longer_than_working_life_is_set_missing_and_logged(tmp_path, codebook, config):
    rows = valid_rows(codebook, Q, 3)
    rows[0]["birth_year"] = "1995"   # 25 years old
    rows[0]["experience_years"] = "20"
    result = clean_rows(tmp_path, codebook, config, rows)
    assert pd.isna(result.data["experience_years"].iloc[0])
    assert result.log["values_set_missing"]["experience_years"] == {"implausible_experience": 1}


def test_answers_despite_the_filter_question_are_set_missing(tmp_path, codebook, config):
    rows = valid_rows(codebook, Q, 2)
    rows[0]["collab_experience"] = "Nej"
    result = clean_rows(tmp_path, codebook, config, rows)
    assert result.data.loc[0, ["eks_sammen", "tryg_tryg"]].isna().all()
    assert result.data.loc[0, "krav_ansvar"] is not pd.NA  # the Krav module has no filter
    assert result.log["values_set_missing"]["eks_sammen"] == {"answered_despite_filter": 1}


# ---------------------------------------------------------------------------- row exclusions

@pytest.mark.parametrize("mutate, reason, detail", [
    (lambda rows: rows.__setitem__(2, dict(rows[0])), "duplicate_id", "same respondent_id as row 2"),
    (lambda rows: rows[2].update(respondent_id="  "), "missing_id", ""),
    (lambda rows: rows[2].update({k: "" for k in rows[2]}), "empty_row", ""),
    (lambda rows: rows[2].update({k: "" for k in rows[2] if k != "respondent_id"}), "no_answers", ""),
])
def test_unusable_records_are_excluded_with_a_reason(tmp_path, codebook, config, mutate, reason, detail):
    rows = valid_rows(codebook, Q, 4)
    mutate(rows)
    result = clean_rows(tmp_path, codebook, config, rows)
    assert len(result.data) == 3
    excluded = result.exclusions.to_dict("records")
    assert len(excluded) == 1
    assert excluded[0]["reason"] == reason and excluded[0]["source_row"] == 4 and excluded[0]["detail"] == detail
    assert result.log["rows_excluded"] == {reason: 1}


@settings(max_examples=40, deadline=None)
@given(kinds=st.lists(st.sampled_from(["ok", "dup", "blank_id", "empty", "no_answers"]), min_size=1, max_size=25))
def test_every_row_read_is_kept_or_excluded_exactly_once(tmp_path_factory, codebook, kinds):
    tmp_path = tmp_path_factory.mktemp("rows")
    config = make_config(tmp_path)
    base = valid_rows(codebook, Q, len(kinds))
    rows = []
    for i, kind in enumerate(kinds):
        row = dict(base[i])
        row["respondent_id"] = f"r{i}"
        if kind == "dup":
            row["respondent_id"] = "r0"
        elif kind == "blank_id":
            row["respondent_id"] = ""
        elif kind == "empty":
            row = {k: "" for k in row}
        elif kind == "no_answers":
            row = {k: (v if k == "respondent_id" else "") for k, v in row.items()}
        rows.append(row)
    result = clean_rows(tmp_path, codebook, config, rows)
    seen = sorted(result.data["source_row"].tolist() + result.exclusions["source_row"].tolist())
    assert seen == list(range(2, len(kinds) + 2))


# --------------------------------------------------------------------- bad files: clear errors

def test_missing_required_column_names_it_and_suggests_the_close_one(tmp_path, codebook, config):
    rows = [{("erh_lett" if k == "erh_let" else k): v for k, v in r.items()} for r in valid_rows(codebook, Q)]
    result = clean_rows(tmp_path, codebook, config, rows)
    text = problems_text(result)
    assert "required column for item 'erh_let' ('Jeg løser let mine arbejdsopgaver') is missing" in text
    assert "hint: did you mean 'erh_lett'?" in text


def test_duplicated_column_names_are_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("respondent_id,svar,SVAR \n1,2,3\n", encoding="utf-8")
    with pytest.raises(SurveyInputError, match=r"x\.csv, row 1, column 'SVAR': column name appears twice"):
        read_raw(path)


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", b"", "the file is empty"),
    ("blank.csv", b"\n\n  \n", "the file is empty"),
    ("data.json", b"{}", "unknown file type '.json'"),
    ("old.xls", b"\xd0\xcf", "the old Excel format .xls is not read"),
    ("fake.xlsx", b"respondent_id,svar\n1,2\n", "not a readable .xlsx file"),
    ("fake.sav", b"not spss at all", "not a readable .sav file"),
    ("ragged.csv", b"respondent_id,svar\n1,2\n2,3,4,5\n", "row 3: the record does not split into the header's columns"),
    ("latin.csv", b"respondent_id;navn\n1;S\x81n\n", "neither UTF-8 nor cp1252"),
    ("mojibake.csv", "respondent_id;navn\n1;Søren\n".encode("utf-8").decode("cp1252").encode("utf-8"),
     "UTF-8 letters decoded as cp1252"),
])
def test_unreadable_files_get_a_message_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SurveyInputError) as info:
        read_raw(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_declared_encoding_that_does_not_fit_names_the_row(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes("respondent_id;navn\n1;Ole\n2;Søren\n".encode("cp1252"))
    with pytest.raises(SurveyInputError, match=r"x\.csv, row 3: byte b'\\xf8' cannot be decoded as utf-8"):
        read_raw(path, encoding="utf-8")


def test_missing_file(tmp_path):
    with pytest.raises(SurveyInputError, match=r"nope\.csv: file not found"):
        read_raw(tmp_path / "nope.csv")


# ---------------------------------------------------------------- the step: files and log

def test_clean_step_writes_outputs_and_a_log_without_respondent_rows(tmp_path, codebook, config):
    rows = valid_rows(codebook, Q, 5)
    rows[4] = dict(rows[0])
    paths = write_wave(tmp_path, codebook, fagprofessionelle=rows)
    inputs = {q: {"path": str(p)} for q, p in paths.items()}
    log = steps.clean(inputs, config["codebook"], config, data_out=tmp_path / "out/data.parquet",
                      exclusions_out=tmp_path / "out/excl.csv", log_out=tmp_path / "rep/log.json")
    data = pd.read_parquet(tmp_path / "out/data.parquet")
    excl = pd.read_csv(tmp_path / "out/excl.csv")
    assert len(data) + len(excl) == log["rows_read"] == 13
    written = (tmp_path / "rep/log.json").read_text(encoding="utf-8")
    assert json.loads(written)["questionnaires"][Q]["rows_excluded"] == {"duplicate_id": 1}
    for respondent_id in data["respondent_id"]:
        assert f'"{respondent_id}"' not in written


def test_failed_step_leaves_no_output_behind(tmp_path, codebook, config):
    rows = valid_rows(codebook, Q, 2)
    rows[0]["erh_let"] = "11"
    paths = write_wave(tmp_path, codebook, fagprofessionelle=rows)
    inputs = {q: {"path": str(p)} for q, p in paths.items()}
    with pytest.raises(SurveyInputError):
        steps.clean(inputs, config["codebook"], config, data_out=tmp_path / "out/data.parquet",
                    exclusions_out=tmp_path / "out/excl.csv", log_out=tmp_path / "rep/log.json")
    assert not (tmp_path / "out" / "data.parquet").exists()
    assert not list((tmp_path).glob("**/*.tmp"))
