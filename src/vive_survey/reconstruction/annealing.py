"""Simulated annealing of the answers (SPRITE-style swaps) towards the published index means and
SDs (Tabel 4.8, 4.16) and the volunteers' role shares (Tabel 4.14).

Which respondent gets which answer does not change a distribution, but it decides index SDs and
subgroup means. Swaps of two respondents' answers to one item within a group, and of gender, role
and experience band between volunteers, are accepted by the Metropolis rule at a falling
temperature, to minimise the number of targets missed at the printed precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vive_survey.analysis.cells import KEY
from vive_survey.analysis.spec import TableSpec, _block
from vive_survey.reconstruction.bases import close_enough
from vive_survey.reconstruction.respondents import Wave


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
