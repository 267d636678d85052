"""Each reader returns the same text cells, with the row numbers of its format."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from vive_survey.cleaning.clean import clean_questionnaire
from vive_survey.errors import SurveyInputError
from vive_survey.inputs.readers import read_raw

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


# ------------------------------------------------------------ blanked cells: flagged with a reason

SHORT_CSV = "respondent_id,svar,navn,alder\n1,2,Ole,40\n2,3\n3,4,Åse\n\n5,1,Bo,30\n"


@pytest.mark.parametrize("encoding, declared", [("utf-8", None), ("utf-8-sig", None), ("cp1252", None),
                                                ("utf-8", "utf-8"), ("cp1252", "cp1252")])
def test_short_records_are_kept_and_their_absent_fields_flagged(tmp_path, encoding, declared):
    """Both paths (Arrow, which falls back for an irregular record, and pandas) give the same
    records and the same flags: records 2 and 3 end early, the blank line has no field at all."""
    path = tmp_path / "x.csv"
    path.write_bytes(SHORT_CSV.encode(encoding))
    table = read_raw(path, encoding=declared)
    assert table.frame.to_numpy().tolist() == [["1", "2", "Ole", "40"], ["2", "3", "", ""], ["3", "4", "Åse", ""],
                                              ["", "", "", ""], ["5", "1", "Bo", "30"]]
    assert table.short_records.tolist() == [1, 2, 3]
    flags = {column: reasons["short_record"].tolist() for column, reasons in table.cell_reasons.items()}
    assert flags == {"respondent_id": [3], "svar": [3], "navn": [1, 3], "alder": [1, 2, 3]}


def test_regular_csv_has_no_short_records_and_a_blank_field_is_not_absent(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("respondent_id;svar;navn\n1;;\n2;3;x\n", encoding="utf-8")
    table = read_raw(path)
    assert table.short_records.tolist() == [] and table.cell_reasons == {}
    assert table.frame.iloc[0].tolist() == ["1", "", ""]


def test_short_record_after_a_trailing_delimiter_record(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("respondent_id,svar,navn\n1,2,x,\n2,3\n", encoding="utf-8")
    table = read_raw(path)
    assert table.short_records.tolist() == [1]
    assert {c: r["short_record"].tolist() for c, r in table.cell_reasons.items()} == {"navn": [1]}


def _xlsx_with_errors(path, *, header_above: int = 0):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for _ in range(header_above):
        sheet.append(["Eksport 2023"])
    sheet.append(["respondent_id", "svar", "navn", "tal"])
    sheet.append(["1", "#DIV/0!", "NA", 1])
    sheet.append(["2", "Altid", "#N/A", "=1/0"])
    sheet.append(["3", "=B3", "N/A", 2.0])
    sheet.append(["4", "Altid", "x", "#NAME?"])
    first = header_above + 2
    for ref in (f"B{first}", f"C{first + 1}", f"D{first + 3}"):
        sheet[ref].data_type = "e"
    book.save(path)
    return path


def test_excel_error_cells_and_formulas_without_a_value_are_blanked_and_flagged(tmp_path):
    table = read_raw(_xlsx_with_errors(tmp_path / "x.xlsx"))
    assert table.frame.to_numpy().tolist() == [["1", "", "NA", "1"], ["2", "Altid", "", ""], ["3", "", "N/A", "2"],
                                              ["4", "Altid", "x", ""]]
    flags = {c: {r: p.tolist() for r, p in reasons.items()} for c, reasons in table.cell_reasons.items()}
    assert flags == {"svar": {"excel_error": [0], "formula_without_value": [2]}, "navn": {"excel_error": [1]},
                     "tal": {"excel_error": [3], "formula_without_value": [1]}}


def test_excel_text_cells_are_read_as_written(tmp_path):
    """A text cell 'NA', 'N/A', 'NULL' or 'nan' is text, as in a CSV (pandas' reader would blank it)."""
    path = tmp_path / "x.xlsx"
    frame = pd.DataFrame({"respondent_id": ["1", "2", "3", "4"], "navn": ["NA", "NULL", "N/A", "nan"]})
    frame.to_excel(path, index=False)
    table = read_raw(path)
    assert table.frame["navn"].tolist() == ["NA", "NULL", "N/A", "nan"]
    assert table.cell_reasons == {}


def test_excel_formula_with_a_stored_value_keeps_the_value(tmp_path):
    """A formula whose value the file stores (as Excel writes it) is read as that value."""
    import re
    import zipfile

    import openpyxl

    source, path = tmp_path / "plain.xlsx", tmp_path / "x.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["respondent_id", "svar"])
    book.active.append(["1", "=1+2"])
    book.active.append(["2", "=1/0"])
    book.save(source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                text = re.sub(r'(<c r="B2"[^>]*)>(<f>1\+2</f>)<v\s*/?>(</v>)?', r"\1>\2<v>3</v>", text)
                text = re.sub(r'<c r="B3"([^>]*?)( t="\w+")?>(<f>1/0</f>)<v\s*/?>(</v>)?',
                              r'<c r="B3"\1 t="e">\3<v>#DIV/0!</v>', text)
                assert "<v>3</v>" in text and "<v>#DIV/0!</v>" in text
                data = text.encode("utf-8")
            new.writestr(item, data)
    table = read_raw(path)
    assert table.frame["svar"].tolist() == ["3", ""]
    assert {c: {r: p.tolist() for r, p in v.items()} for c, v in table.cell_reasons.items()} == {
        "svar": {"excel_error": [1]}}


def test_excel_sheet_that_does_not_exist(tmp_path):
    path = tmp_path / "x.xlsx"
    pd.DataFrame({"respondent_id": ["1"]}).to_excel(path, index=False, sheet_name="Svar")
    with pytest.raises(SurveyInputError, match=r"x\.xlsx: the workbook has no sheet named 'Answers'\n  hint: .*'Svar'"):
        read_raw(path, sheet="Answers")
    with pytest.raises(SurveyInputError, match=r"no sheet number 3 \(it has 1, numbered from 0\)"):
        read_raw(path, sheet=3)


def _sav_with_user_missing(path):
    frame = pd.DataFrame({"respondent_id": ["a", "b", "c", "d", "e"], "svar": [1.0, 9.0, 98.0, 99.0, np.nan],
                          "tekst": ["ja", "NA", "x", "NA", ""]})
    pyreadstat.write_sav(frame, str(path), missing_ranges={"svar": [9.0, {"lo": 98.0, "hi": 99.0}], "tekst": ["NA"]},
                         variable_value_labels={"svar": {1.0: "Altid", 9.0: "Ved ikke"}})
    return path


def test_sav_user_missing_values_are_blanked_and_flagged(tmp_path):
    table = read_raw(_sav_with_user_missing(tmp_path / "x.sav"))
    assert table.frame["svar"].tolist() == ["Altid", "", "", "", ""]
    assert table.frame["tekst"].tolist() == ["ja", "", "x", "", ""]
    flags = {c: {r: p.tolist() for r, p in v.items()} for c, v in table.cell_reasons.items()}
    assert flags == {"svar": {"user_missing": [1, 2, 3]}, "tekst": {"user_missing": [1, 3]}}


def test_dta_extended_missing_values_are_user_missing(tmp_path):
    frame = pd.DataFrame({"respondent_id": ["1", "2", "3", "4"], "svar": [1.0, "a", "b", np.nan]}, dtype=object)
    path = tmp_path / "x.dta"
    pyreadstat.write_dta(frame, str(path), missing_user_values={"svar": ["a", "b"]},
                         variable_value_labels={"svar": {1: "Ja", "a": "Ved ikke"}})
    table = read_raw(path)
    assert table.frame["svar"].tolist() == ["Ja", "", "", ""]
    assert {c: {r: p.tolist() for r, p in v.items()} for c, v in table.cell_reasons.items()} == {
        "svar": {"user_missing": [1, 2]}}


def test_every_sav_user_missing_value_is_counted_in_the_log(tmp_path, codebook, config):
    """The bug this guards against: user-missing values read as system-missing were never counted."""
    frame = pd.DataFrame(valid_rows(codebook, "frivillige", 40)).assign(birth_year="1980", experience_years="5")
    likert = [i.id for i in codebook.likert_items() if i.id in frame]
    for col in likert + ["birth_year", "experience_years"]:
        frame[col] = frame[col].astype(float)
    frame.loc[[0, 5, 9, 17, 33], "int_tid"] = 9.0      # 5 user-missing 9s
    frame.loc[[2, 3], "int_glad"] = 99.0              # 2 in the range 98-99
    frame.loc[[4], "int_glad"] = 98.0                 # 1 more
    frame.loc[[6], "int_glad"] = np.nan               # system missing: not counted
    path = tmp_path / "frivillige.sav"
    pyreadstat.write_sav(frame, str(path), missing_ranges={"int_tid": [9.0], "int_glad": [{"lo": 98.0, "hi": 99.0}]})
    result = clean_questionnaire(read_raw(path), "frivillige", codebook, config)
    assert not result.problems
    assert result.log["values_set_missing"] == {"int_tid": {"user_missing": 5}, "int_glad": {"user_missing": 3}}
    assert result.data["int_tid"].isna().sum() == 5 and result.data["int_glad"].isna().sum() == 4


# ------------------------------------------------------------------- messages a user can act on

def test_relative_path_not_found_says_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SurveyInputError) as info:
        read_raw("exports/prof.csv")
    text = str(info.value)
    assert f"exports/prof.csv: file not found (looked for {tmp_path / 'exports' / 'prof.csv'}, relative to the " \
           f"working directory {tmp_path})" in text
    assert "hint: the folder exports does not exist either" in text


def test_directory_given_as_input_says_it_is_a_directory(tmp_path):
    (tmp_path / "exports").mkdir()
    with pytest.raises(SurveyInputError, match=r"exports: this is a directory, not a file"):
        read_raw(tmp_path / "exports")


def test_csv_title_line_above_the_header_suggests_header_rows(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Eksport fra SurveyXact, bølge 2023\n\nrespondent_id;svar;navn\n1;2;x\n2;3;y\n", encoding="utf-8")
    with pytest.raises(SurveyInputError) as info:
        read_raw(path)
    assert len(info.value.problems) == 1
    assert "set 'header_rows: 3' for this input in the config" in str(info.value)
    table = read_raw(path, header_rows=3)
    assert table.frame.to_dict("records") == [{"respondent_id": "1", "svar": "2", "navn": "x"},
                                              {"respondent_id": "2", "svar": "3", "navn": "y"}]
    assert table.source_rows.tolist() == [4, 5]


def test_csv_ragged_record_is_not_taken_for_a_lower_header(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("respondent_id,svar\n1,2\n2,3,4,5\n3,4\n", encoding="utf-8")
    with pytest.raises(SurveyInputError) as info:
        read_raw(path)
    assert "row 3" in str(info.value) and "header_rows" not in str(info.value)


def test_config_check_of_input_files_says_where_it_looked(tmp_path):
    from vive_survey.inputs.config import check_input_files

    from conftest import make_config

    (tmp_path / "exports").mkdir()
    config = make_config(tmp_path, inputs={"studerende": "exports", "fagprofessionelle": "exports/prof.csv",
                                           "frivillige": str(tmp_path / "frv.csv")})
    with pytest.raises(SurveyInputError) as info:
        check_input_files(config, base=tmp_path)
    text = str(info.value)
    assert "inputs.studerende: this is a directory, not a file: exports" in text
    assert (f"inputs.fagprofessionelle: file not found: exports/prof.csv (looked for {tmp_path / 'exports/prof.csv'}, "
            f"relative to {tmp_path})") in text
    assert f"inputs.frivillige: file not found: {tmp_path / 'frv.csv'}\n" in text + "\n"
