"""The report layer: grids in the report's layout, snapshots of every table, the HTML, Markdown,
LaTeX and Excel outputs, figures, labels and escaping.

Snapshots: tests/snapshots/<id>.txt hold Grid.to_text() of every table for the bundled wave.
Rewrite them after an intended change with UPDATE_SNAPSHOTS=1 (never in CI), and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from vive_survey import __version__
from vive_survey.analysis.cells import frame, read_cells
from vive_survey.inputs.codebook import load_codebook
from vive_survey.inputs.config import validate_config
from vive_survey.errors import SurveyInputError
from vive_survey.render.labels import WORDS_DA, Labels
from vive_survey.review.published import load_metadata
from vive_survey.render.templating import render
from vive_survey.render.grid import BodyRow, Cell, Grid, Section
from vive_survey.render.layout import build_grid
from vive_survey.render.qualitative import qualitative_grid
from vive_survey.render.writers.html import html_context
from vive_survey.render.writers.latex import tex_context
from vive_survey.render.writers.markdown import markdown_context
from vive_survey.render.writers.xlsx import workbook_bytes
from vive_survey.analysis.spec import TableSpec, load_specs
from vive_survey.safe_text import FORMULA_START
from vive_survey.steps import build_reports, clean, compute_tables

from conftest import CODEBOOK_PATH, ROOT

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
TABLE_IDS = sorted(p.stem for p in (ROOT / "tables").glob("*.yaml"))
QUALITATIVE = ROOT / "data" / "published" / "qualitative.yaml"
PUBLISHED = ROOT / "data" / "published" / "tables"
LABELS_EN = ROOT / "data" / "labels_en.yaml"
# Labels of the bundled wave's report without an English entry (all of them are mapped).
EXPECTED_UNMAPPED_EN = 0


# ------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def bundled_wave(tmp_path_factory) -> dict:
    """The bundled wave (config.yaml) cleaned and tabulated, as Snakemake does it."""
    out = tmp_path_factory.mktemp("bundled")
    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config = validate_config(raw)
    inputs = {q: {**spec, "path": str(ROOT / spec["path"])} for q, spec in config["inputs"].items()}
    clean(inputs, CODEBOOK_PATH, config, data_out=out / "respondents.parquet", exclusions_out=out / "exclusions.csv",
          log_out=out / "cleaning_log.json")
    settings = {k: config[k] for k in ("seed", "indices", "crosstab", "models")}
    compute_tables(out / "respondents.parquet", CODEBOOK_PATH, ROOT / "tables", settings, cells_out=out / "cells.csv",
                   models_out=out / "models.csv")
    return {"dir": out, "config": config, "cells": out / "cells.csv", "log": out / "cleaning_log.json",
            "data": out / "respondents.parquet"}


def run_build(wave: dict, out_dir: Path, language: str = "da") -> list[Path]:
    return build_reports(wave["cells"], ROOT / "tables", CODEBOOK_PATH, wave["log"], PUBLISHED, QUALITATIVE,
                         ROOT / "config.yaml", {"wave": wave["config"]["wave"], "language": language,
                                                "labels": str(LABELS_EN)}, out_dir)


@pytest.fixture(scope="session")
def built_reports(bundled_wave, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("reports")
    written = run_build(bundled_wave, out)
    return {"dir": out, "written": written, **{k: v for k, v in bundled_wave.items() if k != "dir"}}


@pytest.fixture(scope="session")
def codebook():
    return load_codebook(CODEBOOK_PATH)


@pytest.fixture(scope="session")
def specs(codebook):
    return {s.id: s for s in load_specs(ROOT / "tables", codebook)}


@pytest.fixture(scope="session")
def metadata():
    return load_metadata(PUBLISHED)


# ------------------------------------------------------------------------- hand-made cells

def spec(**raw) -> TableSpec:
    raw.setdefault("id", "4.99")
    raw.setdefault("title", "Testtabel")
    return TableSpec(id=raw["id"], kind=raw["kind"], title=raw["title"], raw=raw, source="test")


def cells_of(rows: list[tuple]) -> pd.DataFrame:
    """(table, section, row, subrow, column, stat, value, base_n, flag) tuples as a cell frame."""
    keys = ["table", "section", "row", "subrow", "column", "stat", "value", "base_n", "flag"]
    return frame([dict(zip(keys, r)) for r in rows])


def likert_cells(table_id: str, shares: list[float], n: int = 16, total: bool = True) -> pd.DataFrame:
    answers = ["Stort set aldrig", "Sjældent", "Nogle gange", "Altid"]
    rows = [(table_id, "Tema", "Et spørgsmål", "Gruppen", a, "pct", s, n, "") for a, s in zip(answers, shares)]
    if total:
        rows.append((table_id, "Tema", "Et spørgsmål", "Gruppen", "Total", "pct", 100.0, n, ""))
    return cells_of(rows)


def body_texts(grid: Grid) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in grid.body]


def test_likert_prints_a_dash_for_an_exact_zero_and_half_even_percentages():
    cells = likert_cells("4.4", [0.0, 100 / 16, 300 / 16, 100 - 400 / 16])
    grid = build_grid(spec(id="4.4", kind="likert_distribution", total_column=True), cells)
    assert body_texts(grid) == [["-", "6,2", "18,8", "75,0", "100", "16"]]
    assert grid.column_paths[0] == ("Fordeling", "(1) Stort set aldrig")
    assert grid.column_paths[-2:] == [("Total",), ("n",)]
    assert grid.stub_header == ["Spørgsmål", "Gruppe"] and grid.sections[0].label == "Tema"
    # a value that only rounds to zero is not an exact zero
    cells = likert_cells("4.4", [0.04, 0.0, 50.0, 49.96])
    assert body_texts(build_grid(spec(id="4.4", kind="likert_distribution"), cells))[0][:2] == ["0,0", "-"]


def test_tables_that_print_zero_as_0_0_keep_it():
    cells = likert_cells("4.12", [0.0, 25.0, 25.0, 50.0], total=False)
    # the spec's format says so (tables/4.12.yaml), not the table's id
    grid = build_grid(spec(id="4.12", kind="likert_distribution", total_column=False, format={"zero": None}), cells)
    assert body_texts(grid) == [["0,0", "25,0", "25,0", "50,0", "16"]]
    grid = build_grid(spec(id="4.12", kind="likert_distribution", total_column=False), cells)
    assert body_texts(grid)[0][0] == "-"  # the likert tables' default


def test_the_spec_format_decides_decimals_shape_marks_and_the_n_column():
    rows = [("4.99", "", "Gruppe", "", "Alder", "mean", 61.3125, 32, ""),
            ("4.99", "", "Gruppe", "", "Alder", "sd", 15.325, 32, ""),
            ("4.99", "", "Gruppe", "", "Andel", "pct", 100.0, 32, "")]
    fmt = {"decimals": {"mean": 2, "sd": 0, "pct": 2}, "shape": "{mean} ± {sd}", "whole_hundred": False,
           "n_column": True}
    grid = build_grid(spec(kind="respondent_summary", format=fmt), cells_of(rows))
    assert body_texts(grid) == [["61,31 ± 15", "100,00", "32"]]
    assert grid.column_paths[-1] == ("n",)
    plain = build_grid(spec(id="4.9", kind="ols", format={"marks": "none", "decimals": {"coef": 3}}),
                       ols_cells({"Mand": (-0.771, 0.049, ""), "Kvinde": (None, None, "ref")}))
    assert body_texts(plain)[:2] == [["-0,771"], ["Ref."]]


def test_mean_with_sd_in_parentheses_and_n_row():
    rows = []
    for group, (mean, sd, n) in {"Studerende": (2.8, 0.4, 109), "Erfarne": (2.75, 0.35, 181)}.items():
        for stat, value in (("mean", mean), ("sd", sd), ("n", n), ("alpha", 0.7)):
            rows.append(("4.8", "Erhvervskompetencer", "Kontrol", "", group, stat, value, n, ""))
    rows += [("4.8", "", "Antal personer medtaget i tabellen", "", g, "n", n, n, "")
             for g, n in (("Studerende", 109), ("Erfarne", 181))]
    grid = build_grid(spec(id="4.8", kind="index_summary", layout="indices_as_rows"), cells_of(rows))
    # 2.75 -> 2,8 (tie to even), 0.35 -> 0,4 (0.35 is 0.34999... in binary but rounds on its decimal value)
    assert body_texts(grid) == [["2,8 (0,4)", "2,8 (0,4)"], ["109", "181"]]
    assert [row.cls for row in grid.body] == ["", "n"]
    mean_cell = grid.body[0].cells[0]
    assert [p.value for p in mean_cell.parts] == [2.8, 0.4]


def test_respondent_summary_uses_two_decimals_in_tabel_3_2():
    rows = [("3.2", "", "Frivillige", "", "Antal", "n", 34, 34, ""),
            ("3.2", "", "Frivillige", "", "Andel kvinder", "pct", 100 * 21 / 34, 34, ""),
            ("3.2", "", "Frivillige", "", "Alder", "mean", 61.3125, 32, ""),
            ("3.2", "", "Frivillige", "", "Alder", "sd", 15.325, 32, "")]
    grid = build_grid(spec(id="3.2", kind="respondent_summary", format={"decimals": {"pct": 1, "mean": 2, "sd": 2}}),
                      cells_of(rows), metadata={"columns_printed": ["Respondentgruppe", "Institution"]})
    assert body_texts(grid) == [["34", "61,8", "61,31 (15,32)"]]
    assert grid.stub_header == ["Respondentgruppe"]


def ols_cells(p_by_row: dict[str, tuple[float | None, float | None, str]]) -> pd.DataFrame:
    rows = []
    for label, (coef, p, flag) in p_by_row.items():
        section = {"Kvinde": "Køn", "Mand": "Køn", "Kontrol": "Erhvervskompetencer"}.get(label, "")
        if flag == "ref":
            rows.append(("4.9", section, label, "", "Tillid", "coef", None, 179, "ref"))
            continue
        rows += [("4.9", section, label, "", "Tillid", "coef", coef, 179, ""),
                 ("4.9", section, label, "", "Tillid", "p", p, 179, "")]
    rows += [("4.9", "_model", "Model", "", "Tillid", "n", 179, 179, ""),
             ("4.9", "_model", "Model", "", "Tillid", "r2", 0.0751, 179, "")]
    return cells_of(rows)


def test_regression_cells_marks_and_legend():
    cells = ols_cells({"Alder": (-0.003, 0.59, ""), "Kvinde": (None, None, "ref"), "Mand": (-0.771, 0.049, ""),
                       "Kontrol": (0.234, 0.07, ""), "Samarbejde": (0.404, 0.004, "")})
    # Samarbejde has no section and follows Kontrol's: sections are runs, in the computed order
    grid = build_grid(spec(id="4.9", kind="ols"), cells)
    assert body_texts(grid) == [["N.S."], ["Ref."], ["-0,77*"], ["0,23†"], ["0,40**"], ["179"], ["0,08"]]
    assert [s.label for s in grid.sections] == ["", "Køn", "Erhvervskompetencer", "", "Model"]
    # the legend as it should read (the report prints "† p > 0,10")
    assert grid.notes[0] == "Note: † p < 0,10; * p < 0,05; ** p < 0,01"
    assert "p > 0,10" not in " ".join(grid.notes)


def crosstab_cells(chi2: float, df: float, p: float, p_perm: float, flag: str) -> pd.DataFrame:
    answers = ["Stort set aldrig", "Altid"]
    rows = [("4.13", "", r, "", c, "pct", v, 13, "") for (r, c), v in
            zip([(a, b) for a in answers for b in answers], [100 * 4 / 13, 0.0, 100 * 2 / 13, 100 * 7 / 13])]
    rows += [("4.13", "_test", "Chi²-test", "", "", stat, value, 13, flag) for stat, value in
             (("chi2", chi2), ("df", df), ("p", p), ("p_permutation", p_perm), ("min_expected", 1.846), ("n", 13))]
    return cells_of(rows)


def test_chi_square_note_of_tabel_4_13_gives_the_recomputed_figures():
    grid = build_grid(spec(id="4.13", kind="crosstab", row_item="frv_indflydelse", column_item="frv_ansvar",
                           percent="total"), crosstab_cells(14.5634838646202, 9, 0.103645516942468,
                                                            0.127243637818109, "small_expected"))
    assert body_texts(grid) == [["30,8", "0,0"], ["15,4", "53,8"]]
    assert grid.notes[0] == ("Anm.: Sammenhængen er ifølge en chi²-test ikke statistisk signifikant på 5 %-niveau: "
                             "χ² = 14,56, df = 9, p = 0,104 (n = 13).")
    assert "mindste 1,85" in grid.notes[1] and "permutationstest er p = 0,127" in grid.notes[1]
    # no small expected counts: no permutation sentence; a tiny p prints as "< 0,001"
    grid = build_grid(spec(id="4.13", kind="crosstab", percent="total"),
                      crosstab_cells(40.2, 1, 2.2e-10, float("nan"), ""))
    assert grid.notes == ["Anm.: Sammenhængen er ifølge en chi²-test statistisk signifikant på 5 %-niveau: "
                          "χ² = 40,20, df = 1, p < 0,001 (n = 13)."]


def test_permutation_p_decides_significance_when_expected_counts_are_small():
    grid = build_grid(spec(id="4.13", kind="crosstab", percent="total"),
                      crosstab_cells(4.1, 1, 0.043, 0.09, "small_expected"))
    assert "ikke statistisk signifikant" in grid.notes[0] and "p = 0,043" in grid.notes[0]


def test_stated_n_in_title_and_note_is_restated_from_the_wave():
    cells = likert_cells("B2.3", [10.0, 20.0, 30.0, 40.0], n=23, total=False)
    grid = build_grid(spec(id="B2.3", kind="likert_distribution", title="Besvarelser (n = 34)"), cells,
                      metadata={"notes_printed": ["Anm.: I alt indgår 45 respondenter i tabellen."]})
    assert grid.title == "Besvarelser (n = 23)"
    assert grid.notes == ["Anm.: I alt indgår 23 respondenter i tabellen."]


def test_n_column_shows_a_range_when_the_base_varies():
    rows = []
    for index, n in (("A / X", 12), ("A / Y", 14)):
        for stat, value in (("mean", 3.0), ("sd", 0.5), ("n", n)):
            rows.append(("4.16", "", "Indeksværdi", "", index, stat, value, n, ""))
    grid = build_grid(spec(id="4.16", kind="index_summary", layout="indices_as_columns"), cells_of(rows))
    assert body_texts(grid) == [["3,0 (0,5)", "3,0 (0,5)", "12–14"]]
    assert grid.column_paths == [("A", "X"), ("A", "Y"), ("n",)]
    assert [[c.text, c.colspan] for c in grid.header[0] if c.text == "A"] == [["A", 2]]


# ----------------------------------------------------------------------------- snapshots

@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_snapshot_of_every_table_for_the_bundled_wave(table_id, bundled_wave, specs, metadata, codebook):
    cells = read_cells(bundled_wave["cells"])
    text = build_grid(specs[table_id], cells, "da", metadata=metadata.get(table_id), codebook=codebook).to_text()
    path = SNAPSHOTS / f"{table_id}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no snapshot {path.name}: run UPDATE_SNAPSHOTS=1 python -m pytest tests/test_report.py"
    assert text == path.read_text(encoding="utf-8"), (
        f"Tabel {table_id} renders differently from {path}; if intended, rewrite with UPDATE_SNAPSHOTS=1 and review")


def test_snapshots_exist_only_for_specified_tables():
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.txt")) == TABLE_IDS


# -------------------------------------------------------------------------------- outputs

def test_build_writes_every_output(built_reports):
    out = built_reports["dir"]
    expected = {out / "index.html", out / "tables.xlsx"}
    expected |= {out / "tables" / f"{t}.{ext}" for t in TABLE_IDS for ext in ("md", "tex")}
    assert expected <= set(built_reports["written"])
    assert all(p.is_file() for p in built_reports["written"])
    assert not list(out.rglob("*.tmp")), "temporary files left behind"
    figures = {p.name for p in (out / "figures").iterdir()}
    for table_id in ("4.4", "4.5", "4.6", "4.7", "4.12", "4.15", "B2.1", "B2.2", "B2.3"):
        assert {f"{table_id}_likert.png", f"{table_id}_likert.svg"} <= figures
    for table_id in ("4.8", "4.16"):
        assert {f"{table_id}_index.png", f"{table_id}_index.svg"} <= figures


def test_rebuild_gives_identical_bytes(built_reports, bundled_wave, tmp_path):
    run_build(bundled_wave, tmp_path)
    first = built_reports["dir"]
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    differ = [n for n in names if (first / n).read_bytes() != (tmp_path / n).read_bytes()]
    assert not differ, f"not reproducible: {differ}"


def test_figures_have_no_dates_and_decode(built_reports):
    from matplotlib import image

    for svg in (built_reports["dir"] / "figures").glob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        assert "<dc:date>" not in text and text.lstrip().startswith("<?xml")
    for png in (built_reports["dir"] / "figures").glob("*.png"):
        assert image.imread(png).shape[0] > 100


class _Text(HTMLParser):
    """Text nodes and element ids of a page (no attribute values, so no base64 images)."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.ids: set[str] = set()
        self.table_ids: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "data-table-id" in attrs:
            self.table_ids.append(attrs["data-table-id"])
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.links.append(attrs["href"][1:])

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data.strip())


def parse_html(path: Path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_index_html_has_every_table_in_report_order_toc_cleaning_and_provenance(built_reports):
    page = parse_html(built_reports["dir"] / "index.html")
    qualitative = [str(t["id"]) for t in yaml.safe_load(QUALITATIVE.read_text(encoding="utf-8"))["tables"]]
    assert set(page.table_ids) == set(TABLE_IDS) | set(qualitative)
    assert page.table_ids.index("4.1") < page.table_ids.index("4.2") < page.table_ids.index("4.9") \
        < page.table_ids.index("4.10") < page.table_ids.index("4.11") < page.table_ids.index("4.17") \
        < page.table_ids.index("B2.1")
    assert set(page.links) <= page.ids and {"table-4.4", "cleaning", "provenance"} <= set(page.links)
    html = (built_reports["dir"] / "index.html").read_text(encoding="utf-8")
    assert html.count("(transkriberet, ikke beregnet)") >= 3 * 2  # heading and contents of 4.1, 4.10, 4.17
    log = json.loads(built_reports["log"].read_text(encoding="utf-8"))
    for q in log["questionnaires"].values():
        assert q["sha256"] in html
    import hashlib

    for path in (ROOT / "config.yaml", CODEBOOK_PATH):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in html
    assert f"vive_survey version {__version__}" in html
    assert "data:image/png;base64," in html and "http://" not in html.replace("http://www.w3.org", "")
    assert "Note: † p &lt; 0,10; * p &lt; 0,05; ** p &lt; 0,01" in html


def test_no_respondent_level_row_or_open_text_answer_in_any_output(built_reports, codebook):
    data = pd.read_parquet(built_reports["data"])
    text_items = [i.id for i in codebook.items if codebook.scale_of(i).kind == "text" and i.id in data.columns]
    cells = read_cells(built_reports["cells"])
    labels = set(cells[["section", "row", "subrow", "column"]].to_numpy().ravel())
    open_texts = {str(v).strip() for c in text_items for v in data[c].dropna()} - labels - {""}
    ids = {str(v) for v in data["respondent_id"].dropna()}
    assert open_texts and ids
    page = parse_html(built_reports["dir"] / "index.html")
    assert not open_texts & set(page.texts)
    assert not [t for t in page.texts for i in ids if i in t]
    from openpyxl import load_workbook

    values = {str(c.value).strip() for ws in load_workbook(built_reports["dir"] / "tables.xlsx")
              for row in ws.iter_rows() for c in row if c.value is not None}
    assert not open_texts & values and not ids & values
    for md in (built_reports["dir"] / "tables").glob("*.md"):
        fields = {f.strip() for line in md.read_text(encoding="utf-8").splitlines() for f in line.split("|")}
        assert not open_texts & fields and not ids & fields


def test_xlsx_numbers_are_numbers_and_text_cannot_be_a_formula(built_reports):
    from openpyxl import load_workbook

    wb = load_workbook(built_reports["dir"] / "tables.xlsx")
    assert wb.sheetnames[0] == "Indhold" and "Tabel 4.4" in wb.sheetnames and "Tabel 4.10" in wb.sheetnames
    ws = wb["Tabel 4.4"]
    header = [c.value for c in ws[4]]
    assert header[:3] == ["Tema", "Spørgsmål", "Gruppe"] and header[-2:] == ["Total", "n"]
    first = [c for c in ws[5]]
    assert all(c.data_type == "n" and isinstance(c.value, (int, float)) for c in first[3:])
    assert first[-2].value == 100 and first[-1].number_format == "[$-406]0"  # Danish: tagged, see xlsx.py
    # mean (SD) is split into two numeric columns
    ws = wb["Tabel 3.2"]
    assert [c.value for c in ws[4]][-2:] == ["Alder", "Alder (standardafvigelse)"]
    assert all(isinstance(c.value, float) for c in ws[5][-2:])
    for sheet in wb:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{sheet.title}!{c.coordinate} is a formula"
                if isinstance(c.value, str) and c.value.startswith(FORMULA_START):
                    assert c.quotePrefix and c.data_type == "s", f"{sheet.title}!{c.coordinate} not neutralised"


def test_xlsx_neutralises_formula_like_text_and_keeps_dashes_readable(tmp_path):
    from openpyxl import load_workbook

    rows = [BodyRow(["=HYPERLINK(\"http://x\")"], [], [Cell("-0,77*", cls="num text"), Cell("-", 0.0, 1, "-")]),
            BodyRow(["+1"], [], [Cell("@SUM(A1)", cls="num text"), Cell("6,2", 6.2, 1, "-")])]
    grid = Grid(id="4.99", kind="ols", caption="Tabel 4.99", title="-titel", stub_header=[""],
                column_paths=[("A",), ("B",)], sections=[Section("", [], rows)], notes=["=1+1"])
    path = tmp_path / "t.xlsx"
    path.write_bytes(workbook_bytes([grid], Labels("da"), [("Rolle", "=x", "abc")], "w"))
    ws = load_workbook(path)["Tabel 4.99"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    for text in ('=HYPERLINK("http://x")', "-0,77*", "+1", "@SUM(A1)", "-titel", "=1+1"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    dash = ws.cell(row=5, column=3)
    assert dash.value == 0 and dash.number_format == '[$-406]0.0;-0.0;"-"'  # a number that displays "-"
    assert ws.cell(row=6, column=3).value == 6.2
    contents = [c for row in load_workbook(path)["Indhold"].iter_rows() for c in row if c.value == "=x"]
    assert len(contents) == 1 and contents[0].quotePrefix  # a provenance path that looks like a formula


def test_markdown_and_latex_outputs(built_reports):
    md = (built_reports["dir"] / "tables" / "4.9.md").read_text(encoding="utf-8")
    assert md.startswith("**Tabel 4.9.**") and "| --- |" not in md and "|---|" in md
    assert "\\*" in md or "N.S." in md  # significance stars are escaped in Markdown
    tex = (built_reports["dir"] / "tables" / "4.13.tex").read_text(encoding="utf-8")
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex and r"\cmidrule(lr){2-5}" in tex
    assert r"$\chi$\textsuperscript{2}" in tex and r"5 \%-niveau" in tex
    assert "&amp;" not in tex and "&lt;" not in tex


def test_failed_build_leaves_no_outputs(bundled_wave, tmp_path):
    with pytest.raises(SurveyInputError, match="qualitative"):
        build_reports(bundled_wave["cells"], ROOT / "tables", CODEBOOK_PATH, bundled_wave["log"], PUBLISHED,
                      tmp_path / "missing.yaml", ROOT / "config.yaml", {"wave": "w"}, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.*"))


# ------------------------------------------------------------------------------ escaping

EVIL = "<script>alert('x')</script> & Co"


def evil_grid() -> Grid:
    cells = likert_cells("4.4", [0.0, 25.0, 25.0, 50.0]).replace({"Et spørgsmål": EVIL, "Tema": EVIL})
    return build_grid(spec(id="4.4", kind="likert_distribution", title=EVIL), cells)


def test_labels_are_escaped_in_html_markdown_and_latex():
    grid = evil_grid()
    labels = Labels("da")
    html = render("report.html.j2", **html_context([grid], {}, {"files": [], "exclusions": [], "missing": [],
                                                                 "ignored": [], "derived": []}, [], labels, "w"))
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
    md = render("table.md.j2", md=markdown_context(grid))
    assert "<script>" not in md and "&lt;script&gt;" in md
    tex = render("table.tex.j2", tex=tex_context(grid))
    assert "<script>" not in tex and r"\textless{}script\textgreater{}" in tex and r"\& Co" in tex


def test_templates_only_loop():
    for name in ("report.html.j2", "table.md.j2", "table.tex.j2"):
        text = (ROOT / "src" / "vive_survey" / "render" / "templates" / name).read_text(encoding="utf-8")
        statements = set(re.findall(r"{%-?\s*(\w+)", text))
        assert statements <= {"for", "endfor", "macro", "endmacro"}, f"{name}: {statements}"
        assert "|safe" not in text.replace(" ", "")


# -------------------------------------------------------------------------------- labels

def test_english_labels_and_how_many_are_unmapped(bundled_wave, specs, metadata, codebook):
    labels = Labels.load("en", LABELS_EN)
    cells = read_cells(bundled_wave["cells"])
    grids = [build_grid(s, cells, "en", labels=labels, metadata=metadata.get(s.id), codebook=codebook)
             for s in specs.values()]
    grids += [qualitative_grid(t, labels) for t in yaml.safe_load(QUALITATIVE.read_text(encoding="utf-8"))["tables"]]
    from vive_survey.render.cleaning import cleaning_context

    cleaning_context(json.loads(bundled_wave["log"].read_text(encoding="utf-8")), labels)
    unmapped = sorted(labels.unmapped)
    print(f"{len(unmapped)} label(s) without an English entry: {unmapped}")
    assert len(unmapped) == EXPECTED_UNMAPPED_EN, unmapped
    table = {g.id: g for g in grids}["4.4"]
    assert table.caption == "Table 4.4" and table.column_paths[0] == ("Distribution", "(1) Almost never")
    assert {g.id: g for g in grids}["4.9"].notes[0] == "Note: † p < 0.10; * p < 0.05; ** p < 0.01"
    assert "Sometimes" in table.to_text() and "Nogle gange" not in table.to_text()


def test_unmapped_labels_fall_back_to_danish_and_are_counted():
    labels = Labels("en", {"labels": {"Altid": "Always"}, "words": {"table": "Table"}})
    cells = likert_cells("4.4", [0.0, 25.0, 25.0, 50.0])
    grid = build_grid(spec(id="4.4", kind="likert_distribution"), cells, "en", labels=labels)
    assert grid.caption == "Table 4.4" and grid.column_paths[3] == ("Fordeling", "(4) Always")
    assert body_texts(grid)[0][1] == "25,0"  # the decimal mark is a word too: unmapped, so Danish
    assert {("label", "Sjældent"), ("word", "distribution"), ("word", "decimal_mark")} <= labels.unmapped


def test_every_danish_word_has_an_english_entry():
    words = yaml.safe_load(LABELS_EN.read_text(encoding="utf-8"))["words"]
    assert set(words) == set(WORDS_DA)
    for key, text in WORDS_DA.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", words[key])), key


def test_figure_cache_gives_the_bytes_a_fresh_drawing_gives(bundled_wave, built_reports, tmp_path, monkeypatch):
    from vive_survey.render import figures

    settings = {"wave": bundled_wave["config"]["wave"], "language": "da", "labels": str(LABELS_EN),
                "figure_cache": str(tmp_path / "cache")}

    def build(out_dir):
        return build_reports(bundled_wave["cells"], ROOT / "tables", CODEBOOK_PATH, bundled_wave["log"], PUBLISHED,
                             QUALITATIVE, ROOT / "config.yaml", settings, out_dir)

    build(tmp_path / "first")                                   # draws, and fills the cache
    cached = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(cached) == 2 * len(list((built_reports["dir"] / "figures").glob("*.png")))

    def no_drawing(job):
        raise AssertionError("a cached figure was drawn again")

    monkeypatch.setattr(figures, "_draw", no_drawing)
    build(tmp_path / "second")                                  # every figure from the cache
    for fresh in sorted((built_reports["dir"] / "figures").iterdir()):
        assert (tmp_path / "second" / "figures" / fresh.name).read_bytes() == fresh.read_bytes(), fresh.name
    assert (tmp_path / "second" / "index.html").read_bytes() == (built_reports["dir"] / "index.html").read_bytes()

    settings["language"] = "en"                                 # other labels: other figures, other entries
    monkeypatch.undo()
    build(tmp_path / "third")
    assert not set(cached) & {p.name for p in (tmp_path / "cache").iterdir()}   # only what the last run used is kept
