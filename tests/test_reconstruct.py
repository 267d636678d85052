"""The bundled wave reconstructed from the published tables: deterministic, current, and close."""

from __future__ import annotations

import pandas as pd
import pytest

from vive_survey import steps
from vive_survey.inputs.config import load_config
from vive_survey.reconstruction.reconstruct import SOURCE_NOTE, choose_base, grim_n, nearest_counts, share_solutions

from conftest import ROOT

BUNDLED = ROOT / "data" / "reconstructed"
QUESTIONNAIRES = ("studerende", "fagprofessionelle", "frivillige")


def test_share_solutions_are_integer_shares_that_print_as_published():
    # 88,2 % women: 45 of 51 (88.235), 30 of 34, 15 of 17 ... largest base first
    solutions = share_solutions(88.2, 1, 54)
    assert solutions[0] == (51, 45)
    assert all(abs(100 * k / n - 88.2) <= 0.05 for n, k in solutions)


def test_grim_n_for_a_mean_with_two_decimals():
    # 34 integer ages cannot average 61.31 (2084/34 = 61.294, 2085/34 = 61.324); 32 can (1962/32 = 61.3125)
    assert grim_n(61.31, 2, 34) == 32
    assert grim_n(28.85, 2, 109) == 109


def test_nearest_counts_and_base_choice():
    assert nearest_counts([38.1, 47.6, 14.3, 9.5], 21) == [7, 9, 3, 2]
    assert sum(nearest_counts([33.3, 33.3, 33.3], 10)) == 10
    # rows fitting 21 (x/21) and one fitting 16 (x/16): 21 is shared by most rows
    assert choose_base([[4.8, 23.8, 57.1, 14.3], [19.0, 47.6, 33.3, 0.0], [6.2, 93.8, 0.0, 0.0]],
                       [[1] * 4] * 3, 109) in (21, 42, 63, 84, 105)


def test_regeneration_gives_identical_bytes(tmp_path):
    config = load_config(ROOT / "config.yaml")
    first = steps.reconstruct_wave(ROOT / config["published"], ROOT / "tables", ROOT / config["codebook"], config,
                                   tmp_path / "a", steps=3000)
    second = steps.reconstruct_wave(ROOT / config["published"], ROOT / "tables", ROOT / config["codebook"], config,
                                    tmp_path / "b", steps=3000)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_bundled_files_are_exactly_what_the_code_writes(tmp_path):
    config = load_config(ROOT / "config.yaml")
    written = steps.reconstruct_wave(ROOT / config["published"], ROOT / "tables", ROOT / config["codebook"], config,
                                     tmp_path)
    for path in written:
        assert path.read_bytes() == (BUNDLED / path.name).read_bytes(), (
            f"{path.name} differs from data/reconstructed/: run `vive-survey reconstruct` and commit the result")


@pytest.fixture(scope="module")
def bundled_diff(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bundled")
    config = load_config(ROOT / "config.yaml")
    inputs = {q: {"path": str(BUNDLED / f"{q}.csv")} for q in QUESTIONNAIRES}
    log = steps.clean(inputs, ROOT / config["codebook"], config, data_out=tmp / "data.parquet",
                      exclusions_out=tmp / "excl.csv", log_out=tmp / "log.json")
    steps.compute_tables(tmp / "data.parquet", ROOT / config["codebook"], ROOT / "tables", config,
                         cells_out=tmp / "cells.csv", models_out=tmp / "models.csv")
    diff = steps.diff(ROOT / config["published"], tmp / "cells.csv", ROOT / config["codebook"], wave="t",
                      diff_out=tmp / "diff.csv", summary_out=tmp / "summary.csv",
                      audit_out=tmp / "audit.csv", html_out=tmp / "diff.html")
    return log, diff


def test_bundled_wave_is_labelled_as_a_reconstruction_and_loses_no_row(bundled_diff):
    log, _ = bundled_diff
    for questionnaire in QUESTIONNAIRES:
        entry = log["questionnaires"][questionnaire]
        assert entry["columns_ignored"] == ["kilde"]
        assert entry["rows_kept"] == entry["rows_read"]
    frame = pd.read_csv(BUNDLED / "frivillige.csv", sep=";", dtype=str)
    assert set(frame["kilde"]) == {SOURCE_NOTE}


def test_every_distribution_cell_of_a_consistent_row_matches(bundled_diff):
    _, diff = bundled_diff
    distribution_tables = {"4.4", "4.5", "4.6", "4.7", "4.12", "4.15", "B2.1", "B2.2", "B2.3"}
    cells = diff[diff["table"].isin(distribution_tables) & (diff["status"] != "extra")]
    attainable = cells[cells["status"] != "unattainable"]
    assert len(attainable) > 550
    assert (attainable["status"] == "match").all(), attainable[attainable["status"] != "match"].head()


def test_strict_check_fails_on_a_cell_not_reproduced_and_leaves_the_diff(bundled_diff, tmp_path):
    from vive_survey.errors import SurveyInputError

    config = load_config(ROOT / "config.yaml")
    _, diff = bundled_diff
    assert (diff["status"] == "mismatch").any()       # the bundled wave does not reproduce every cell
    tmp = tmp_path
    inputs = {q: {"path": str(BUNDLED / f"{q}.csv")} for q in QUESTIONNAIRES}
    steps.clean(inputs, ROOT / config["codebook"], config, data_out=tmp / "d.parquet", exclusions_out=tmp / "e.csv",
                log_out=tmp / "l.json")
    steps.compute_tables(tmp / "d.parquet", ROOT / config["codebook"], ROOT / "tables", config,
                         cells_out=tmp / "cells.csv", models_out=tmp / "models.csv")
    result = steps.diff(ROOT / config["published"], tmp / "cells.csv", ROOT / config["codebook"], wave="t",
                        diff_out=tmp / "diff.csv", summary_out=tmp / "summary.csv", audit_out=tmp / "audit.csv",
                        html_out=tmp / "diff.html")
    expected = int(result["status"].isin(["mismatch", "missing"]).sum())
    with pytest.raises(SurveyInputError) as info:
        steps.check_diff(tmp / "diff.csv", tmp / "diff.html", passed_out=tmp / "passed.txt")
    message = info.value.render()
    assert f"strict diff: {expected} published cell(s) not reproduced" in message
    assert str(tmp / "diff.html") in message                                 # where to look
    assert (tmp / "diff.csv").is_file() and (tmp / "diff.html").is_file()   # the evidence stays
    assert not (tmp / "passed.txt").exists()


def test_strict_check_passes_when_every_attainable_cell_matches(tmp_path):
    rows = pd.DataFrame({"table": ["4.4", "4.4", "4.13"], "row": ["a", "b", "c"], "column": ["x", "x", "x"],
                         "published": ["1,0", "2,0", "3,0"], "regenerated": ["1,0", "", ""],
                         "status": ["match", "unattainable", "not_available"]})
    rows.to_csv(tmp_path / "diff.csv", index=False)
    assert steps.check_diff(tmp_path / "diff.csv", tmp_path / "diff.html", passed_out=tmp_path / "ok.txt") == 0
    assert (tmp_path / "ok.txt").is_file()
