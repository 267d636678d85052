"""Disclosure control: primary and complementary suppression, in every output format."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from vive_survey.analysis.cells import cell, frame, read_cells
from vive_survey.analysis.disclosure import SUPPRESSED, suppress
from vive_survey.steps import build_reports, compute_tables

from conftest import CODEBOOK_PATH, ROOT
from test_report import LABELS_EN, PUBLISHED, QUALITATIVE, bundled_wave  # noqa: F401 (fixture)


def test_primary_and_complementary_suppression_by_hand():
    cells = frame([
        cell("4.3", "Ingen", "Andel", "pct", 16.2, base_n=3),       # n < 5: suppressed
        cell("4.3", "1-3 år", "Andel", "pct", 52.5, base_n=42),
        cell("4.3", "4-10 år", "Andel", "pct", 25.0, base_n=20),    # next smallest: complementary
        cell("4.3", "I alt", "Andel", "pct", 100.0, base_n=65, section="x"),
        cell("4.9", "Kvinde", "Værdi", "coef", None, base_n=2, flag="ref"),
        cell("4.4", "q", "Altid", "pct", 50.0, subrow="Nyuddannede", base_n=4),
        cell("4.4", "q", "Altid", "pct", 40.0, subrow="Erfarne", base_n=90),
        cell("4.4", "q", "Altid", "pct", 30.0, subrow="Studerende", base_n=21),
    ])
    out = suppress(cells, 5).set_index(["table", "row", "subrow"])
    assert out.loc[("4.3", "Ingen", ""), "flag"] == SUPPRESSED
    assert out.loc[("4.3", "4-10 år", ""), "flag"] == SUPPRESSED      # else Ingen = 100 - the others
    assert out.loc[("4.3", "1-3 år", ""), "flag"] == ""
    assert out.loc[("4.3", "I alt", ""), "flag"] == ""
    assert out.loc[("4.9", "Kvinde", ""), "flag"] == "ref"
    assert out.loc[("4.4", "q", "Nyuddannede"), "flag"] == SUPPRESSED
    assert out.loc[("4.4", "q", "Studerende"), "flag"] == SUPPRESSED  # complementary within the question
    assert out.loc[("4.4", "q", "Erfarne"), "value"] == 40.0
    assert np.isnan(out.loc[("4.3", "Ingen", ""), "value"])
    assert suppress(cells, 0).equals(cells)


@pytest.fixture(scope="module")
def suppressed_wave(bundled_wave, tmp_path_factory):
    out = tmp_path_factory.mktemp("suppressed")
    config = bundled_wave["config"]
    settings = {**{k: config[k] for k in ("seed", "indices", "crosstab", "models")}, "disclosure": {"min_cell_n": 5}}
    compute_tables(bundled_wave["data"], CODEBOOK_PATH, ROOT / "tables", settings, cells_out=out / "cells.csv",
                   models_out=out / "models.csv")
    build_reports(out / "cells.csv", ROOT / "tables", CODEBOOK_PATH, bundled_wave["log"], PUBLISHED, QUALITATIVE,
                  ROOT / "config.yaml", {"wave": "w", "language": "da", "labels": str(LABELS_EN), "min_cell_n": 5},
                  out / "reports")
    return out


def test_min_cell_n_5_suppresses_in_csv_html_and_xlsx(suppressed_wave):
    cells = read_cells(suppressed_wave / "cells.csv")
    hidden = cells[cells["flag"] == SUPPRESSED]
    assert len(hidden) > 0 and hidden["value"].isna().all()
    primary = cells[(cells["base_n"].astype("Float64") < 5).fillna(False) & (cells["flag"] != "ref")]
    assert (primary["flag"] == SUPPRESSED).all()               # nothing below 5 escapes
    shown = cells[cells["flag"] != SUPPRESSED]
    assert not ((shown["base_n"].astype("Float64") < 5).fillna(False) & (shown["flag"] != "ref")).any()

    html = (suppressed_wave / "reports" / "index.html").read_text(encoding="utf-8")
    assert "..</td>" in html and "undertrykt af diskretionshensyn (færre end 5 svar" in html

    workbook = openpyxl.load_workbook(suppressed_wave / "reports" / "tables.xlsx")
    table_ids = set(hidden["table"])
    found = [ws.title for ws in workbook.worksheets
             if any(c.value == ".." for row in ws.iter_rows() for c in row)]
    assert found and all(any(t in title for t in table_ids) for title in found)


# ------------------------------------------------------------------ exports safe from formulas

@pytest.mark.parametrize("text, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+cmd", "'+cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("-0,77*", "'-0,77*"), ("\tx", "'\tx"), ("-", "-"), ("-3", "-3"), ("-0,5", "-0,5"), ("Altid", "Altid"),
])
def test_csv_text_that_could_run_as_a_formula_is_neutralised(text, safe):
    from vive_survey.safe_text import neutralise, restore

    assert neutralise(text) == safe
    assert restore(safe) == text


def test_exclusions_csv_neutralises_a_formula_in_a_respondent_id(tmp_path, codebook, config):
    from vive_survey import steps

    from conftest import valid_rows, write_wave

    rows = valid_rows(codebook, "fagprofessionelle", 3)
    rows[2] = dict(rows[0])                       # a duplicate, so the id lands in the exclusions
    for row in (rows[0], rows[2]):
        row["respondent_id"] = "=cmd|' /C calc'!A0"
    paths = write_wave(tmp_path, codebook, fagprofessionelle=rows)
    steps.clean({q: {"path": str(p)} for q, p in paths.items()}, config["codebook"], config,
                data_out=tmp_path / "d.parquet", exclusions_out=tmp_path / "excl.csv", log_out=tmp_path / "log.json")
    text = (tmp_path / "excl.csv").read_text(encoding="utf-8")
    assert "'=cmd|" in text and ",=cmd|" not in text
