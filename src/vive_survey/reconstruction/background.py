"""The respondents' background: gender, job types with the wish for competence development,
volunteer roles and experience bands, as integer solutions of the printed shares (Tabel 3.2, 4.2,
4.3, 4.11, 4.14, 4.16).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from vive_survey.printing.rounding import within_printed_precision
from vive_survey.reconstruction.bases import choose_base, share_solutions
from vive_survey.reconstruction.respondents import Wave
from vive_survey.review.audit import compatible_counts


def assign_shares(wave: Wave, rng: np.random.Generator, published: pd.DataFrame) -> None:
    """Gender: integer solutions of the printed shares of women (Tabel 4.2, 4.3, 3.2)."""
    def cell(table, row, column):
        hit = published[(published["table"] == table) & (published["row"] == row) & (published["column"] == column)]
        return float(hit["value"].iloc[0]), int(hit["decimals"].iloc[0])

    for group, table, row, column in (("Nyuddannede", "4.2", "Nyuddannede", "Andel kvinder"),
                                      ("Erfarne", "4.2", "Erfarne", "Andel kvinder"),
                                      ("Frivillige", "3.2", "Frivillige", "Andel kvinder")):
        members = rng.permutation(wave.members(group))
        n, k = share_solutions(*cell(table, row, column), len(members))[0]
        wave.attr["gender"][members[:k]] = "Kvinde"
        wave.attr["gender"][members[k:n]] = "Mand"
    # Students: bands of Tabel 4.3 (sizes from its Andel column), women per band, then the rest.
    students = rng.permutation(wave.members("Studerende"))
    bands = ["Ingen", "1-3 år", "4-10 år", "Mere end 10 år"]
    shares = [cell("4.3", b, "Andel") for b in bands]
    n_banded = choose_base([[s for s, _ in shares]], [[d for _, d in shares]], len(students))
    sizes = compatible_counts([s for s, _ in shares], [d for _, d in shares], n_banded)
    start, women_total, known_total = 0, 0, 0
    for band, size in zip(bands, sizes):
        members = students[start:start + size]
        start += size
        wave.attr["experience_band"][members] = band
        options = share_solutions(*cell("4.3", band, "Andel kvinder"), size) or [(size, round(size * 0.8))]
        n, k = options[0]
        wave.attr["gender"][members[:k]] = "Kvinde"
        wave.attr["gender"][members[k:n]] = "Mand"
        women_total += k
        known_total += n
    rest = students[start:]
    target, decimals = cell("4.2", "Studerende", "Andel kvinder")
    best = None
    for n_rest in range(len(rest), -1, -1):
        for k_rest in range(n_rest + 1):
            share = 100 * (women_total + k_rest) / (known_total + n_rest)
            if within_printed_precision(share, target, decimals):
                best = (n_rest, k_rest)
                break
        if best:
            break
    n_rest, k_rest = best or (len(rest), round(0.8 * len(rest)))
    wave.attr["gender"][rest[:k_rest]] = "Kvinde"
    wave.attr["gender"][rest[k_rest:n_rest]] = "Mand"
    # Tabel 4.9 has a row for 'Andet': one such respondent among the students and one among the
    # experienced (a man's place, so no share of women moves), each in every model's sample.
    for group in ("Studerende", "Erfarne"):
        men = wave.members(group)[wave.attr["gender"][wave.members(group)] == "Mand"]
        answered = (wave.answers[men] > 0).sum(axis=1)
        wave.attr["gender"][men[np.argmax(answered)]] = "Andet"


def assign_jobs(wave: Wave, rng: np.random.Generator, published: pd.DataFrame) -> None:
    """Job types and the wish for competence development (Tabel 4.11)."""
    cells = published[published["table"] == "4.11"]
    professionals = rng.permutation(np.concatenate([wave.members("Nyuddannede"), wave.members("Erfarne")]))
    start = 0
    for job_type, rows in cells.groupby("row", sort=False):
        n = int(rows.loc[rows["column"] == "Antal personer", "value"].iloc[0])
        ja = rows.loc[rows["column"] == "Ja"].iloc[0]
        k = compatible_counts([ja["value"], None], [int(ja["decimals"]), 0], n) or [round(n * ja["value"] / 100)]
        members = professionals[start:start + n]
        start += n
        wave.attr["job_type"][members] = job_type
        wave.attr["wants_competence_dev"][members] = "Nej"
        wave.attr["wants_competence_dev"][members[:k[0]]] = "Ja"
    rest = professionals[start:]
    wave.attr["job_type"][rest] = "Ukendt"
    wave.attr["wants_competence_dev"][rest] = "Nej"
    wave.attr["wants_competence_dev"][rest[: max(1, len(rest) // 15)]] = "Ja"


def assign_roles(wave: Wave, rng: np.random.Generator, published: pd.DataFrame, row_item: str, col_item: str
                 ) -> None:
    """Volunteer roles (Tabel 4.14): sizes that reproduce the role shares, members who answered the
    crosstab's two items placed so that 'low on both' and 'high on both' come out as printed."""
    volunteers = wave.members("Frivillige")
    low_col = wave.col[row_item], wave.col[col_item]
    a, b = wave.answers[volunteers, low_col[0]], wave.answers[volunteers, low_col[1]]
    low = volunteers[(a > 0) & (b > 0) & (a <= 2) & (b <= 2)]
    high = volunteers[(a >= 3) & (b >= 3)]
    other = np.setdiff1d(volunteers, np.concatenate([low, high]))
    cells = published[published["table"] == "4.14"]
    columns = list(dict.fromkeys(cells["column"]))
    plan = {}
    for role, rows in cells.groupby("row", sort=False):
        shares = [float(rows.loc[rows["column"] == c, "value"].iloc[0]) for c in columns]
        decs = [int(rows.loc[rows["column"] == c, "decimals"].iloc[0]) for c in columns]
        plan[role] = (shares, decs)
    pools = {"low": list(rng.permutation(low)), "high": list(rng.permutation(high)), "other": list(rng.permutation(other))}
    # Role sizes that use up every 'low on both' and 'high on both' respondent, so the role printed
    # as 0,0 / 0,0 (unknown role) gets none of them; the smallest such sizes leave it the most people.
    unknown_role = [r for r in plan if plan[r][0] == [0.0, 0.0]]
    printed = [r for r in plan if r not in unknown_role]
    options = []
    for role in printed:
        shares, decs = plan[role]
        options.append([(n, c) for n in range(1, len(volunteers) + 1)
                        if (c := compatible_counts(shares + [None], decs + [0], n))])
    best = None
    for combo in itertools.product(*options):
        low_n = sum(c[0] for _, c in combo)
        high_n = sum(c[1] for _, c in combo)
        other_n = sum(c[2] for _, c in combo)
        if low_n == len(low) and high_n == len(high) and other_n < len(other):
            size = sum(n for n, _ in combo)
            if best is None or size < best[0]:
                best = (size, combo)
    if best is None:
        raise ValueError("no role sizes reproduce Tabel 4.14 with the crosstab's answers")
    for role, (_n, counts) in zip(printed, best[1]):
        chosen = [pools["low"].pop() for _ in range(counts[0])] + \
                 [pools["high"].pop() for _ in range(counts[1])] + \
                 [pools["other"].pop() for _ in range(counts[2])]
        wave.attr["volunteer_role_group"][chosen] = role
    rest = pools["low"] + pools["high"] + pools["other"]
    for role in unknown_role[:1]:
        wave.attr["volunteer_role_group"][rest] = role


def assign_volunteer_bands(wave: Wave, rng: np.random.Generator) -> None:
    """Experience bands of the volunteers (Tabel 4.16 prints 1-3 år and 4-10 år); annealed later."""
    members = rng.permutation(wave.members("Frivillige"))
    sizes = {"1-3 år": 2, "4-10 år": 9, "Mere end 10 år": 15, "Ingen": 3}
    start = 0
    for band, size in sizes.items():
        wave.attr["experience_band"][members[start:start + size]] = band
        start += size
