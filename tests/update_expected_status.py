"""Pin the status of every published cell on the bundled wave (tests/data/bundled_expected_status.csv).

    python tests/update_expected_status.py

runs the bundled wave (cleaning, tables, diff) in a temporary folder and rewrites the file;
tests/test_diff_review.py compares each run with it, cell by cell. Run it only for an intended
change, and say in the commit which cells changed status and why (`git diff` of the file shows them).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXPECTED = HERE / "data" / "bundled_expected_status.csv"
STATUS_KEY = ["table", "section", "row", "subrow", "column", "stat"]


def bundled_diff_rows(out: Path) -> pd.DataFrame:
    """The bundled wave's diff, as `snakemake` computes it, written under `out` (diff.html too)."""
    from vive_survey import steps
    from vive_survey.inputs.config import load_config
    from vive_survey.safe_text import restore

    config = load_config(ROOT / "config.yaml")
    inputs = {q: {**spec, "path": str(ROOT / spec["path"])} for q, spec in config["inputs"].items()}
    steps.clean(inputs, ROOT / config["codebook"], config, data_out=out / "data.parquet",
                exclusions_out=out / "excl.csv", log_out=out / "log.json")
    steps.compute_tables(out / "data.parquet", ROOT / config["codebook"], ROOT / "tables", config,
                         cells_out=out / "cells.csv", models_out=out / "models.csv")
    limits = config.get("reconstruction_limits")
    result = steps.diff(ROOT / config["published"], out / "cells.csv", ROOT / config["codebook"],
                        wave=config["wave"], diff_out=out / "diff.csv", summary_out=out / "summary.csv",
                        audit_out=out / "audit.csv", html_out=out / "diff.html", specs=ROOT / "tables",
                        limits_in=ROOT / limits if limits else None, data_note=config.get("data_note") or "")
    assert len(result), "the diff is empty"
    # As a reviewer reads it: the CSV, with spreadsheet-safe text restored.
    frame = pd.read_csv(out / "diff.csv", dtype=str, keep_default_na=False)
    return frame.apply(lambda column: column.map(restore))


def status_frame(diff: pd.DataFrame) -> pd.DataFrame:
    """One row per published cell: its key and status, in the diff's order."""
    published = diff[diff["status"] != "extra"]
    rows = published.assign(row=[r.split(" | ")[0] if s else r for r, s in zip(published["row"],
                                                                                  published["subrow"])])
    rows = rows.assign(column=[c[: -len(" (sd)")] if st == "sd" and c.endswith(" (sd)") else c
                               for c, st in zip(rows["column"], rows["stat"])])
    return rows[STATUS_KEY + ["status"]].reset_index(drop=True)


def main() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    with tempfile.TemporaryDirectory() as tmp:
        frame = status_frame(bundled_diff_rows(Path(tmp)))
    EXPECTED.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(EXPECTED, index=False, lineterminator="\n")
    print(f"{EXPECTED.relative_to(ROOT)}: {len(frame)} cells; by status: "
          + ", ".join(f"{s} {n}" for s, n in frame["status"].value_counts().sort_index().items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
