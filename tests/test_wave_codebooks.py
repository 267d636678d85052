"""A wave with its own codebook version: items the table specifications list that the wave did not
ask (codebook `not_asked`) are left out of its tables and said so, in the report, the diff and the
comparison of waves, never silently dropped and never an error."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import yaml

from vive_survey.analysis.spec import availability, load_specs
from vive_survey.errors import SurveyInputError
from vive_survey.inputs.codebook import load_codebook, parse_codebook, reworded_items
from vive_survey.inputs.config import QUESTIONNAIRES

from conftest import CODEBOOK_PATH, ROOT, copy_project
from test_waves import BUNDLED, WAVE_OWN, snakemake

DROPPED_ITEM = "eks_konkurrence"                       # a row of 4.4, an item of the Fællesskab index
DROPPED_ITEM_LABEL = "Vi er ofte i konkurrence med hinanden"
CROSSTAB_ITEM = "frv_ansvar"                            # the column question of Tabel 4.13
DROPPED_THEME = "identitet"                             # every item of the theme: its index goes
WHY = "taget ud af spørgeskemaet i 2023"
REWORDED_ITEM, REWORDED_LABEL = "eks_fordele", "Der er store fordele ved at arbejde sammen"    # 4.4, index Værdi
REWORDED_TEXT = "Vi har store fordele af at arbejde sammen"


def codebook_2023() -> dict:
    """The bundled codebook as a later version: three kinds of change a new questionnaire makes."""
    data = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
    gone = {DROPPED_ITEM, CROSSTAB_ITEM} | {i["id"] for i in data["items"] if i.get("theme") == DROPPED_THEME}
    data["items"] = [i for i in data["items"] if i["id"] not in gone]
    data["not_asked"] = {item: WHY for item in sorted(gone)}
    for item in data["items"]:
        if item["id"] == REWORDED_ITEM:
            item["text"] = REWORDED_TEXT
    return data


def specs_for(codebook) -> dict:
    return {spec.id: spec for spec in load_specs(ROOT / "tables", codebook)}


def test_a_not_asked_item_leaves_its_rows_out_and_a_table_built_on_it_is_not_available():
    specs = specs_for(parse_codebook(codebook_2023(), source="codebook-2023.yaml"))
    rows_44 = [e["item"] for s in specs["4.4"]["sections"] for e in s["items"]]
    assert DROPPED_ITEM not in rows_44 and len(rows_44) == 5
    [gone] = specs["4.4"].left_out
    assert (gone.name, gone.section, gone.row, gone.column) == (DROPPED_ITEM, "Fællesskab", DROPPED_ITEM_LABEL, None)
    assert gone.reason == f"{DROPPED_ITEM} was not asked in this wave: {WHY}"
    # An index none of whose items was asked: a row of 4.8 (indices as rows), a column of 4.16.
    assert [(e.row, e.column) for e in specs["4.8"].left_out] == [("Identitet", None)]
    assert [(e.row, e.column) for e in specs["4.16"].left_out] == [(None, "Krav til samarbejde / Identitet")]
    assert DROPPED_THEME not in [e["theme"] for e in specs["4.8"]["indices"]]
    # A crosstab's question: the table cannot be made; nor can the shares conditioned on it.
    assert specs["4.13"].needs_not_asked == (CROSSTAB_ITEM,)
    table = availability(list(specs.values()), [], QUESTIONNAIRES).set_index("table")
    assert table.loc["4.13", "status"] == "not_available" and table.loc["4.13", "not_asked"] == CROSSTAB_ITEM
    assert table.loc["4.4", "status"] == "available" and table.loc["4.4", "not_asked"] == DROPPED_ITEM
    assert table.loc["4.2", "not_asked"] == "" and table.loc["4.2", "status"] == "available"
    # The bundled codebook declares nothing: the specs are as written.
    bundled = specs_for(load_codebook(CODEBOOK_PATH))
    assert all(not s.left_out and not s.needs_not_asked for s in bundled.values())


def test_a_reworded_question_is_found_by_its_text_spacing_aside():
    bundled = load_codebook(CODEBOOK_PATH)
    later = parse_codebook(codebook_2023(), source="codebook-2023.yaml")
    assert reworded_items(bundled, later) == {REWORDED_ITEM: (REWORDED_LABEL, REWORDED_TEXT)}
    assert reworded_items(bundled, bundled) == {}
    data = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
    data["items"][1]["text"] = "  " + data["items"][1]["text"].replace(" ", "  ") + "\n"
    assert reworded_items(bundled, parse_codebook(data)) == {}


def test_an_item_neither_in_the_codebook_nor_declared_not_asked_is_an_error_that_says_how():
    data = codebook_2023()
    data["not_asked"].pop(DROPPED_ITEM)
    with pytest.raises(SurveyInputError) as info:
        specs_for(parse_codebook(data, source="codebook-2023.yaml"))
    text = info.value.render()
    assert f"unknown item '{DROPPED_ITEM}'" in text and "tables/4.4.yaml" in text and "not_asked:" in text


def test_an_item_both_asked_and_not_asked_is_refused():
    data = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
    data["not_asked"] = {DROPPED_ITEM: WHY}
    with pytest.raises(SurveyInputError, match=f"not_asked: '{DROPPED_ITEM}' is also an item"):
        parse_codebook(data, source="codebook-2023.yaml")


@pytest.mark.workflow
def test_a_wave_whose_codebook_did_not_ask_items_runs_says_so_and_is_compared(tmp_path):
    project = copy_project(tmp_path)
    (project / "data/codebook-2023.yaml").write_text(yaml.safe_dump(codebook_2023(), allow_unicode=True,
                                                                    sort_keys=False), encoding="utf-8")
    # The 2023 export has no column for what was not asked.
    subprocess.run([sys.executable, "-m", "vive_survey", "synthetic-wave", "300", "--out", "syn-23", "--seed", "5",
                    "--codebook", "data/codebook-2023.yaml"], cwd=project, check=True, capture_output=True)
    inputs = {q: f"syn-23/{q}.csv" for q in ("studerende", "fagprofessionelle", "frivillige")}
    config = {"waves": {BUNDLED["wave"]: WAVE_OWN,
                        "syn-23": {"inputs": inputs, "codebook": "data/codebook-2023.yaml", "data_note": "SYNTETISK"}},
              "compare": [{"base": BUNDLED["wave"], "wave": "syn-23"}]}
    (project / "waves.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    snakemake(project, "--configfile", "waves.yaml")
    reports = project / "reports" / "syn-23"

    available = pd.read_csv(reports / "tables/availability.csv", dtype=str, keep_default_na=False).set_index("table")
    assert available.loc["4.13", "status"] == "not_available"
    assert available.loc["4.4", ["status", "not_asked"]].tolist() == ["available", DROPPED_ITEM]
    cells = pd.read_csv(reports / "tables/cells.csv", dtype=str, keep_default_na=False)
    assert not (cells["row"] == DROPPED_ITEM_LABEL).any() and not (cells["table"] == "4.13").any()
    assert ((cells["table"] == "4.4") & (cells["stat"] == "pct")).any()
    assert not ((cells["table"] == "4.8") & (cells["row"] == "Identitet")).any()

    page = (reports / "index.html").read_text(encoding="utf-8")
    assert f"Ikke stillet i denne bølge, og derfor udeladt (kodebogens not_asked): {DROPPED_ITEM_LABEL}." in page
    assert f"den bygger på {CROSSTAB_ITEM}, som ikke blev stillet" in page
    assert f"spørgsmålet lød her): {REWORDED_LABEL}: «{REWORDED_TEXT}»." in page

    # The diff: every published cell of what was not asked is not_available, with the codebook's why.
    diff = pd.read_csv(reports / "diff/cells.csv", dtype=str, keep_default_na=False)
    dropped = diff[(diff["table"] == "4.4") & diff["row"].str.startswith(DROPPED_ITEM_LABEL)]
    assert len(dropped) and set(dropped["status"]) == {"not_available"}
    assert set(dropped["reason"]) == {f"{DROPPED_ITEM} was not asked in this wave: {WHY}"}
    assert set(diff.loc[diff["table"] == "4.13", "status"]) == {"not_available"}
    assert diff.loc[diff["table"] == "4.13", "reason"].str.contains(f"built on {CROSSTAB_ITEM}").all()
    identitet = diff[(diff["table"] == "4.8") & diff["row"].str.startswith("Identitet")]
    assert len(identitet) and set(identitet["status"]) == {"not_available"}
    assert not (diff.loc[diff["table"] == "4.4", "status"] == "missing").any()

    # The comparison: the base's cells of the dropped item are listed as only_base, the Fællesskab
    # index (whose items now differ) is not tested, and 4.13 is the base's alone.
    compared = pd.read_csv(project / "reports/compare" / f"{BUNDLED['wave']}--syn-23" / "cells.csv", dtype=str,
                           keep_default_na=False)
    item_rows = compared[(compared["table"] == "4.4") & (compared["row"] == DROPPED_ITEM_LABEL)]
    assert len(item_rows) and set(item_rows["status"]) == {"only_base"}
    assert (item_rows["wave_value"] == "").all() and (item_rows["base_value"] != "").all()
    index = compared[(compared["table"] == "4.8") & (compared["row"] == "Fællesskab") & (compared["stat"] == "mean")]
    assert len(index) and set(index["status"]) == {"not_tested"} and index["note"].str.contains(DROPPED_ITEM).all()
    assert set(compared.loc[compared["table"] == "4.13", "status"]) == {"only_base"}
    # A reworded question is compared and tested, and says so; so does an index with it among its items.
    reworded = compared[(compared["table"] == "4.4") & (compared["row"] == REWORDED_LABEL) & (compared["stat"] == "pct")
                        & (compared["column"] != "Total")]
    assert len(reworded) and set(reworded["status"]) == {"compared"} and (reworded["p"] != "").all()
    assert reworded["note"].str.contains(f"reworded between the waves: base '{REWORDED_LABEL}', "
                                         f"wave '{REWORDED_TEXT}'", regex=False).all()
    value = compared[(compared["table"] == "4.8") & (compared["row"] == "Værdi") & (compared["stat"] == "mean")]
    assert len(value) and set(value["status"]) == {"compared"} and (value["test"] == "welch_t").all()
    assert value["note"].str.endswith(f"item(s) of the index reworded between the waves: {REWORDED_ITEM}").all()
    fællesskab = compared[(compared["table"] == "4.8") & (compared["row"] == "Fællesskab")]
    assert not fællesskab["note"].str.contains("reworded").any()
    # The bundled wave itself is untouched by the other wave's codebook: its diff has no not_available.
    bundled = pd.read_csv(project / "reports" / BUNDLED["wave"] / "diff/cells.csv", dtype=str, keep_default_na=False)
    assert "not_available" not in set(bundled["status"])
