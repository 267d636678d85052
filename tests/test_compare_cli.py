"""`vive-survey compare reports/<base> reports/<wave>`: the comparison of two waves' reports."""

from __future__ import annotations

import json
import shutil

import pandas as pd

from vive_survey.cli import main

from conftest import ROOT
from test_compare_reports import reports  # noqa: F401 (fixture: the bundled wave and a synthetic one)

ISSUE_COLUMNS = ["table", "section", "row", "subrow", "column", "stat", "base_value", "base_n", "wave_value",
                 "wave_n", "change", "test", "statistic", "df", "p", "mark", "status"]


def wave_folder(root, name: str, cells, note: str = ""):
    """reports/<name>/ as the pipeline writes it: tables/cells.csv and a manifest with the settings."""
    folder = root / name
    (folder / "tables").mkdir(parents=True)
    shutil.copy(cells, folder / "tables" / "cells.csv")
    settings = [{"setting": "data_note", "value": note, "source": "w.yaml"}] if note else []
    (folder / "manifest.json").write_text(json.dumps({"wave": name, "settings": settings}), encoding="utf-8")
    return folder


def test_compare_command_writes_the_comparison_of_two_report_folders(reports, tmp_path, capsys):
    made = reports["out"].parent
    base = wave_folder(tmp_path / "reports", "wave-2021", made / "base-cells.csv", "Rekonstruerede data")
    wave = wave_folder(tmp_path / "reports", "wave-2023", made / "wave-cells.csv")
    out = tmp_path / "reports" / "compare" / "wave-2021--wave-2023"
    args = ["compare", str(base), str(wave), "--config", str(ROOT / "config.yaml"), "--tables", str(ROOT / "tables"),
            "--base-codebook", str(ROOT / "data" / "codebook.yaml"),
            "--wave-codebook", str(ROOT / "data" / "codebook.yaml"), "--out", str(out)]
    assert main(args) == 0
    assert f"{out}: " in capsys.readouterr().out
    cells = pd.read_csv(out / "cells.csv", keep_default_na=False)
    assert list(cells.columns[:len(ISSUE_COLUMNS) - 2]) == ISSUE_COLUMNS[:-2]
    assert set(ISSUE_COLUMNS) <= set(cells.columns)
    # The same frame the library computes, at the config's seed and crosstab settings.
    assert len(cells) == len(reports["compared"])
    for name in ("index.html", "tables.xlsx", "figures/index_means.svg"):
        assert (out / name).is_file(), name
    assert "Rekonstruerede data" in (out / "index.html").read_text(encoding="utf-8")
    # Same inputs, same bytes.
    again = tmp_path / "again"
    assert main(args[:-1] + [str(again)]) == 0
    assert (again / "cells.csv").read_bytes() == (out / "cells.csv").read_bytes()
    assert (again / "index.html").read_bytes() == (out / "index.html").read_bytes()


def test_compare_command_names_a_missing_report_folder(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "nope"), str(tmp_path / "nope2"), "--config",
                 str(ROOT / "config.yaml"), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "nope" in err and "cells.csv" in err and "Traceback" not in err
