"""The attacker of tests/test_disclosure_attack.py. It reads one wave's reports/<wave>/ and public
structure (tables/*.yaml, data/codebook.yaml, the derivations docs/config.md documents) and imports
nothing of vive_survey, so a bug in the disclosure control cannot hide by being shared with its test.

Counts are unknowns of an integer program over "atoms": per questionnaire, the number of respondents
in each cell of the cross-classification of the variables the specs group it by (each with a
'(missing)' level). Every published number fixing a sum of atoms is a constraint; a suppressed value
is recovered when its minimum and maximum over all integer solutions coincide.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, vstack

MISSING, SUPPRESSED = "(missing)", "suppressed"
# Source item of each derived variable (docs/config.md, derive.*): a respondent whose questionnaire
# does not ask it is '(missing)' on the derived variable.
DERIVED_FROM = {"volunteer_role_group": "volunteer_role", "job_type": "job_title",
                "experience_band": "experience_years", "group": "experience_years"}
# One respondent's value: an index is a mean of 1-4 answers; an age is within cleaning.min_age and
# max_age (docs/config.md defaults).
VALUE_RANGE, INDEX_RANGE = {"age": (15.0, 100.0)}, (1.0, 4.0)


def num(text) -> float | None:
    """A number from a published field, None when empty or not a number."""
    try:
        return float(text) if str(text).strip() else None
    except ValueError:
        return None


def whole(x: float | None) -> int | None:
    """A count from a full-precision share * base / 100, None when it is not one."""
    return None if x is None or abs(x - round(x)) > 1e-6 else int(round(x))


def add(*exprs: dict, scale=()) -> dict:
    out: dict = {}
    for k, expr in enumerate(exprs):
        for name, coef in expr.items():
            out[name] = out.get(name, 0.0) + (scale[k] if k < len(scale) else 1.0) * coef
    return out


@dataclass(frozen=True)
class Group:
    """Respondents described by public structure: questionnaires, allowed levels per variable."""
    qs: frozenset
    where: tuple = ()

    def restrict(self, var: str, levels) -> "Group":
        return Group(self.qs, tuple(sorted(dict(self.where, **{var: frozenset(levels)}).items())))

    def __str__(self) -> str:
        return "[" + "+".join(sorted(self.qs)) + "".join(f", {v} in {sorted(ls)}" for v, ls in self.where) + "]"


class Published:
    """All the attacker reads: one wave's reports folder, the table specs and the codebook."""

    def __init__(self, reports: Path, project: Path):
        self.reports, read = reports, dict(dtype=str, keep_default_na=False)
        self.cells = pd.read_csv(reports / "tables" / "cells.csv", **read)
        self.models = pd.read_csv(reports / "tables" / "models.csv", **read)
        self.log = json.loads((reports / "cleaning_log.json").read_text(encoding="utf-8"))
        specs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((project / "tables").glob("*.yaml"))]
        self.specs = {str(s["id"]): s for s in specs}
        self.codebook = yaml.safe_load((project / "data" / "codebook.yaml").read_text(encoding="utf-8"))
        self.items = {item["id"]: item for item in self.codebook["items"]}
        self.questionnaires = frozenset(q for item in self.codebook["items"] for q in item["questionnaires"])
        self._levels: dict[str, list] = {}

    def table(self, table_id) -> pd.DataFrame:
        return self.cells[self.cells["table"] == str(table_id)]

    def population(self, spec) -> frozenset:
        return frozenset((spec.get("population") or {}).get("questionnaire") or self.questionnaires)

    def code_labels(self, item_id: str) -> dict[int, str]:
        scale = self.codebook["scales"][self.items[item_id]["scale"]]
        return {int(k): v for k, v in scale.get("codes", {}).items()}

    def blocks(self, spec) -> list[tuple[str, str | None, list[tuple[str, str]]]]:
        """(section, variable or None for a whole-population row, [(value, label)]) per group block."""
        out = []
        for g in spec.get("groups") or []:
            levels = [(str(x["value"]), str(x.get("label", x["value"]))) if isinstance(x, dict)
                      else (str(x), str(x)) for x in g.get("levels", [])]
            out.append((g.get("section", ""), g.get("var"), levels if "var" in g else [("", g["label"])]))
        return out

    def label_groups(self, spec) -> dict[str, tuple[Group, str | None]]:
        """Printed group label -> (its respondents, its variable)."""
        pop = self.population(spec)
        return {label: (Group(pop & {value}) if var == "questionnaire" else Group(pop) if var is None
                        else Group(pop).restrict(var, {value}), var)
                for _section, var, levels in self.blocks(spec) for value, label in levels}

    def levels(self, var: str) -> list[str]:
        """Every level a grouping variable can take (specs, codebook, cleaning log), then '(missing)'."""
        if var not in self._levels:
            found = set(self.code_labels(var).values()) if var in self.items else set()
            for spec in self.specs.values():
                found |= {value for _s, v, levels in self.blocks(spec) if v == var for value, _l in levels}
                found |= {str(x) for p in spec.get("predictors", []) if p.get("var") == var
                          for x in p.get("levels", [])}
            found |= set((self.log.get("derived") or {}).get(var, {})) - {MISSING}
            self._levels[var] = sorted(found) + [MISSING]
        return self._levels[var]

    def answered(self, g: Group, var: str) -> Group:
        return g.restrict(var, set(self.levels(var)) - {MISSING})


def value_columns(spec) -> list[dict]:
    """Columns giving the share of a group with one value of a variable (e.g. women)."""
    return [c for c in spec.get("columns", []) if c.get("stat") == "pct_of_group" and "var" in c]


def measures(spec) -> list[str]:
    """What a table gives a mean of, per group: index themes, or mean_sd variables (age)."""
    if spec["kind"] == "index_summary":
        return [ix["theme"] for ix in spec["indices"]]
    return [c["var"] for c in spec.get("columns", []) if c.get("stat") == "mean_sd"]


class Program:
    """A mixed-integer program: named variables, constraints tagged with the channel (kind of
    published fact) they come from, and a pool of known feasible solutions."""

    def __init__(self):
        self.names, self.lb, self.ub, self.integer, self.rows, self.pool = {}, [], [], [], [], []
        self._built, self._seen = None, set()

    def var(self, name, lb=0.0, ub=np.inf, integer=True):
        if name not in self.names:
            self.names[name], self._built = len(self.lb), None
            self.lb.append(lb), self.ub.append(ub), self.integer.append(integer)
        return name

    def add(self, expr: dict, lo: float, hi: float, channel: str):
        if (key := (frozenset(expr.items()), lo, hi)) not in self._seen:   # cells repeat facts (n of a group)
            self._seen.add(key)
            self.rows.append((dict(expr), lo, hi, channel))
            self._built = None

    def _matrix(self, rows):
        cells = [(r, self.names[name], coef) for r, row in enumerate(rows) for name, coef in row[0].items()]
        r, c, v = zip(*cells) if cells else ((), (), ())
        return csr_matrix((v, (r, c)), shape=(len(rows), len(self.lb)))

    def vec(self, expr: dict) -> np.ndarray:
        c = np.zeros(len(self.lb))
        for name, coef in expr.items():
            c[self.names[name]] += coef
        return c

    def solve(self, objective: dict, extra=(), relax=False) -> tuple[float, np.ndarray] | None:
        """Minimum of the objective and a solution attaining it (an integer one joins the pool); None if
        infeasible. relax: the linear relaxation (no integrality)."""
        if self._built is None:
            self._built = (self._matrix(self.rows), [r[1] for r in self.rows], [r[2] for r in self.rows])
            self.pool = []
        a, lo, hi = self._built
        if extra:
            a, lo, hi = vstack([a, self._matrix(extra)]), lo + [e[1] for e in extra], hi + [e[2] for e in extra]
        integer = np.array(self.integer, dtype=int) * (not relax)
        for presolve in (True, False):                  # HiGHS's presolve at times ends in "Solve error"
            res = milp(self.vec(objective), constraints=LinearConstraint(a, lo, hi), integrality=integer,
                       bounds=Bounds(self.lb, self.ub),
                       options={"mip_rel_gap": 0, "time_limit": 120, "presolve": presolve})
            if res.x is not None or res.status == 2:
                break
        if res.x is None:
            assert res.status == 2, f"solver gave up ({res.message})"
            return None
        if relax:
            return res.fun, res.x
        self.pool.append(np.where(integer == 1, np.round(res.x), res.x))
        return res.fun, self.pool[-1]

    def range(self, expr: dict, extra=(), relax=False) -> tuple[float, float] | None:
        lo, hi = self.solve(expr, extra, relax), self.solve({k: -v for k, v in expr.items()}, extra, relax)
        return None if lo is None else (lo[0], -hi[0])

    def pinned(self, expr: dict, extra=()) -> int | None:
        """The one value a count can take, else None; two known solutions that differ settle it."""
        if not extra and len(self.pool) > 1 and np.ptp(np.array(self.pool) @ self.vec(expr)) > 0.5:
            return None
        if not extra and (lp := self.range(expr, relax=True)):   # (feasible) relaxation holding one integer
            if np.ceil(lp[0] - 1e-6) == np.floor(lp[1] + 1e-6):
                return int(np.ceil(lp[0] - 1e-6))
        found = self.range(expr, extra)
        return None if found is None or found[1] - found[0] > 0.5 else round(found[0])

    def ratio_range(self, num_: dict, den: dict, extra=(), enough=np.inf) -> tuple[float, float] | None:
        """min and max of num/den over solutions with den >= 1, by Dinkelbach's method (minimise
        num - t*den, move t to the ratio found, until nothing is below t); stops once `enough` wide."""
        if not extra and len(self.pool) > 1:
            points = np.array(self.pool)
            d = points @ self.vec(den)
            ratios = (points[d > 0.5] @ self.vec(num_)) / d[d > 0.5]
            if len(ratios) > 1 and np.ptp(ratios) >= enough:
                return ratios.min(), ratios.max()
        extra, bounds = list(extra) + [(den, 1, np.inf, "")], []
        for sign in (1, -1):
            signed = {k: sign * v for k, v in num_.items()}
            if (found := self.solve(signed, extra)) is None:
                return None
            for _step in range(30):
                t = (self.vec(signed) @ found[1]) / (self.vec(den) @ found[1])
                better = self.solve(add(signed, den, scale=(1, -t)), extra)
                if better[0] > -1e-6 or (bounds and abs(sign * t - bounds[0]) >= enough):
                    break
                found = better
            bounds.append(sign * t)
        return bounds[0], bounds[1]

    def check_feasible(self):
        """The real data meet every constraint: infeasible = an output misread (name the channels)."""
        if self.solve({}) is not None:
            return
        kept, culprits = self.rows, []
        for channel in sorted({r[3] for r in kept}):
            self.rows, self._built = [r for r in kept if r[3] in (channel, "structure")], None
            culprits += [channel] if self.solve({}) is None else []
        self.rows, self._built = kept, None
        raise AssertionError(f"attacker model infeasible (misread output?); in conflict: {culprits or 'a mix'}")


class Attack:
    """The integer program of one wave's published group sizes, means and cleaning-log counts."""

    def __init__(self, pub: Published):
        self.pub, self.lp = pub, Program()
        self.vars = {q: set() for q in pub.questionnaires}        # atom variables per questionnaire
        self.layer_vars: dict[tuple, set] = {}                     # (measure, q) -> grouping variables
        for spec in pub.specs.values():
            block_vars = {v for _s, v, _l in pub.blocks(spec) if v not in (None, "questionnaire")}
            used = block_vars | {c["var"] for c in value_columns(spec)}
            used |= {p["var"] for p in spec.get("predictors", []) if "levels" in p}
            for q in pub.population(spec):
                self.vars[q] |= used
                for m in measures(spec):
                    self.layer_vars.setdefault((m, q), set()).update(block_vars)
        self.vars = {q: sorted(v) for q, v in self.vars.items()}
        self.atoms = {q: list(itertools.product(*map(pub.levels, self.vars[q]))) for q in self.vars}
        [self.lp.var(("N", q, atom)) for q in self.atoms for atom in self.atoms[q]]
        # Measure layers, per cell of the tables' grouping: C = respondents with a value (at most the
        # cell's size), S = the sum of their values (between the least and largest value times C).
        for (m, q), lvars in self.layer_vars.items():
            lvars = self.layer_vars[(m, q)] = sorted(lvars)
            lo, hi = VALUE_RANGE.get(m, INDEX_RANGE)
            for cell in itertools.product(*map(pub.levels, lvars)):
                c, s = self.lp.var(("C", m, q, cell)), self.lp.var(("S", m, q, cell), -np.inf, np.inf, False)
                inside = self._sum("N", q, self.vars[q], [*self.atoms[q]], dict(zip(lvars, ({x} for x in cell))))
                self.lp.add(add({c: 1}, inside, scale=(1, -1)), -np.inf, 0, "structure")
                self.lp.add({c: lo, s: -1}, -np.inf, 0, "structure")
                self.lp.add({c: -hi, s: 1}, -np.inf, 0, "structure")
        self._log_constraints()
        [self._table_constraints(spec, pub.table(tid)) for tid, spec in pub.specs.items()]
        self.lp.check_feasible()

    def domain(self, var: str) -> frozenset:
        item = self.pub.items.get(DERIVED_FROM.get(var, var))
        return frozenset(item["questionnaires"]) if item else self.pub.questionnaires

    def _sum(self, kind, q, lvars, cells, where: dict, m=None) -> dict:
        expr = {}
        for cell in cells:
            ok = True
            for var, allowed in where.items():
                if var in lvars:
                    ok &= cell[lvars.index(var)] in allowed
                elif q not in self.domain(var):                # never asked: '(missing)' for all of q
                    ok &= MISSING in allowed
                else:
                    raise KeyError(f"{var} is not modelled for {q} ({kind} {m})")
            if ok:
                expr[(kind, q, cell) if m is None else (kind, m, q, cell)] = 1.0
        return expr

    def size(self, g: Group) -> dict:
        return add(*(self._sum("N", q, self.vars[q], self.atoms[q], dict(g.where)) for q in g.qs))

    def layer(self, kind: str, m: str, g: Group) -> dict:
        """'C': g's respondents with a value of measure m; 'S': the sum of their values."""
        return add(*(self._sum(kind, q, self.layer_vars[(m, q)], [*itertools.product(
            *map(self.pub.levels, self.layer_vars[(m, q)]))], dict(g.where), m) for q in g.qs))

    def count(self, m: str | None, g: Group) -> dict:                 # respondents (with a value of m)
        return self.size(g) if m is None else self.layer("C", m, g)

    def fix(self, expr, value, channel, upper=None):
        if value is not None:
            self.lp.add(expr, value, value if upper is None else upper, channel)

    def mean_is(self, m, g, mean, channel):
        """sum - mean * answered = 0 (a published mean has 15 digits)."""
        if mean is not None:
            self.lp.add(add(self.layer("S", m, g), self.layer("C", m, g), scale=(1, -mean)), -1e-6, 1e-6, channel)

    def _log_constraints(self):
        """cleaning_log.json 'derived': respondents per level of a derived variable, all questionnaires."""
        for var, counts in (self.pub.log.get("derived") or {}).items():
            margins = {}
            for level, cnt in counts.items():
                expr = {}
                for q in sorted(self.pub.questionnaires):
                    if var in self.vars[q] or q not in self.domain(var):
                        expr = add(expr, self.size(Group(frozenset({q})).restrict(var, {level})))
                        continue
                    if q not in margins:      # q has the variable, no table crosses it: a margin of its own
                        margins[q] = {lv: self.lp.var(("M", q, var, lv)) for lv in self.pub.levels(var)}
                        self.fix(add(dict.fromkeys(margins[q].values(), 1.0), self.size(Group(frozenset({q}))),
                                     scale=(1, -1)), 0, "structure")
                    expr[margins[q][level]] = 1.0
                self.fix(expr, cnt if isinstance(cnt, int) else None, "cleaning log derived counts")

    def _table_constraints(self, spec, cells):
        pub, kind, labels = self.pub, spec["kind"], self.pub.label_groups(spec)
        pop, columns = Group(pub.population(spec)), {c["label"]: c for c in spec.get("columns", [])}
        indices, lower = {ix["label"]: ix["theme"] for ix in spec.get("indices", [])}, {}
        for r in cells[cells["flag"] != SUPPRESSED].itertuples():
            v, b = num(r.value), num(r.base_n)
            if kind == "respondent_summary" and r.row in labels and r.column in columns:
                (g, var), col = labels[r.row], columns[r.column]
                if col["stat"] == "n":
                    self.fix(self.size(g), v, "group sizes")
                elif col["stat"] == "share_of_population" and b:   # base: the population with var
                    self.fix(self.size(pub.answered(pop, var) if var else g), b, "group sizes")
                    self.fix(self.size(g), whole(None if v is None else v * b / 100), "group sizes")
                elif col["stat"] == "pct_of_group" and b is not None:
                    self.fix(self.size(pub.answered(g, col["var"])), b, "shares of a value")
                    self.fix(self.size(g.restrict(col["var"], {col["value"]})),
                             whole(None if v is None else v * b / 100), "shares of a value")
                elif r.stat == "mean" and b:
                    self.fix(self.layer("C", col["var"], g), b, "summary means")
                    self.mean_is(col["var"], g, v, "summary means")
            elif kind == "share_table" and r.row in labels and b is not None:
                if spec["base"] == "all":                     # the base is everyone in the group
                    self.fix(self.size(labels[r.row][0]), b, "group sizes")
                lower[labels[r.row][0]] = max(lower.get(labels[r.row][0], 0), b)
            elif kind == "likert_distribution" and b is not None:
                g = labels[r.subrow][0] if spec.get("groups") else pop
                lower[g] = max(lower.get(g, 0), b)
            elif kind == "index_summary":
                as_rows = spec["layout"] == "indices_as_rows"
                if as_rows and r.row == spec.get("n_row"):   # the row of group sizes
                    self.fix(self.size(labels[r.column][0]), v, "group sizes")
                    continue
                theme, label = (indices.get(r.row), r.column) if as_rows else (indices.get(r.column), r.row)
                if theme and label in labels:
                    self.fix(self.layer("C", theme, labels[label][0]), b, "index n")
                    self.mean_is(theme, labels[label][0], v if r.stat == "mean" else None, "index means")
        for g, b in lower.items():                           # who answered an item are in the group
            self.fix(self.size(g), b, "bases (lower bounds)", upper=np.inf)

    def mean_range(self, m, g, extra=(), enough=0.05) -> tuple[float, float] | None:   # mean of m in g
        return self.lp.ratio_range(self.layer("S", m, g), self.layer("C", m, g), extra, enough)

    def share_range(self, g, var, value, extra=(), enough=0.5) -> tuple[float, float] | None:
        """Range (%) of the share with `value` among g's respondents who answered var."""
        found = self.lp.ratio_range(self.size(g.restrict(var, {value})), self.size(self.pub.answered(g, var)),
                                    extra, enough / 100)
        return None if found is None else (100 * found[0], 100 * found[1])

    def remainders(self):
        """(table, block, statistic, the population's respondents outside the printed levels) per
        grouping block and statistic printed by group: a measure's mean, or (var, value) for a share."""
        for tid, spec in self.pub.specs.items():
            for section, var, levels in self.pub.blocks(spec):
                if var not in (None, "questionnaire"):
                    outside = set(self.pub.levels(var)) - {v for v, _ in levels}
                    rest = Group(self.pub.population(spec)).restrict(var, outside)
                    for m in measures(spec) + [(c["var"], c["value"]) for c in value_columns(spec)]:
                        yield tid, section or var, m, rest


class Crosstab:
    """A crosstab's counts y[i, j] (respondents answering both items) as an integer program: its own
    counts and shares, its items in likert tables of its population (margins), and share tables whose
    conditions use only its two items (blocks, e.g. Tabel 4.14 per role)."""

    def __init__(self, pub: Published, attack: Attack, spec):
        self.spec, self.lp, items = spec, Program(), (spec["row_item"], spec["column_item"])
        self.codes = [pub.code_labels(item) for item in items]
        self.y = {(i, j): self.lp.var(("y", i, j)) for i in self.codes[0] for j in self.codes[1]}
        self.total, self.test, self.shown = dict.fromkeys(self.y.values(), 1.0), {}, {}
        self.hidden_shares: dict[tuple, tuple] = {}   # (table, row, column) -> (its count's variable, base)
        code_of = [{label: code for code, label in c.items()} for c in self.codes]
        for r in pub.table(spec["id"]).itertuples():
            v = num(r.value) if r.flag != SUPPRESSED else None
            key = (code_of[0].get(r.row), code_of[1].get(r.column))
            if r.section == "_test" or key not in self.y or v is None:
                self.test.update({r.stat: v} if r.section == "_test" else {})
                continue
            line = {"pct_total": self.total, "pct_row": self.line(0, key[0]), "pct_column": self.line(1, key[1])}
            line["pct"] = line["pct_" + spec.get("percent", "total")]      # the table's main share
            if r.stat == "n":
                self.shown[key] = v
                self.lp.add({self.y[key]: 1}, v, v, "crosstab counts")
            elif r.stat in line:                            # 100 y = share * (total, row or column)
                self.lp.add(add({self.y[key]: 100.0}, line[r.stat], scale=(1, -v)), -1e-6, 1e-6, "crosstab shares")
        if self.test.get("n") is not None:                   # the test's n: everyone in the table
            self.lp.add(self.total, self.test["n"], self.test["n"], "crosstab counts")
        for other in (o for o in pub.specs.values() if pub.population(o) == pub.population(spec)):
            if other["kind"] == "likert_distribution" and not other.get("groups"):   # margin <= item's count
                got = pub.table(other["id"])
                for entry in (e for s in other["sections"] for e in s["items"] if e["item"] in items):
                    axis = items.index(entry["item"])
                    for r in got[(got["row"] == entry["label"]) & (got["flag"] != SUPPRESSED)].itertuples():
                        cnt = whole(num(r.value) * num(r.base_n) / 100) if num(r.value) is not None else None
                        if r.column in code_of[axis] and cnt is not None:
                            self.lp.add(self.line(axis, code_of[axis][r.column]), 0, cnt, "crosstab margins")
            if other["kind"] == "share_table" and all(set(c.get("condition", {})) <= set(items)
                                                      for c in other["columns"]):
                self._blocks(pub, attack, other, items)
        self.lp.check_feasible()

    def line(self, axis: int, code: int) -> dict:
        return {name: 1.0 for key, name in self.y.items() if key[axis] == code}

    def _blocks(self, pub, attack, other, items):
        """Per condition column and group block: the shown groups' counts sum to the block of y the
        condition covers, give or take the respondents of groups not shown."""
        population, got = attack.lp.range(attack.size(Group(pub.population(other))))[1], pub.table(other["id"])
        for col in (c for c in other["columns"] if "condition" in c):
            cond = [col["condition"].get(item, list(self.codes[a])) for a, item in enumerate(items)]
            block = {name: 1.0 for (i, j), name in self.y.items() if i in cond[0] and j in cond[1]}
            rows = got[(got["column"] == col["label"]) & (got["flag"] != SUPPRESSED)]
            hidden = got[(got["column"] == col["label"]) & (got["flag"] == SUPPRESSED)]
            for _section, _var, levels in pub.blocks(other):
                labels = [l for _v, l in levels]
                pairs = [(v, b) for r in rows[rows["row"].isin(labels)].itertuples()
                         if None not in ((v := num(r.value)), (b := num(r.base_n)))]
                known = sum(whole(v * b / 100) or 0 for v, b in pairs)
                # A hidden share's count is its own unknown, between 0 and its group's size when that
                # is printed elsewhere (the same row's other columns); the block holds them all.
                counts = {}
                for r in hidden[hidden["row"].isin(labels)].itertuples():
                    base = self._row_base(got, r.row)
                    name = self.lp.var(("hits", other["id"], r.row, col["label"]))
                    self.lp.add({name: 1.0}, 0, base if base is not None else population, "crosstab blocks")
                    counts[name] = -1.0
                    self.hidden_shares[(other["id"], r.row, col["label"])] = (name, base)
                bases = sum(b for _v, b in pairs) + sum(self._row_base(got, r.row) or 0
                                                        for r in hidden[hidden["row"].isin(labels)].itertuples())
                self.lp.add({**block, **counts}, known, known + max(population - bases, 0), "crosstab blocks")

    @staticmethod
    def _row_base(got, row) -> int | None:
        shown = got[(got["row"] == row) & (got["flag"] != SUPPRESSED)]
        bases = [num(b) for b in shown["base_n"] if num(b) is not None]
        return int(bases[0]) if bases else None

