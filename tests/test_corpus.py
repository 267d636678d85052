"""The corpus of bad raw exports (tests/corpus/, see its README.md): each whole file, read and
cleaned the way the pipeline does it, gives either a clear error or a clean result with its
exclusions and log entries. tests/make_corpus.py regenerates the corpus."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import pyreadstat
import pytest

import make_corpus
from vive_survey import steps
from vive_survey.cleaning.clean import clean_questionnaire, clean_wave
from vive_survey.errors import SurveyInputError
from vive_survey.inputs.readers import read_raw

from conftest import make_config, valid_rows, write_csv

CORPUS = Path(__file__).resolve().parent / "corpus"
Q = "fagprofessionelle"
IDS = [f"F{i:03d}" for i in range(1, 9)]
FILTERED = ["eks_sammen", "eks_planer", "eks_konkurrence", "eks_fordele", "eks_maal", "eks_ressourcer",
            "eks_tillid_org", "eks_tillid_pers", "eks_opdateret", "tryg_faglighed", "tryg_tryg", "tryg_kendskab"]


# ------------------------------------------------------------------------------- expected outcomes

@dataclass(frozen=True)
class Fails:
    """The file is refused. Each entry of `problems` is a tuple of exact parts that must all occur in
    the text of one single problem (the file name is always required too). `stage` says where: 'read'
    (read_raw raises) or 'clean' (clean_questionnaire returns problems). `count`: exact number."""

    problems: tuple[tuple[str, ...], ...]
    stage: str = "clean"
    count: int | None = None


@dataclass(frozen=True)
class Passes:
    """The file is read and cleaned without a problem. `rows`: records in the file; `excluded`:
    log rows_excluded; `set_missing`: log values_set_missing; `ignored`: log columns_ignored.
    The cleaned data must equal that of the defect-free export (matched on respondent_id), except
    in the columns of `differs`; `check(data, exclusions, raw)` asserts the rest. `short_records`:
    log short_records (kept records with fewer fields than the header)."""

    rows: int = 8
    excluded: dict = field(default_factory=dict)
    set_missing: dict = field(default_factory=dict)
    short_records: int = 0
    ignored: tuple[str, ...] = ()
    differs: tuple[str, ...] = ()
    check: Callable | None = None


@dataclass(frozen=True)
class AnyOf:
    """Either outcome is right (for a bug whose fix may go either way)."""

    outcomes: tuple


@dataclass(frozen=True)
class Case:
    file: str
    options: dict
    outcome: Fails | Passes | AnyOf
    config: dict = field(default_factory=dict)

    def __str__(self) -> str:
        extra = "".join(f"-{k}={v!r}" for k, v in {**self.options, **self.config}.items())
        return self.file + extra


def row(n: int, rid: str | None) -> str:
    return f"row {n} (respondent_id={rid})" if rid else f"row {n}"


def likert_problem(n, rid, column, value, *more):
    return (row(n, rid), f"column '{column}'", f"value {value!r}", "not an answer on scale 'likert4'", *more)


def stops(stage: str = "clean") -> Fails:
    """The run stops with at least one problem naming the file (what it says is not pinned here)."""
    return Fails(((),), stage=stage)


# ----------------------------------------------------------------------------- checks on the data

def values(data: pd.DataFrame, column: str) -> dict:
    return dict(zip(data["respondent_id"], data[column].astype(object).where(data[column].notna(), None)))


def check_decimal_comma(data, exclusions, raw):
    years = values(data, "experience_years")
    assert (years["F002"], years["F005"], years["F007"], years["F001"]) == (3.5, 0.5, 12.25, 1)


def check_future_birth_years(data, exclusions, raw):
    assert values(data, "birth_year")["F001"] is None and values(data, "age")["F001"] is None
    assert values(data, "birth_year")["F004"] is None and values(data, "age")["F004"] is None
    assert values(data, "birth_year")["F002"] == 1964 and values(data, "age")["F002"] == 56


def check_gender_codes(data, exclusions, raw):
    assert set(raw.frame["gender"]) == {"1", "2", "3"}
    assert data["gender"].value_counts().to_dict() == {"Mand": 3, "Kvinde": 3, "Andet": 2}


def check_yes_no_codes(data, exclusions, raw):
    assert values(data, "collab_experience")["F003"] == "Nej" and values(data, "collab_experience")["F001"] == "Ja"
    answered = data.set_index("respondent_id")[FILTERED].notna().all(axis=1)
    assert answered.to_dict() == {rid: rid not in ("F003", "F006") for rid in IDS}
    assert set(data["active_volunteer"]) <= {"Ja", "Nej"} and set(data["wants_competence_dev"]) <= {"Ja", "Nej"}


def check_ved_ikke(data, exclusions, raw):
    assert data["erh_tid"].isna().all() and data["erh_let"].notna().all()


def check_missing_code(data, exclusions, raw):
    assert sorted(data.loc[data["erh_laere"].isna(), "respondent_id"]) == ["F001", "F004", "F007"]


def check_invalid_as_missing(data, exclusions, raw):
    assert values(data, "int_glad")["F001"] is None and values(data, "int_glad")["F004"] is None
    assert values(data, "krav_ansvar")["F008"] is None and data["int_glad"].notna().sum() == 6


def check_duplicate(data, exclusions, raw):
    assert exclusions[["source_row", "respondent_id", "reason", "detail"]].to_dict("records") == [
        {"source_row": 7, "respondent_id": "F003", "reason": "duplicate_id", "detail": "same respondent_id as row 4"}]
    assert values(data, "source_row")["F003"] == 4 and values(data, "source_row")["F008"] == 10


def check_only_ids(data, exclusions, raw):
    assert data.empty
    assert exclusions["respondent_id"].tolist() == IDS and set(exclusions["reason"]) == {"no_answers"}


def check_blank_line(data, exclusions, raw):
    assert exclusions[["source_row", "reason"]].to_dict("records") == [{"source_row": 5, "reason": "empty_row"}]
    assert data["source_row"].tolist() == [2, 3, 4, 6, 7, 8, 9, 10]


def check_too_few_fields(data, exclusions, raw):
    f004 = data.set_index("respondent_id").loc["F004"]
    assert f004["krav_ansvar"] == 4 and pd.isna(f004["krav_dokumentere"]) and pd.isna(f004["krav_faggraenser"])
    assert raw.short_records.tolist() == [3]


def check_only_id_and_institution(data, exclusions, raw):
    assert data.empty and exclusions["respondent_id"].tolist() == IDS
    assert (raw.frame["institution"] != "").all()


def check_excel_errors(data, exclusions, raw):
    by_id = data.set_index("respondent_id")
    blanked = [(make_corpus.IDS_BY_RECORD[r], c) for r, c, _ in make_corpus.EXCEL_ERRORS + make_corpus.EXCEL_FORMULAS]
    assert all(pd.isna(by_id.loc[rid, column]) for rid, column in blanked)
    assert int(by_id[["erh_let", "int_glad", "krav_boksen", "experience_years", "krav_ansvar"]].isna().sum().sum()) == 6


def check_user_missing(data, exclusions, raw):
    check_case_numbers(data, exclusions, raw)
    by_id = data.set_index("respondent_id")
    assert by_id["erh_let"].isna().sum() == 2 and pd.isna(by_id.loc["F001", "erh_let"])
    assert sorted(by_id.index[by_id["int_tid"].isna()]) == ["F002", "F007"]
    assert by_id["job_title"].isna().tolist() == [False] * 7 + [True]


def check_long_text(data, exclusions, raw):
    text = values(data, "job_title")["F004"]
    assert len(text) == make_corpus.LONG_TEXT_LENGTH and text.startswith("Jeg arbejder") and text.endswith(".")
    assert '"siger"' in text


def check_html(data, exclusions, raw):
    assert values(data, "job_title")["F002"] == "<script>alert(1)</script>"
    assert values(data, "institution")["F005"] == '<img src=x onerror="alert(2)">Ærø Kommune'


def check_formulas(data, exclusions, raw):
    got = [values(data, "job_title")[rid] for rid in IDS[:len(make_corpus.FORMULAS)]]
    assert got == make_corpus.FORMULAS


def check_newline(data, exclusions, raw):
    assert values(data, "job_title")["F003"] == "Pædagog\npå bosted"
    assert data["source_row"].tolist() == [2, 3, 4, 5, 6, 7, 8, 9]


def check_header_rows(data, exclusions, raw):
    assert data["source_row"].tolist() == list(range(3, 11))


def check_case_numbers(data, exclusions, raw):
    assert raw.row_label == "case" and data["source_row"].tolist() == list(range(1, 9))


def check_reversed_labels(data, exclusions, raw):
    check_case_numbers(data, exclusions, raw)
    codes, _ = pyreadstat.read_sav(str(CORPUS / "reversed_value_labels.sav"))
    assert (data["erh_let"].to_numpy(dtype=float) == 5 - codes["erh_let"].to_numpy()).all()
    assert raw.frame["erh_let"].iloc[0] == make_corpus.LIKERT_LABELS[int(5 - codes["erh_let"].iloc[0])]


# ------------------------------------------------------------------------------------- the table


CASES = [
    # Delimiter and encoding
    Case("semicolon_declared_comma.csv", {"delimiter": ","},
         Fails((("row 1:", "the header has no ',', the delimiter given in the config; the header looks ';'-separated",
                 "hint: remove 'delimiter'"),), stage="read", count=1)),
    Case("semicolon_declared_comma.csv", {}, Passes()),
    Case("comma_declared_semicolon.csv", {"delimiter": ";"},
         Fails((("row 1:", "the header has no ';', the delimiter given in the config; the header looks ','-separated"),),
               stage="read", count=1)),
    Case("cp1252_declared_utf8.csv", {"encoding": "utf-8"},
         Fails((("row 2:", "byte b'\\xe5' cannot be decoded as utf-8", "hint: remove the 'encoding' option"),),
               stage="read", count=1)),
    Case("cp1252_detected.csv", {}, Passes(check=lambda d, e, raw: raw.details["encoding"] == "cp1252")),
    Case("utf8_declared_cp1252.csv", {"encoding": "cp1252"},
         Fails((("row 2:", "the text holds UTF-8 letters decoded as cp1252",
                 "hint: the file is UTF-8: remove 'encoding: cp1252'"),), stage="read", count=1)),
    Case("utf8_declared_cp1252.csv", {}, Passes()),
    Case("bom_semicolon.csv", {}, Passes(check=lambda d, e, raw: raw.details["encoding"] == "utf-8-sig")),
    Case("bom_semicolon.csv", {"encoding": "utf-8", "delimiter": ";"}, Passes()),
    Case("utf16_tab.csv", {}, Passes(check=lambda d, e, raw: raw.details["delimiter"] == "\t")),
    Case("utf16_tab.csv", {"encoding": "utf-8"},
         Fails((("row 1:", "byte b'\\xff' cannot be decoded as utf-8"),), stage="read", count=1)),
    Case("crlf_line_endings.csv", {}, Passes()),
    Case("trailing_delimiter.csv", {}, Passes()),
    Case("trailing_delimiter_data_rows.csv", {}, Passes()),
    # Numbers
    Case("decimal_comma_experience.csv", {}, Passes(differs=("experience_years",), check=check_decimal_comma)),
    Case("text_in_numeric_columns.csv", {}, Fails((
        (row(4, "F003"), "column 'birth_year'", "value 'ca. 1975'", "not a number",
         "hint: write numbers with digits, using ',' or '.' as decimal mark"),
        (row(7, "F006"), "column 'experience_years'", "value 'ti år'", "not a number")), count=2)),
    Case("birth_year_in_future.csv", {}, Passes(set_missing={"birth_year": {"implausible_age": 2}},
                                                differs=("birth_year", "age"), check=check_future_birth_years)),
    Case("negative_experience.csv", {}, Fails((
        (row(6, "F005"), "column 'experience_years'", "value '-3'", "outside the scale's range 0 to inf"),), count=1)),
    # Coded answers
    Case("likert_label_typos.csv", {}, Fails((
        likert_problem(3, "F002", "erh_let", "Nogle gang", "hint: did you mean 'Nogle gange'?"),
        likert_problem(7, "F006", "krav_boksen", "Altd", "hint: did you mean 'Altid'?")), count=2)),
    Case("likert_out_of_range.csv", {}, Fails((
        likert_problem(2, "F001", "int_glad", "0", "allowed: 1 = Stort set aldrig, 2 = Sjældent"),
        likert_problem(5, "F004", "int_glad", "5"),
        likert_problem(9, "F008", "krav_ansvar", "7")), count=3)),
    Case("likert_out_of_range.csv", {}, Passes(
        set_missing={"int_glad": {"invalid_value": 2}, "krav_ansvar": {"invalid_value": 1}},
        differs=("int_glad", "krav_ansvar"), check=check_invalid_as_missing),
        config={"cleaning": {"invalid_values": "missing"}}),
    Case("missing_code_99.csv", {}, Fails(tuple(
        likert_problem(n, rid, "erh_laere", "99", "add it to missing_codes in the config")
        for n, rid in ((2, "F001"), (5, "F004"), (8, "F007"))), count=3)),
    Case("missing_code_99.csv", {}, Passes(set_missing={"erh_laere": {"missing_code": 3}},
                                           differs=("erh_laere",), check=check_missing_code),
         config={"missing_codes": [99]}),
    Case("gender_as_codes.csv", {}, Passes(check=check_gender_codes)),
    Case("yes_no_as_codes.csv", {}, Passes(set_missing={c: {"answered_despite_filter": 2} for c in FILTERED},
                                           differs=("collab_experience", *FILTERED), check=check_yes_no_codes)),
    Case("ved_ikke_whole_column.csv", {}, Passes(set_missing={"erh_tid": {"missing_label": 8}},
                                                 differs=("erh_tid",), check=check_ved_ikke)),
    Case("padded_upper_case_answers.csv", {}, Passes()),
    # Records
    Case("duplicate_ids.csv", {}, Passes(rows=9, excluded={"duplicate_id": 1}, check=check_duplicate)),
    Case("only_ids_no_answers.csv", {}, Passes(excluded={"no_answers": 8}, check=check_only_ids)),
    Case("only_id_and_institution.csv", {}, Passes(excluded={"no_answers": 8}, check=check_only_id_and_institution)),
    Case("single_valid_row.csv", {}, Passes(rows=1)),
    Case("header_only.csv", {}, Fails((("the file has a header but no records",),), stage="read", count=1)),
    Case("empty.csv", {}, Fails((("the file is empty",),), stage="read", count=1)),
    Case("blank_line_in_middle.csv", {}, Passes(rows=9, excluded={"empty_row": 1}, check=check_blank_line)),
    Case("ragged_too_many_fields.csv", {}, Fails((
        ("row 7:", "the record does not split into the header's", "columns with delimiter ','",
         "hint: check the delimiter and quoting"),), stage="read", count=1)),
    Case("ragged_too_few_fields.csv", {}, Passes(
        differs=make_corpus.COLUMNS[35:], set_missing={c: {"short_record": 1} for c in make_corpus.COLUMNS[35:]},
        short_records=1, check=check_too_few_fields)),
    Case("title_line_above_header.csv", {}, Fails((
        ("row 2:", "the record does not split into the header's 1 columns with delimiter ';'",
         "hint: the column names seem to be on row 2: set 'header_rows: 2' for this input"),), stage="read", count=1)),
    Case("title_line_above_header.csv", {"header_rows": 2}, Passes(
        check=lambda d, e, raw: d["source_row"].tolist() == list(range(3, 11)))),
    # Columns
    Case("missing_required_columns.csv", {}, Fails((
        ("required column for item 'gender' ('Hvilket køn identificerer du dig med?') is missing",
         "looked for 'gender', 'koen', 'køn'"),
        ("required column for item 'erh_tid'", "is missing; looked for 'erh_tid'")), count=2)),
    Case("unknown_extra_columns.csv", {}, Passes(ignored=("Browser", "EndDate", "StartDate", "Status"))),
    Case("header_case_and_spaces.csv", {}, Passes()),
    Case("danish_column_names.csv", {}, Passes()),
    # Open text
    Case("long_open_text.csv", {}, Passes(differs=("job_title",), check=check_long_text)),
    Case("html_in_open_text.csv", {}, Passes(differs=("job_title", "institution"), check=check_html)),
    Case("formulas_in_open_text.csv", {}, Passes(differs=("job_title",), check=check_formulas)),
    Case("unclosed_quote_open_text.csv", {}, Fails((("row 6:", "a quoted field is never closed"),), stage="read",
                                                   count=1)),
    Case("newline_in_open_text.csv", {}, Passes(differs=("job_title",), check=check_newline)),
    # Binary formats
    Case("two_header_rows.xlsx", {"header_rows": 2}, Passes(check=check_header_rows)),
    Case("two_header_rows.xlsx", {}, Fails((
        ("row 1, read as the header, names 0 of the 45 columns the codebook expects in this file "
         "(42 required ones are missing); row 2 names 45",
         "hint: the column names seem to be on row 2: set 'header_rows: 2' for this input in the config "
         "(header_rows counts the rows down to and including the row of column names)"),), count=1)),
    Case("title_row_above_header.xlsx", {}, Fails((
        ("row 1, read as the header, names 0 of the 45", "row 3 names 45", "set 'header_rows: 3'"),), count=1)),
    Case("title_row_above_header.xlsx", {"header_rows": 3},
         Passes(check=lambda d, e, raw: d["source_row"].tolist() == list(range(4, 12)))),
    Case("excel_errors_and_formulas.xlsx", {}, Passes(
        set_missing={"erh_let": {"excel_error": 2}, "int_glad": {"excel_error": 1}, "krav_boksen": {"excel_error": 1},
                     "experience_years": {"formula_without_value": 1}, "krav_ansvar": {"formula_without_value": 1}},
        differs=("erh_let", "int_glad", "krav_boksen", "experience_years", "krav_ansvar"), check=check_excel_errors)),
    Case("spss_user_missing.sav", {}, Passes(
        set_missing={"erh_let": {"user_missing": 2}, "int_tid": {"user_missing": 2}, "job_title": {"user_missing": 1}},
        differs=("erh_let", "int_tid", "job_title"), check=check_user_missing)),
    Case("no_value_labels.sav", {}, Passes(check=check_case_numbers)),
    Case("reversed_value_labels.sav", {}, Passes(check=check_reversed_labels)),
]


def _case_of(param) -> Case:
    return param.values[0] if hasattr(param, "values") else param


# ---------------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def base_data(codebook, tmp_path_factory) -> pd.DataFrame:
    """The cleaned data of the defect-free export every corpus file is derived from."""
    directory = tmp_path_factory.mktemp("base")
    path = directory / "base.csv"
    path.write_text(make_corpus.csv_text(make_corpus.base_rows()), encoding="utf-8")
    result = clean_questionnaire(read_raw(path), Q, codebook, make_config(directory))
    assert not result.problems and len(result.data) == 8
    return result.data


@pytest.fixture(scope="module")
def other_raws(codebook, tmp_path_factory) -> dict:
    """Valid exports of the other two questionnaires, to clean each corpus file as part of a wave."""
    directory = tmp_path_factory.mktemp("wave")
    return {q: read_raw(write_csv(directory / f"{q}.csv", valid_rows(codebook, q, 3)))
            for q in ("studerende", "frivillige")}


# ------------------------------------------------------------------------------------------- tests

def _problem_texts(problems) -> list[str]:
    return [str(p) for p in problems]


def _verify(outcome, case: Case, stage: str | None, problems: list, raw, result, base: pd.DataFrame) -> None:
    path = str(CORPUS / case.file)
    if isinstance(outcome, AnyOf):
        failures = []
        for option in outcome.outcomes:
            try:
                _verify(option, case, stage, problems, raw, result, base)
                return
            except AssertionError as exc:
                failures.append(str(exc))
        raise AssertionError("no expected outcome matched:\n" + "\n".join(failures))
    texts = _problem_texts(problems)
    if isinstance(outcome, Fails):
        assert texts, f"{case}: expected an error, got a clean result"
        assert stage == outcome.stage, f"{case}: expected the {outcome.stage} step to fail, the {stage} step did"
        for parts in outcome.problems:
            assert any(all(part in text for part in (path, *parts)) for text in texts), (
                f"{case}: no single problem contains all of {parts!r}; problems:\n" + "\n".join(texts[:10]))
        if outcome.count is not None:
            assert len(texts) == outcome.count, f"{case}: {len(texts)} problems:\n" + "\n".join(texts[:10])
        return
    assert not texts, f"{case}: expected a clean result, got:\n" + "\n".join(texts[:10])
    assert len(raw) == outcome.rows
    log = result.log
    assert len(result.data) + len(result.exclusions) == log["rows_read"] == outcome.rows
    assert log["rows_kept"] == len(result.data)
    assert log["rows_excluded"] == outcome.excluded
    assert log["values_set_missing"] == outcome.set_missing
    assert log["short_records"] == outcome.short_records
    assert log["columns_ignored"] == list(outcome.ignored)
    assert log["optional_items_absent"] == []
    if len(result.data):
        got = result.data.drop(columns="source_row").set_index("respondent_id")
        want = base.drop(columns="source_row").set_index("respondent_id").loc[got.index]
        same = [c for c in want.columns if c not in outcome.differs]
        pd.testing.assert_frame_equal(got[same], want[same])
    if outcome.check is not None:
        assert outcome.check(result.data, result.exclusions, raw) is not False


@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c))
def test_corpus_file(case, codebook, tmp_path, base_data, other_raws):
    config = make_config(tmp_path, **case.config)
    raw = result = None
    stage, problems = None, []
    try:
        raw = read_raw(CORPUS / case.file, **case.options)
        stage = "clean"
        result = clean_questionnaire(raw, Q, codebook, config)
        problems = result.problems
    except SurveyInputError as exc:
        stage = stage or "read"
        problems = exc.problems
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{case}: {type(exc).__name__} escaped instead of SurveyInputError: {exc}")
    if stage == "read":
        assert problems, "a SurveyInputError from read_raw carries its problems"
    _verify(case.outcome, case, stage if problems else None, problems, raw, result, base_data)

    if raw is None:
        return
    # The same file cleaned as part of a wave (clean_wave), with the other two questionnaires valid.
    try:
        wave = clean_wave({**other_raws, Q: raw}, codebook, config)
    except SurveyInputError as exc:
        assert sorted(_problem_texts(exc.problems)) == sorted(_problem_texts(problems))
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"{case}: {type(exc).__name__} escaped clean_wave instead of SurveyInputError: {exc}")
    else:
        assert not problems
        assert wave.log["questionnaires"][Q] == result.log
        assert (wave.data["questionnaire"] == Q).sum() == len(result.data)
        assert wave.log["rows_read"] == len(wave.data) + len(wave.exclusions)


def test_open_text_reaches_the_results_but_not_the_cleaning_log(codebook, tmp_path, other_raws):
    """HTML, spreadsheet formulas and very long answers stay verbatim in the respondent-level
    results (parquet) and never appear in the aggregate cleaning log (reports/)."""
    config = make_config(tmp_path)
    others = {q: {"path": raw.file} for q, raw in other_raws.items()}
    injected = {"html_in_open_text.csv": ["<script>alert(1)</script>", "onerror"],
                "formulas_in_open_text.csv": make_corpus.FORMULAS,
                "long_open_text.csv": ["Jeg arbejder med borgere"]}
    for name, texts in injected.items():
        out = tmp_path / name
        log = steps.clean({**others, Q: {"path": str(CORPUS / name)}}, make_corpus.CODEBOOK, config,
                          data_out=out / "data.parquet", exclusions_out=out / "exclusions.csv",
                          log_out=out / "cleaning_log.json")
        written = (out / "cleaning_log.json").read_text(encoding="utf-8")
        assert json.loads(written) == json.loads(json.dumps(log, ensure_ascii=False))
        stored = pd.read_parquet(out / "data.parquet")["job_title"].dropna().tolist() + \
            pd.read_parquet(out / "data.parquet")["institution"].dropna().tolist()
        for text in texts:
            assert text not in written and json.dumps(text)[1:-1] not in written
            assert any(text in cell for cell in stored)


def test_make_corpus_regenerates_the_corpus(tmp_path):
    """CSV files byte for byte; .xlsx and .sav (which embed their creation time) by content."""
    written = make_corpus.build(tmp_path)
    committed = sorted(p.name for p in CORPUS.iterdir() if p.name != "README.md")
    assert written == committed
    for name in written:
        new, old = tmp_path / name, CORPUS / name
        if name.endswith(".csv"):
            assert new.read_bytes() == old.read_bytes(), f"{name} differs: rerun python tests/make_corpus.py"
        elif name.endswith(".xlsx"):
            a = pd.read_excel(new, sheet_name=None, header=None, dtype=object)
            b = pd.read_excel(old, sheet_name=None, header=None, dtype=object)
            assert list(a) == list(b) == ["Svar"]
            pd.testing.assert_frame_equal(a["Svar"], b["Svar"])
        elif name.endswith(".sav"):
            frame_new, meta_new = pyreadstat.read_sav(str(new))
            frame_old, meta_old = pyreadstat.read_sav(str(old))
            pd.testing.assert_frame_equal(frame_new, frame_old)
            assert meta_new.variable_value_labels == meta_old.variable_value_labels
            assert meta_new.readstat_variable_types == meta_old.readstat_variable_types
        else:
            pytest.fail(f"no comparison for {name}")


def test_every_corpus_file_is_described_and_tested():
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in CORPUS.iterdir() if p.name != "README.md")
    assert len(files) >= 30
    tested = {_case_of(c).file for c in CASES}
    for name in files:
        assert f"`{name}`" in readme, f"{name} is not described in tests/corpus/README.md"
        assert name in tested, f"{name} has no case in test_corpus.py"
    assert tested <= set(files)
