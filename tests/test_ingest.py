"""Each reader returns the same text cells, with the row numbers of its format."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from vive_survey.clean import clean_questionnaire
from vive_survey.errors import SurveyInputError
from vive_survey.ingest import read_raw

from conftest import valid_rows, write_csv

ROWS = [
    {"respondent_id": "a1", "navn": "Søren Ærø", "erfaring": "3,5", "svar": "Nogle gange"},
    {"respondent_id": "a2", "navn": "Åse", "erfaring": "10", "svar": "altid"},
]


@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_reads_both_delimiters_and_encodings(tmp_path, delimiter, encoding):
    path = write_csv(tmp_path / "x.csv", ROWS, delimiter=delimiter, encoding=encoding)
    table = read_raw(path)
    assert list(table.frame.columns) == ["respondent_id", "navn", "erfaring", "svar"]
    assert table.frame["navn"].tolist() == ["Søren Ærø", "Åse"]
    assert table.frame["erfaring"].tolist() == ["3,5", "10"]
    assert table.details["delimiter"] == delimiter
    assert table.details["encoding"] == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp1252": "cp1252"}[encoding]
    assert table.source_rows.tolist() == [2, 3]  # header is row 1


def test_csv_quoted_delimiter_inside_a_field_does_not_confuse_the_sniffer(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('respondent_id;"titel, stilling";svar\n1;"Leder, afdeling";3\n', encoding="utf-8")
    table = read_raw(path)
    assert table.details["delimiter"] == ";"
    assert table.frame.iloc[0].tolist() == ["1", "Leder, afdeling", "3"]


def test_csv_keeps_blank_lines_so_row_numbers_stay_true(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("respondent_id,svar\n1,3\n,\n3,4\n", encoding="utf-8")
    table = read_raw(path)
    assert table.source_rows.tolist() == [2, 3, 4]
    assert table.frame["respondent_id"].tolist() == ["1", "", "3"]


def test_csv_with_explicit_options_and_extra_header_rows(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("Eksport fra SurveyXact\nrespondent_id|svar\n7|2\n", encoding="cp1252")
    table = read_raw(path, delimiter="|", encoding="cp1252", header_rows=2)
    assert table.frame.to_dict("records") == [{"respondent_id": "7", "svar": "2"}]
    assert table.source_rows.tolist() == [3]


def test_xlsx_numbers_become_plain_text_codes(tmp_path):
    path = tmp_path / "x.xlsx"
    pd.DataFrame({"respondent_id": [1, 2], "svar": [3, None], "erfaring": [3.5, 4.0],
                  "navn": ["Søren", "Åse"]}).to_excel(path, index=False)
    table = read_raw(path)
    assert table.frame["respondent_id"].tolist() == ["1", "2"]
    assert table.frame["svar"].tolist() == ["3", ""]
    assert table.frame["erfaring"].tolist() == ["3.5", "4"]
    assert table.source_rows.tolist() == [2, 3]
    assert table.details["format"] == "xlsx"


def test_xlsx_with_a_title_row_above_the_header(tmp_path):
    path = tmp_path / "x.xlsx"
    frame = pd.DataFrame([["Bølge 2", None], ["respondent_id", "svar"], ["1", "Altid"]])
    frame.to_excel(path, index=False, header=False)
    table = read_raw(path, header_rows=2)
    assert table.frame.to_dict("records") == [{"respondent_id": "1", "svar": "Altid"}]
    assert table.source_rows.tolist() == [3]


def test_sav_value_labels_are_honoured(tmp_path, codebook, config):
    """An SPSS file whose codes run the other way (1 = Altid) must be read through its labels."""
    rows = valid_rows(codebook, "frivillige", 2)
    frame = pd.DataFrame(rows)
    likert = [i.id for i in codebook.likert_items() if i.id in frame]
    for col in likert:
        frame[col] = frame[col].astype(float)
    frame["int_tid"] = [1.0, 4.0]  # coded 1 = Altid, 4 = Stort set aldrig in this export
    reversed_labels = {1.0: "Altid", 2.0: "Nogle gange", 3.0: "Sjældent", 4.0: "Stort set aldrig"}
    frame["birth_year"] = frame["birth_year"].astype(float)
    frame["experience_years"] = frame["experience_years"].astype(float)
    path = tmp_path / "frivillige.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"int_tid": reversed_labels})
    table = read_raw(path)
    assert table.row_label == "case"
    assert table.source_rows.tolist() == [1, 2]
    assert table.frame["int_tid"].tolist() == ["Altid", "Stort set aldrig"]
    result = clean_questionnaire(table, "frivillige", codebook, config)
    assert not result.problems
    assert result.data["int_tid"].tolist() == [4, 1]
    assert result.data["birth_year"].tolist() == [1960, 1965]


def test_sav_without_value_labels_uses_codes(tmp_path, codebook, config):
    frame = pd.DataFrame(valid_rows(codebook, "frivillige", 3))
    for col in frame.columns:
        if col not in ("respondent_id", "gender", "volunteer_role", "job_title", "institution"):
            frame[col] = frame[col].astype(float)
    path = tmp_path / "frivillige.sav"
    pyreadstat.write_sav(frame, str(path))
    result = clean_questionnaire(read_raw(path), "frivillige", codebook, config)
    assert not result.problems
    assert result.data["int_tid"].tolist() == [1, 2, 3]


def test_dta_with_value_labels(tmp_path):
    frame = pd.DataFrame({"respondent_id": ["1", "2"], "svar": [1.0, 2.0]})
    path = tmp_path / "x.dta"
    pyreadstat.write_dta(frame, str(path), variable_value_labels={"svar": {1: "Ja", 2: "Nej"}})
    table = read_raw(path)
    assert table.frame["svar"].tolist() == ["Ja", "Nej"]
    assert table.details["format"] == "dta"


def test_every_reader_gives_the_same_cleaned_data(tmp_path, codebook, config):
    rows = valid_rows(codebook, "fagprofessionelle", 4)
    write_csv(tmp_path / "a.csv", rows, delimiter=";", encoding="cp1252")
    pd.DataFrame(rows).to_excel(tmp_path / "a.xlsx", index=False)
    sav = pd.DataFrame(rows)
    pyreadstat.write_sav(sav, str(tmp_path / "a.sav"))
    cleaned = [clean_questionnaire(read_raw(tmp_path / name), "fagprofessionelle", codebook, config).data
               for name in ("a.csv", "a.xlsx", "a.sav")]
    for other in cleaned[1:]:
        pd.testing.assert_frame_equal(cleaned[0].drop(columns="source_row"), other.drop(columns="source_row"))
    assert np.array_equal(cleaned[0]["source_row"], [2, 3, 4, 5])
    assert np.array_equal(cleaned[2]["source_row"], [1, 2, 3, 4])


def test_header_only_file_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("respondent_id,svar\n", encoding="utf-8")
    with pytest.raises(SurveyInputError, match=r"x\.csv: the file has a header but no records"):
        read_raw(path)
