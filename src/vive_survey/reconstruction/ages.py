"""Ages, annealed one year at a time against the printed age means and SDs (Tabel 3.2, 4.2, 4.3).

Nobody is made younger than their experience band allows, and a group whose printed mean no
integer ages can give (GRIM) has some respondents without a birth year.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from vive_survey.reconstruction.bases import close_enough, grim_n
from vive_survey.reconstruction.respondents import BAND_YEARS, Wave


def age_targets(published: pd.DataFrame) -> list[tuple[dict, str, float, int]]:
    """(members, stat, value, decimals) of every printed age mean and SD."""
    rows = {("3.2", "Fagprofessionelle"): {"questionnaire": ["fagprofessionelle"]},
            ("3.2", "Studerende"): {"questionnaire": ["studerende"]},
            ("3.2", "Frivillige"): {"questionnaire": ["frivillige"]},
            ("4.2", "Studerende"): {"group": ["Studerende"]},
            ("4.2", "Nyuddannede"): {"group": ["Nyuddannede"]},
            ("4.2", "Erfarne"): {"group": ["Erfarne"]},
            ("4.3", "I alt"): {"group": ["Studerende"]}}
    for band in BAND_YEARS:
        rows[("4.3", band)] = {"group": ["Studerende"], "experience_band": [band]}
    out = []
    cells = published[published["stat"].isin(["mean", "sd"]) & published["table"].isin(["3.2", "4.2", "4.3"])]
    for cell in cells.itertuples(index=False):
        members = rows.get((cell.table, cell.row))
        if members is not None and not pd.isna(cell.value):
            out.append((members, cell.stat, float(cell.value), int(cell.decimals)))
    return out


def anneal_ages(wave: Wave, published: pd.DataFrame, rng: np.random.Generator, steps: int) -> None:
    targets = age_targets(published)
    masks = [wave.mask(m) for m, *_ in targets]
    # Start: each group near its printed mean and SD; some newly qualified without a birth year so
    # that all professionals together can have the mean of Tabel 3.2 (the two tables disagree).
    start = {"Studerende": (28.9, 8.2), "Nyuddannede": (32.8, 9.7), "Erfarne": (50.1, 9.1), "Frivillige": (61.3, 15.3)}
    for group, (mean, sd) in start.items():
        members = wave.members(group)
        wave.age[members] = np.clip(np.rint(rng.normal(mean, sd, len(members))), 19, 90)
    band_start = {"Ingen": (29.7, 7.7), "1-3 år": (25.6, 4.7), "4-10 år": (32.1, 8.5), "Mere end 10 år": (42.0, 14.1)}
    for band, (mean, sd) in band_start.items():
        members = wave.members("Studerende")[wave.attr["experience_band"][wave.members("Studerende")] == band]
        wave.age[members] = np.clip(np.rint(rng.normal(mean, sd, len(members))), 19, 90)
    nyudd = rng.permutation(wave.members("Nyuddannede"))
    wave.age[nyudd[: len(nyudd) - 28]] = np.nan
    # A mean printed with two decimals needs an n whose integer sums can give it (GRIM): the 34
    # volunteers cannot average 61,31 years, 32 of them can.
    volunteers = rng.permutation(wave.members("Frivillige"))
    printed = published[(published["table"] == "3.2") & (published["row"] == "Frivillige")
                        & (published["stat"] == "mean")].iloc[0]
    keep = grim_n(float(printed["value"]), int(printed["decimals"]), len(volunteers))
    wave.age[volunteers[: len(volunteers) - keep]] = np.nan

    def loss_of(k):
        members, stat, value, decimals = targets[k]
        x = wave.age[masks[k]]
        x = x[~np.isnan(x)]
        got = x.mean() if stat == "mean" else (x.std(ddof=1) if len(x) > 1 else math.nan)
        if got != got:
            return 2.0
        return 0.0 if close_enough(got, value, decimals) else 1.0 + min(50.0, abs(got - value))

    # Nobody may be younger than their experience allows (cleaning blanks experience above age - 12).
    band_low = np.array([BAND_YEARS[b][0] if b else 0 for b in wave.attr["experience_band"]], dtype=float)
    lowest = np.maximum(19, band_low + 16)
    lowest[wave.attr["group"] == "Erfarne"] = 20
    wave.age = np.where(np.isnan(wave.age), np.nan, np.maximum(wave.age, lowest))
    losses = np.array([loss_of(k) for k in range(len(targets))])
    known = np.flatnonzero(~np.isnan(wave.age))
    strata = [wave.attr["group"][i] + "|" + wave.attr["experience_band"][i] for i in known]
    by_stratum = {key: known[np.array(strata) == key] for key in sorted(set(strata))}
    stratum_of = dict(zip(known, strata))
    questionnaire = wave.attr["questionnaire"]
    by_questionnaire = {q: known[questionnaire[known] == q] for q in sorted(set(questionnaire[known]))}
    for step in range(steps):
        temperature = 0.5 * (0.005 / 0.5) ** (step / max(steps - 1, 1))
        i = known[rng.integers(len(known))]
        if rng.random() < 0.5:
            # One year up or down for one respondent: moves the means.
            change = {i: float(rng.choice([-2, -1, 1, 2]))}
        else:
            # Opposite shifts for two respondents of the same group and band (keeps their means,
            # moves the SDs) or of the same questionnaire (keeps its mean, moves the groups').
            peers = by_stratum[stratum_of[i]] if rng.random() < 0.5 else by_questionnaire[questionnaire[i]]
            j = peers[rng.integers(len(peers))]
            if j == i:
                continue
            shift = float(rng.integers(1, 4))
            change = {i: shift, j: -shift}
        if any(not lowest[r] <= wave.age[r] + d <= 90 for r, d in change.items()):
            continue
        affected = [k for k in range(len(targets)) if any(masks[k][r] for r in change)]
        for r, d in change.items():
            wave.age[r] += d
        new = np.array([loss_of(k) for k in affected])
        delta = new.sum() - losses[affected].sum()
        if delta <= 0 or rng.random() < math.exp(-delta / temperature):
            losses[affected] = new
        else:
            for r, d in change.items():
                wave.age[r] -= d
