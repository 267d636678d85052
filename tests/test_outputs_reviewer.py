"""The outputs a reviewer reads (issue #16, part 5): every output says what the wave's data is
(config `data_note`), appendix tables are captioned as printed ("Bilagstabel 2.1"), Tabel 3.2 lists
the institutions of each group, and tables.xlsx serves readers who compute with it (numbers at full
precision shown at the printed precision, a coefficient's significance mark in its own column)."""

from __future__ import annotations

import collections
import csv
import io
import json
import re

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from vive_survey.analysis import tables
from vive_survey.analysis.cells import context_frame, frame, read_cells
from vive_survey.analysis.disclosure import SUPPRESSED, GroupLedger, suppress
from vive_survey.analysis.models import significance_mark
from vive_survey.errors import SurveyInputError
from vive_survey.inputs.config import WAVE_KEYS, resolve_config, run_layers, validate_config
from vive_survey.render.figures import FigureDrawing, likert_data, plot_likert
from vive_survey.render.labels import Labels
from vive_survey.render.layout import build_grid, report_grids, unavailable_grid
from vive_survey.render.templating import render
from vive_survey.render.writers.html import html_context
from vive_survey.render.writers.latex import tex_context
from vive_survey.render.writers.markdown import markdown_context
from vive_survey.render.writers.xlsx import workbook_bytes
from vive_survey.steps import build_reports

from conftest import CODEBOOK_PATH, ROOT
from test_report import (LABELS_EN, PUBLISHED, QUALITATIVE, built_reports, bundled_wave,  # noqa: F401 (fixtures)
                         cells_of, likert_cells, metadata, spec, specs)

NOTE = "REKONSTRUEREDE DATA: Tallene er beregnet på rekonstruerede data, ikke på VIVEs egne data."
BUNDLED_NOTE = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["data_note"]
NO_CLEANING = {"files": [], "exclusions": [], "missing": [], "ignored": [], "derived": []}
QUALITATIVE_TABLE = {"id": "4.1", "title": "Kompetencer", "columns": ["Kompetence"], "rows": [["Relationsarbejde"]]}


def noted_grids(note: str, labels: Labels | None = None):
    """The grids of a small report (4.4, B2.1 and a qualitative table) with the data note `note`."""
    ids = ("4.4", "B2.1")
    specs_ = [spec(id=t, kind="likert_distribution", total_column=True) for t in ids]
    cells = pd.concat([likert_cells(t, [0.0, 25.0, 25.0, 50.0]) for t in ids], ignore_index=True)
    return report_grids(specs_, cells, labels or Labels("da"), absent={}, metadata={},
                        qualitative=[QUALITATIVE_TABLE], data_note=note)


def workbook_of(grids, labels: Labels | None = None):
    return load_workbook(io.BytesIO(workbook_bytes(grids, labels or Labels("da"), [], "w")))


# ------------------------------------------------------------------------------ the data note

def test_the_data_note_heads_the_page_and_every_markdown_latex_table_and_sheet():
    grids, all_grids = noted_grids(NOTE)
    html = render("report.html.j2", **html_context(all_grids, {}, NO_CLEANING, [], Labels("da"), "w"))
    banner = re.search(r'<p class="data-note" role="note"[^>]*>([^<]*)</p>', html)
    assert banner and banner.group(1) == NOTE
    assert html.index(NOTE) < html.index("<header>") < html.index("<nav")        # the first thing on the page
    for grid in grids:
        md = render("table.md.j2", md=markdown_context(grid))
        assert md.startswith(f"> **{NOTE}**\n\n**{grid.caption}.**")
        tex = render("table.tex.j2", tex=tex_context(grid))
        assert f"{{\\small\\bfseries {NOTE}\\par}}" in tex
        assert tex.index(r"\caption{") < tex.index(NOTE) < tex.index(r"\begin{tabular}")
        assert grid.to_text().startswith(f"{NOTE}\n\n{grid.caption}")
    workbook = workbook_of(all_grids)
    assert workbook.sheetnames == ["Indhold", "Tabel 4.1", "Tabel 4.4", "Tabel B2.1"]
    for sheet in workbook:
        assert sheet["A3"].value == NOTE and sheet["A3"].font.b, sheet.title
        assert sheet["A3"].alignment.wrap_text and sheet.row_dimensions[3].height >= 15


def test_a_wave_without_a_data_note_shows_no_banner():
    grids, all_grids = noted_grids("")
    html = render("report.html.j2", **html_context(all_grids, {}, NO_CLEANING, [], Labels("da"), "w"))
    assert 'role="note"' not in html and "data-note" not in html
    plain = build_grid(spec(id="4.4", kind="likert_distribution", total_column=True),
                       likert_cells("4.4", [0.0, 25.0, 25.0, 50.0]))
    assert render("table.md.j2", md=markdown_context(grids[0])) == render("table.md.j2", md=markdown_context(plain))
    assert render("table.md.j2", md=markdown_context(grids[0])).startswith("**Tabel 4.4.**")
    assert render("table.tex.j2", tex=tex_context(grids[0])) == render("table.tex.j2", tex=tex_context(plain))
    assert all(sheet["A3"].value is None for sheet in workbook_of(all_grids))


def test_the_bundled_waves_note_is_in_its_config_and_translated_for_an_english_report():
    assert BUNDLED_NOTE.startswith("REKONSTRUEREDE DATA") and "ikke på VIVEs egne spørgeskemadata" in BUNDLED_NOTE
    labels = Labels.load("en", LABELS_EN)
    grids, _ = noted_grids(BUNDLED_NOTE, labels)
    english = grids[0].data_note
    assert english.startswith("RECONSTRUCTED DATA: ") and "not from VIVE's own survey data" in english
    assert ("label", BUNDLED_NOTE) not in labels.unmapped


def test_data_note_is_a_wave_key_that_a_new_wave_does_not_inherit(tmp_path):
    assert "data_note" in WAVE_KEYS
    (tmp_path / "config.yaml").write_text(f"wave: bundled\ndata_note: {json.dumps(NOTE)}\ninputs: {{studerende: a.csv, "
                                          "fagprofessionelle: b.csv, frivillige: c.csv}\n", encoding="utf-8")
    (tmp_path / "new.yaml").write_text("wave: new\ninputs: {studerende: x.csv, fagprofessionelle: y.csv, "
                                       "frivillige: absent}\n", encoding="utf-8")
    new, rows = resolve_config(run_layers([tmp_path / "new.yaml"], {}, default_file=tmp_path / "config.yaml",
                                          relative_to=tmp_path))
    assert "data_note" not in new and "data_note" not in {r["setting"] for r in rows}
    bundled, rows = resolve_config(run_layers([], {}, default_file=tmp_path / "config.yaml", relative_to=tmp_path))
    assert bundled["data_note"] == NOTE and {"setting": "data_note", "value": NOTE, "source": "config.yaml"} in rows
    with pytest.raises(SurveyInputError, match="data_note"):
        validate_config({"wave": "w", "inputs": {"studerende": "a.csv", "fagprofessionelle": "absent",
                                                 "frivillige": "absent"}, "data_note": ["not", "text"]})
    # the report rule passes it to build_reports
    assert '"data_note": wave_config(wc).get("data_note", "")' in (ROOT / "workflow" / "rules" / "report.smk").read_text()


def test_figures_carry_the_data_note_in_their_title_and_caption(tmp_path):
    figure_spec = spec(id="4.4", kind="likert_distribution", total_column=True)
    cells = likert_cells("4.4", [0.0, 25.0, 25.0, 50.0])
    fig = plot_likert(likert_data(figure_spec, cells), Labels("da"), "Tabel 4.4", note=NOTE)
    title = fig._suptitle.get_text()
    assert title.startswith("Tabel 4.4\n") and " ".join(title.split()) == f"Tabel 4.4 {NOTE}"
    with FigureDrawing([figure_spec], cells, Labels("da"), tmp_path / "noted", workers=1, data_note=NOTE) as drawing:
        noted = drawing.result()
    with FigureDrawing([figure_spec], cells, Labels("da"), tmp_path / "plain", workers=1) as drawing:
        plain = drawing.result()
    assert noted[0].caption == f"{plain[0].caption} {NOTE}"
    assert noted[0].png.read_bytes() != plain[0].png.read_bytes()


def test_build_reports_says_what_the_data_is_in_every_output(bundled_wave, tmp_path):  # noqa: F811
    """Needs steps.build_reports to pass settings['data_note'] on (report_grids, FigureDrawing)."""
    settings = {"wave": "w", "language": "da", "labels": str(LABELS_EN), "data_note": BUNDLED_NOTE}
    build_reports(bundled_wave["cells"], ROOT / "tables", CODEBOOK_PATH, bundled_wave["log"], PUBLISHED,
                  QUALITATIVE, ROOT / "config.yaml", settings, tmp_path)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert html.index(f'role="note" ') < html.index(BUNDLED_NOTE) < html.index("<header>")
    assert html.count(f". {BUNDLED_NOTE} · <code>figures/") == len(list((tmp_path / "figures").glob("*.png")))
    for path in (tmp_path / "tables").glob("*.md"):
        assert path.read_text(encoding="utf-8").startswith(f"> **{BUNDLED_NOTE}**"), path.name
    for path in (tmp_path / "tables").glob("*.tex"):
        assert f"{{\\small\\bfseries {BUNDLED_NOTE}\\par}}" in path.read_text(encoding="utf-8"), path.name
    assert all(sheet["A3"].value == BUNDLED_NOTE for sheet in load_workbook(tmp_path / "tables.xlsx"))


# ---------------------------------------------------------------------- appendix table captions

def test_appendix_tables_are_captioned_as_printed_and_keep_their_ids():
    assert Labels("da").caption("B2.1") == "Bilagstabel 2.1" and Labels("da").caption("4.4") == "Tabel 4.4"
    assert Labels.load("en", LABELS_EN).caption("B2.3") == "Appendix table 2.3"
    grids, all_grids = noted_grids("")
    appendix = {g.id: g for g in grids}["B2.1"]
    assert appendix.caption == "Bilagstabel 2.1" and appendix.anchor == "table-B2.1"
    assert render("table.md.j2", md=markdown_context(appendix)).startswith("**Bilagstabel 2.1.** Testtabel")
    tex = render("table.tex.j2", tex=tex_context(appendix))
    assert r"\caption{Bilagstabel 2.1. Testtabel}" in tex and r"\label{tab:B2.1}" in tex
    html = render("report.html.j2", **html_context(all_grids, {}, NO_CLEANING, [], Labels("da"), "w"))
    assert "<h2>Bilagstabel 2.1</h2>" in html and 'data-table-id="B2.1"' in html and "Tabel B2.1" not in html
    workbook = workbook_of(all_grids)
    assert workbook["Tabel B2.1"]["A1"].value == "Bilagstabel 2.1"            # the sheet keeps the id
    assert "Bilagstabel 2.1" in [c.value for c in workbook["Indhold"]["A"]]
    absent = unavailable_grid(spec(id="B2.3", kind="likert_distribution"), ["frivillige"], Labels("da"))
    assert absent.caption == "Bilagstabel 2.3"


def test_the_bundled_report_captions_its_appendix_tables_as_printed(built_reports):  # noqa: F811
    out = built_reports["dir"]
    for number in ("1", "2", "3"):
        assert (out / "tables" / f"B2.{number}.md").read_text(encoding="utf-8").startswith(
            f"**Bilagstabel 2.{number}.**")
        tex = (out / "tables" / f"B2.{number}.tex").read_text(encoding="utf-8")
        assert f"\\caption{{Bilagstabel 2.{number}. " in tex and f"\\label{{tab:B2.{number}}}" in tex
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<h2>Bilagstabel 2.1</h2>" in html and "Fordeling af svarene i Bilagstabel 2.1," in html
    assert "Tabel B2" not in html
    cells = read_cells(built_reports["cells"])
    assert {"B2.1", "B2.2", "B2.3"} <= set(cells["table"])                    # ids unchanged in cells.csv


# ------------------------------------------------------------------ Tabel 3.2's institutions

SUMMARY = dict(id="3.2", kind="respondent_summary", groups=[{"var": "questionnaire", "levels": [
    {"value": "fagprofessionelle", "label": "Fagprofessionelle"}, {"value": "frivillige", "label": "Frivillige"}]}],
    columns=[{"label": "Institution", "stat": "levels", "var": "institution"}, {"label": "Antal", "stat": "n"}],
    format={"decimals": {"pct": 1, "mean": 2, "sd": 2}})
SETTINGS = {"seed": 1, "indices": {"min_answered": 1.0, "reverse_coding": True},
            "crosstab": {"min_expected": 5, "permutation_resamples": 200}, "models": {"cov_type": "nonrobust"}}


def test_respondent_summary_counts_each_groups_institutions_in_danish_order(codebook):
    data = pd.DataFrame({
        "questionnaire": ["fagprofessionelle"] * 6 + ["frivillige"] * 2,
        "institution": ["Århus Kommune", "Ølstykke Kommune", "Aalborg Kommune", "Zealand Kommune", "Aalborg Kommune",
                        None, "Frivilligcenter Herlev", ""],
    })
    cells = frame(tables.compute(spec(**SUMMARY), data, codebook, SETTINGS))
    listed = cells[cells["column"] == "Institution"]
    assert listed[["row", "subrow", "stat", "value", "base_n"]].values.tolist() == [
        ["Fagprofessionelle", "Aalborg Kommune", "n", 2.0, 2], ["Fagprofessionelle", "Zealand Kommune", "n", 1.0, 1],
        ["Fagprofessionelle", "Ølstykke Kommune", "n", 1.0, 1], ["Fagprofessionelle", "Århus Kommune", "n", 1.0, 1],
        ["Frivillige", "Frivilligcenter Herlev", "n", 1.0, 1]]               # no cell for a missing institution
    assert cells[cells["column"] == "Antal"]["value"].tolist() == [6.0, 2.0]


def summary_cells(counts: dict[str, tuple[float | None, str]]) -> pd.DataFrame:
    rows = [("3.2", "", "Frivillige", name, "Institution", "n", value, value, flag)
            for name, (value, flag) in counts.items()]
    return cells_of(rows + [("3.2", "", "Frivillige", "", "Antal", "n", 34, 34, "")])


def test_the_institution_column_names_institutions_never_their_counts():
    counts = {"Frivilligcenter Herlev": (17, ""), "Frivilligcenter Odense": (10, ""),
              "Frivilligcenter Silkeborg": (7, "")}
    grid = build_grid(spec(**SUMMARY), summary_cells(counts), metadata={"columns_printed": ["Respondentgruppe"]})
    assert grid.column_paths == [("Institution",), ("Antal",)] and grid.stub_header == ["Respondentgruppe"]
    assert [[c.text for c in row.cells] for row in grid.body] == [
        ["Frivilligcenter Herlev, Frivilligcenter Odense, Frivilligcenter Silkeborg", "34"]]
    assert grid.body[0].cells[0].cls == "text" and grid.text_columns() == [True, False]
    assert render("table.md.j2", md=markdown_context(grid)).count("|---|---|---:|") == 1
    assert r"\begin{tabular}{p{5.5cm}p{4.5cm}r}" in render("table.tex.j2", tex=tex_context(grid))
    # under disclosure control an institution is named only with at least min_cell_n respondents
    grid = build_grid(spec(**SUMMARY), summary_cells(counts), min_cell_n=10)
    assert grid.body[0].cells[0].text == "Frivilligcenter Herlev, Frivilligcenter Odense, .."
    counts["Frivilligcenter Odense"] = (None, SUPPRESSED)                    # hidden as a complement
    grid = build_grid(spec(**SUMMARY), summary_cells(counts), min_cell_n=5)
    assert grid.body[0].cells[0].text == "Frivilligcenter Herlev, Frivilligcenter Silkeborg, .."
    assert not re.search(r"\d", grid.body[0].cells[0].text)


def test_a_small_institution_is_suppressed_with_a_complement(codebook):
    data = pd.DataFrame({"questionnaire": ["frivillige"] * 34,
                         "institution": ["Herlev"] * 17 + ["Odense"] * 10 + ["Silkeborg"] * 7})
    ledger = GroupLedger(len(data))
    volunteers = dict(SUMMARY, groups=[{"var": "questionnaire", "levels": [{"value": "frivillige",
                                                                            "label": "Frivillige"}]}])
    computed = tables.compute(spec(**volunteers), tables.Populations(data, ledger), codebook, SETTINGS)
    cells = suppress(frame(computed), 10, context=context_frame(computed), ledger=ledger)
    flags = dict(zip(cells["subrow"], cells["flag"]))
    assert flags["Silkeborg"] == SUPPRESSED
    assert sum(flags[name] == SUPPRESSED for name in ("Herlev", "Odense")) >= 1   # 34 - 17 - 10 would give it back
    antal = cells[cells["column"] == "Antal"]
    assert antal["value"].tolist() == [34.0] and (antal["flag"] == "").all()


def test_the_bundled_tabel_3_2_lists_the_institutions_in_the_data(bundled_wave, built_reports):  # noqa: F811
    """Needs steps.read_analysis_columns to read the metadata column `institution`."""
    expected = collections.defaultdict(collections.Counter)
    for questionnaire in ("fagprofessionelle", "studerende", "frivillige"):
        path = ROOT / "data" / "reconstructed" / f"{questionnaire}.csv"
        with path.open(encoding="utf-8") as handle:
            expected[questionnaire.capitalize()].update(r["institution"] for r in csv.DictReader(handle, delimiter=";"))
    cells = read_cells(bundled_wave["cells"])
    listed = cells[(cells["table"] == "3.2") & (cells["column"] == "Institution")]
    assert {(r, s): v for r, s, v in zip(listed["row"], listed["subrow"], listed["value"])} == {
        (group, name): float(n) for group, counter in expected.items() for name, n in counter.items()}
    assert set(listed["stat"]) == {"n"} and (listed["value"] == listed["base_n"].astype(float)).all()
    md = (built_reports["dir"] / "tables" / "3.2.md").read_text(encoding="utf-8")
    assert "| Respondentgruppe | Institution | Antal | Andel kvinder | Alder |" in md
    assert ("| Studerende | Københavns Professionshøjskole, Professionshøjskolen Absalon, UC Lillebælt | 109 |"
            in md)


# ----------------------------------------------------------------------------- tables.xlsx

def header_of(sheet) -> list:
    return [c.value for c in sheet[4]]


def test_xlsx_holds_full_precision_numbers_shown_at_the_printed_precision(built_reports):  # noqa: F811
    cells = read_cells(built_reports["cells"])
    sheet = load_workbook(built_reports["dir"] / "tables.xlsx")["Tabel 3.2"]
    header = header_of(sheet)
    first = {name: sheet.cell(row=5, column=header.index(name) + 1) for name in header}
    summary = cells[(cells["table"] == "3.2") & (cells["row"] == "Fagprofessionelle") & (cells["subrow"] == "")]
    value = dict(zip(summary["column"] + "/" + summary["stat"], summary["value"]))
    assert first["Andel kvinder"].value == pytest.approx(value["Andel kvinder/pct"], abs=1e-12)
    assert first["Andel kvinder"].value != round(value["Andel kvinder/pct"], 1)   # not rounded to the print
    assert first["Andel kvinder"].number_format == "[$-406]0.0"                  # shown as 77,4
    assert first["Alder"].value == pytest.approx(value["Alder/mean"], abs=1e-12)
    assert first["Alder (standardafvigelse)"].value == pytest.approx(value["Alder/sd"], abs=1e-12)
    assert first["Alder"].number_format == first["Alder (standardafvigelse)"].number_format == "[$-406]0.00"
    assert first["Antal"].value == 235 and first["Antal"].number_format == "[$-406]0"
    likert = load_workbook(built_reports["dir"] / "tables.xlsx")["Tabel 4.4"]
    zero = [c for row in likert.iter_rows(min_row=5) for c in row if c.value == 0]
    assert zero and all(c.number_format == '[$-406]0.0;-0.0;"-"' for c in zero)   # exact 0 shows "-"


def test_xlsx_regression_marks_have_their_own_column_next_to_each_coefficient(built_reports):  # noqa: F811
    cells = read_cells(built_reports["cells"])
    model = cells[cells["table"] == "4.9"]
    stats = {(r, c, s): (v, f) for r, c, s, v, f in zip(model["row"], model["column"], model["stat"], model["value"],
                                                        model["flag"])}
    sheet = load_workbook(built_reports["dir"] / "tables.xlsx")["Tabel 4.9"]
    header = header_of(sheet)
    outcomes = list(dict.fromkeys(model.loc[model["section"] != "_model", "column"]))
    checked = 0
    for outcome in outcomes:
        column = header.index(outcome) + 1
        assert header[column] == f"{outcome} (signifikans)"
        for row in sheet.iter_rows(min_row=5):
            term, coefficient, mark = row[1].value, row[column - 1], row[column]
            if (term, outcome, "coef") not in stats or row[0].value == "Model":
                continue
            value, flag = stats[(term, outcome, "coef")]
            if flag == "ref":
                assert coefficient.value == "Ref." and mark.value is None
                continue
            p = stats[(term, outcome, "p")][0]
            assert coefficient.data_type == "n" and coefficient.value == pytest.approx(value, abs=1e-12)
            assert coefficient.number_format == "[$-406]0.00"
            assert mark.value == (significance_mark(p) or "N.S.") and mark.data_type == "s"
            checked += 1
    assert checked >= len(outcomes) * 8                                        # every estimated term
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if re.fullmatch(r"-?\d+,\d+[†*]+", t)]        # no "0,12*" as text
    r2 = [row for row in sheet.iter_rows(min_row=5) if row[1].value == "R²"][0]
    assert r2[2].value == pytest.approx(stats[("Model", outcomes[0], "r2")][0], abs=1e-12)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_xlsx_columns_are_readable_and_labels_wrap(built_reports):  # noqa: F811
    sheet = load_workbook(built_reports["dir"] / "tables.xlsx")["Tabel 4.4"]
    assert header_of(sheet)[:3] == ["Tema", "Spørgsmål", "Gruppe"]
    questions = [row[1] for row in sheet.iter_rows(min_row=5) if row[1].value]
    longest = max(len(c.value) for c in questions)
    assert sheet.column_dimensions["B"].width >= min(longest, 58)               # was 14 characters
    assert all(c.alignment.wrap_text for c in questions) and all(c.alignment.wrap_text for c in sheet[4])
    for letter in ("D", "E", "F", "G"):                                          # the answer columns
        assert 9 <= sheet.column_dimensions[letter].width <= 18


def test_the_english_workbook_leaves_the_decimal_mark_to_the_reader():
    labels = Labels.load("en", LABELS_EN)
    _grids, all_grids = noted_grids("", labels)
    formats = {c.number_format for sheet in workbook_of(all_grids, labels) for row in sheet.iter_rows()
               for c in row if isinstance(c.value, (int, float))}
    assert formats == {'0.0;-0.0;"-"', '0;-0;"-"', "0"} and not any("[$" in f for f in formats)


def test_the_manifest_lists_the_data_note_as_a_setting_of_the_run():
    config, rows = resolve_config(run_layers([], {}, default_file=ROOT / "config.yaml", relative_to=ROOT))
    assert config["data_note"] == BUNDLED_NOTE
    from vive_survey.render.provenance import manifest_json

    manifest = json.loads(manifest_json("w", {}, [], CODEBOOK_PATH, CODEBOOK_PATH, QUALITATIVE, [], rows))
    assert {"setting": "data_note", "value": BUNDLED_NOTE, "source": "config.yaml"} in manifest["settings"]
