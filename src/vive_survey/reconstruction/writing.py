"""The reconstructed respondents written as raw exports: one ';'-separated UTF-8 file per
questionnaire, in the codebook's column order, answers as Danish labels, and a column `kilde`
saying in every row that the data is a reconstruction (cleaning ignores and logs it).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from vive_survey.files import atomic_path
from vive_survey.inputs.codebook import Codebook
from vive_survey.reconstruction.respondents import BAND_YEARS, Wave

SOURCE_NOTE = "Rekonstrueret fra publicerede tabeller (VIVE 2021); ikke VIVEs data"
# The open-text answer written for each coded group (cleaning codes it back).
JOB_TITLES = {"Ledere": "Afdelingsleder", "Administrative medarbejdere": "Administrativ medarbejder",
              "Socialrådgivere": "Socialrådgiver", "Socialpædagoger": "Socialpædagog",
              "Sundhedsmedarbejdere": "Sygeplejerske", "Ukendt": "Støttekontaktperson"}
ROLE_TEXTS = {"Leder": "Leder", "Koordinator": "Koordinator", "Medhjælp": "Medhjælper",
              "Ukendt rolle": "Kasserer"}


def experience_years(wave: Wave, rng: np.random.Generator) -> np.ndarray:
    """Years of experience that fit each respondent's group, experience band and age."""
    years = np.full(wave.n, np.nan)
    for i in range(wave.n):
        group, band = wave.attr["group"][i], wave.attr["experience_band"][i]
        age = wave.age[i] if not np.isnan(wave.age[i]) else 40
        room = max(0, int(age) - 16)
        if group == "Nyuddannede":
            years[i] = min(rng.integers(0, 4), room)
        elif group == "Erfarne":
            years[i] = max(4, min(int(rng.integers(4, 30)), room))
        elif band:
            low, high = BAND_YEARS[band]
            years[i] = rng.integers(low, max(low, min(high, room)) + 1)
    return years


def raw_frames(wave: Wave, codebook: Codebook, rng: np.random.Generator, reference_year: int) -> dict:
    """The three raw exports, in the codebook's column order, answers as Danish labels."""
    labels = codebook.scales["likert4"].codes
    years = experience_years(wave, rng)
    institutions = {"studerende": ["Professionshøjskolen Absalon", "UC Lillebælt", "Københavns Professionshøjskole"],
                    "fagprofessionelle": ["Fredericia Kommune", "Guldborgsund Kommune", "Skanderborg Kommune",
                                          "Silkeborg Kommune"],
                    "frivillige": ["Frivilligcenter Herlev", "Frivilligcenter Odense", "Frivilligcenter Silkeborg"]}
    frames = {}
    for questionnaire in ("studerende", "fagprofessionelle", "frivillige"):
        members = np.flatnonzero(wave.attr["questionnaire"] == questionnaire)
        members = members[rng.permutation(len(members))]
        prefix = questionnaire[0].upper()
        out = {"respondent_id": [f"{prefix}{k + 1:04d}" for k in range(len(members))]}
        for item in codebook.items_for(questionnaire):
            i = item.id
            if i == "respondent_id":
                continue
            if i in wave.col:
                out[i] = [labels.get(int(v), "") if v else "" for v in wave.answers[members, wave.col[i]]]
            elif i == "gender":
                out[i] = list(wave.attr["gender"][members])
            elif i == "birth_year":
                out[i] = ["" if np.isnan(a) else str(int(reference_year - a)) for a in wave.age[members]]
            elif i == "experience_years":
                out[i] = ["" if np.isnan(y) else str(int(y)) for y in years[members]]
            elif i == "job_title":
                out[i] = [JOB_TITLES.get(t, "") for t in wave.attr["job_type"][members]]
            elif i == "volunteer_role":
                out[i] = [ROLE_TEXTS.get(r, "") for r in wave.attr["volunteer_role_group"][members]]
            elif i == "institution":
                out[i] = list(rng.choice(institutions[questionnaire], len(members)))
            elif i == "field_of_work":
                out[i] = list(rng.choice(["Handicap", "Socialpsykiatri", "Socialt udsatte"], len(members)))
            elif i in ("collab_experience", "wants_competence_dev"):
                out[i] = list(wave.attr[i][members])
            elif i == "active_volunteer":
                out[i] = ["Ja" if r < 0.12 else "Nej" for r in rng.random(len(members))]
            else:
                out[i] = [""] * len(members)
        out["kilde"] = [SOURCE_NOTE] * len(members)
        frames[questionnaire] = pd.DataFrame(out)
    return frames


def write_frames(frames: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Each frame as <questionnaire>.csv in `out_dir`, each file replaced whole or not at all."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for questionnaire, frame in frames.items():
        path = out_dir / f"{questionnaire}.csv"
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, sep=";", index=False, encoding="utf-8", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        paths.append(path)
    return paths
