"""Statistical disclosure control, tested by attacking it.

With `disclosure: {min_cell_n: 5}` nothing under reports/<wave>/ may let anyone compute a count,
share, mean, SD or coefficient resting on fewer than 5 respondents. The attacker
(tests/disclosure_attacker.py) reads only that folder plus public structure (tables/*.yaml,
data/codebook.yaml) and tries to recover every suppressed value: by reading it, by integer
programming over counts, by differencing, from means, and from the crosstab and its chi².

A second run with the default min_cell_n 0 is the judge: its respondents say whether a recovered
value is the real one (a wrong "recovery" is a bug of the attacker and fails as such), and which
regression terms rest on fewer than 5 respondents. The attacker never sees it.
"""

from __future__ import annotations

import collections
import html
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT, copy_project
from disclosure_attacker import MISSING, SUPPRESSED, Attack, Crosstab, Group, Published, num

pytestmark = pytest.mark.workflow

K = 5                                   # disclosure.min_cell_n of the attacked run
ESTIMATES = ("coef", "se", "t", "p", "ci_low", "ci_high")
KEY = ["table", "section", "row", "subrow", "column", "stat"]


def shown(problems: list[str], what: str) -> str:
    return f"{len(problems)} {what}:\n  " + "\n  ".join(problems[:40]) + ("\n  ..." if len(problems) > 40 else "")


# ---------------------------------------------------------------------------------- the two runs

def run_pipeline(copy: Path, *args: str):
    try:
        subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", "-q", *args], cwd=copy,
                       env={**os.environ, "PYTHONPATH": str(copy / "src")}, check=True, capture_output=True,
                       text=True)
    except subprocess.CalledProcessError as error:
        pytest.fail(f"snakemake {' '.join(args)} failed in {copy}:\n{error.stderr[-4000:]}")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Reports folder of the attacked run (k5) and project copy of the judge's run (truth)."""
    wave = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))["wave"]
    k5 = copy_project(tmp_path_factory.mktemp("k5"), with_src=True)
    (k5 / "k5.yaml").write_text((k5 / "config.yaml").read_text(encoding="utf-8")
                                + f"\ndisclosure: {{min_cell_n: {K}}}\n", encoding="utf-8")
    run_pipeline(k5, "--configfile", "k5.yaml")
    truth = copy_project(tmp_path_factory.mktemp("truth"), with_src=True)
    run_pipeline(truth)
    return {"k5": k5 / "reports" / wave, "k5_project": k5, "truth": truth, "wave": wave}


@pytest.fixture(scope="module")
def pub(runs) -> Published:
    return Published(runs["k5"], runs["k5_project"])


@pytest.fixture(scope="module")
def attack(pub) -> Attack:
    return Attack(pub)


@pytest.fixture(scope="module")
def crosstabs(pub, attack) -> dict[str, Crosstab]:
    return {tid: Crosstab(pub, attack, spec) for tid, spec in pub.specs.items() if spec["kind"] == "crosstab"}


class Truth:
    """The judge: respondents of the unsuppressed run, with each theme's index (mean of its items,
    reversed ones as 5 - answer, all items answered: the config defaults)."""

    def __init__(self, project: Path, wave: str, pub: Published):
        self.data = pd.read_parquet(project / "results" / wave / "clean" / "respondents.parquet")
        for theme in pub.codebook["themes"]:
            items = [i["id"] + ("_r" if i.get("reverse") else "")
                     for i in pub.codebook["items"] if i.get("theme") == theme]
            x = self.data[items].astype(float)
            self.data[theme] = x.mean(axis=1).where(x.notna().all(axis=1))
        self.cells = pd.read_csv(project / "reports" / wave / "tables" / "cells.csv", dtype=str,
                                 keep_default_na=False)

    def members(self, g: Group) -> pd.Series:
        mask = self.data["questionnaire"].astype(str).isin(g.qs)
        for var, levels in g.where:
            mask &= self.data[var].astype(object).where(self.data[var].notna(), MISSING).isin(levels)
        return mask

    def values(self, m: str | None, g: Group) -> pd.Series:
        rows = self.data[self.members(g)]
        return rows["questionnaire"] if m is None else rows[m].astype(float).dropna()

    def count(self, m, g) -> int:
        return len(self.values(m, g))


@pytest.fixture(scope="module")
def truth(runs, pub) -> Truth:
    judge = Truth(runs["truth"], runs["wave"], pub)
    # The judge must reproduce the unsuppressed run's own index and age means, or its verdicts are void.
    for r in judge.cells[judge.cells["stat"] == "mean"].itertuples():
        found = cell_target(pub, pub.specs[r.table], r) if r.table in pub.specs else None
        if found and found[0] and found[1]:
            assert abs(judge.values(*found).mean() - float(r.value)) < 1e-9, f"judge disagrees with {r}"
    return judge


def verdict(value, true_value, tol=1e-6) -> str:
    """A recovery that is not the real value is the attacker's bug, not a leak: fail loudly."""
    assert abs(value - true_value) <= tol, f"attacker bug: recovered {value}, the real value is {true_value}"
    return f"recovered {value:.6g} (real: {true_value:.6g})"


# ----------------------------------------------------------------------------- 1. direct reading

def test_suppressed_cells_publish_neither_value_nor_base(pub):
    sup = pub.cells[pub.cells["flag"] == SUPPRESSED]
    problems = [f"cells.csv {where(r)}: value={r.value!r} base_n={r.base_n!r}"
                for r in sup.itertuples() if r.value.strip() or r.base_n.strip()]
    diff = pd.read_csv(pub.reports / "diff" / "cells.csv", dtype=str, keep_default_na=False)
    hidden = diff.merge(sup[KEY], on=KEY)
    problems += [f"diff/cells.csv {r.table} / {r.row} / {r.column} / {r.stat}: regenerated={r.regenerated!r} "
                 f"regenerated_value={r.regenerated_value!r} base_n={r.base_n!r}" for r in hidden.itertuples()
                 if re.search(r"\d", r.regenerated) or r.regenerated_value.strip() or r.base_n.strip()]
    assert not problems, shown(problems, "suppressed cells still published in cells.csv or diff/cells.csv")


def test_cleaning_log_publishes_no_count_below_k(pub):
    problems = [f"cleaning_log.json {block}.{var}: {level} = {count}"
                for block in ("derived", "derived_from_blank") for var, counts in (pub.log.get(block) or {}).items()
                for level, count in (counts.items() if isinstance(counts, dict) else [(var, counts)])
                if isinstance(count, int) and 0 < count < K]
    assert not problems, shown(problems, f"counts of 1-{K - 1} respondents in the cleaning log")


def test_no_regression_term_resting_on_few_respondents_is_estimated(pub, truth):
    """Suppressed 4.9 terms publish no estimate (coef = t*se = (ci_low+ci_high)/2 gives it back),
    and the judge's count of each level in each model's sample says which terms must be suppressed."""
    problems, sup = [], pub.cells[(pub.cells["flag"] == SUPPRESSED) & pub.cells["stat"].isin(ESTIMATES)]
    for tid, spec in ((t, s) for t, s in pub.specs.items() if s["kind"] == "ols"):
        cells, models = pub.table(tid), pub.models[pub.models["table"] == tid]
        small = {(r.column, r.row) for r in sup[sup["table"] == tid].itertuples()}
        small |= {(r.outcome, r.term) for r in models[models["flag"] == SUPPRESSED].itertuples()}
        pop = Group(pub.population(spec))
        needed = [truth.data[p.get("var") or p["index"]].notna() for p in spec["predictors"]]
        for outcome in spec["outcomes"]:
            sample = truth.members(pop) & truth.data[outcome["theme"]].notna() & np.logical_and.reduce(needed)
            ns = models[models["outcome"] == outcome["label"]]["n"]
            published_n = num(ns.iloc[0]) if len(ns) else None
            assert published_n in (None, sample.sum()), f"judge's sample of {outcome['label']} is wrong"
            for p in (p for p in spec["predictors"] if "levels" in p):
                counts = truth.data[sample][p["var"]].astype(str).value_counts()
                small |= {(outcome["label"], str(l)) for l in p["levels"] if 0 < counts.get(str(l), 0) < K}
        for outcome, term in sorted(small):
            here = cells[(cells["column"] == outcome) & (cells["row"] == term) & cells["stat"].isin(ESTIMATES)]
            in_cells = [f"{r.stat}={float(r.value):.6g}" for r in here.itertuples() if r.value.strip()]
            row = models[(models["outcome"] == outcome) & (models["term"] == term)]
            in_models = [f"{s}={float(row[s].iloc[0]):.6g}" for s in ESTIMATES
                         if len(row) and row[s].iloc[0].strip()]
            if in_cells or in_models:
                problems.append(f"Tabel {tid} {term} in the model of {outcome}: cells.csv "
                                f"{' '.join(in_cells) or '-'}; models.csv {' '.join(in_models) or '-'}")
    assert not problems, shown(problems, f"regression terms resting on < {K} respondents that are estimated")


def html_rows(text: str) -> list[tuple[str, list[str], str]]:
    """(table id, row labels, n cell) per body row of index.html's tables with an n column; a label
    spanning rows is repeated in each."""
    out = []
    for tid, body in re.findall(r'<section[^>]*data-table-id="([^"]+)"[^>]*>(.*?)</section>', text, re.S):
        head, _, rows = body.partition("</thead>")
        if "n" not in [html.unescape(t).strip() for t in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]:
            continue
        carry = ""
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", rows, re.S):
            labels = [(c, html.unescape(t).strip())
                      for c, t in re.findall(r'<th class="(label[^"]*)"[^>]*>(.*?)</th>', row, re.S)]
            carry = labels[0][1] if labels and labels[0][0] == "label" else carry
            tds = [html.unescape(re.sub(r"<[^>]+>", "", t)).strip()
                   for t in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            if tds:
                out.append((tid, [carry] + [t for c, t in labels if c != "label"], tds[-1]))
    return out


def rendered_n_cells(reports: Path) -> list[tuple[str, str, list[str], str]]:
    """(source, table id, row texts, n cell) for every row of a rendered table with an n column."""
    out = []
    for md in sorted((reports / "tables").glob("*.md")):
        lines = [[c.strip().replace("**", "") for c in line.strip().strip("|").split("|")]
                 for line in md.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
        if lines and lines[0][-1] == "n":
            out += [(md.name, md.stem, cells[:-1], cells[-1]) for cells in lines[2:]]
    out += [("index.html", *row) for row in html_rows((reports / "index.html").read_text(encoding="utf-8"))]
    for sheet, frame in pd.read_excel(reports / "tables.xlsx", sheet_name=None, header=None).items():
        heads = [(i, list(row).index("n")) for i, row in frame.iterrows() if "n" in list(row)]
        for i, j in heads[:1]:
            for _k, row in frame.iloc[i + 1:].iterrows():
                n = row.iloc[j]
                n = str(int(n)) if isinstance(n, float) and n.is_integer() else "" if pd.isna(n) else str(n)
                out.append((f"tables.xlsx[{sheet}]", sheet.removeprefix("Tabel "),
                            [str(c) for c in row.iloc[:j] if isinstance(c, str)], n))
    return out


def test_rendered_n_columns_show_no_suppressed_base(pub):
    """A rendered n column may only show bases of cells that are visible: a number in the n cell of
    a row whose cells are all suppressed, or a range reaching beyond the visible cells' bases,
    gives a suppressed base back."""
    problems = []
    for source, tid, texts, n_cell in rendered_n_cells(pub.reports):
        numbers = [int(x) for x in re.findall(r"\d+", n_cell.replace(".", ""))]
        cells = pub.table(tid)
        cells = cells[cells["row"].isin(texts) & (cells["subrow"].eq("") | cells["subrow"].isin(texts))]
        if not numbers or cells.empty:
            continue
        visible = cells[cells["flag"] != SUPPRESSED]
        row = " / ".join(dict.fromkeys(x for x in cells["row"].tolist() + cells["subrow"].tolist() if x))
        bases = [num(b) for b in visible["base_n"]] + [num(v) for v in visible[visible["stat"] == "n"]["value"]]
        bases = [b for b in bases if b is not None]
        if not bases:
            problems.append(f"{source} Tabel {tid} row {row}: n column shows {n_cell!r}, every cell suppressed")
        elif min(numbers) < min(bases) or max(numbers) > max(bases):
            problems.append(f"{source} Tabel {tid} row {row}: n column shows {n_cell!r}, visible cells' bases only "
                            f"{min(bases):g}-{max(bases):g} (the rest is a suppressed cell's base)")
    assert not problems, shown(problems, "rendered n cells giving suppressed bases away")


# ------------------------------------------------------------------- 2. counts by integer programming

def cell_target(pub: Published, spec, r) -> tuple[str | None, Group] | None:
    """(measure, or None for a group size; respondents) counted by the base of a cell of a table."""
    labels = {k: g for k, (g, _v) in pub.label_groups(spec).items()}
    if spec["kind"] == "respondent_summary" and r.row in labels:
        col = {c["label"]: c for c in spec["columns"]}.get(r.column, {})
        if col.get("stat") == "pct_of_group":
            return None, pub.answered(labels[r.row], col["var"])
        return (col["var"] if col.get("stat") == "mean_sd" else None), labels[r.row]
    if spec["kind"] == "share_table" and spec["base"] == "all" and r.row in labels:
        return None, labels[r.row]
    if spec["kind"] == "index_summary":
        indices = {ix["label"]: ix["theme"] for ix in spec["indices"]}
        theme, label = ((None if r.row == spec.get("n_row") else indices.get(r.row, "?")), r.column) \
            if spec["layout"] == "indices_as_rows" else (indices.get(r.column, "?"), r.row)
        return None if theme == "?" or label not in labels else (theme, labels[label])
    return None                                              # likert, crosstab, ols: not modelled


def suppressed_targets(pub) -> dict[tuple, list]:
    """Each distinct (measure or None, respondents) whose count suppressed cells hide -> the cells."""
    out: dict[tuple, list] = {}
    for r in pub.cells[pub.cells["flag"] == SUPPRESSED].itertuples():
        found = cell_target(pub, pub.specs[r.table], r) if r.table in pub.specs else None
        if found and found[1] is not None:
            out.setdefault(found, []).append(r)
    return out


def where(r, more: int = 0) -> str:
    place = " / ".join(x for x in (r.section, r.row, r.subrow, r.column) if x)
    return f"Tabel {r.table} {place} ({r.stat})" + (f" and {more} more cells" if more else "")


def test_suppressed_counts_cannot_be_recovered(pub, attack, truth):
    """Min and max of each hidden group size / base over every integer solution of the published
    facts (group n cells, visible bases, cleaning-log counts, totals): equal = recovered. A pinned
    base is a leak when it is below k (the group itself is protected) or when a suppressed cell
    prints it as its value (an n cell); the base of a share hidden for its numerator (Tabel 4.14's
    Koordinator, 3 of 14) is a group size of k or more, and the share is attacked below."""
    problems = []
    for (m, g), cells in suppressed_targets(pub).items():
        value = attack.lp.pinned(attack.count(m, g))
        if value is not None and (value < K or any(r.stat == "n" for r in cells)):
            what = "respondents" if m is None else f"respondents with a {m} value"
            problems.append(f"{where(cells[0], len(cells) - 1)}: {what} in {g} {verdict(value, truth.count(m, g))}")
    assert not problems, shown(problems, "suppressed counts pinned by the published numbers")


def test_remainders_outside_the_printed_levels_give_nothing_away(pub, attack, truth):
    """Differencing: population minus its printed levels (e.g. volunteers neither Mand nor Kvinde).
    Pinned to 1-4 respondents while the statistic is shown for the population and each level, the
    remainder's own statistic follows."""
    problems = []
    for tid, block, m, rest in attack.remainders():
        share = isinstance(m, tuple)
        counted = attack.count(None if share else m, rest)
        k = attack.lp.pinned(counted)
        if k is None or not 0 < k < K:
            continue
        fixed = [(counted, k, k, "")]
        if share:
            found, tol = attack.share_range(rest, *m, extra=fixed), 0.5
            real = 100 * truth.count(None, rest.restrict(m[0], {m[1]})) / max(
                1, truth.count(None, pub.answered(rest, m[0])))
        else:
            found, tol, real = attack.mean_range(m, rest, extra=fixed), 0.05, truth.values(m, rest).mean()
        if found and found[1] - found[0] < tol:
            stat = f"share (%) with {m[0]} = {m[1]}" if share else f"mean of {m}"
            problems.append(f"Tabel {tid} {block}: outside the printed levels, {rest} has {k} respondents "
                            f"{'' if share else f'with a {m} value '}(pinned); their {stat} lies in "
                            f"[{found[0]:.4f}, {found[1]:.4f}]: {verdict(sum(found) / 2, real, tol)}")
    assert not problems, shown(problems, f"remainders of 1-{K - 1} respondents giving their statistic away")


# --------------------------------------------------------------------------- 3. means and shares

def test_suppressed_means_and_shares_cannot_be_recovered(pub, attack, truth):
    """Per atom: answered count c and sum s (min*c <= s <= max*c); each visible mean fixes
    sum(s) = mean * sum(c). A hidden mean whose range over all solutions is narrower than 0.05
    (a share: 0.5 points) is recovered; same for the share of women of tables 3.2, 4.2 and 4.3."""
    problems = []
    for (m, g), cells in suppressed_targets(pub).items():
        means = [r for r in cells if r.stat == "mean"]
        found = attack.mean_range(m, g) if m and means else None
        if found and found[1] - found[0] < 0.05:
            problems.append(f"{where(means[0])}: mean of {m} in {g} in [{found[0]:.4f}, {found[1]:.4f}], "
                            f"{verdict(sum(found) / 2, truth.values(m, g).mean(), 0.05)}")
    for tid, spec in ((t, s) for t, s in pub.specs.items() if s["kind"] == "respondent_summary"):
        labels, columns = pub.label_groups(spec), {c["label"]: c for c in spec["columns"]}
        cells = pub.table(tid)
        for r in cells[cells["flag"] == SUPPRESSED].itertuples():
            col = columns.get(r.column, {})
            if col.get("stat") != "pct_of_group" or r.row not in labels:
                continue
            g = labels[r.row][0]
            found = attack.share_range(g, col["var"], col["value"])
            if found and found[1] - found[0] < 0.5:
                real = 100 * truth.count(None, g.restrict(col["var"], {col["value"]})) / truth.count(
                    None, pub.answered(g, col["var"]))
                problems.append(f"{where(r)}: share in [{found[0]:.2f}, {found[1]:.2f}], "
                                f"{verdict(sum(found) / 2, real, 0.5)}")
    assert not problems, shown(problems, "suppressed means or shares recovered")


# ------------------------------------------------------------------------------------- 4. crosstab

def chi2(y: dict) -> float:
    """Pearson's chi² of a table of counts {(row, column): count}."""
    n, rows, cols = sum(y.values()), collections.Counter(), collections.Counter()
    for (i, j), v in y.items():
        rows[i], cols[j] = rows[i] + v, cols[j] + v
    expected = {(i, j): rows[i] * cols[j] / n for (i, j) in y}
    return sum((v - expected[k]) ** 2 / expected[k] for k, v in y.items() if expected[k])


def completions(ct: Crosstab, limit=1_000_000) -> list[dict] | None:
    """Every integer table the crosstab's published constraints allow: depth first over the hidden
    cells, pruned on row and column sums; None beyond `limit` steps."""
    free, y, found, steps = [k for k in ct.y if k not in ct.shown], dict(ct.shown), [], [0]
    span = {k: ct.lp.range({ct.y[k]: 1}) for k in free}
    lines = [([k for k in ct.y if k[axis] == code], ct.lp.range(ct.line(axis, code)))
             for axis in (0, 1) for code in ct.codes[axis]]
    a = ct.lp._matrix(ct.lp.rows).toarray()
    lo, hi = np.array([r[1] for r in ct.lp.rows]), np.array([r[2] for r in ct.lp.rows])

    def search(i: int):
        steps[0] += 1
        if steps[0] > limit:
            raise OverflowError
        if i == len(free):
            x = a @ np.array([y[k] for k in ct.y])              # the program's variables are the y's
            found.extend([dict(y)] if np.all(x >= lo - 1e-6) and np.all(x <= hi + 1e-6) else [])
            return
        for v in range(round(span[free[i]][0]), round(span[free[i]][1]) + 1):
            y[free[i]] = v
            if all(sum(y[k] for k in keys if k in y) <= h + 1e-6 and            # row/column sum reachable
                   sum(y.get(k, span[k][1] if k in span else 0) for k in keys) >= l - 1e-6
                   for keys, (l, h) in lines):
                search(i + 1)
            del y[free[i]]
    try:
        search(0)
    except OverflowError:
        return None
    return found


def printed_chi2(ct: Crosstab, reports: Path) -> tuple[float, float] | None:
    """(chi², tolerance) as published: full precision in cells.csv, else the note of tables/<id>.md."""
    if ct.test.get("chi2") is not None:
        return ct.test["chi2"], 1e-6 * max(1.0, ct.test["chi2"])
    md = reports / "tables" / f"{ct.spec['id']}.md"
    hit = re.search(r"χ² = (-?[\d.]*\d,?\d*)", md.read_text(encoding="utf-8")) if md.is_file() else None
    return (float(hit.group(1).replace(".", "").replace(",", ".")), 0.0051) if hit else None


def test_crosstab_counts_cannot_be_recovered(pub, crosstabs, truth):
    """Unknown counts y_ij >= 0 of the crosstab (Tabel 4.13), with its visible counts and shares,
    the margins of the two items in Tabel 4.12 and the blocks Tabel 4.14 sums per role. No count of
    1-4 may show, no hidden count may be pinned, and the published chi² must fit more than one
    completion of the hidden counts."""
    problems = []
    for tid, ct in crosstabs.items():
        label = lambda key: f"Tabel {tid} {ct.codes[0][key[0]]} x {ct.codes[1][key[1]]}"
        pop = truth.data[truth.members(Group(pub.population(ct.spec)))]
        real = pop.groupby([pop[ct.spec["row_item"]].astype(float),
                            pop[ct.spec["column_item"]].astype(float)]).size()
        real = {key: int(real.get((float(key[0]), float(key[1])), 0)) for key in ct.y}
        problems += [f"{label(key)}: count {v:g} published" for key, v in ct.shown.items() if 0 < v < K]
        pinned = {key: ct.lp.pinned({ct.y[key]: 1}) for key in ct.y if key not in ct.shown}
        used = ", ".join(sorted({r[3] for r in ct.lp.rows}))
        problems += [f"{label(key)}: hidden count {verdict(v, real[key])} from {used}"
                     for key, v in pinned.items() if v is not None]
        for (table, row, column), (name, base) in ct.hidden_shares.items():
            hits = ct.lp.pinned({name: 1})
            if hits is not None and base is not None:
                problems.append(f"Tabel {table} {row} / {column}: hidden share recovered "
                                f"{100 * hits / base:.1f} % ({hits} of {base}) from {used}")
        printed = printed_chi2(ct, pub.reports)
        if pinned and printed:
            tables = completions(ct)
            if tables is None:
                warnings.warn(f"Tabel {tid}: too many completions to test the chi² against; no verdict")
            elif len(fits := [y for y in tables if abs(chi2(y) - printed[0]) <= printed[1]]) == 1:
                hidden = ", ".join(f"{label(k)}={fits[0][k]}" for k in pinned)
                problems.append(f"Tabel {tid}: of {len(tables)} completions only one gives the published "
                                f"chi² {printed[0]:g}: {hidden}")
    assert not problems, shown(problems, "crosstab counts shown or recovered")


# ------------------------------------------------------------------------------------- 5. coverage

def test_the_attack_has_something_to_attack(pub, attack, crosstabs):
    """A pipeline that stops suppressing must not pass for want of targets, nor an attack whose
    channel silently built nothing."""
    sup = pub.cells[pub.cells["flag"] == SUPPRESSED]
    problems = [f"Tabel {t}: no suppressed cell to attack" for t in ("4.14", "4.16", "4.13", "4.9")
                if not (sup["table"] == t).any()
                and not ((pub.models["table"] == t) & (pub.models["flag"] == SUPPRESSED)).any()]
    programs = [attack.lp, *(ct.lp for ct in crosstabs.values())]
    channels = collections.Counter(r[3] for lp in programs for r in lp.rows)
    problems += [f"channel {c!r} built no constraint" for c in
                 ("group sizes", "shares of a value", "cleaning log derived counts", "bases (lower bounds)",
                  "index n", "index means", "summary means", "crosstab margins", "crosstab blocks")
                 if not channels.get(c)]
    problems += [] if list(attack.remainders()) else ["no remainder to difference"]
    problems += [] if any(ct.hidden_shares for ct in crosstabs.values()) else ["no hidden Tabel 4.14 share to attack"]
    problems += [] if suppressed_targets(pub) else ["no suppressed cell maps to a count to attack"]
    assert not problems, shown(problems, f"gaps in the attack (channels built: {dict(channels)})")
