"""Check text_claim: what the report's prose says about its tables, against the tables.

Chapters 3.2 and 4 of VIVE (2021) restate the tables in words (shares, sizes, comparisons and
orderings of groups), transcribed into data/published/claims.yaml with the cells each refers to and
a relation (schemas/claims.schema.yaml). Contradicted claims are findings on each cell they name.

Rounding. A printed value v with d decimals stands for every value in [v - 0.5*10^-d,
v + 0.5*10^-d] (a share kept within 0-100, an SD not below 0); a count (stat n) is the whole number
printed. Quantities are such intervals, in exact arithmetic, and a claim is contradicted only if no
values within them satisfy it. Intervals are combined cell by cell as if independent, which can
only widen them: 'contradicted' is proven, 'consistent' means possible.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from vive_survey.errors import Problem, SurveyInputError
from vive_survey.printing.rounding import half_unit, to_fraction
from vive_survey.review.audit.findings import findings_frame, findings_on
from vive_survey.review.audit.relations import schema_problems
from vive_survey.review.published import load_published
from vive_survey.yamlfile import read_yaml

CLAIMS_FILE = "claims.yaml"
"""The file's name, beside relations.yaml and the folder of published tables (data/published/)."""
CHECK, CODE = "text_claim", "text_claim_contradicted"
VERDICTS = ("consistent", "contradicted", "not_checkable")
EVALUATION_COLUMNS = ["id", "line", "table", "quote", "relation", "verdict", "computation"]
FIELDS = ("table", "section", "row", "subrow", "column", "stat")
MARK_LEVELS = {"**": Fraction(1, 100), "*": Fraction(5, 100), "†": Fraction(10, 100)}
"""Tabel 4.9's marks. Its note prints '† p > 0,10', which must mean p < 0,10 (the significance check
flags it); reading it so is the reading most favourable to the text."""
UNMARKED = Fraction(-1)
"""The level of a coefficient printed with no mark in a table that prints the non-significant ones
as 'N.S.': its mark may have been dropped, so it may be significant at any level."""
RELATION_KEYS = {
    "equals": {"each", "value", "tolerance"}, "at_least": {"each", "value"}, "at_most": {"each", "value"},
    "greater_than": {"each", "value", "than"}, "less_than": {"each", "value", "than"},
    "between": {"each", "low", "high"}, "ordering": {"descending"}, "significant": {"each", "sign", "level"},
    "not_checkable": {"reason"}}
"""The keys each relation reads, beyond id, line, quote, table, cells and note."""
_CLAIM_KEYS = {"id", "line", "quote", "table", "cells", "relation", "note"}
_MARKED = re.compile(r"^-?\d+(?:[.,]\d+)?(\**|†*)$")
_OPS = {"at_least": ">=", "at_most": "<=", "greater_than": ">", "less_than": "<"}
_OUTCOME = {True: "possible", False: "impossible"}


@dataclass(frozen=True)
class Claim:
    """One statement of the report's text, as claims.yaml transcribes it (see the schema)."""

    id: str
    line: int
    quote: str
    table: str
    relation: str
    cells: dict = field(default_factory=dict)     # alias -> {field: tuple of labels}
    params: dict = field(default_factory=dict)    # the relation's own keys, as read
    note: str = ""
    reason: str = ""

    def quantities(self) -> list:   # every quantity the relation compares
        return [q for key in ("each", "than", "descending") for q in self.params.get(key, [])]

    def aliases_used(self) -> list[str]:
        """Every alias the relation names, in order of first use."""
        return list(dict.fromkeys(a for q in self.quantities() for a in _aliases_of(q)))


def _kind(quantity: dict) -> tuple[str, object]:
    """(kind, body) of a quantity written as a mapping ('level' is significant_count's second key)."""
    kind = next(k for k in quantity if k != "level")
    return kind, quantity[kind]


def _aliases_of(quantity) -> list[str]:
    if isinstance(quantity, str):
        return [a.strip() for a in quantity.split("+")]
    kind, spec = _kind(quantity)
    if kind == "pooled":
        return [a for term in spec for a in _aliases_of(term)]
    return [a for part in spec.values() for a in part] if kind in ("weighted_mean", "count") else list(spec)


def _pairs_of(quantity) -> tuple[list[str], list[str]] | None:
    """(values, weights) of a weighted_mean or (shares, n) of a count; None for other quantities."""
    kind, body = _kind(quantity) if isinstance(quantity, dict) else (None, None)
    if kind == "weighted_mean":
        return body["values"], body["weights"]
    return (body["shares"], body["of"]) if kind == "count" else None


# --------------------------------------------------------------------------------------------
# reading and validating


def schema() -> dict:
    """The JSON Schema (draft-07) of claims.yaml, from the installed package."""
    return yaml.safe_load(resources.files("vive_survey").joinpath("schemas/claims.schema.yaml").read_text("utf-8"))


def load_claims(path: str | Path, published: pd.DataFrame | None = None) -> list[Claim]:
    """Read claims.yaml (safe_load), validate it against its schema and against the published
    tables (default: the folder tables/ beside it). SurveyInputError lists every problem, each
    naming the file and the claim id."""
    data = read_yaml(path, "claims of the report's text")
    if published is None:
        published = load_published(Path(path).parent / "tables")
    return parse_claims(data, published, source=str(path))


def _where_in_file(data: object, path) -> str:
    """'c07 (claims[6].cells.n)': the claim a schema error is in, by id, and the key."""
    parts = list(path)
    key = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(parts))
    claim = data["claims"][parts[1]] if len(parts) > 1 and parts[0] == "claims" and isinstance(parts[1], int) else None
    return f"{claim.get('id', 'claim without id') if isinstance(claim, dict) else '(file)'} ({key or 'top level'})"


def _schema_problems(data: object, source: str) -> list[Problem]:
    return schema_problems(data, schema(), source, lambda path: _where_in_file(data, path))


def parse_claims(data: object, published: pd.DataFrame, *, source: str = CLAIMS_FILE) -> list[Claim]:
    """Claims from the parsed YAML document, checked against `published`; SurveyInputError listing
    every problem (schema violations first, then what the schema cannot see), each naming the claim."""
    title = f"{source}: {{}} problem(s) in the claims of the report's text:"
    problems = _schema_problems(data, source)
    if problems:
        raise SurveyInputError(problems, title=title.format(len(problems)))
    claims, seen = [], set()
    for i, raw in enumerate(data["claims"]):
        cells = {alias: {f: ((spec[f],) if isinstance(spec[f], str) else tuple(spec[f])) for f in FIELDS if f in spec}
                 for alias, spec in (raw.get("cells") or {}).items()}
        claim = Claim(raw["id"], raw["line"], raw["quote"], raw["table"], raw["relation"], cells,
                      {k: v for k, v in raw.items() if k not in _CLAIM_KEYS | {"reason"}},
                      raw.get("note", ""), raw.get("reason", ""))
        found = [("the id is used twice", None)] if claim.id in seen else []
        seen.add(claim.id)
        problems += [Problem(f"{claim.id} (claims[{i}]): {message}", file=source, hint=hint)
                     for message, hint in found + _claim_problems(claim, raw, published)]
        claims.append(claim)
    if problems:
        raise SurveyInputError(problems, title=title.format(len(problems)))
    return claims


def _claim_problems(claim: Claim, raw: dict, published: pd.DataFrame) -> list[tuple[str, str | None]]:
    """What the schema cannot see: keys the relation does not read, aliases named but not defined
    (or defined and not used), cells the published tables do not have, unpaired weights."""
    problems: list[tuple[str, str | None]] = []
    unread = set(raw) - _CLAIM_KEYS - RELATION_KEYS[claim.relation]
    if unread:
        problems.append((f"relation {claim.relation} does not read {', '.join(sorted(unread))}",
                         f"it reads {', '.join(sorted(RELATION_KEYS[claim.relation]))}"))
    used = claim.aliases_used()
    problems += [(f"the relation names '{a}', which cells does not define", _close(a, claim.cells))
                 for a in used if a not in claim.cells]
    if claim.relation != "not_checkable":   # a cell named but not used would be reported without being checked
        problems += [(f"cells.{a} is not used by the relation", None) for a in claim.cells if a not in used]
    if claim.table not in set(published["table"]):
        problems.append((f"no published table '{claim.table}'", _close(claim.table, set(published["table"]))))
    for alias, spec in claim.cells.items():
        problems += [(f"cells.{alias}: {message}", hint) for message, hint in _cell_problems(claim, spec, published)]
    if problems:
        return problems
    for values, weights in filter(None, map(_pairs_of, claim.quantities())):
        v, w = (pd.concat([claim_cells(published, claim, a) for a in side]) for side in (values, weights))
        if len(v) != len(w) or not w["stat"].eq("n").all():
            problems.append((f"{', '.join(values)} ({len(v)} cells) must be paired with as many counts (stat n), "
                             f"not {len(w)} cells of stat {'/'.join(sorted(set(w['stat'])))}", None))
    return problems


def _cell_problems(claim: Claim, spec: dict, published: pd.DataFrame) -> list[tuple[str, str | None]]:
    table = spec.get("table", (claim.table,))[0]
    cells = published[published["table"].eq(table)]
    if cells.empty:
        return [(f"no published table '{table}'", _close(table, set(published["table"])))]
    problems = [(f"Tabel {table} has no {name} '{label}'", _close(label, set(cells[name])))
                for name in FIELDS[1:] for label in spec.get(name, ()) if label not in set(cells[name])]
    for combination, mask in ([] if problems else _masks(cells, spec)):
        found = int(mask.sum())
        if found != 1:
            what = ", ".join(f"{k} '{v}'" for k, v in combination.items())
            problems.append((f"{found} cells of Tabel {table} at {what}",
                             "give section, subrow or stat to pick one" if found > 1 else None))
    return problems


def _close(name: str, known) -> str | None:
    match = difflib.get_close_matches(str(name), sorted(str(k) for k in known if k), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None


def _combinations(spec: dict) -> list[dict]:
    names = [f for f in FIELDS[1:] if f in spec]
    return [dict(zip(names, values)) for values in itertools.product(*(spec[f] for f in names))]


def _masks(cells: pd.DataFrame, spec: dict) -> list[tuple[dict, np.ndarray]]:
    """Each combination of the labels a cell spec lists, with the mask of the cells it picks (numpy
    on the key columns taken once: hundreds of claims' cells add up in pandas comparisons)."""
    columns = {f: cells[f].to_numpy(dtype=object) for f in FIELDS[1:] if f in spec}
    return [(c, np.logical_and.reduce([columns[f] == v for f, v in c.items()] + [np.ones(len(cells), bool)]))
            for c in _combinations(spec)]


def claim_cells(published: pd.DataFrame, claim: Claim, alias: str) -> pd.DataFrame:
    """The published cells an alias stands for, in the order its labels list them."""
    spec = claim.cells[alias]
    cells = published[published["table"].eq(spec.get("table", (claim.table,))[0])]
    return pd.concat([cells[mask] for _combination, mask in _masks(cells, spec)])


# --------------------------------------------------------------------------------------------
# quantities as intervals


class _Unreadable(Exception):
    """A cell the relation needs prints no number (a blank, or a reference category)."""


@dataclass(frozen=True)
class Amount:
    lo: Fraction
    hi: Fraction
    point: Fraction   # what the printed values themselves give
    decimals: int
    text: str         # how it was computed, for the computation column


def _exact(number) -> Fraction:
    """A number of the claims file as the decimal it is written as (0.1 is 1/10, not the float)."""
    return Fraction(str(number))


def _num(x: Fraction, d: int) -> str:
    return f"{float(x):.{d}f}"


def _shown(a: Amount) -> str:
    """How an amount was computed, with the interval its printed values stand for."""
    def bound(x: Fraction) -> str:
        return f"{float(x):.{a.decimals + 2}f}".rstrip("0").rstrip(".")
    return a.text if a.lo == a.hi else f"{a.text} ({bound(a.lo)}..{bound(a.hi)})"


def _interval(cell: pd.Series) -> tuple[Fraction, Fraction, Fraction, int]:
    """(lo, hi, printed value, decimals) of a cell."""
    if pd.isna(cell["value"]):
        raise _Unreadable(f"{_where(cell)} is printed '{_printed(cell)}', not a number")
    v, d = to_fraction(cell["value"]), int(cell["decimals"])
    if cell["stat"] == "n":   # a count is the whole number printed, not a rounded one
        return v, v, v, d
    lo, hi = v - half_unit(d), v + half_unit(d)
    lo = max(lo, Fraction(0)) if cell["stat"] in ("pct", "sd") else lo   # no share or SD below 0
    return lo, (min(hi, Fraction(100)) if cell["stat"] == "pct" else hi), v, d


def _printed(cell: pd.Series) -> str:
    """A cell as printed, with a point as decimal mark (the computation is in English)."""
    return re.sub(r"(\d),(\d)", r"\1.\2", str(cell["printed"]))


def _short(label: str, limit: int = 40) -> str:
    return label if len(label) <= limit else label[:limit - 1].rstrip() + "…"


def _where(cell: pd.Series) -> str:
    parts = [cell["table"], _short(cell["row"]), cell["subrow"], cell["column"]]
    return " / ".join(p for p in parts if p) + (" (SD)" if cell["stat"] == "sd" else "")


def _term(published: pd.DataFrame, claim: Claim, term: str) -> Amount:
    """The sum of the cells of the aliases of 'a + b', its labels naming what varies between cells."""
    cells = pd.concat([claim_cells(published, claim, a) for a in _aliases_of(term)])
    parts = [(_interval(c), c) for _, c in cells.iterrows()]
    lo, hi, point = (sum((b[k] for b, _ in parts), Fraction(0)) for k in range(3))
    d = max(b[3] for b, _ in parts)
    if len(parts) == 1:
        return Amount(lo, hi, point, d, f"{_where(parts[0][1])} {_num(point, d)}")
    varying = [f for f in ("table", "row", "subrow", "column") if cells[f].nunique() > 1]
    prefix = " / ".join(_short(cells.iloc[0][f]) for f in ("table", "row", "subrow", "column")
                        if f not in varying and cells.iloc[0][f])
    terms = " + ".join(f"{' / '.join(_short(c[f]) for f in varying)} {_num(b[2], b[3])}" for b, c in parts)
    return Amount(lo, hi, point, d, f"{prefix}: {terms} = {_num(point, d)}")


def quantity(published: pd.DataFrame, claim: Claim, spec) -> Amount:
    """The interval a quantity of the claim can take, with how it was computed."""
    if isinstance(spec, str):
        return _term(published, claim, spec)
    kind, body = _kind(spec)
    if kind == "pooled":   # groups of unknown sizes: any weighted mean of their shares
        members = [quantity(published, claim, term) for term in body]
        lo, hi = min(m.lo for m in members), max(m.hi for m in members)
        return Amount(lo, hi, (lo + hi) / 2, max(m.decimals for m in members),
                      f"the groups pooled [{'; '.join(_shown(m) for m in members)}]: any mix of them lies in")
    if kind == "significant_count":
        level = _exact(spec["level"])
        cells = pd.concat([claim_cells(published, claim, a) for a in body])
        marks = [(_mark_level(c), c) for _, c in cells.iterrows()]
        sure = sum(1 for m, _ in marks if m is not None and m != UNMARKED and m <= level)
        maybe = sum(1 for m, _ in marks if m == UNMARKED)
        shown = ", ".join(f"{c['row']} / {c['column']} {_printed(c)}" for m, c in marks if m is not None) or "none"
        return Amount(Fraction(sure), Fraction(sure + maybe), Fraction(sure), 0,
                      f"cells of {cells.iloc[0]['table']} significant at p < {spec['level']} among {len(cells)} "
                      f"({shown}): {sure}" + (f", {maybe} more if its unmarked coefficients are" if maybe else ""))
    values, weights = _pairs_of(spec)   # weighted_mean and count pair their cells in the order listed
    value_cells = pd.concat([claim_cells(published, claim, a) for a in values])
    weight_cells = pd.concat([claim_cells(published, claim, a) for a in weights])
    pairs = [(_interval(v), v, to_fraction(w["value"])) for (_, v), (_, w) in
             zip(value_cells.iterrows(), weight_cells.iterrows())]
    scale = sum((w for *_, w in pairs), Fraction(0)) if kind == "weighted_mean" else Fraction(100)
    if scale == 0:
        raise _Unreadable(f"the weights of {', '.join(weights)} are all 0")
    lo, hi, point = (sum((b[k] * w for b, _, w in pairs), Fraction(0)) / scale for k in range(3))
    d = max(b[3] for b, _, _ in pairs) + 1
    terms = ", ".join(f"{_short(v['row'], 24)} {_num(b[2], b[3])} x {_num(w, 0)}" for b, v, w in pairs)
    name = "weighted mean of" if kind == "weighted_mean" else "people (share / 100 x n) summed over"
    first = value_cells.iloc[0]
    return Amount(lo, hi, point, d, f"{first['table']} / {first['column']}: {name} {terms} = {_num(point, d)}")


def _mark_level(cell: pd.Series) -> Fraction | None:
    """The p level of a coefficient's mark, UNMARKED, or None for 'N.S.'; _Unreadable for 'Ref.'."""
    printed = str(cell["printed"]).strip()
    if printed.casefold().startswith("ref"):
        raise _Unreadable(f"{_where(cell)} is the reference category ('{printed}'), not an estimate")
    match = _MARKED.match(printed)
    return None if not match else MARK_LEVELS[match.group(1)] if match.group(1) else UNMARKED


# --------------------------------------------------------------------------------------------
# relations


def _possible(op: str, a: Amount, lo: Fraction, hi: Fraction) -> bool:
    """Whether some value of `a` stands in relation `op` to some value in [lo, hi]."""
    return {">=": a.hi >= lo, "<=": a.lo <= hi, ">": a.hi > lo, "<": a.lo < hi}[op]


def _verdict(holds: bool, parts: list[str]) -> tuple[str, str]:
    verdict = "consistent" if holds else "contradicted"
    return verdict, "; ".join(parts) + f": {verdict}"


def evaluate_claim(published: pd.DataFrame, claim: Claim) -> tuple[str, str]:
    """(verdict, computation) of one claim on the published cells."""
    if claim.relation == "not_checkable":
        return "not_checkable", f"not checkable: {claim.reason}"
    p = claim.params
    try:
        if claim.relation == "significant":
            return _significant(published, claim)
        if claim.relation == "ordering":
            amounts = [quantity(published, claim, q) for q in p["descending"]]
            holds, floor = True, amounts[-1].lo
            for a in reversed(amounts[:-1]):   # each must be able to exceed the least value the next can take
                holds &= a.hi > floor
                floor = max(floor, a.lo)
            return _verdict(holds, [" > ".join(_shown(a) for a in amounts) + f": this order is {_OUTCOME[holds]}"])
        parts, holds = [], True
        than = [quantity(published, claim, q) for q in p.get("than", [])]
        for a in (quantity(published, claim, q) for q in p["each"]):
            if claim.relation in ("equals", "between"):
                # the claim's own number is rounded too: it stands for value +- tolerance
                v, t = _exact(p.get("value", 0)), _exact(p.get("tolerance", 0))
                low, high = (v - t, v + t) if claim.relation == "equals" else (_exact(p["low"]), _exact(p["high"]))
                ok = a.hi >= low and a.lo <= high
                said = f"within {p['tolerance']} of {p['value']}" if claim.relation == "equals" else \
                    f"between {p['low']} and {p['high']}"
                parts.append(f"{_shown(a)} {said}: {_OUTCOME[ok]}")
            elif than:
                op = _OPS[claim.relation]
                outcomes = [_possible(op, a, b.lo, b.hi) for b in than]
                parts += [f"{_shown(a)} {op} {_shown(b)}: {_OUTCOME[o]}" for b, o in zip(than, outcomes)]
                ok = all(outcomes)
            else:
                ok = _possible(_OPS[claim.relation], a, _exact(p["value"]), _exact(p["value"]))
                parts.append(f"{_shown(a)} {_OPS[claim.relation]} {p['value']}: {_OUTCOME[ok]}")
            holds &= ok
        return _verdict(holds, parts)
    except _Unreadable as exc:
        return "not_checkable", f"not checkable: {exc}"


def _significant(published: pd.DataFrame, claim: Claim) -> tuple[str, str]:
    level, sign = _exact(claim.params["level"]), claim.params["sign"]
    parts, holds = [], True
    for alias in claim.params["each"]:
        for _, cell in claim_cells(published, claim, alias).iterrows():
            mark = _mark_level(cell)
            signed = sign == "any" or (cell["value"] > 0 if sign == "positive" else cell["value"] < 0)
            ok = mark is not None and (mark == UNMARKED or mark <= level) and signed
            holds &= ok
            meaning = {None: "not significant", UNMARKED: "no mark"}.get(mark) or f"mark for p < {float(mark):g}"
            parts.append(f"{_where(cell)} printed '{_printed(cell)}' ({meaning}): {sign} and significant at "
                         f"p < {claim.params['level']} is {_OUTCOME[ok]}")
    return _verdict(holds, parts)


def evaluate_claims(published: pd.DataFrame, claims: list[Claim]) -> pd.DataFrame:
    """One row per claim: id, line, table, quote, relation, verdict (consistent / contradicted /
    not_checkable) and the computation in plain English (points as decimal marks)."""
    rows = []
    for claim in claims:
        verdict, computation = evaluate_claim(published, claim)
        rows.append({"id": claim.id, "line": claim.line, "table": claim.table, "quote": claim.quote,
                     "relation": claim.relation, "verdict": verdict, "computation": computation})
    return pd.DataFrame(rows, columns=EVALUATION_COLUMNS)


def check_text_claim(published: pd.DataFrame, metadata: dict, codebook, relations) -> pd.DataFrame:
    """Findings (check text_claim, code text_claim_contradicted; never unattainable: it is the text
    that is wrong, not the cell) on every cell a contradicted claim of claims.yaml refers to. The
    file is read from beside relations.yaml (`relations.source`); without relations, no findings."""
    if relations is None:
        return findings_frame([])
    out: list[dict] = []
    for claim in load_claims(Path(relations.source).parent / CLAIMS_FILE, published):
        verdict, computation = evaluate_claim(published, claim)
        if verdict == "contradicted":
            cells = pd.concat([claim_cells(published, claim, alias) for alias in claim.aliases_used()])
            reason = f"text line {claim.line}: '{claim.quote}' -> {computation}"
            details = f"claim {claim.id} ({claim.relation})" + (f"; reading: {claim.note}" if claim.note else "")
            out += findings_on(cells[~cells.index.duplicated()], CHECK, CODE, False, reason, details)
    return findings_frame(out)
