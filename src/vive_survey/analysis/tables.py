"""Compute a table's cells from its specification: one function per kind, all returning cells.

The data passed in is the cleaned respondent data with indices added (`indices.add_indices`).
Nothing here formats numbers: values stay at full precision for rendering and diffing.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from vive_survey.analysis.cells import cell
from vive_survey.analysis.disclosure.ledger import GroupLedger
from vive_survey.inputs.codebook import Codebook
from vive_survey.analysis.indices import INDEX_PREFIX, cronbach_alpha_by_group, item_scores
from vive_survey.analysis.models import ModelOptions, Predictor, fit_models
from vive_survey.analysis.spec import Block, TableSpec, level
from vive_survey.analysis.stats import chi_square, grouped_counts, mean_sd, percentages

TOTAL = "Total"


def value_mask(series: pd.Series, values: list) -> np.ndarray:
    """Rows whose value is one of `values` (given as text, as in a spec): '3' matches the Likert
    answer 3, 'Kvinde' the category Kvinde. Vectorised for every column type; missing never matches."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        # Through the category codes: a lookup per category, then one gather over the rows.
        wanted = np.append(series.cat.categories.astype(str).isin([str(v) for v in values]), False)
        return wanted[series.cat.codes.to_numpy()]
    if pd.api.types.is_numeric_dtype(series.dtype):
        numbers = []
        for value in values:
            try:
                numbers.append(float(value))
            except (TypeError, ValueError):
                continue
        hit = series.isin(numbers)
    else:
        hit = series.isin([str(v) for v in values])
    return hit.to_numpy(dtype=bool, na_value=False)


def answered_mask(series: pd.Series) -> np.ndarray:
    return series.notna().to_numpy(dtype=bool)


def population_mask(data: pd.DataFrame | Rows, spec: TableSpec) -> np.ndarray:
    mask = np.ones(len(data), dtype=bool)
    for var, values in spec.population.items():
        mask &= value_mask(data[var], values)
    return mask


class Rows:
    """A selection of the respondents' rows whose columns are taken only when a table asks for
    them, and then once: a table touches a few of the data's hundred-odd columns, so copying
    whole frames per population and group would cost most of the time on a large wave."""

    def __init__(self, data: pd.DataFrame, positions: np.ndarray | None = None, ledger: GroupLedger | None = None):
        self.data = data
        self.positions = positions
        self.ledger = ledger     # set when disclosure control records the groups behind the cells
        self._columns: dict[str, pd.Series] = {}
        self._floats: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.data) if self.positions is None else len(self.positions)

    def __getitem__(self, column: str) -> pd.Series:
        if column not in self._columns:
            series = self.data[column]
            if self.positions is not None:
                series = series.take(self.positions)
            self._columns[column] = series
        return self._columns[column]

    def floats(self, column: str) -> np.ndarray:
        """The column as float64, NaN for missing (Likert codes, indices, numbers)."""
        if column not in self._floats:
            self._floats[column] = self[column].to_numpy(dtype=float, na_value=np.nan)
        return self._floats[column]

    def select(self, mask: np.ndarray) -> "Rows":
        chosen = np.flatnonzero(mask)
        return Rows(self.data, chosen if self.positions is None else self.positions[chosen], self.ledger)


class Populations:
    """Each distinct population of the specs, selected from the data once."""

    def __init__(self, data: pd.DataFrame, ledger: GroupLedger | None = None):
        self.rows = Rows(data, ledger=ledger)
        self._cache: dict[tuple, Rows] = {}

    def of(self, spec: TableSpec) -> Rows:
        key = tuple(sorted((k, tuple(v)) for k, v in spec.population.items()))
        if key not in self._cache:
            self._cache[key] = self.rows.select(population_mask(self.rows, spec)) if key else self.rows
        return self._cache[key]


def block_groups(data: Rows, block: Block) -> list[tuple[str, np.ndarray]]:
    """(label, mask) for every level of a block."""
    if block.var is None:
        return [(block.levels[0].label, np.ones(len(data), dtype=bool))]
    return [(lvl.label, value_mask(data[block.var], [lvl.value])) for lvl in block.levels]


def record_groups(pop: Rows, block: Block, groups: list[tuple[str, np.ndarray]]) -> tuple[list[str], str]:
    """The ledger's ids of a block's groups and the id of their family (the population's id and
    the variable: "" for a block without one); with its levels, the family is recorded in the
    ledger. Empty ids when disclosure control is off."""
    if pop.ledger is None:
        return [""] * len(groups), ""
    levels = block.levels if block.var is not None else [None] * len(groups)
    ids = [pop.ledger.group(pop.positions, mask, None if lvl is None else (block.var, str(lvl.value)))
           for (_label, mask), lvl in zip(groups, levels)]
    if block.var is None:
        return ids, ""
    population = pop.ledger.group(pop.positions, np.ones(len(pop), dtype=bool))
    pop.ledger.family(population, ids)
    return ids, f"{population}|{block.var}"


def scale_positions(values: np.ndarray, codes: list) -> np.ndarray:
    """Each value's position among the scale's sorted codes; -1 for missing or off-scale."""
    codes = [float(c) for c in codes]
    low, high = codes[0], codes[-1]
    if all(c.is_integer() for c in codes) and high - low < 1000:
        # A lookup table indexed by the value: branch-free, one pass (missing and off-scale values
        # land in the table's first or last slot, which hold -1).
        table = np.full(int(high - low) + 3, -1, dtype=np.int64)
        for k, code in enumerate(codes):
            table[int(code - low) + 1] = k
        shifted = np.fmin(np.fmax(values - (low - 1), 0.0), high - low + 2)   # NaN -> 0 (fmax ignores NaN)
        slots = shifted.astype(np.int64)
        positions = table[slots]
        positions[slots != shifted] = -1                                        # not a whole number
        return positions
    out = np.full(len(values), -1, dtype=np.int64)
    for k, code in enumerate(codes):
        out[values == code] = k
    return out


# ------------------------------------------------------------------------- likert_distribution

def likert_distribution(spec: TableSpec, pop: Rows, codebook: Codebook, settings: dict) -> list[dict]:
    """Row percentages over the scale's categories for each item (x group), base = those who
    answered the item; a Total column (sum of the shares, 100 when anyone answered) if asked."""
    blocks = spec.groups or [Block("", None, (level({"value": "", "label": ""}),))]
    per_block = [(block, block_groups(pop, block)) for block in blocks]
    groups = [group for _block, found in per_block for group in found]
    recorded = [record_groups(pop, block, found) for block, found in per_block]
    ids = [i for block_ids, _family in recorded for i in block_ids]
    families = [family for block_ids, family in recorded for _i in block_ids]
    group_code = np.full(len(pop), -1, dtype=np.int64)
    overlapping = False
    for g, (_label, mask) in enumerate(groups):
        overlapping |= bool((mask & (group_code >= 0)).any())
        group_code[mask & (group_code < 0)] = g
    if overlapping:
        raise ValueError(f"table {spec.id}: groups overlap; a likert_distribution needs disjoint groups")
    cells = []
    for section in spec["sections"]:
        for entry in section["items"]:
            item = codebook.item(entry["item"])
            scale = codebook.scale_of(item)
            codes = sorted(scale.codes)
            value_code = scale_positions(pop.floats(item.id), codes)
            counts = grouped_counts(group_code, value_code, len(groups), len(codes))
            shares = percentages(counts, axis=1)
            for g, (label, _mask) in enumerate(groups):
                n = int(counts[g].sum())
                for k, code in enumerate(codes):
                    cells.append(cell(spec.id, entry["label"], scale.codes[code], "pct", shares[g, k],
                                      section=section["label"], subrow=label, base_n=n, group=ids[g],
                                      family=families[g], measure=f"{item.id}={code}"))
                if spec.get("total_column", False):
                    cells.append(cell(spec.id, entry["label"], TOTAL, "pct", 100.0 if n else None,
                                      section=section["label"], subrow=label, base_n=n, group=ids[g],
                                      family=families[g], measure=f"{item.id}:total"))
    return cells


# ------------------------------------------------------------------------------ index_summary

def index_summary(spec: TableSpec, pop: Rows, codebook: Codebook, settings: dict) -> list[dict]:
    """Mean and SD (ddof=1) of each index per group, with n; Cronbach's alpha per index and group."""
    as_rows = spec["layout"] == "indices_as_rows"
    reverse = settings["indices"]["reverse_coding"]
    groups, ids, families = [], [], []
    for block in spec.groups:
        found = block_groups(pop, block)
        block_ids, family = record_groups(pop, block, found)
        groups += [(block, label, mask) for label, mask in found]
        ids += block_ids
        families += [family] * len(found)
    alphas = {index["theme"]: cronbach_alpha_by_group(item_scores(pop, codebook, index["theme"], reverse),
                                                      [mask for _block, _label, mask in groups])
              for index in spec["indices"]}
    cells = []
    for g, (block, label, mask) in enumerate(groups):
        for index in spec["indices"]:
            mean, sd, n = mean_sd(pop.floats(INDEX_PREFIX + index["theme"])[mask])
            alpha = alphas[index["theme"]][g]
            if as_rows:
                where = dict(section=index.get("section", ""), row=index["label"], column=label)
            else:
                where = dict(section=block.section, row=label, column=index["label"])
            for stat, value in (("mean", mean), ("sd", sd), ("n", n), ("alpha", alpha)):
                cells.append(cell(spec.id, where["row"], where["column"], stat, value,
                                  section=where["section"], base_n=n, group=ids[g], family=families[g],
                                  measure=index["theme"]))
        if spec.get("n_row") and as_rows:
            cells.append(cell(spec.id, spec["n_row"], label, "n", int(mask.sum()), base_n=int(mask.sum()),
                              group=ids[g], family=families[g], measure="size"))
    return cells


# ------------------------------------------------------------------------- respondent_summary

def respondent_summary(spec: TableSpec, pop: Rows, codebook: Codebook, settings: dict) -> list[dict]:
    """Per group: count, share of the population, share with a value (e.g. women), mean, SD, levels."""
    blocks = spec.groups
    known_total = {b.var: int(answered_mask(pop[b.var]).sum()) for b in blocks if b.var is not None}
    cells = []
    for block in blocks:
        found = block_groups(pop, block)
        block_ids, family = record_groups(pop, block, found)
        for (label, mask), group in zip(found, block_ids):
            n = int(mask.sum())
            for column in spec["columns"]:
                stat = column["stat"]
                where = dict(section=block.section, group=group, family=family,
                             measure=f"{stat}:{column.get('var', '')}")
                if stat == "n":
                    cells.append(cell(spec.id, label, column["label"], "n", n, base_n=n, **where))
                elif stat == "share_of_population":
                    base = known_total.get(block.var, n) if block.var else n
                    share = 100.0 * n / base if base else None
                    # The share's base is the population (n is the group's): the group rule protects it.
                    cells.append(cell(spec.id, label, column["label"], "pct", share, base_n=base, **where))
                elif stat == "pct_of_group":
                    answered = int((mask & answered_mask(pop[column["var"]])).sum())
                    hits = int((mask & value_mask(pop[column["var"]], [column["value"]])).sum())
                    cells.append(cell(spec.id, label, column["label"], "pct",
                                      100.0 * hits / answered if answered else None, base_n=answered, **where))
                elif stat == "mean_sd":
                    mean, sd, m = mean_sd(pop.floats(column["var"])[mask])
                    cells.append(cell(spec.id, label, column["label"], "mean", mean, base_n=m, **where))
                    cells.append(cell(spec.id, label, column["label"], "sd", sd, base_n=m, **where))
                elif stat == "levels":
                    cells += level_counts(spec, pop, label, mask, group, column, block.section)
    return cells


def level_counts(spec: TableSpec, pop: Rows, label: str, mask, group: str, column: dict, section: str) -> list:
    """A group's respondents at each level of `column['var']` (3.2: its institutions), in Danish order (æøå
    after z): an n cell per level, the level as subrow. For disclosure control the levels are a family."""
    var, ledger = column["var"], pop.ledger if group else None
    if var not in pop.data.columns:  # a text column the analysis data leaves out (steps.read_analysis_columns)
        return []
    present = sorted({str(v) for v in pop[var].astype(object)[mask].dropna()} - {""},
                     key=lambda v: (v.casefold().translate(str.maketrans("æøå", "{|}")), v))
    masks = [mask & value_mask(pop[var], [value]) for value in present]
    ids = [ledger.group(pop.positions, m) for m in masks] if ledger is not None else [""] * len(masks)
    if ledger is not None:
        ledger.family(group, ids)
    return [cell(spec.id, label, column["label"], "n", int(m.sum()), subrow=value, base_n=int(m.sum()),
                 section=section, group=i, family=f"{group}|{var}" if ledger is not None else "",
                 measure=f"levels:{var}") for value, m, i in zip(present, masks, ids)]


# ------------------------------------------------------------------------------ share_table

def condition_mask(data: Rows, condition: dict) -> np.ndarray:
    mask = np.ones(len(data), dtype=bool)
    for var, values in condition.items():
        mask &= value_mask(data[var], values)
    return mask


def share_table(spec: TableSpec, pop: Rows, codebook: Codebook, settings: dict) -> list[dict]:
    """Per group: the share meeting each column's condition. Base 'answered' = those with every
    variable of the conditions present; 'all' = everyone in the group."""
    conditions = [c for c in spec["columns"] if "condition" in c]
    variables = sorted({v for c in conditions for v in c["condition"]})
    answered = np.ones(len(pop), dtype=bool)
    for var in variables:
        answered &= answered_mask(pop[var])
    cells = []
    for block in spec.groups:
        found = block_groups(pop, block)
        block_ids, family = record_groups(pop, block, found)
        for (label, mask), group in zip(found, block_ids):
            base_mask = mask & answered if spec["base"] == "answered" else mask
            base = int(base_mask.sum())
            for column in spec["columns"]:
                where = dict(section=block.section, group=group, family=family,
                             measure=f"{spec['base']}:{column['label']}")
                if column["stat"] == "n":
                    cells.append(cell(spec.id, label, column["label"], "n", base, base_n=base, **where))
                    continue
                hits = int((base_mask & condition_mask(pop, column["condition"])).sum())
                cells.append(cell(spec.id, label, column["label"], "pct", 100.0 * hits / base if base else None,
                                  base_n=base, **where))
    return cells


# --------------------------------------------------------------------------------- crosstab

def crosstab(spec: TableSpec, pop: Rows, codebook: Codebook, settings: dict) -> list[dict]:
    """Two items crossed: counts, total/row/column percentages, expected counts, Pearson chi-square
    (df, p) and, when an expected count is below 5, a seeded permutation p-value and a flag."""
    row_item, col_item = codebook.item(spec["row_item"]), codebook.item(spec["column_item"])
    row_scale, col_scale = codebook.scale_of(row_item), codebook.scale_of(col_item)
    row_codes, col_codes = sorted(row_scale.codes), sorted(col_scale.codes)

    counts = grouped_counts(scale_positions(pop.floats(row_item.id), row_codes),
                            scale_positions(pop.floats(col_item.id), col_codes), len(row_codes), len(col_codes))
    cfg = settings["crosstab"]
    seed = settings["seed"] + zlib.crc32(spec.id.encode())  # one seed per table, stable across runs
    test = chi_square(counts, permutation_resamples=cfg["permutation_resamples"], seed=seed,
                      min_expected=cfg["min_expected"])
    main = {"total": None, "row": 1, "column": 0}[spec["percent"]]
    shares = {"pct": percentages(counts, main), "pct_total": percentages(counts, None),
              "pct_row": percentages(counts, 1), "pct_column": percentages(counts, 0)}
    flag = "small_expected" if test.small_expected else ""
    cells = []
    for i, rc in enumerate(row_codes):
        for j, cc in enumerate(col_codes):
            where = (row_scale.codes[rc], col_scale.codes[cc])
            for stat in ("pct", "pct_total", "pct_row", "pct_column"):
                cells.append(cell(spec.id, *where, stat, shares[stat][i, j], base_n=test.n))
            cells.append(cell(spec.id, *where, "n", int(counts[i, j]), base_n=test.n))
            cells.append(cell(spec.id, *where, "expected", float(test.expected[i, j]), base_n=test.n, flag=flag))
    test_row = "Chi²-test"
    for stat, value in (("chi2", test.statistic), ("df", test.df), ("p", test.p),
                        ("p_permutation", test.p_permutation), ("min_expected", test.min_expected),
                        ("n", test.n)):
        cells.append(cell(spec.id, test_row, "", stat, value, section="_test", base_n=test.n, flag=flag))
    return cells


# -------------------------------------------------------------------------------------- ols

def predictors_of(spec: TableSpec) -> list[Predictor]:
    out = []
    for raw in spec["predictors"]:
        column = raw.get("var") or INDEX_PREFIX + raw["index"]
        levels = tuple((lvl.value, lvl.label) for lvl in map(level, raw.get("levels", [])))
        out.append(Predictor(column=column, label=raw["label"], section=raw.get("section", ""),
                             reference=raw.get("reference"), levels=levels))
    return out


def ols(spec: TableSpec, pop: Rows, codebook: Codebook, settings: dict) -> list[dict]:
    """One OLS model per outcome index; cells per term: coef, se, t, p, ci_low, ci_high (reference
    levels: a 'ref' flag and no value); per model: n, r2, adj_r2. The `models` settings choose the
    standard errors and the cluster and weight columns (a respondent missing either is left out)."""
    predictors = predictors_of(spec)
    options = ModelOptions.from_settings(settings.get("models"))
    options.check_columns(pop.data.columns)
    frame = pd.DataFrame({c: pop[c] for c in dict.fromkeys([p.column for p in predictors] + options.columns)})
    outcomes = [INDEX_PREFIX + outcome["theme"] for outcome in spec["outcomes"]]
    for name in outcomes:
        frame[name] = pop.floats(name)
    results = fit_models(frame, outcomes, predictors, cov_type=options.cov_type, cluster=options.cluster,
                         weights=options.weights)
    cells = []
    for outcome, result in zip(spec["outcomes"], results):
        col = outcome["label"]
        for predictor in predictors:
            rows = [(None, predictor.label)] if not predictor.categorical else list(predictor.levels)
            for value, row_label in rows:
                where = dict(section=predictor.section)
                if predictor.categorical and value == predictor.reference:
                    cells.append(cell(spec.id, row_label, col, "coef", None, flag="ref",
                                      base_n=result.n if result else 0, **where))
                    continue
                index = result.term(predictor, value) if result else None
                if index is None:
                    cells.append(cell(spec.id, row_label, col, "coef", None, flag="not_estimable",
                                      base_n=result.n if result else 0, **where))
                    continue
                behind = result.respondents_behind(index)
                for stat, array in (("coef", result.coef), ("se", result.se), ("t", result.t), ("p", result.p),
                                    ("ci_low", result.ci_low), ("ci_high", result.ci_high)):
                    cells.append(cell(spec.id, row_label, col, stat, float(array[index]), base_n=result.n,
                                      group_n=behind, **where))
        for stat, value in (("n", result.n if result else 0), ("r2", result.r2 if result else None),
                            ("adj_r2", result.adj_r2 if result else None)):
            cells.append(cell(spec.id, "Model", col, stat, value, section="_model",
                              base_n=result.n if result else 0))
    return cells


KINDS = {
    "likert_distribution": likert_distribution,
    "index_summary": index_summary,
    "respondent_summary": respondent_summary,
    "share_table": share_table,
    "crosstab": crosstab,
    "ols": ols,
}


def compute(spec: TableSpec, data: pd.DataFrame | Populations, codebook: Codebook, settings: dict) -> list[dict]:
    """A table's cells; pass a `Populations` to share population selections between tables."""
    populations = data if isinstance(data, Populations) else Populations(data)
    return KINDS[spec.kind](spec, populations.of(spec), codebook, settings)


# The costliest kinds first, so that two threads finish together.
_COST_ORDER = {"ols": 0, "index_summary": 1, "likert_distribution": 2}


def compute_all(specs: list[TableSpec], populations: Populations, codebook: Codebook, settings: dict,
                threads: int = 2) -> list[list[dict]]:
    """Every table's cells, in the order of `specs`. Tables are computed by `threads` threads: the
    work is numpy and Arrow, which release the GIL, and the results do not depend on which thread
    computed what (each table has its own seed)."""
    from concurrent.futures import ThreadPoolExecutor

    order = sorted(range(len(specs)), key=lambda i: (_COST_ORDER.get(specs[i].kind, 3), i))
    if threads <= 1:
        done = {i: compute(specs[i], populations, codebook, settings) for i in order}
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = {i: pool.submit(compute, specs[i], populations, codebook, settings) for i in order}
            done = {i: future.result() for i, future in futures.items()}
    return [done[i] for i in range(len(specs))]
