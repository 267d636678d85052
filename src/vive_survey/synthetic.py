"""Synthetic waves of any size in the raw export format, for benchmarks and scale tests.

SYNTHETIC: seeded random answers, shaped like the three questionnaires (every codebook column),
with correlated items within a theme (one latent score per respondent and theme), realistic
missingness (early stopping, the filter question, item non-response, a few blank background
answers) and the same text forms a real export has (Danish labels, decimal commas). Vectorised:
a million respondents take seconds, not minutes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vive_survey.inputs.codebook import Codebook

SHARES = {"studerende": 0.3, "fagprofessionelle": 0.6, "frivillige": 0.1}
# Likert answers as the codes 1-4, as most survey tools export them (blank = no answer).
CODES = np.array(["", "1", "2", "3", "4"], dtype=object)
JOB_TITLES = np.array(["Socialpædagog", "Pædagog", "Afdelingsleder", "Socialrådgiver", "Sygeplejerske",
                       "Social- og sundhedsassistent", "Administrativ medarbejder", "Støttekontaktperson", ""],
                      dtype=object)
ROLES = np.array(["Besøgsven", "Mentor", "Formand", "Koordinator", "Tovholder", "Frivillig", "Kasserer", ""],
                 dtype=object)
AGE = {"studerende": (29, 8), "fagprofessionelle": (46, 11), "frivillige": (61, 15)}


def _likert(rng: np.random.Generator, latent: np.ndarray, reverse: bool) -> np.ndarray:
    score = 2.8 + (-1.0 if reverse else 1.0) * latent + rng.normal(0.0, 0.7, latent.shape)
    return np.clip(np.rint(score), 1, 4).astype(np.int8)


def synthetic_frame(questionnaire: str, n: int, codebook: Codebook, rng: np.random.Generator) -> pd.DataFrame:
    """One questionnaire's raw export of n respondents, all cells as text."""
    items = codebook.items_for(questionnaire)
    out: dict[str, np.ndarray] = {}
    ages = np.clip(np.rint(rng.normal(*AGE[questionnaire], n)), 19, 90).astype(int)
    experience = np.minimum(np.rint(rng.gamma(2.0, 4.0, n)), ages - 16).astype(int)
    stopped_at = rng.choice([2, 3, 4, 5, 6], size=n, p=[0.05, 0.05, 0.1, 0.1, 0.7])  # module reached
    collab = rng.random(n) < 0.7
    latent = {t: rng.normal(0.0, 0.6, n) for t in sorted({i.theme for i in items if i.theme})}
    module_rank = {"Erhvervskompetencer": 2, "Interne relationer": 3, "Oplevelser med eksternt samarbejde": 4,
                   "Faktiske samarbejdsoplevelser": 4, "Krav til eksternt samarbejde": 5}
    for item in items:
        scale = codebook.scale_of(item)
        if item.id == "respondent_id":
            out[item.id] = np.char.add(questionnaire[0].upper(), np.arange(1, n + 1).astype(str))
        elif item.id == "gender":
            out[item.id] = rng.choice(np.array(["Kvinde", "Mand", "Andet", ""], dtype=object), n,
                                      p=[0.7, 0.27, 0.01, 0.02])
        elif item.id == "birth_year":
            out[item.id] = (2020 - ages).astype(str)
        elif item.id == "experience_years":
            half = rng.random(n) < 0.1
            text = experience.astype(str).astype(object)
            text[half] = text[half] + ",5"
            out[item.id] = text
        elif item.id == "job_title":
            out[item.id] = rng.choice(JOB_TITLES, n) if questionnaire == "fagprofessionelle" else np.full(n, "")
        elif item.id == "volunteer_role":
            out[item.id] = rng.choice(ROLES, n)
        elif item.id == "collab_experience":
            out[item.id] = np.where(collab, "Ja", "Nej")
        elif scale.kind == "ordinal":
            codes = _likert(rng, latent[item.theme], item.reverse)
            answered = (stopped_at > module_rank[codebook.themes[item.theme].module]) & (rng.random(n) > 0.03)
            if item.filter and questionnaire != "frivillige":
                answered &= collab
            codes[~answered] = 0
            out[item.id] = CODES[codes]
        elif scale.kind == "nominal":
            labels = np.array(scale.labels + [""], dtype=object)
            out[item.id] = rng.choice(labels, n)
        else:
            out[item.id] = np.full(n, "", dtype=object)
    return pd.DataFrame(out)


def write_synthetic_wave(out_dir: str | Path, n: int, codebook: Codebook, *, seed: int = 1) -> dict[str, Path]:
    """Three ';'-separated UTF-8 CSV files with n respondents in all."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for index, (questionnaire, share) in enumerate(SHARES.items()):
        rng = np.random.default_rng([seed, index])
        frame = synthetic_frame(questionnaire, max(1, int(round(n * share))), codebook, rng)
        path = out_dir / f"{questionnaire}.csv"
        frame.to_csv(path, sep=";", index=False, encoding="utf-8", lineterminator="\n")
        paths[questionnaire] = path
    return paths
