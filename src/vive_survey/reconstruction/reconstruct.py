"""Reconstruct a respondent-level wave from the published tables (VIVE's microdata is not public).

RECONSTRUCTION, NOT VIVE'S DATA. The three raw files this writes are made up so that the
pipeline, run on them, regenerates the published tables as closely as the tables allow.

Method, in four steps, all seeded (`seed` in the config), so the same inputs give the same bytes:

1. Respondents and bases. Group sizes are the ones the report states (Tabel 4.2/4.8: 109
   students, 54 newly qualified and 181 experienced professionals; Tabel 3.2: 34 volunteers). For
   each distribution row the audit's exact arithmetic (`audit.implied_bases`) lists the answering
   bases n that reproduce every printed share; per table and group the base shared by most rows
   is used (the largest on a tie), and a row that does not fit it uses its own nearest base. The
   bases are explained the way a real survey explains them: respondents who stopped early
   (modules are answered by nested sets of respondents, in questionnaire order), the filter
   question (only those who answer "Ja" get the external-collaboration module; the others answer
   "Nej"), and item non-response inside a module. A row no base can produce (the audit marks it
   unattainable) gets the counts nearest to its printed shares.

2. Exact counts. Each item's answers within each group are exactly the integer counts that
   reproduce its printed row (`audit.compatible_counts`), so every attainable distribution cell
   matches by construction. Tabel 4.13's two items are assigned as pairs with the crosstab's
   implied joint counts. Shares of women, job types with their wish for competence development
   (Tabel 4.11) and the volunteers' roles (Tabel 4.14) are integer solutions of the printed shares.

3. Simulated annealing (SPRITE-style swaps). Which respondent gets which answer does not change a
   distribution, but it decides index SDs and subgroup means. Swaps of two respondents' answers to
   one item within a group (pairs of answers for the crosstab), and swaps of gender, role and
   experience band between volunteers, are accepted by the Metropolis rule at a falling
   temperature to minimise the number of published index means and SDs (Tabel 4.8, 4.16) and role
   shares (Tabel 4.14) missed at the printed precision. Ages are annealed the same way, one year at
   a time, against the printed age means and SDs (Tabel 3.2, 4.2, 4.3).

4. Writing. One `;`-separated UTF-8 file per questionnaire, answers as Danish labels, with a
   column `kilde` saying in every row that the data is a reconstruction. Cleaning ignores and
   logs that column.

What no data can reproduce stays unreproduced (the diff says `unattainable`, with the audit's
reason); the regression table (4.9) is not fitted: its N.S. cells are matched by answers that
carry no systematic relation to the predictors.
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vive_survey.review.audit import compatible_counts, implied_bases
from vive_survey.inputs.codebook import Codebook
from vive_survey.printing.rounding import within_printed_precision
from vive_survey.analysis.cells import KEY
from vive_survey.analysis.spec import TableSpec, _block
from vive_survey.files import atomic_path

SOURCE_NOTE = "Rekonstrueret fra publicerede tabeller (VIVE 2021); ikke VIVEs data"
GROUP_SIZES = {"Studerende": 109, "Nyuddannede": 54, "Erfarne": 181, "Frivillige": 34}
QUESTIONNAIRE_OF = {"Studerende": "studerende", "Nyuddannede": "fagprofessionelle",
                    "Erfarne": "fagprofessionelle", "Frivillige": "frivillige"}
MODULE_ORDER = ["Erhvervskompetencer", "Interne relationer", "Oplevelser med eksternt samarbejde",
                "Faktiske samarbejdsoplevelser", "Krav til eksternt samarbejde"]
EXTERNAL_MODULE = "Oplevelser med eksternt samarbejde"
LIKERT = (1, 2, 3, 4)
JOB_TITLES = {"Ledere": "Afdelingsleder", "Administrative medarbejdere": "Administrativ medarbejder",
              "Socialrådgivere": "Socialrådgiver", "Socialpædagoger": "Socialpædagog",
              "Sundhedsmedarbejdere": "Sygeplejerske", "Ukendt": "Støttekontaktperson"}
ROLE_TEXTS = {"Leder": "Leder", "Koordinator": "Koordinator", "Medhjælp": "Medhjælper",
              "Ukendt rolle": "Kasserer"}
BAND_YEARS = {"Ingen": (0, 0), "1-3 år": (1, 3), "4-10 år": (4, 10), "Mere end 10 år": (11, 25)}


# ------------------------------------------------------------------------------ small solvers

def close_enough(x: float, target: float, decimals: int) -> bool:
    """Inside the printed precision, with a hair of margin so that the exact check agrees."""
    return abs(x - target) <= 0.5 * 10.0 ** -decimals - 1e-9


def share_solutions(percent: float, decimals: int, max_n: int) -> list[tuple[int, int]]:
    """(n, k) with k/n printing as `percent`, largest n first."""
    out = []
    for n in sorted(implied_bases([percent, None], [decimals, 0], max_n), reverse=True):
        counts = compatible_counts([percent, None], [decimals, 0], n)
        if counts is not None:
            out.append((n, counts[0]))
    return out


def grim_n(mean: float, decimals: int, max_n: int) -> int:
    """The largest n <= max_n for which some integer total gives `mean` at the printed precision."""
    for n in range(max_n, 0, -1):
        if close_enough(round(mean * n) / n, mean, decimals):
            return n
    return max_n


def nearest_counts(percentages: list, n: int) -> list[int]:
    """Counts summing to n as close as possible to the printed shares (for rows no base fits)."""
    shares = np.array([0.0 if p is None or p != p else p for p in percentages])
    raw = shares / max(shares.sum(), 1e-9) * n
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    return counts.tolist()


def choose_base(rows: list[list], decimals: list[list], limit: int) -> int | None:
    """The base shared by most rows (largest on a tie), up to `limit`."""
    tally: dict[int, int] = {}
    for shares, decs in zip(rows, decimals):
        for n in implied_bases(shares, decs, limit):
            tally[n] = tally.get(n, 0) + 1
    if not tally:
        return None
    return max(tally, key=lambda n: (tally[n], n))


def row_counts(shares: list, decs: list, base: int | None, limit: int) -> tuple[int, list[int]]:
    """(n, counts) for one printed row: the table's base if it fits, else the row's nearest base,
    else the nearest counts at the table's base."""
    if base is not None:
        counts = compatible_counts(shares, decs, base)
        if counts is not None:
            return base, counts
    own = implied_bases(shares, decs, limit)
    if own:
        n = min(own, key=lambda m: (abs(m - (base or m)), -m))
        return n, compatible_counts(shares, decs, n)
    n = base or limit
    return n, nearest_counts(shares, n)


# ------------------------------------------------------------------------------------ the plan

@dataclass
class ItemPlan:
    item: str
    group: str
    base: int
    counts: list[int]


@dataclass
class Target:
    """A published mean, SD or share the annealing tries to hit."""

    key: tuple
    value: float
    decimals: int
    stat: str
    theme: str | None
    members: dict            # attribute -> allowed values (AND); {} = the whole population
    condition: dict = field(default_factory=dict)


def distribution_plans(published: pd.DataFrame, specs: list[TableSpec]) -> list[ItemPlan]:
    """Counts per item and group from every likert_distribution table."""
    plans = []
    for spec in specs:
        if spec.kind != "likert_distribution":
            continue
        cells = published[published["table"] == spec.id]
        labels = {e["label"]: e["item"] for s in spec["sections"] for e in s["items"]}
        groups = {"": "Frivillige"}
        for block in spec.groups:
            groups.update({lvl.label: lvl.value for lvl in block.levels})
        for subrow, group_cells in cells.groupby("subrow", sort=False):
            group = groups[subrow]
            rows, decs, items = [], [], []
            for row, row_cells in group_cells.groupby("row", sort=False):
                answers = row_cells[row_cells["column"] != "Total"]
                rows.append([None if pd.isna(v) else float(v) for v in answers["value"]])
                decs.append([1 if pd.isna(d) else int(d) for d in answers["decimals"]])
                items.append(labels[row])
            limit = GROUP_SIZES[group]
            base = choose_base(rows, decs, limit)
            for item, shares, dec in zip(items, rows, decs):
                n, counts = row_counts(shares, dec, base, limit)
                plans.append(ItemPlan(item, group, n, counts))
    return plans


def index_targets(published: pd.DataFrame, specs: list[TableSpec]) -> list[Target]:
    """Means and SDs of index_summary tables, as targets over respondent attributes."""
    targets = []
    for spec in specs:
        if spec.kind != "index_summary":
            continue
        themes = {i["label"]: i["theme"] for i in spec["indices"]}
        subgroups = {}
        for raw_block in spec["groups"]:
            block = _block(raw_block)
            for lvl in block.levels:
                subgroups[lvl.label] = {block.var: [lvl.value]} if block.var else {}
        base = {k: v for k, v in spec.population.items()}
        cells = published[(published["table"] == spec.id) & published["stat"].isin(["mean", "sd"])
                          & published["value"].notna()]
        for cell in cells.itertuples(index=False):
            if spec["layout"] == "indices_as_rows":
                theme, members = themes.get(cell.row), subgroups.get(cell.column)
            else:
                theme, members = themes.get(cell.column), subgroups.get(cell.row)
            if theme is None or members is None:
                continue
            targets.append(Target(tuple(getattr(cell, k) for k in KEY), float(cell.value), int(cell.decimals),
                                  cell.stat, theme, {**base, **members}))
    return targets


# ---------------------------------------------------------------------------------- the state

class Wave:
    """Respondents of all three questionnaires: attributes, Likert answers (0 = no answer)."""

    def __init__(self, codebook: Codebook, rng: np.random.Generator):
        self.codebook = codebook
        self.rng = rng
        groups = [g for g, n in GROUP_SIZES.items() for _ in range(n)]
        self.n = len(groups)
        self.attr = {
            "group": np.array(groups, dtype=object),
            "questionnaire": np.array([QUESTIONNAIRE_OF[g] for g in groups], dtype=object),
            "gender": np.full(self.n, "", dtype=object),
            "volunteer_role_group": np.full(self.n, "", dtype=object),
            "experience_band": np.full(self.n, "", dtype=object),
            "job_type": np.full(self.n, "", dtype=object),
            "wants_competence_dev": np.full(self.n, "", dtype=object),
            "collab_experience": np.full(self.n, "", dtype=object),
        }
        self.items = [i.id for i in codebook.likert_items()]
        self.col = {item: k for k, item in enumerate(self.items)}
        self.answers = np.zeros((self.n, len(self.items)), dtype=np.int8)
        self.age = np.full(self.n, np.nan)

    def members(self, group: str) -> np.ndarray:
        return np.flatnonzero(self.attr["group"] == group)

    def mask(self, members: dict) -> np.ndarray:
        out = np.ones(self.n, dtype=bool)
        for var, values in members.items():
            out &= np.isin(self.attr[var].astype(str), [str(v) for v in values])
        return out


def _respondent_order(wave: Wave, group: str) -> np.ndarray:
    return wave.rng.permutation(wave.members(group))


def place_answers(wave: Wave, plans: list[ItemPlan], codebook: Codebook, crosstab_pairs: dict) -> None:
    """Answering sets (nested by module, prefixes of one order per group) and exact counts."""
    by_group: dict[str, list[ItemPlan]] = {}
    for plan in plans:
        by_group.setdefault(plan.group, []).append(plan)
    for group, group_plans in by_group.items():
        order = _respondent_order(wave, group)
        modules: dict[str, list[ItemPlan]] = {}
        for plan in group_plans:
            modules.setdefault(codebook.themes[codebook.item(plan.item).theme].module, []).append(plan)
        for module, module_plans in modules.items():
            size = max(p.base for p in module_plans)
            answering = order[:size]
            within = wave.rng.permutation(answering)      # item non-response: prefixes of one order
            for plan in module_plans:
                respondents = within[: plan.base]
                if plan.item in crosstab_pairs and group == "Frivillige":
                    continue
                values = np.repeat(LIKERT, plan.counts)
                wave.answers[respondents, wave.col[plan.item]] = wave.rng.permutation(values)
            if module == EXTERNAL_MODULE:
                later = [p.base for m, ps in modules.items() if MODULE_ORDER.index(m) > MODULE_ORDER.index(module)
                         for p in ps]
                reached = order[: max([size] + later)]
                wave.attr["collab_experience"][reached] = "Nej"
                wave.attr["collab_experience"][answering] = "Ja"
        pair = [p for p in group_plans if p.item in crosstab_pairs]
        if pair and group == "Frivillige":
            (row_item, col_item), joint = next(iter(crosstab_pairs.values()))
            module = codebook.themes[codebook.item(row_item).theme].module
            size = max(p.base for p in modules[module])
            answering = wave.rng.permutation(order[:size])[: int(joint.sum())]
            pairs = [(r + 1, c + 1) for r in range(4) for c in range(4) for _ in range(int(joint[r, c]))]
            pairs = [pairs[i] for i in wave.rng.permutation(len(pairs))]
            for respondent, (a, b) in zip(answering, pairs):
                wave.answers[respondent, wave.col[row_item]] = a
                wave.answers[respondent, wave.col[col_item]] = b


# --------------------------------------------------------------------------------- annealing

class IndexModel:
    """Index values per theme, kept up to date as answers change, and the targets' losses."""

    def __init__(self, wave: Wave, targets: list[Target], reverse_coding: bool):
        self.wave = wave
        cb = wave.codebook
        self.themes = sorted({t.theme for t in targets})
        self.theme_cols = {t: [wave.col[i.id] for i in cb.theme_items(t)] for t in self.themes}
        self.theme_rev = {t: np.array([reverse_coding and i.reverse for i in cb.theme_items(t)]) for t in self.themes}
        self.item_theme = {wave.col[i.id]: t for t in self.themes for i in cb.theme_items(t)}
        self.index = {t: self._compute(t) for t in self.themes}
        self.targets = targets
        self.attr_vars = sorted({v for t in targets for v in t.members})
        self.by_theme = {t: [k for k, tg in enumerate(targets) if tg.theme == t] for t in self.themes}
        self.by_attr = {v: [k for k, tg in enumerate(targets) if v in tg.members] for v in self.attr_vars}
        self.is_member = [wave.mask(t.members) for t in targets]
        self.members = [np.flatnonzero(m) for m in self.is_member]
        self.loss = np.array([self._loss(k) for k in range(len(targets))])

    def _compute(self, theme: str, rows=None) -> np.ndarray:
        answers = self.wave.answers[:, self.theme_cols[theme]] if rows is None else \
            self.wave.answers[np.ix_(rows, self.theme_cols[theme])]
        scores = np.where(self.theme_rev[theme], 5 - answers, answers).astype(float)
        complete = (answers > 0).all(axis=1)
        return np.where(complete, scores.mean(axis=1), np.nan)

    def update_rows(self, theme: str, rows) -> None:
        self.index[theme][rows] = self._compute(theme, rows)

    def refresh_members(self, k: int, rows) -> None:
        """Membership of target k re-read for the given respondents only."""
        allowed = self.targets[k].members
        for r in rows:
            self.is_member[k][r] = all(str(self.wave.attr[v][r]) in map(str, vals) for v, vals in allowed.items())
        self.members[k] = np.flatnonzero(self.is_member[k])

    def touching(self, theme: str, rows) -> list[int]:
        return [k for k in self.by_theme[theme] if any(self.is_member[k][r] for r in rows)]

    def value(self, k: int) -> float:
        target = self.targets[k]
        x = self.index[target.theme][self.members[k]]
        x = x[~np.isnan(x)]
        if target.stat == "mean":
            return x.mean() if len(x) else math.nan
        return x.std(ddof=1) if len(x) > 1 else math.nan

    def _loss(self, k: int) -> float:
        target = self.targets[k]
        x = self.value(k)
        if x != x:
            return 2.0
        if close_enough(x, target.value, target.decimals):
            return 0.0
        return 1.0 + min(1.0, abs(x - target.value))


def anneal(model: IndexModel, moves: list, steps: int, rng: np.random.Generator,
           extra_loss=None) -> float:
    """Metropolis acceptance of reversible moves at a geometrically falling temperature.

    `moves` are callables(rng) -> (apply, undo, affected target ids, touches extra) or None."""
    extra = extra_loss() if extra_loss else 0.0
    t_start, t_end = 0.6, 0.01
    for step in range(steps):
        temperature = t_start * (t_end / t_start) ** (step / max(steps - 1, 1))
        move = moves[rng.integers(len(moves))](rng)
        if move is None:
            continue
        apply, undo, affected, touches_extra = move
        apply()
        new_parts = np.array([model._loss(k) for k in affected])
        new_extra = extra_loss() if (extra_loss and touches_extra) else extra
        delta = new_parts.sum() - model.loss[affected].sum() + new_extra - extra
        if delta <= 0 or rng.random() < math.exp(-delta / temperature):
            model.loss[affected] = new_parts
            extra = new_extra
        else:
            undo()
    return float(model.loss.sum() + extra)


def answer_swap_moves(model: IndexModel, pools: list[tuple[int, np.ndarray]], pair_cols=None) -> callable:
    """A move: swap two respondents' answers to one item inside a pool (item column, respondents)."""
    wave = model.wave
    pair_cols = list(pair_cols or [])

    def move(rng):
        col, pool = pools[rng.integers(len(pools))]
        a, b = pool[rng.integers(len(pool))], pool[rng.integers(len(pool))]
        cols = pair_cols if col in pair_cols else [col]
        if a == b or all(wave.answers[a, c] == wave.answers[b, c] for c in cols):
            return None
        themes = sorted({model.item_theme[c] for c in cols if c in model.item_theme})
        affected = sorted({k for t in themes for k in model.touching(t, (a, b))})

        def swap():
            for c in cols:
                wave.answers[[a, b], c] = wave.answers[[b, a], c]
            for t in themes:
                model.update_rows(t, [a, b])
        return swap, swap, affected, col in pair_cols
    return move


def attribute_swap_move(model: IndexModel, var: str, pool: np.ndarray) -> callable:
    """A move: swap an attribute (gender, role, band) between two respondents of a pool."""
    wave = model.wave
    affected = model.by_attr.get(var, [])

    def move(rng):
        a, b = pool[rng.integers(len(pool))], pool[rng.integers(len(pool))]
        values = wave.attr[var]
        if values[a] == values[b]:
            return None

        def swap():
            values[[a, b]] = values[[b, a]]
            for k in affected:
                model.refresh_members(k, (a, b))
        return swap, swap, affected, var == "volunteer_role_group"
    return move


# ------------------------------------------------------------------------------- background

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


# ------------------------------------------------------------------------------------ ages

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


# ---------------------------------------------------------------------------------- writing

def experience_years(wave: Wave, rng: np.random.Generator) -> np.ndarray:
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

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for questionnaire, frame in frames.items():
        path = out_dir / f"{questionnaire}.csv"
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, sep=";", index=False, encoding="utf-8", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------------- main

def reconstruct(published: pd.DataFrame, specs: list[TableSpec], codebook: Codebook, *, seed: int,
                reference_year: int, reverse_coding: bool = True, steps: int = 200_000) -> dict[str, pd.DataFrame]:
    """The three raw exports of a wave reconstructed from the published tables."""
    rng = np.random.default_rng(seed)
    wave = Wave(codebook, rng)
    crosstab = next(s for s in specs if s.kind == "crosstab")
    joint_cells = published[published["table"] == crosstab.id]
    joint = np.array(compatible_counts(joint_cells["value"].tolist(), 1, 13)
                     or nearest_counts(joint_cells["value"].tolist(), 13)).reshape(4, 4)
    pair = (crosstab["row_item"], crosstab["column_item"])
    plans = distribution_plans(published, specs)
    place_answers(wave, plans, codebook, {pair[0]: (pair, joint), pair[1]: (pair, joint)})
    assign_shares(wave, rng, published)
    assign_jobs(wave, rng, published)
    assign_roles(wave, rng, published, *pair)
    assign_volunteer_bands(wave, rng)

    targets = index_targets(published, specs)
    model = IndexModel(wave, targets, reverse_coding)
    pools = []
    for plan in plans:
        respondents = wave.members(plan.group)
        answered = respondents[wave.answers[respondents, wave.col[plan.item]] > 0]
        if len(answered) > 1:
            pools.append((wave.col[plan.item], answered))
    pair_cols = [wave.col[pair[0]], wave.col[pair[1]]]
    role_targets = role_share_targets(published, wave, pair)
    volunteers = wave.members("Frivillige")
    moves = [answer_swap_moves(model, pools, pair_cols)] * 6
    for var in ("gender", "volunteer_role_group", "experience_band"):
        pool = volunteers[wave.attr[var][volunteers] != ""] if var != "volunteer_role_group" else volunteers
        moves.append(attribute_swap_move(model, var, pool))
    anneal(model, moves, steps, rng, extra_loss=role_targets)
    anneal_ages(wave, published, rng, steps // 2)
    return raw_frames(wave, codebook, rng, reference_year)


def role_share_targets(published: pd.DataFrame, wave: Wave, pair: tuple[str, str]):
    """Loss of Tabel 4.14's role shares (both answers low / both high, base all in the role)."""
    cells = published[published["table"] == "4.14"]
    columns = list(dict.fromkeys(cells["column"]))
    a_col, b_col = wave.col[pair[0]], wave.col[pair[1]]

    def loss() -> float:
        a, b = wave.answers[:, a_col], wave.answers[:, b_col]
        low = (a > 0) & (b > 0) & (a <= 2) & (b <= 2)
        high = (a >= 3) & (b >= 3)
        total = 0.0
        for cell in cells.itertuples(index=False):
            members = wave.attr["volunteer_role_group"] == cell.row
            n = members.sum()
            hits = (low if cell.column == columns[0] else high)[members].sum()
            share = 100 * hits / n if n else math.nan
            if share != share or not close_enough(share, cell.value, int(cell.decimals)):
                total += 3.0   # role shares are counts the roles were built to hit: keep them
        return total
    return loss
