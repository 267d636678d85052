"""Cleaning: every kind of bad input gets a clear error or a logged exclusion; no row is lost."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from vive_survey import steps
from vive_survey.cleaning.clean import clean_questionnaire, clean_wave
from vive_survey.errors import SurveyInputError
from vive_survey.inputs.readers import read_raw

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


@pytest.mark.parametrize("answer, reason", [("Ved ikke", "missing_label"), ("ved ikke", "missing_label"),
                                            ("9", "missing_code"), ("99", "missing_code"), ("9,0", "missing_code"),
                                            ("", None)])
def test_no_answer_labels_missing_codes_and_blanks_become_missing(tmp_path, codebook, answer, reason):
    config = make_config(tmp_path, missing_codes=[9, 99])
    rows = valid_rows(codebook, Q, 2)
    rows[0]["erh_let"] = answer
    result = clean_rows(tmp_path, codebook, config, rows)
    assert not result.problems
    assert pd.isna(result.data["erh_let"].iloc[0])
    expected = {} if reason is None else {"erh_let": {reason: 1}}
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
    assert message.startswith(f"60 problem(s) in {tmp_path / (Q + '.csv')}:")
    assert "... and 40 more not shown (60 in all); in all, per file and column:" in message
    assert f"  {tmp_path / (Q + '.csv')}, column 'erh_let': 60" in message
    assert message.count("\n") < 60


def test_many_bad_values_show_real_examples_of_every_column_and_exact_totals(tmp_path, codebook, config):
    """1,000 bad values in one column, 30 in another, 3 in another file: the message shows examples
    of all three columns (file, row, column, value), the exact totals, and stays short."""
    prof = valid_rows(codebook, Q, 1000)
    for k, row in enumerate(prof):
        row["erh_let"] = f"x{k % 7}"
        if k % 10 == 3 and k < 300:
            row["gender"] = "Kvinder"
    frv = valid_rows(codebook, "frivillige", 5)
    for row in frv[:3]:
        row["krav_boksen"] = "Altid!"
    message = wave_error(tmp_path, codebook, config, fagprofessionelle=prof, frivillige=frv)
    lines = message.splitlines()
    prof_file, frv_file = tmp_path / (Q + ".csv"), tmp_path / "frivillige.csv"
    assert lines[0] == f"1033 problem(s) in {prof_file}, {frv_file}:"
    assert f"{prof_file}, row 2 (respondent_id=f1), column 'erh_let': value 'x0': not an answer" in message
    assert f"{prof_file}, row 5 (respondent_id=f4), column 'gender': value 'Kvinder': not an answer" in message
    assert f"{frv_file}, row 2 (respondent_id=f1), column 'krav_boksen': value 'Altid!'" in message
    assert "... and " in message and " more values like these" not in message
    shown = sum(1 for line in lines if line.startswith(str(tmp_path)) and "value '" in line)
    assert f"... and {1033 - shown} more not shown (1033 in all); in all, per file and column:" in message
    assert f"  {prof_file}, column 'erh_let': 1000" in lines and f"  {prof_file}, column 'gender': 30" in lines
    assert f"  {frv_file}, column 'krav_boksen': 3" in lines
    assert shown == 20 and len(lines) < 50


def test_a_very_long_value_is_cut_in_the_message(tmp_path, codebook, config):
    rows = valid_rows(codebook, Q, 2)
    rows[1]["erh_let"] = "Altid " + "og altid " * 1000
    text = problems_text(clean_rows(tmp_path, codebook, config, rows))
    value = rows[1]["erh_let"]
    assert f"value {value[:80] + '…'!r} ({len(value)} characters): not an answer on scale 'likert4'" in text
    assert value[:81] not in text and len(text) < 600


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


@pytest.mark.parametrize("header, hint", [
    ("Jeg løser let mine arbejdsopgaver", "the column 'Jeg løser let mine arbejdsopgaver' holds this item's question "
                                          "text: add it to source_columns of 'erh_let' in the codebook"),
    ("Q12. JEG LØSER LET MINE ARBEJDSOPGAVER?", "the column 'Q12. JEG LØSER LET MINE ARBEJDSOPGAVER?' holds this "
                                                "item's question text"),
    ("Jeg løser nemt mine arbejdsopgaver", "the column 'Jeg løser nemt mine arbejdsopgaver' is close to this item's "
                                           "question text: if it holds this item, add it to source_columns of "
                                           "'erh_let' in the codebook"),
    ("erh-let", "did you mean 'erh-let'?"),
])
def test_missing_column_hint_considers_the_question_text(tmp_path, codebook, config, header, hint):
    rows = [{(header if k == "erh_let" else k): v for k, v in r.items()} for r in valid_rows(codebook, Q)]
    result = clean_rows(tmp_path, codebook, config, rows)
    assert len(result.problems) == 1
    assert f"hint: {hint}" in problems_text(result)


def test_missing_column_hint_considers_every_alias(tmp_path, codebook, config):
    """'kønn' is far from 'gender' (the first alias) but close to 'køn' (the third)."""
    rows = [{("kønn" if k == "gender" else k): v for k, v in r.items()} for r in valid_rows(codebook, Q)]
    text = problems_text(clean_rows(tmp_path, codebook, config, rows))
    assert "required column for item 'gender'" in text and "hint: did you mean 'kønn'?" in text


def test_a_column_claimed_by_another_item_is_not_suggested(tmp_path, codebook, config):
    rows = [{k: v for k, v in r.items() if k != "erh_tid"} for r in valid_rows(codebook, Q)]
    text = problems_text(clean_rows(tmp_path, codebook, config, rows))
    assert "required column for item 'erh_tid'" in text and "did you mean" not in text


def test_csv_title_line_with_delimiters_gives_one_problem_with_header_rows(tmp_path, codebook, config):
    """A title line padded with delimiters (as Excel saves one) parses, but names no column: one
    problem, saying which header_rows to set."""
    rows = valid_rows(codebook, Q, 3)
    path = write_csv(tmp_path / "x.csv", rows, delimiter=";")
    path.write_text("Spørgeskema til fagprofessionelle" + ";" * (len(rows[0]) - 1) + "\n"
                    + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = clean_questionnaire(read_raw(path), Q, codebook, config)
    assert len(result.problems) == 1
    n = len(codebook.items_for(Q))
    assert f"row 1, read as the header, names 0 of the {n} columns" in problems_text(result)
    assert f"row 2 names {n}" in problems_text(result)
    assert "hint: the column names seem to be on row 2: set 'header_rows: 2' for this input" in problems_text(result)
    fixed = clean_questionnaire(read_raw(path, header_rows=2), Q, codebook, config)
    assert not fixed.problems and fixed.data["source_row"].tolist() == [3, 4, 5]


def test_excel_title_rows_above_the_header_give_one_problem_with_header_rows(tmp_path, codebook, config):
    rows = valid_rows(codebook, Q, 3)
    columns = list(rows[0])
    path = tmp_path / "x.xlsx"
    pd.DataFrame([["Bølge 2023"] + [None] * (len(columns) - 1), [None] * len(columns),
                  [None, "Fagprofessionelle"] + [None] * (len(columns) - 2), columns,
                  *[list(r.values()) for r in rows]]).to_excel(path, index=False, header=False)
    result = clean_questionnaire(read_raw(path), Q, codebook, config)
    assert len(result.problems) == 1 and "set 'header_rows: 4' for this input" in problems_text(result)
    fixed = clean_questionnaire(read_raw(path, header_rows=4), Q, codebook, config)
    assert not fixed.problems and fixed.data["source_row"].tolist() == [5, 6, 7]


# ------------------------------------------------- every value set to missing is counted, once

def _cut(line: str, fields: int) -> str:
    return ",".join(line.split(",")[:fields])


def test_counts_cover_the_kept_records_only(tmp_path, codebook):
    """Values of records that are then excluded are not counted; hand counts on 7 records."""
    config = make_config(tmp_path, missing_codes=[9], cleaning={"invalid_values": "missing"})
    rows = valid_rows(codebook, Q, 7)
    columns = list(rows[0])
    rows[0]["erh_let"] = "Ved ikke"                                    # kept: 1 missing_label
    rows[1]["erh_tid"] = "9"                                           # kept: 1 missing_code
    rows[2] = {**rows[0], "erh_tid": "9", "int_tid": "nonsense"}       # duplicate of f1: nothing counted
    rows[3] = {k: "" for k in columns} | {"respondent_id": "f4", "institution": "Aarhus", "erh_let": "Ved ikke",
                                          "gender": "Ønsker ikke at svare", "int_tid": "99"}  # no_answers
    rows[4].update(respondent_id="", erh_let="Ved ikke", int_glad="9")  # missing_id
    path = write_csv(tmp_path / f"{Q}.csv", rows)
    lines = path.read_text(encoding="utf-8").splitlines()
    keep = columns.index("krav_ansvar") + 1
    lines[6] = _cut(lines[6], keep)                                    # f6: short, kept
    lines[7] = _cut(lines[1].replace("f1,", "f6,", 1), 5)              # short duplicate of f6: not counted
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = clean_questionnaire(read_raw(path), Q, codebook, config)
    assert not result.problems
    assert result.log["rows_excluded"] == {"missing_id": 1, "duplicate_id": 2, "no_answers": 1}
    assert result.log["short_records"] == 1
    expected = {"erh_let": {"missing_label": 1}, "erh_tid": {"missing_code": 1}}
    expected |= {c: {"short_record": 1} for c in columns[keep:]}
    assert result.log["values_set_missing"] == expected
    kept = result.data.set_index("respondent_id")
    assert kept.loc["f6", columns[keep:]].isna().all() and kept.loc["f6", "krav_ansvar"] == 2


def test_excel_errors_count_in_kept_records_only_and_a_blanked_id_says_why(tmp_path, codebook, config):
    import openpyxl

    rows = valid_rows(codebook, Q, 4)
    columns = list(rows[0])
    book = openpyxl.Workbook()
    book.active.append(columns)
    for row in rows + [dict(rows[0])]:            # record 5 repeats f1: excluded
        book.active.append(list(row.values()))
    where = {c: openpyxl.utils.get_column_letter(k + 1) for k, c in enumerate(columns)}
    for ref in (f"{where['erh_let']}2", f"{where['erh_let']}6", f"{where['respondent_id']}4"):
        book.active[ref] = "#N/A"
        book.active[ref].data_type = "e"
    book.active[f"{where['int_tid']}3"] = "=A1"    # no stored value
    book.active[f"{where['int_tid']}6"] = "=A1"
    path = tmp_path / "x.xlsx"
    book.save(path)
    result = clean_questionnaire(read_raw(path), Q, codebook, config)
    assert not result.problems
    assert result.log["values_set_missing"] == {"erh_let": {"excel_error": 1}, "int_tid": {"formula_without_value": 1}}
    assert result.exclusions[["source_row", "reason", "detail"]].to_dict("records") == [
        {"source_row": 4, "reason": "missing_id", "detail": "the id cell is an Excel error"},
        {"source_row": 6, "reason": "duplicate_id", "detail": "same respondent_id as row 2"}]


def test_a_record_with_only_an_id_and_metadata_has_no_answers(tmp_path, codebook, config):
    assert codebook.item("institution").metadata and not codebook.is_question(codebook.item("institution"))
    rows = valid_rows(codebook, Q, 3)
    rows[1] = {k: "" for k in rows[1]} | {"respondent_id": "f2", "institution": "Ærø Kommune"}
    rows[2] = {k: "" for k in rows[2]} | {"respondent_id": "f3", "institution": "Ærø Kommune", "job_title": "Leder"}
    result = clean_rows(tmp_path, codebook, config, rows)
    assert result.exclusions[["respondent_id", "reason"]].to_dict("records") == [
        {"respondent_id": "f2", "reason": "no_answers"}]
    assert result.data["respondent_id"].tolist() == ["f1", "f3"]


def test_blank_open_text_is_coded_unmatched_and_counted_per_population(tmp_path, codebook, config):
    stud = valid_rows(codebook, "studerende", 3)
    for row in stud:
        row["job_title"] = ""                       # students: no job_type at all
    prof = valid_rows(codebook, Q, 4)
    for row, title in zip(prof, ["", "Socialpædagog", "Landmand", "   "]):
        row["job_title"] = title
    frv = valid_rows(codebook, "frivillige", 5)
    for row, role in zip(frv, ["", "Mentor", "Kasserer", "  ", "Formand"]):
        row["volunteer_role"] = role
        row["job_title"] = ""
    paths = write_wave(tmp_path, codebook, studerende=stud, fagprofessionelle=prof, frivillige=frv)
    result = clean_wave({q: read_raw(p) for q, p in paths.items()}, codebook, config)
    data = result.data
    by_q = {q: data.loc[data["questionnaire"] == q] for q in ("studerende", Q, "frivillige")}
    assert by_q[Q]["job_type"].tolist() == ["Ukendt", "Socialpædagoger", "Ukendt", "Ukendt"]
    assert by_q["frivillige"]["volunteer_role_group"].tolist() == ["Ukendt rolle", "Medhjælp", "Ukendt rolle",
                                                                   "Ukendt rolle", "Leder"]
    assert by_q["studerende"]["job_type"].isna().all() and by_q["frivillige"]["job_type"].isna().all()
    assert data.loc[data["questionnaire"] != "frivillige", "volunteer_role_group"].isna().all()
    assert result.log["derived_from_blank"] == {"job_type": 2, "volunteer_role_group": 2}
    nonzero = {v: {k: n for k, n in counts.items() if n} for v, counts in result.log["derived"].items()}
    assert nonzero["volunteer_role_group"] == {"Leder": 1, "Medhjælp": 1, "Ukendt rolle": 3, "(missing)": 7}
    assert nonzero["job_type"] == {"Socialpædagoger": 1, "Ukendt": 3}


def test_job_type_stays_missing_when_the_file_has_no_job_title_column(tmp_path, codebook, config):
    prof = [{k: v for k, v in r.items() if k != "job_title"} for r in valid_rows(codebook, Q, 3)]
    paths = write_wave(tmp_path, codebook, fagprofessionelle=prof)
    result = clean_wave({q: read_raw(p) for q, p in paths.items()}, codebook, config)
    assert result.log["questionnaires"][Q]["optional_items_absent"] == ["job_title"]
    assert result.data["job_type"].isna().all() and result.log["derived_from_blank"]["job_type"] == 0


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


def test_report_shows_the_new_counts_in_danish_and_english(tmp_path, codebook, config):
    """The cleaning section of the report names every reason code in words, and shows the short
    records and the blank open-text answers."""
    from vive_survey.render.labels import Labels, default_map_path
    from vive_survey.render.cleaning import cleaning_context

    frv = valid_rows(codebook, "frivillige", 3)
    frv[0]["volunteer_role"] = ""
    paths = write_wave(tmp_path, codebook, frivillige=frv)
    lines = paths[Q].read_text(encoding="utf-8").splitlines()
    lines[2] = ",".join(lines[2].split(",")[:-2])       # f2 stops two fields early
    paths[Q].write_text("\n".join(lines) + "\n", encoding="utf-8")
    log = clean_wave({q: read_raw(p) for q, p in paths.items()}, codebook, config).log
    assert log["questionnaires"][Q]["short_records"] == 1
    last_two = [i.id for i in codebook.items_for(Q)][-2:]
    assert all(log["questionnaires"][Q]["values_set_missing"][c] == {"short_record": 1} for c in last_two)
    da = cleaning_context(log, Labels("da"))
    assert [Q, last_two[0], "Posten slutter før kolonnen", "1"] in da["missing"]
    assert [Q, "Poster med færre felter end overskriften (antal poster)", "", "1"] in da["missing"]
    assert ["volunteer_role_group", "Blankt svar, kodet som ukendt", "1"] in da["derived"]
    english = Labels.load("en", default_map_path())
    en = cleaning_context(log, english)
    assert [Q, last_two[0], "The record ends before the column", "1"] in en["missing"]
    assert ["volunteer_role_group", "Blank answer, coded as unknown", "1"] in en["derived"]
    assert not {key for kind, key in english.unmapped if kind == "word"}
