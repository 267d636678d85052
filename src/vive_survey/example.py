"""A small synthetic wave in the raw export format (for tests and quick experiments).

SYNTHETIC: random answers drawn from a seeded generator, shaped like the three questionnaires of
VIVE (2021) and sized like its samples. It is not VIVE's data and is not fitted to the published
tables (the bundled wave, data/reconstructed/, is); it exercises every reader path. Three
formats on purpose: studerende as ';'-separated UTF-8 with BOM, labels as text and decimal commas;
fagprofessionelle as ','-separated UTF-8 with numeric codes; frivillige as ';'-separated cp1252.
It also holds a few defects a real export has (a duplicated id, a blank line, "Ved ikke", an
impossible birth year) so the cleaning log has something to show.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .codebook import Codebook, load_codebook

SIZES = {"studerende": 109, "fagprofessionelle": 198, "frivillige": 34}
LIKERT = {1: "Stort set aldrig", 2: "Sjældent", 3: "Nogle gange", 4: "Altid"}
INSTITUTIONS = {
    "studerende": ["Professionshøjskolen Absalon", "UC Lillebælt", "Københavns Professionshøjskole"],
    "fagprofessionelle": ["Fredericia Kommune", "Guldborgsund Kommune", "Skanderborg Kommune", "Silkeborg Kommune"],
    "frivillige": ["Frivilligcenter Herlev", "Frivilligcenter Odense", "Frivilligcenter Silkeborg"],
}
JOB_TITLES = ["Socialpædagog", "Pædagog", "Socialpædagog", "Afdelingsleder", "Socialrådgiver", "Sygeplejerske",
              "Social- og sundhedsassistent", "Administrativ medarbejder", "Konsulent", "Støttekontaktperson",
              "Socialpædagog", "Ergoterapeut", ""]
ROLES = ["Frivillig besøgsven", "Mentor", "Formand", "Koordinator for caféen", "Tovholder", "Frivillig",
         "Bestyrelsesmedlem", "Frivillig på værestedet", ""]
FORMATS = {
    "studerende": {"delimiter": ";", "encoding": "utf-8-sig", "labels": True, "decimal": ","},
    "fagprofessionelle": {"delimiter": ",", "encoding": "utf-8", "labels": False, "decimal": "."},
    "frivillige": {"delimiter": ";", "encoding": "cp1252", "labels": True, "decimal": ","},
}


def _likert(rng: np.random.Generator, latent: np.ndarray, reverse: bool) -> np.ndarray:
    noise = rng.normal(0, 0.7, size=latent.shape)
    score = np.clip(np.rint(3.0 + (-1 if reverse else 1) * latent + noise), 1, 4)
    return score.astype(int)


def generate(questionnaire: str, codebook: Codebook, rng: np.random.Generator) -> list[dict]:
    n = SIZES[questionnaire]
    items = codebook.items_for(questionnaire)
    themes = {i.theme for i in items if i.theme}
    latent = {t: rng.normal(0, 0.6, size=n) for t in sorted(themes)}
    age_mean, age_sd = {"studerende": (29, 8), "fagprofessionelle": (48, 10), "frivillige": (61, 15)}[questionnaire]
    ages = np.clip(np.rint(rng.normal(age_mean, age_sd, size=n)), 19, 88).astype(int)
    experience = np.clip(np.rint(rng.gamma(2.0, 4.0 if questionnaire != "studerende" else 1.5, size=n)), 0,
                         ages - 16).astype(int)
    collab = rng.random(n) < (0.7 if questionnaire == "fagprofessionelle" else 0.25)
    rows = []
    for r in range(n):
        row = {"respondent_id": f"{questionnaire[:1].upper()}{r + 1:04d}"}
        for item in items:
            scale = codebook.scale_of(item)
            if item.id == "respondent_id":
                continue
            if item.id == "gender":
                row[item.id] = rng.choice(["Kvinde", "Mand", "Andet"], p=[0.72, 0.27, 0.01])
            elif item.id == "birth_year":
                row[item.id] = str(2020 - ages[r])
            elif item.id == "experience_years":
                row[item.id] = str(experience[r])
            elif item.id == "job_title":
                row[item.id] = rng.choice(JOB_TITLES) if questionnaire == "fagprofessionelle" else ""
            elif item.id == "volunteer_role":
                row[item.id] = rng.choice(ROLES)
            elif item.id == "institution":
                row[item.id] = rng.choice(INSTITUTIONS[questionnaire])
            elif item.id == "field_of_work":
                row[item.id] = rng.choice(["Handicap", "Socialpsykiatri", "Socialt udsatte"])
            elif item.id == "collab_experience":
                row[item.id] = "Ja" if collab[r] else "Nej"
            elif item.id in ("active_volunteer", "wants_competence_dev"):
                row[item.id] = "Ja" if rng.random() < 0.1 else "Nej"
            elif scale.kind == "ordinal":
                if item.filter and not collab[r]:
                    row[item.id] = ""
                else:
                    row[item.id] = int(_likert(rng, latent[item.theme][r:r + 1], item.reverse)[0])
        rows.append(row)
    return rows


def _encode(rows: list[dict], questionnaire: str, codebook: Codebook) -> list[dict]:
    fmt = FORMATS[questionnaire]
    out = []
    ordinal = {i.id for i in codebook.likert_items()}
    yes_no = {i.id for i in codebook.items if i.scale == "yes_no"}
    for row in rows:
        encoded = {}
        for key, value in row.items():
            if key in ordinal and value != "" and fmt["labels"]:
                value = LIKERT[int(value)]
            elif key in yes_no and not fmt["labels"]:
                value = {"Ja": 1, "Nej": 2}[value]
            elif key == "gender" and not fmt["labels"]:
                value = {"Mand": 1, "Kvinde": 2, "Andet": 3}[value]
            encoded[key] = value
        out.append(encoded)
    return out


def _add_defects(rows: list[dict], questionnaire: str) -> list[dict]:
    """The defects a real export has, so that cleaning shows what it does with them."""
    if questionnaire == "studerende":
        rows.insert(10, dict(rows[3]))               # the same respondent exported twice
        rows[20]["int_glad"] = "Ved ikke"             # a 'no answer' label
        rows[30]["birth_year"] = "2031"               # a birth year after data collection
    if questionnaire == "fagprofessionelle":
        rows.insert(50, {k: "" for k in rows[0]})     # a blank record
        rows[60]["krav_boksen"] = "9"                 # a configured missing code
    if questionnaire == "frivillige":
        rows[5]["int_tid"] = "  altid "              # label in another case with stray spaces
    return rows


def write_example_wave(out_dir: str | Path, *, seed: int = 20210601,
                       codebook_path: str | Path = "data/codebook.yaml") -> list[Path]:
    codebook = load_codebook(codebook_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for index, questionnaire in enumerate(SIZES):
        rng = np.random.default_rng([seed, index])
        rows = _add_defects(_encode(generate(questionnaire, codebook, rng), questionnaire, codebook), questionnaire)
        fmt = FORMATS[questionnaire]
        if fmt["decimal"] == ",":
            for row in rows:
                if row.get("experience_years") and rng.random() < 0.1:
                    row["experience_years"] = f"{row['experience_years']},5"
        path = out_dir / f"{questionnaire}.csv"
        with open(path, "w", encoding=fmt["encoding"], newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=fmt["delimiter"],
                                    lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written
