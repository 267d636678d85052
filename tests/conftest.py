"""Shared test helpers: a small valid wave built from the codebook, written in any raw format."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from vive_survey.codebook import load_codebook
from vive_survey.config import validate_config

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK_PATH = ROOT / "data" / "codebook.yaml"
LIKERT = {1: "Stort set aldrig", 2: "Sjældent", 3: "Nogle gange", 4: "Altid"}


@pytest.fixture(scope="session")
def codebook():
    return load_codebook(CODEBOOK_PATH)


@pytest.fixture()
def config(tmp_path):
    return make_config(tmp_path)


def make_config(directory: Path, **overrides) -> dict:
    raw = {
        "wave": "test",
        "inputs": {q: str(directory / f"{q}.csv") for q in ("studerende", "fagprofessionelle", "frivillige")},
        "codebook": str(CODEBOOK_PATH),
        **overrides,
    }
    return validate_config(raw)


def valid_rows(codebook, questionnaire: str, n: int = 4) -> list[dict]:
    """n respondents with a valid answer to every item of the questionnaire (Likert as codes)."""
    rows = []
    for r in range(n):
        row = {}
        for item in codebook.items_for(questionnaire):
            scale = codebook.scale_of(item)
            if item.id == "respondent_id":
                row[item.id] = f"{questionnaire[0]}{r + 1}"
            elif item.id == "birth_year":
                row[item.id] = str(1960 + 5 * r)
            elif item.id == "experience_years":
                row[item.id] = str(2 + 3 * r)
            elif item.id == "collab_experience":
                row[item.id] = "Ja"
            elif scale.kind == "text":
                row[item.id] = {"job_title": "Socialpædagog", "volunteer_role": "Mentor"}.get(item.id, "Sted")
            elif scale.is_categorical:
                codes = sorted(scale.codes)
                row[item.id] = str(codes[r % len(codes)])
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[dict], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_wave(directory: Path, codebook, n: int = 4, **per_questionnaire_rows) -> dict[str, Path]:
    """Write a valid three-file wave as CSV; rows for a questionnaire can be passed in to replace it."""
    paths = {}
    for q in ("studerende", "fagprofessionelle", "frivillige"):
        rows = per_questionnaire_rows.get(q) or valid_rows(codebook, q, n)
        paths[q] = write_csv(directory / f"{q}.csv", rows)
    return paths


def frame_of(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)
