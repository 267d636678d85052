"""Wave over wave: every cell of two waves' tables side by side, with a test of each change.

`compare_waves(base_cells, wave_cells, specs, seed=...)` takes the cells of two waves
(`analysis.cells.read_cells` of reports/<wave>/tables/cells.csv) and the table specifications, and
returns one row per cell key found in either wave (COMPARE_COLUMNS), in report order, a wave's
new cells after the base's in each table. The tests are in `review.wave_tests`.

Conventions
- Direction: `change` = wave_value - base_value, and every signed statistic (z, t) runs WAVE minus
  BASE: positive means higher in the wave.
- What is tested, by what the cell is:
  * item distribution (likert_distribution: the answer categories of one item in one group): ONE
    Pearson chi-square test of wave x answer on the counts (pct x base_n / 100, which must be whole
    to within 1e-6, else a ValueError naming the cell), without continuity correction
    (scipy.stats.chi2_contingency(correction=False)); categories nobody chose in either wave are
    left out (df = categories left - 1). When an expected count is below `min_expected`, p is a
    Monte-Carlo permutation p, (1 + #extreme) / (1 + permutation_resamples), of the pooled answers
    shuffled between the two waves, with numpy's Generator seeded by (seed, zlib.crc32 of the
    distribution's key), so a p does not depend on what else is compared; p_asymptotic holds the
    chi-square p beside it; test "chi2_permutation", else "chi2". The test (statistic, df, p) is
    repeated on each category row of the item, each row with its own change; a Total column is
    not tested.
  * shares (pct of respondent_summary and share_table; pct, pct_total, pct_row and pct_column of
    a crosstab, whose row and column bases come from its n cells): two-proportion z test with the
    pooled SE, test "z_proportions", df empty.
  * means (mean of index_summary and respondent_summary): Welch's t from each wave's mean, SD and
    n, test "welch_t", df Welch–Satterthwaite.
  * OLS coefficients (coef, with the se cell beside it): z = (b_wave - b_base) /
    sqrt(se_wave² + se_base²), two-sided normal p, test "z_coefficients", df empty.
  * every other statistic (sd, n, alpha, r2, adj_r2, se, t, p, ci_*, expected, chi2, df, ...):
    listed with its change, no test, status `not_tested`, note "not tested".
- p is two-sided; p_asymptotic is the p of the statistic's reference distribution (chi², normal,
  t), equal to p except beside a permutation p.
- An undefined test (an empty margin, no respondents or fewer than two in a group, no variation in
  both waves, no SD or SE) leaves test, statistic, df, p and p_asymptotic EMPTY (NaN), never p = 1;
  the note says why and the status stays `compared`.
- multiple_testing="fdr_bh": Benjamini–Hochberg (statsmodels multipletests) across the tests of
  each table, one p per test (a distribution counts once, not once per category); p_adjusted is
  filled then (else NaN). `mark` comes from the p used (p_adjusted when set, else p): "**" p < 0.01,
  "*" p < 0.05, "†" p < 0.10, else "".
- status: `only_base` / `only_wave` for a cell in one wave only (an item added or dropped; the
  other side empty, never dropped); `suppressed` when either side is hidden by disclosure control:
  the hidden side's value and n stay empty and no test is made, as no number may rest on it;
  `not_tested` for a statistic that is not tested, a reference level or an estimate missing on one
  side, a distribution whose categories differ or have a hidden category, a mean whose SD (or a
  coefficient whose SE) is hidden, and an index whose items differ between the waves
  (`base_items` / `wave_items`, theme -> item ids, see `index_items`): index_summary cells of the
  index, and the coefficients of an OLS model whose outcome it is or of the predictor it is; the
  note names the items that differ. `compared` otherwise.
- A reworded question (the same item id, another text in the wave's codebook) is compared and
  tested like any other, and its cells' note says so with both wordings, as do the cells of an
  index that has it among its items: a change may then be the wording's.
- Deterministic: the same inputs and seed give identical output.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from vive_survey.analysis.cells import CELL_COLUMNS, KEY
from vive_survey.analysis.spec import TableSpec, table_sort_key
from vive_survey.analysis.tables import TOTAL
from vive_survey.errors import cut_text
from vive_survey.inputs.codebook import Codebook
from vive_survey.review.wave_tests import (Tests, coefficient_tests, distribution_test, mean_tests, share_tests,
                                           whole_counts)

COMPARE_COLUMNS = KEY + ["base_value", "base_n", "wave_value", "wave_n", "change", "test", "statistic", "df", "p",
                         "p_asymptotic", "p_adjusted", "mark", "status", "note"]
STATUSES = ["compared", "not_tested", "suppressed", "only_base", "only_wave"]
SUPPRESSED = "suppressed"
CROSSTAB_SHARES = {"pct", "pct_total", "pct_row", "pct_column"}
SIDES = {"b": "base", "w": "wave"}


def index_items(codebook: Codebook) -> dict[str, tuple[str, ...]]:
    """theme -> the ids of its items, as `compare_waves` takes them from each wave's codebook."""
    return {theme: tuple(item.id for item in codebook.theme_items(theme)) for theme in codebook.themes}


def compare_waves(base_cells: pd.DataFrame, wave_cells: pd.DataFrame, specs: Iterable[TableSpec] | Mapping,
                  *, seed: int, permutation_resamples: int = 10000, min_expected: float = 5,
                  multiple_testing: str | None = None, base_items: Mapping | None = None,
                  wave_items: Mapping | None = None, reworded: Mapping | None = None) -> pd.DataFrame:
    """One row per cell of either wave, with the change from BASE to WAVE and its test (module
    docstring: the conventions). `reworded` (codebook.reworded_items of the two waves' codebooks:
    item id -> (base text, wave text)) adds a note to the cells of a reworded item, and of an index
    with one among its items (`base_items` / `wave_items`); they are still tested."""
    if multiple_testing not in (None, "fdr_bh"):
        raise ValueError(f"multiple_testing must be None or 'fdr_bh', got {multiple_testing!r}")
    if (base_items is None) != (wave_items is None):
        raise ValueError("give both base_items and wave_items (each wave's index items), or neither")
    specs = dict(specs) if isinstance(specs, Mapping) else {spec.id: spec for spec in specs}
    m = _pair(base_cells, wave_cells)
    n = len(m)
    tests = Tests.empty(n)
    status = np.full(n, "compared", dtype=object)
    group = np.full(n, None, dtype=object)           # which test a row's p belongs to (for BH)
    _sides(m, status, tests.note)
    role = _roles(m, specs)
    open_ = status == "compared"
    status[open_ & (role == "")] = "not_tested"
    tests.note[open_ & (role == "")] = "not tested"
    if base_items is not None:
        _differing_indices(m, specs, base_items, wave_items, status, tests.note)
    _test_distributions(m, role, status, tests, group, seed=seed, resamples=permutation_resamples,
                        min_expected=min_expected)
    _test_shares(m, specs, role, status, tests, group)
    _test_neighbour_pairs(m, role, status, tests, group)
    out = m[KEY].copy()
    out["base_value"], out["base_n"] = m["value_b"], m["base_n_b"]
    out["wave_value"], out["wave_n"] = m["value_w"], m["base_n_w"]
    out["change"] = m["value_w"] - m["value_b"]
    out["test"], out["statistic"], out["df"] = tests.test, tests.statistic, tests.df
    out["p"], out["p_asymptotic"] = tests.p, tests.p_asymptotic
    out["p_adjusted"] = _adjust(m["table"].to_numpy(), group, tests.p) if multiple_testing else np.nan
    used = out["p_adjusted"].to_numpy(dtype=float) if multiple_testing else tests.p
    out["mark"] = np.select([used < 0.01, used < 0.05, used < 0.10], ["**", "*", "†"], default="")
    out["status"], out["note"] = status, _with_rewording(m, specs, reworded or {}, base_items or {},
                                                         wave_items or {}, tests.note)
    return out[COMPARE_COLUMNS].reset_index(drop=True)


def _with_rewording(m: pd.DataFrame, specs: dict[str, TableSpec], reworded: Mapping, base_items: Mapping,
                    wave_items: Mapping, note: np.ndarray) -> np.ndarray:
    """The notes, each cell of a reworded item (or of an index with one) saying so after its own note."""
    if not reworded:
        return note
    extra = np.full(len(m), "", dtype=object)
    table, section, row, column = (m[k].to_numpy() for k in ("table", "section", "row", "column"))
    for table_id, spec in specs.items():
        for part in spec.get("sections", []) if spec.kind == "likert_distribution" else []:
            for entry in part["items"]:
                if entry["item"] in reworded:
                    old, new = (cut_text(text, 120) for text in reworded[entry["item"]])
                    at = (table == table_id) & (section == part.get("label", "")) & (row == entry["label"])
                    extra[at] = f"reworded between the waves: base '{old}', wave '{new}'"
        if spec.kind == "index_summary":
            axis = row if spec.get("layout") == "indices_as_rows" else column
            for index in spec["indices"]:
                items = sorted(set(base_items.get(index["theme"], ())) | set(wave_items.get(index["theme"], ())))
                if changed := [i for i in items if i in reworded]:
                    extra[(table == table_id) & (axis == index["label"])] = (
                        f"item(s) of the index reworded between the waves: {', '.join(changed)}")
    return np.where(extra == "", note, np.where(note == "", extra, note + "; " + extra))


# -------------------------------------------------------------------------------------- pairing

def _pair(base: pd.DataFrame, wave: pd.DataFrame) -> pd.DataFrame:
    """The union of the two waves' cells on KEY, in report order: tables by table_sort_key, within
    a table the base's order, then the wave's cells the base lacks in the wave's order."""
    sides = []
    for suffix, cells in (("b", base), ("w", wave)):
        missing = [c for c in CELL_COLUMNS if c not in cells.columns]
        if missing:
            raise ValueError(f"the {SIDES[suffix]} cells lack the column(s) {', '.join(missing)}")
        twice = cells.duplicated(KEY, keep=False)
        if twice.any():
            first = cells.loc[twice, KEY].iloc[0].tolist()
            raise ValueError(f"the {SIDES[suffix]} cells hold {int(twice.sum())} rows with a repeated key, "
                             f"e.g. {first}")
        side = cells[CELL_COLUMNS].copy()
        for col in KEY + ["flag"]:
            side[col] = side[col].fillna("").astype(str)
        side["value"] = side["value"].astype(float)
        side["base_n"] = side["base_n"].astype("Int64")
        side["order"] = np.arange(len(side))
        sides.append(side.rename(columns={c: f"{c}_{suffix}" for c in ("value", "base_n", "flag", "order")}))
    m = sides[0].merge(sides[1], on=KEY, how="outer", indicator=True)
    m["in_b"], m["in_w"] = m["_merge"] != "right_only", m["_merge"] != "left_only"
    ranks = {t: r for r, t in enumerate(sorted(m["table"].unique(), key=table_sort_key))}
    m["_rank"] = m["table"].map(ranks)
    m["_new"] = (~m["in_b"]).astype(int)
    m["_pos"] = m["order_b"].where(m["in_b"], m["order_w"])
    m = m.sort_values(["_rank", "_new", "_pos"], kind="stable").reset_index(drop=True)
    for suffix in SIDES:
        m[f"flag_{suffix}"] = m[f"flag_{suffix}"].fillna("")
    return m


def _sides(m: pd.DataFrame, status: np.ndarray, note: np.ndarray) -> None:
    """only_base / only_wave, and suppressed cells with their hidden side emptied."""
    in_b, in_w = m["in_b"].to_numpy(), m["in_w"].to_numpy()
    status[~in_w], status[~in_b] = "only_base", "only_wave"
    hidden = {s: (m[f"flag_{s}"] == SUPPRESSED).to_numpy() for s in SIDES}
    for s in SIDES:
        m.loc[hidden[s], [f"value_{s}", f"base_n_{s}"]] = np.nan
    either = in_b & in_w & (hidden["b"] | hidden["w"])
    status[either] = SUPPRESSED
    where = np.where(hidden["b"] & hidden["w"], "both waves", np.where(hidden["b"], "the base", "the wave"))
    note[either] = "suppressed in " + where[either] + " (disclosure control): no test"


def _roles(m: pd.DataFrame, specs: dict[str, TableSpec]) -> np.ndarray:
    """What test a cell gets: 'distribution', 'share', 'mean', 'coef' or '' (none)."""
    kind = m["table"].map({t: s.kind for t, s in specs.items()}).fillna("").to_numpy()
    stat, section, column = m["stat"].to_numpy(), m["section"].to_numpy(), m["column"].to_numpy()
    totals = m["table"].map({t: bool(s.get("total_column", False)) for t, s in specs.items()}).fillna(False)
    is_total = totals.to_numpy(dtype=bool) & (column == TOTAL)
    return np.select(
        [(kind == "likert_distribution") & (stat == "pct") & ~is_total,
         np.isin(kind, ["respondent_summary", "share_table"]) & (stat == "pct"),
         (kind == "crosstab") & np.isin(stat, list(CROSSTAB_SHARES)) & (section != "_test"),
         np.isin(kind, ["index_summary", "respondent_summary"]) & (stat == "mean"),
         (kind == "ols") & (stat == "coef") & (section != "_model")],
        ["distribution", "share", "share", "mean", "coef"], default="")


def _differing_indices(m: pd.DataFrame, specs: dict[str, TableSpec], base_items: Mapping, wave_items: Mapping,
                       status: np.ndarray, note: np.ndarray) -> None:
    """Cells of an index whose items differ between the waves: not tested, the items named."""
    def differs(theme: str) -> str:
        if theme not in base_items and theme not in wave_items:
            return ""
        old, new = set(base_items.get(theme, ())), set(wave_items.get(theme, ()))
        if old == new:
            return ""
        parts = [f"only in {side}: {', '.join(sorted(items))}" for side, items in
                 (("base", old - new), ("wave", new - old)) if items]
        return f"not tested: the items of the index '{theme}' differ between the waves ({'; '.join(parts)})"

    reason = np.full(len(m), "", dtype=object)
    for table_id, spec in specs.items():
        in_table = (m["table"] == table_id).to_numpy()
        if spec.kind == "index_summary":
            axis = "row" if spec.get("layout") == "indices_as_rows" else "column"
            for index in spec["indices"]:
                if why := differs(index["theme"]):
                    reason[in_table & (m[axis] == index["label"]).to_numpy() & (reason == "")] = why
        elif spec.kind == "ols":
            coefs = in_table & (m["section"] != "_model").to_numpy()
            for outcome in spec["outcomes"]:
                if why := differs(outcome["theme"]):
                    reason[coefs & (m["column"] == outcome["label"]).to_numpy() & (reason == "")] = why
            for predictor in spec["predictors"]:
                if "index" in predictor and (why := differs(predictor["index"])):
                    reason[coefs & (m["row"] == predictor["label"]).to_numpy() & (reason == "")] = why
    hit = (reason != "") & np.isin(status, ["compared", "not_tested"])
    status[hit], note[hit] = "not_tested", reason[hit]


# ---------------------------------------------------------------------------------------- tests

def _test_distributions(m: pd.DataFrame, role: np.ndarray, status: np.ndarray, tests: Tests, group: np.ndarray,
                        *, seed: int, resamples: int, min_expected: float) -> None:
    """One chi-square test per item x group, put on each of its category rows."""
    rows = np.flatnonzero(role == "distribution")
    if not len(rows):
        return
    column = m["column"].to_numpy()
    present = {s: m[f"in_{s}"].to_numpy(dtype=bool) for s in SIDES}
    values = {s: m[f"value_{s}"].to_numpy(dtype=float) for s in SIDES}
    bases = {s: m[f"base_n_{s}"].astype("Float64").fillna(0).to_numpy(dtype=float) for s in SIDES}
    keys = m.loc[rows, ["table", "section", "row", "subrow"]]
    for key, where in keys.groupby(list(keys.columns), sort=False).indices.items():
        at = rows[where]
        open_ = at[status[at] == "compared"]
        if not len(open_):
            continue
        if not (present["b"][at] & present["w"][at]).all():
            listed = [f"only in {SIDES[s]}: " + ", ".join(column[at[~present[t][at]]])
                      for s, t in (("b", "w"), ("w", "b")) if (~present[t][at]).any()]
            _not_tested(open_, status, tests, "not tested: the answer categories differ between the waves ("
                        + "; ".join(listed) + ")")
            continue
        if (status[at] == SUPPRESSED).any():
            _not_tested(open_, status, tests, "not tested: a category of this distribution is suppressed "
                        "(disclosure control)")
            continue
        counts = {}
        for s in SIDES:
            base = bases[s][at]
            if (base != base[0]).any():
                raise ValueError(f"{SIDES[s]} cells of the distribution {list(key)}: the categories have "
                                 f"different base_n ({sorted(set(base))}); they should share the item's base")
            counts[s] = whole_counts(np.where(base > 0, values[s][at], 0.0), base,
                                     lambda i, s=s: f"{SIDES[s]} cell {m.loc[at[i], KEY].tolist()}")
        name = "\x1f".join(key)
        result = distribution_test(counts["b"], counts["w"], list(column[at]),
                                   rng_seed=[int(seed), zlib.crc32(name.encode("utf-8"))], resamples=resamples,
                                   min_expected=min_expected)
        tests.test[open_] = result.test
        tests.statistic[open_], tests.df[open_] = result.statistic, result.df
        tests.p[open_], tests.p_asymptotic[open_] = result.p, result.p_asymptotic
        tests.note[open_] = result.note
        group[open_] = "distribution\x1f" + name


def _test_shares(m: pd.DataFrame, specs: dict[str, TableSpec], role: np.ndarray, status: np.ndarray, tests: Tests,
                 group: np.ndarray) -> None:
    at = np.flatnonzero((role == "share") & (status == "compared"))
    if not len(at):
        return
    crosstab = m.loc[at, "table"].map({t: s.kind == "crosstab" for t, s in specs.items()}).to_numpy(dtype=bool)
    x, n = {}, {}
    for s in SIDES:
        bases = m.loc[at, f"base_n_{s}"].astype("Float64").fillna(0).to_numpy(dtype=float)
        values = np.where(bases > 0, m.loc[at, f"value_{s}"].to_numpy(dtype=float), 0.0)
        plain = ~crosstab
        x[s] = np.zeros(len(at))
        x[s][plain] = whole_counts(values[plain], bases[plain],
                                   lambda i, s=s: f"{SIDES[s]} cell {m.loc[at[plain][i], KEY].tolist()}")
        n[s] = bases.copy()
        if crosstab.any():
            x[s][crosstab], n[s][crosstab] = _crosstab_counts(m, at[crosstab], s, specs)
    hidden = crosstab & (np.isnan(x["b"]) | np.isnan(n["b"]) | np.isnan(x["w"]) | np.isnan(n["w"]))
    _not_tested(at[hidden], status, tests, "not tested: a count of the crosstab is suppressed (disclosure control)")
    at, keep = at[~hidden], ~hidden
    result = share_tests(x["b"][keep], n["b"][keep], x["w"][keep], n["w"][keep])
    _put(at, result, tests, group)


def _crosstab_counts(m: pd.DataFrame, at: np.ndarray, s: str, specs: dict[str, TableSpec]) -> tuple:
    """A crosstab share's count (its n cell) and base: the table's n for pct_total, the row's or the
    column's total of n cells for pct_row / pct_column, and for pct as the spec's `percent` says.
    NaN where a count needed is missing or hidden."""
    cells = m[(m["stat"] == "n") & (m["section"] != "_test") & m["table"].isin(set(m.loc[at, "table"]))]
    count = cells.set_index(["table", "section", "row", "subrow", "column"])[f"value_{s}"]
    rows = count.groupby(level=[0, 1, 2, 3]).sum(min_count=1).where(
        ~count.isna().groupby(level=[0, 1, 2, 3]).any())
    cols = count.groupby(level=[0, 1, 3, 4]).sum(min_count=1).where(
        ~count.isna().groupby(level=[0, 1, 3, 4]).any())
    sel = m.loc[at]
    x = count.reindex(pd.MultiIndex.from_frame(sel[["table", "section", "row", "subrow", "column"]])).to_numpy(float)
    by_row = rows.reindex(pd.MultiIndex.from_frame(sel[["table", "section", "row", "subrow"]])).to_numpy(float)
    by_col = cols.reindex(pd.MultiIndex.from_frame(sel[["table", "section", "subrow", "column"]])).to_numpy(float)
    total = sel[f"base_n_{s}"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    main = sel["table"].map({t: sp.get("percent", "total") for t, sp in specs.items()}).to_numpy()
    stat = np.where(sel["stat"] == "pct", "pct_" + main, sel["stat"])
    base = np.select([stat == "pct_row", stat == "pct_column"], [by_row, by_col], default=total)
    return x, base


def _test_neighbour_pairs(m: pd.DataFrame, role: np.ndarray, status: np.ndarray, tests: Tests,
                          group: np.ndarray) -> None:
    """Means with their SD cell, coefficients with their SE cell (same table, section, row, subrow,
    column)."""
    where = ["table", "section", "row", "subrow", "column"]
    for kind, partner in (("mean", "sd"), ("coef", "se")):
        at = np.flatnonzero((role == kind) & (status == "compared"))
        if not len(at):
            continue
        if kind == "coef":
            for flag, words in (("not_estimable", "not estimable"), ("ref", "a reference level")):
                hit = {s: (m.loc[at, f"flag_{s}"] == flag).to_numpy() for s in SIDES}
                for mask, side in ((hit["b"] & ~hit["w"], "the base"), (hit["w"] & ~hit["b"], "the wave"),
                                   (hit["b"] & hit["w"], "both waves")):
                    _not_tested(at[mask], status, tests, f"not tested: {words} in {side}")
            at = at[status[at] == "compared"]
        others = m[m["stat"] == partner].set_index(where)
        index = pd.MultiIndex.from_frame(m.loc[at, where])
        spread = {s: others[f"value_{s}"].reindex(index).to_numpy(dtype=float) for s in SIDES}
        for s in SIDES:
            hidden = (others[f"flag_{s}"].reindex(index) == SUPPRESSED).to_numpy(dtype=bool)
            _not_tested(at[hidden], status, tests, f"not tested: the {partner.upper()} is suppressed in the "
                        f"{SIDES[s]} (disclosure control)")
        keep = status[at] == "compared"
        at = at[keep]
        value = {s: m.loc[at, f"value_{s}"].to_numpy(dtype=float) for s in SIDES}
        if kind == "mean":
            count = {s: m.loc[at, f"base_n_{s}"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                     for s in SIDES}
            result = mean_tests(value["b"], spread["b"][keep], count["b"], value["w"], spread["w"][keep],
                                count["w"])
        else:
            result = coefficient_tests(value["b"], spread["b"][keep], value["w"], spread["w"][keep])
        _put(at, result, tests, group)


def _put(at: np.ndarray, result: Tests, tests: Tests, group: np.ndarray) -> None:
    tests.test[at], tests.statistic[at], tests.df[at] = result.test, result.statistic, result.df
    tests.p[at], tests.p_asymptotic[at], tests.note[at] = result.p, result.p_asymptotic, result.note
    group[at] = [f"cell\x1f{i}" for i in at]


def _not_tested(at: np.ndarray, status: np.ndarray, tests: Tests, why: str) -> None:
    status[at] = "not_tested"
    tests.note[at] = why


# -------------------------------------------------------------------------------- multiple tests

def _adjust(table: np.ndarray, group: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg within each table, over one p per test (`group`), spread back on its rows."""
    from statsmodels.stats.multitest import multipletests

    out = np.full(len(p), np.nan)
    tested = np.flatnonzero((group != None) & ~np.isnan(p))  # noqa: E711 (elementwise)
    if not len(tested):
        return out
    frame = pd.DataFrame({"table": table[tested], "group": group[tested], "p": p[tested], "at": tested})
    first = frame.drop_duplicates(["table", "group"])
    adjusted = {}
    for _table, tests in first.groupby("table", sort=False):
        values = multipletests(tests["p"].to_numpy(), method="fdr_bh")[1]
        adjusted.update(zip(zip(tests["table"], tests["group"]), values))
    out[tested] = [adjusted[(t, g)] for t, g in zip(frame["table"], frame["group"])]
    return out
