"""The rendered wave-over-wave comparison (render.compare_page): the page, the workbook and the
figure of two real waves (the bundled reconstructed wave against a synthetic one), checked against
the comparison frame they are drawn from and against numbers printed here by hand."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from vive_survey.analysis.cells import cell, frame
from vive_survey.analysis.spec import TableSpec, table_sort_key
from vive_survey.render.compare_page import index_panels, write_comparison_reports
from vive_survey.render.labels import Labels
from vive_survey.review.waves import COMPARE_COLUMNS, compare_waves

from conftest import bundled_and_synthetic_cells

BASE, WAVE = "reconstructed-2021", "synthetic-2"
NOTES = {BASE: "REKONSTRUEREDE DATA: rekonstrueret ud fra de publicerede tabeller.",
         WAVE: "SYNTETISKE DATA: en kunstig bølge til test, ikke en undersøgelse."}
NUMERIC = ["base_value", "base_n", "wave_value", "wave_n", "change", "statistic", "df", "p", "p_asymptotic",
           "p_adjusted"]


class Cells(HTMLParser):
    """Every <td class="... cell ..."> of the grids: its table, title, classes and the texts of its spans."""

    def __init__(self):
        super().__init__()
        self.cells: list[dict] = []
        self._cell: dict | None = None
        self._span: list[str] = []
        self._table = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-table-id" in attrs:
            self._table = attrs["data-table-id"]
        elif tag == "td" and "cell" in (attrs.get("class") or "").split():
            self._cell = {"table": self._table, "title": attrs.get("title", ""), "cls": attrs["class"].split(),
                          "spans": {}}
        elif tag == "span" and self._cell is not None:
            self._span.append(attrs.get("class", ""))
            self._cell["spans"].setdefault(self._span[-1], "")

    def handle_endtag(self, tag):
        if tag == "span" and self._span:
            self._span.pop()
        elif tag == "td" and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None and self._span:
            self._cell["spans"][self._span[-1]] += data


def grid_cells(html: str) -> list[dict]:
    parser = Cells()
    parser.feed(html)
    return parser.cells


def cell_titled(cells: list[dict], table: str, row: str, subrow: str, column: str, stat: str) -> dict:
    """The grid cell of a key (the hover text starts with its row, group, column and statistic)."""
    prefix = " · ".join(x for x in (row, subrow, column) if x) + f" ({stat}):"
    found = [c for c in cells if c["table"] == table and c["title"].startswith(prefix)]
    assert len(found) == 1, (table, prefix, len(found))
    return found[0]


def printed(value: float, decimals: int) -> str:
    """Half-to-even on the shortest decimal form, with a decimal comma (the report's rounding)."""
    text = str(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN))
    return text.lstrip("-") if Decimal(text) == 0 else text.replace(".", ",")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    base_cells, wave_cells, specs, _codebook = bundled_and_synthetic_cells(tmp, 300, seed=2)
    cells = [base_cells, wave_cells]
    compared = compare_waves(cells[0], cells[1], specs, seed=1)
    first = write_comparison_reports(compared, specs, BASE, WAVE, tmp / "a", data_notes=NOTES)
    second = write_comparison_reports(compared, specs, BASE, WAVE, tmp / "b", data_notes=NOTES)
    html = (tmp / "a" / "index.html").read_text(encoding="utf-8")
    return {"compared": compared, "specs": specs, "first": first, "second": second, "html": html,
            "cells": grid_cells(html), "out": tmp / "a"}


def test_the_written_files_and_identical_bytes_on_a_second_write(reports):
    out = reports["out"]
    names = [p.relative_to(out).as_posix() for p in reports["first"]]
    assert names == ["index.html", "tables.xlsx", "figures/index_means.png", "figures/index_means.svg"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in reports["first"])
    assert [p.read_bytes() for p in reports["first"]] == [p.read_bytes() for p in reports["second"]]


def test_every_table_appears_with_its_caption_in_report_order(reports):
    html, labels = reports["html"], Labels("da")
    ids = sorted((s.id for s in reports["specs"]), key=table_sort_key)
    positions = []
    for spec_id in ids:
        spec = next(s for s in reports["specs"] if s.id == spec_id)
        at = html.find(f'data-table-id="{spec_id}"')
        assert at >= 0, spec_id
        assert html[at:].split("</h2>", 1)[0].endswith(f"<h2>{labels.caption(spec_id)}"), spec_id
        assert spec.title in html
        positions.append(at)
    assert positions == sorted(positions)
    assert "<h2>Tabel 4.4</h2>" in html and "<h2>Bilagstabel 2.1</h2>" in html
    assert BASE in html and WAVE in html


def test_a_likert_cell_prints_base_wave_and_change_as_the_table_does(reports):
    compared = reports["compared"]
    likert = compared[(compared["table"] == "4.4") & (compared["status"] == "compared")
                      & (compared["base_value"] > 0.5) & (compared["wave_value"] > 0.5)
                      & (compared["base_value"] < 99.5) & (compared["wave_value"] < 99.5)
                      & ((compared["wave_value"] - compared["base_value"]) < -0.5)]
    row = likert.iloc[0]
    found = cell_titled(reports["cells"], row.table, row.row, row.subrow, row.column, "pct")
    change = row.wave_value - row.base_value
    assert found["spans"]["base"] == printed(row.base_value, 1)
    assert found["spans"]["wave"] == printed(row.wave_value, 1)
    assert found["spans"]["change"].startswith(printed(change, 1)) and printed(change, 1).startswith("-")
    # the likert tables print an exact zero as "-"; a rise gets a "+"
    zero = compared[(compared["table"] == "4.4") & (compared["base_value"] == 0) & (compared["wave_value"] > 0.5)
                    & (compared["status"] == "compared")].iloc[0]
    found = cell_titled(reports["cells"], zero.table, zero.row, zero.subrow, zero.column, "pct")
    assert found["spans"]["base"] == "-"
    assert found["spans"]["change"].startswith("+" + printed(zero.wave_value, 1))


def test_the_mark_of_a_significant_cell_and_no_mark_on_an_insignificant_one(reports):
    compared = reports["compared"]
    tested = compared[(compared["table"] == "4.4") & (compared["column"] != "Total") & compared["p"].notna()]
    strong = tested[tested["mark"] == "**"].iloc[0]
    found = cell_titled(reports["cells"], strong.table, strong.row, strong.subrow, strong.column, "pct")
    assert found["spans"]["mark"] == "**" and "sig" in found["cls"]
    assert "p < 0,001" in found["title"] or "p = 0,00" in found["title"]
    plain = compared[(compared["table"] == "4.2") & (compared["mark"] == "") & compared["p"].notna()].iloc[0]
    found = cell_titled(reports["cells"], plain.table, plain.row, plain.subrow, plain.column, plain.stat)
    assert "mark" not in found["spans"] and "sig" not in found["cls"]
    assert f"p = {printed(plain.p, 3)}" in found["title"]


def test_undefined_and_untried_tests_show_no_p(reports):
    compared = reports["compared"]
    undefined = compared[(compared["status"] == "compared") & compared["p"].isna()]
    assert len(undefined) > 0
    shown = undefined[undefined["stat"].isin(["pct", "mean"])]
    assert len(shown) > 0
    for row in shown.itertuples(index=False):
        found = cell_titled(reports["cells"], row.table, row.row, row.subrow, row.column, row.stat)
        assert "test undefined" in found["title"]
        assert "p =" not in found["title"] and "p <" not in found["title"], found["title"]
    for found in reports["cells"]:
        if "not_tested" in found["cls"]:
            assert "p =" not in found["title"].split("; ", 2)[-1] and "mark" not in found["spans"]


def test_the_workbook_has_a_sheet_per_table_with_the_frames_numbers(reports):
    from openpyxl import load_workbook

    compared, labels = reports["compared"], Labels("da")
    book = load_workbook(reports["out"] / "tables.xlsx")
    ids = sorted((s.id for s in reports["specs"]), key=table_sort_key)
    assert book.sheetnames == [f"Tabel {i}" for i in ids]
    for table_id in ids:
        sheet = book[f"Tabel {table_id}"]
        first = sheet.cell(1, 1).value
        assert BASE in first and WAVE in first and NOTES[BASE] in first and NOTES[WAVE] in first
        assert sheet.cell(2, 1).value.startswith(labels.caption(table_id))
        assert [c.value for c in sheet[3]] == COMPARE_COLUMNS
        rows = list(sheet.iter_rows(min_row=4, values_only=True))
        table = compared[compared["table"] == table_id]
        assert len(rows) == len(table)
        got = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
        for column in NUMERIC:
            want = table[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            have = got[column].to_numpy(dtype=float, na_value=np.nan)
            assert all(isinstance(v, (int, float)) for v in got[column].dropna()), (table_id, column)
            np.testing.assert_array_equal(have, want, err_msg=f"{table_id} {column}")
        assert list(got["row"].fillna("")) == list(table["row"])
        assert list(got["mark"].fillna("")) == list(table["mark"])


def test_the_figure_names_both_waves_and_its_intervals_are_t_intervals(reports):
    svg = (reports["out"] / "figures" / "index_means.svg").read_text(encoding="utf-8")
    assert BASE in svg and WAVE in svg
    assert (reports["out"] / "figures" / "index_means.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    compared = reports["compared"]
    tables = {t: compared[compared["table"] == t] for t in dict.fromkeys(compared["table"])}
    panels = index_panels(tables, {s.id: s for s in reports["specs"]}, Labels("da"))
    assert [p["caption"] for p in panels] == ["Tabel 4.8", "Tabel 4.16"]
    table = tables["4.8"]
    key = table[table["stat"] == "mean"].iloc[0][["section", "row", "subrow", "column"]].tolist()
    at = (table[["section", "row", "subrow", "column"]] == key).all(axis=1)
    stat = dict(zip(table.loc[at, "stat"], table.loc[at, "wave_value"]))
    half = scipy.stats.t.ppf(0.975, stat["n"] - 1) * stat["sd"] / math.sqrt(stat["n"])
    assert panels[0]["wave"][0][0] == stat["mean"]
    assert panels[0]["wave"][1][0] == pytest.approx(half, rel=1e-12)


def test_the_data_notes_are_in_the_page(reports):
    html = reports["html"]
    for wave, note in NOTES.items():
        assert f"{wave}: {note}" in html
    assert html.index(NOTES[BASE]) < html.index("<h1>")


def test_the_page_is_self_contained(reports):
    html = reports["html"]
    assert "<script src" not in html and "http" not in html
    assert "<link" not in html and "<img" not in html


# --------------------------------------------------- hidden, one-sided and undefined cells, small

SPECS = [TableSpec("L", "likert_distribution", "Likert", {"total_column": True}, "L.yaml"),
         TableSpec("I", "index_summary", "Indeks", {"layout": "indices_as_rows",
                                                     "indices": [{"theme": "tema", "label": "Tema"}]}, "I.yaml")]
CATEGORIES = ["Stort set aldrig", "Sjældent", "Nogle gange", "Altid"]


def likert(counts, row, flag=""):
    n = sum(counts)
    return [cell("L", row, c, "pct", 100.0 * k / n, section="S", base_n=n, flag=flag)
            for c, k in zip(CATEGORIES, counts)]


def index(mean, sd, n, flag=""):
    return [cell("I", "Tema", "Alle", stat, value, section="S", base_n=n, flag=flag if stat == "mean" else "")
            for stat, value in (("mean", mean), ("sd", sd), ("n", n))]


def test_hidden_one_sided_and_undefined_cells_are_shown_as_such(tmp_path):
    base = frame(likert([3, 5, 9, 4], "Skjult", flag="suppressed") + likert([2, 5, 9, 4], "Fælles")
                 + likert([1, 2, 3, 4], "Kun før") + index(2.5, 0.5, 40))
    wave = frame(likert([3, 5, 9, 4], "Skjult") + likert([9, 1, 1, 9], "Fælles") + likert([4, 3, 2, 1], "Kun efter")
                 + index(2.9, 0.5, 30, flag="suppressed"))
    compared = compare_waves(base, wave, SPECS, seed=3)
    paths = write_comparison_reports(compared, SPECS, "b1", "w2", tmp_path, data_notes={"w2": "SYNTETISKE DATA"})
    cells = grid_cells(paths[0].read_text(encoding="utf-8"))
    hidden = cell_titled(cells, "L", "Skjult", "", "Sjældent", "pct")
    assert "suppressed" in hidden["cls"] and hidden["spans"]["base"] == ".." and hidden["spans"]["change"] == ".."
    assert hidden["spans"]["wave"] == printed(100 * 5 / 21, 1) and "p =" not in hidden["title"]
    before = cell_titled(cells, "L", "Kun før", "", "Altid", "pct")
    assert before["spans"]["wave"] == "–" and before["spans"]["status"] == "only in b1"
    after = cell_titled(cells, "L", "Kun efter", "", "Altid", "pct")
    assert after["spans"]["base"] == "–" and after["spans"]["status"] == "only in w2"
    mean = cell_titled(cells, "I", "Tema", "", "Alle", "mean")
    assert mean["spans"]["wave"] == ".." and mean["spans"]["base"] == "2,5"
    panels = index_panels({"I": compared[compared["table"] == "I"]}, {s.id: s for s in SPECS}, Labels("da"))
    assert np.isnan(panels[0]["wave"][0][0]) and panels[0]["base"][0][0] == 2.5   # the hidden mean left out
    with pytest.raises(ValueError, match="neither wave"):
        write_comparison_reports(compared, SPECS, "b1", "w2", tmp_path, data_notes={"w3": "?"})
