"""Wave over wave, rendered: `write_comparison_reports(compared, specs, base, wave, out_dir)`.

`compared` is `review.waves.compare_waves`'s frame (one row per cell of either wave, COMPARE_COLUMNS).
Written under `out_dir`, the same bytes for the same input:

- index.html (templates/compare.html.j2, self-contained, no script): the two wave ids, the
  conventions, each wave's data note, a summary per table, then every table in report order in
  its layout (rows: section, row, subrow; columns: the statistics the table prints, a mean's SD
  beside it), each cell "base → wave" over "change mark", printed by the table's format
  (printing.format, the labels' decimal mark), its test, p and note on hover. Under each grid,
  every cell of the table (the statistics the table does not print too) as a list.
- tables.xlsx: a sheet per table, one row per cell with every column of the frame, numbers as
  numbers at full precision; the first row names the two waves and their data notes.
- figures/index_means.png and .svg: the index means of each wave with 95 % t intervals
  (mean ± t(0.975, n - 1) · sd / √n), a panel per index table.

Printing: base, wave and change with the digits of the statistic in the table's format (a
statistic the format has no digits for borrows those of its kin: pct_row as pct, se as coef, alpha
as r2); a coefficient as its number (the report's N.S. would hide it); the change with "+" when it
prints as a positive number and no zero text ("0,0", not "-"). p as in the report's notes
("p = 0,041", "p < 0,001"); an undefined test (p empty) prints no p at all.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from vive_survey.analysis.spec import TableFormat, TableSpec, table_sort_key
from vive_survey.files import atomic_path
from vive_survey.printing.format import Words, fmt_number, print_p, print_stat, shape_fields
from vive_survey.render.figures import DPI, RC
from vive_survey.render.labels import Labels
from vive_survey.render.templating import render
from vive_survey.render.writers.xlsx import LOCALE_TAGS, deterministic_zip, neutralise
from vive_survey.review.waves import COMPARE_COLUMNS

INTERNAL = {"_model": "Model", "_test": "Test"}
SIGNIFICANT = ("*", "**")
# A statistic the table's format has no digits for prints with those of its kin.
KIN = {"pct_total": "pct", "pct_row": "pct", "pct_column": "pct", "se": "coef", "t": "coef", "ci_low": "coef",
       "ci_high": "coef", "alpha": "r2", "adj_r2": "r2", "expected": "min_expected", "p_permutation": "p"}
TESTS = {"chi2": ("chi-square test", "χ²"), "chi2_permutation": ("chi-square test, permutation p", "χ²"),
         "z_proportions": ("two-proportion z test", "z"), "welch_t": ("Welch's t test", "t"),
         "z_coefficients": ("z test of two independent coefficients", "z")}
STATUS_TEXT = {"compared": "compared", "not_tested": "not tested", "suppressed": "suppressed",
               "only_base": "only in {base}", "only_wave": "only in {wave}"}
COUNTS = ["cells", "compared", "tested", "significant", "trend", "one_wave", "suppressed", "not_tested"]
WAVE_COLOURS = ("#7570b3", "#d95f02")
NOTE_COLOUR = "8A1C00"


def write_comparison_reports(compared: pd.DataFrame, specs: list[TableSpec], base: str, wave: str, out_dir: Path,
                             *, labels: Labels | None = None, data_notes: dict[str, str] | None = None) -> list[Path]:
    """index.html, tables.xlsx and figures/index_means.png/.svg under `out_dir` (module docstring)."""
    missing = [c for c in COMPARE_COLUMNS if c not in compared.columns]
    if missing:
        raise ValueError(f"the comparison lacks the column(s) {', '.join(missing)} (review.waves.compare_waves)")
    unknown = sorted(set(data_notes or {}) - {base, wave})
    if unknown:
        raise ValueError(f"data notes for {unknown}, which are neither wave: the waves are {base!r} and {wave!r}")
    labels = labels if labels is not None else Labels.load("da")
    out_dir = Path(out_dir)
    notes = [(w, labels(" ".join(str(data_notes[w]).split()))) for w in dict.fromkeys((base, wave))
             if (data_notes or {}).get(w)]
    by_id = {spec.id: spec for spec in specs}
    ids = sorted(set(by_id) | set(compared["table"]), key=table_sort_key)
    frame = compared[COMPARE_COLUMNS].reset_index(drop=True)
    tables = {t: frame[frame["table"] == t] for t in ids}
    written = []
    html = render("compare.html.j2", **page_context(tables, by_id, base, wave, notes, labels))
    written.append(_write(out_dir / "index.html", html.encode("utf-8")))
    written.append(_write(out_dir / "tables.xlsx", workbook_bytes(tables, by_id, base, wave, notes, labels)))
    png, svg = index_figure(tables, by_id, base, wave, notes, labels)
    written.append(_write(out_dir / "figures" / "index_means.png", png))
    written.append(_write(out_dir / "figures" / "index_means.svg", svg))
    return written


def _write(path: Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return path


# ------------------------------------------------------------------------------------ printing

def digits(fmt: TableFormat, stat: str) -> int:
    return fmt.decimals.get(stat, fmt.decimals.get(KIN.get(stat, ""), 2))


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def value_text(stat: str, value, fmt: TableFormat, words: Words) -> str:
    """A value as its table prints it; a coefficient as its number."""
    if _missing(value):
        return ""
    return print_stat(stat, float(value), replace(fmt, marks="none"), words, decimals=digits(fmt, stat)).text


def change_text(stat: str, change, fmt: TableFormat, words: Words) -> str:
    """The change at the statistic's digits, "+" when it prints as a positive number."""
    if _missing(change):
        return ""
    plain = replace(fmt, marks="none", zero=None, whole_hundred=False)
    printed = print_stat(stat, float(change), plain, words, decimals=digits(fmt, stat))
    return ("+" if printed.value and printed.value > 0 else "") + printed.text


def p_text(p, fmt: TableFormat, words: Words) -> str:
    """'p = 0,041', 'p < 0,001', or '' for an undefined test."""
    if _missing(p):
        return ""
    below, text = print_p(float(p), fmt, words)
    return f"p {'<' if below else '='} {text}"


def test_text(r, fmt: TableFormat, words: Words) -> str:
    """A cell's test as a sentence: name, statistic, df, p (adjusted, asymptotic); '' when none."""
    if _missing(r.test) or not r.test:
        return ""
    name, symbol = TESTS.get(r.test, (r.test, "statistic"))
    parts = [f"{symbol} = {fmt_number(r.statistic, 2, decimal_mark=words.decimal_mark)}"]
    if not _missing(r.df):
        parts.append(f"df = {fmt_number(r.df, 0 if float(r.df).is_integer() else 1, decimal_mark=words.decimal_mark)}")
    if p := p_text(r.p, fmt, words):
        parts.append(p)
    if not _missing(r.p_adjusted):
        parts.append(f"adjusted {p_text(r.p_adjusted, fmt, words)} (Benjamini–Hochberg)")
    if not _missing(r.p_asymptotic) and r.p_asymptotic != r.p:
        parts.append(f"asymptotic {p_text(r.p_asymptotic, fmt, words)}")
    return f"{name}: " + ", ".join(parts)


def cell_view(r, fmt: TableFormat, words: Words, labels: Labels, base: str, wave: str) -> dict:
    """A cell for the template: its texts, status, classes and hover text."""
    texts = {}
    for side in ("base", "wave"):
        value, n = getattr(r, f"{side}_value"), getattr(r, f"{side}_n")
        hidden = r.status == "suppressed" and _missing(value) and _missing(n)
        absent = r.status == f"only_{'wave' if side == 'base' else 'base'}"
        texts[side] = words.suppressed if hidden else "–" if absent else value_text(r.stat, value, fmt, words)
        texts[f"{side}_n"] = "" if _missing(n) else str(int(n))
    if not texts["base"] and not texts["wave"] and "reference level" in str(r.note):
        texts["base"] = texts["wave"] = "Ref."
    change = words.suppressed if r.status == "suppressed" else change_text(r.stat, r.change, fmt, words)
    status = STATUS_TEXT[r.status].format(base=base, wave=wave)
    key = " · ".join(labels(x) for x in (r.row, r.subrow, r.column) if x) + f" ({r.stat})"
    test, note = test_text(r, fmt, words), "" if _missing(r.note) else str(r.note)
    hover = "; ".join(x for x in (f"{key}: {status}", f"n {texts['base_n'] or '–'} → {texts['wave_n'] or '–'}",
                                  test, note) if x)
    mark = r.mark if r.mark in ("†", "*", "**") else ""
    return {**texts, "change": change, "mark": mark, "status": r.status, "status_text": status,
            "cls": " ".join([r.status] + (["sig"] if mark in SIGNIFICANT else ["trend"] if mark else [])),
            "title": hover, "test": test, "p": p_text(r.p, fmt, words), "note": note,
            "row": labels(r.row), "subrow": labels(r.subrow), "column": labels(r.column), "stat": r.stat,
            "section": labels(INTERNAL.get(r.section, r.section))}


# ---------------------------------------------------------------------------------------- grid

def printed_stats(stats: list[str], fmt: TableFormat) -> list[str]:
    """The statistics of one (row, column) the table prints: a coefficient, a mean (with its SD
    when the format's shape names it), a percentage, or a count."""
    if "coef" in stats:
        return ["coef"]
    if "mean" in stats:
        return ["mean"] + (["sd"] if "sd" in stats and "sd" in shape_fields(fmt.shape) else [])
    return [next((s for s in ("pct", "n") if s in stats), stats[0])]


def table_grid(table: pd.DataFrame, views: list[dict], fmt: TableFormat, labels: Labels) -> dict:
    """Rows (section, row, subrow) x the printed columns; the model and test sections last, a row
    per statistic, each cell under its column (the first column when it has none)."""
    keys = list(zip(table["section"], table["row"], table["subrow"], table["column"], table["stat"]))
    stats: dict[tuple, list[str]] = {}
    for s, r, sub, c, stat in keys:
        stats.setdefault((s, r, sub, c), []).append(stat)
    shown = {k[:4] + (st,) for k, v in stats.items() if k[0] not in INTERNAL for st in printed_stats(v, fmt)}
    columns = list(dict.fromkeys((k[3], k[4]) for k in keys if k in shown))
    primary = {c: st for c, st in reversed(columns)}
    rows: dict[tuple, dict[int, dict]] = {}
    for key, view in zip(keys, views):
        s, r, sub, c, stat = key
        if s in INTERNAL:
            at = next((i for i, (col, _st) in enumerate(columns) if col == c), 0)
            rows.setdefault((1, s, f"{r} {stat}".strip(), ""), {})[at] = view
        elif key in shown:
            rows.setdefault((0, s, r, sub), {})[columns.index((c, stat))] = view
    body, last = [], None
    has_sub = any(k[3] for k in rows)
    for (internal, s, r, sub), cells in sorted(rows.items(), key=lambda kv: kv[0][0]):
        section = INTERNAL.get(s, s)
        if section != last and section:
            body.append({"section": labels(section)})
        last = section
        body.append({"stub": [labels(r)] + ([labels(sub)] if has_sub else []),
                     "cells": [cells.get(i) for i in range(max(len(columns), 1))]})
    names = [labels(c) + ("" if primary[c] == st else f" ({st})") for c, st in columns] or [""]
    return {"columns": names, "rows": body, "stub_width": 2 if has_sub else 1}


def page_context(tables: dict[str, pd.DataFrame], specs: dict[str, TableSpec], base: str, wave: str,
                 notes: list[tuple[str, str]], labels: Labels) -> dict:
    """Everything compare.html.j2 renders, every number already text."""
    words = Words.of(labels)
    out, summary, total = [], [], dict.fromkeys(COUNTS, 0)
    for table_id, table in tables.items():
        spec = specs.get(table_id)
        fmt = spec.format if spec else TableFormat()
        views = [cell_view(r, fmt, words, labels, base, wave) for r in table.itertuples(index=False)]
        counts = table_counts(table)
        anchor = "t" + re.sub(r"[^0-9A-Za-z]", "-", table_id)
        caption = labels.caption(table_id)
        title = labels.title(table_id, spec.title) if spec else ""
        out.append({"id": table_id, "caption": caption, "title": title, "anchor": anchor, "counts": counts,
                    "grid": table_grid(table, views, fmt, labels), "cells": views})
        summary.append({"caption": caption, "anchor": anchor, "counts": counts})
        total = {k: total[k] + counts[k] for k in COUNTS}
    mark = words.decimal_mark
    adjusted = any(t["p_adjusted"].notna().any() for t in tables.values())
    return {"base": base, "wave": wave, "notes": [{"wave": w, "text": t} for w, t in notes], "tables": out,
            "summary": summary, "total": total, "adjusted": adjusted, "lang": labels.language,
            "p": {k: fmt_number(v, 2, decimal_mark=mark) for k, v in (("p10", .10), ("p05", .05), ("p01", .01))},
            "min_expected": "5", "level": fmt_number(95, 0, decimal_mark=mark)}


def table_counts(table: pd.DataFrame) -> dict[str, int]:
    status, mark = table["status"], table["mark"].fillna("")
    return {"cells": len(table), "compared": int((status == "compared").sum()),
            "tested": int(table["p"].notna().sum()), "significant": int(mark.isin(SIGNIFICANT).sum()),
            "trend": int((mark == "†").sum()), "one_wave": int(status.isin(["only_base", "only_wave"]).sum()),
            "suppressed": int((status == "suppressed").sum()), "not_tested": int((status == "not_tested").sum())}


# ---------------------------------------------------------------------------------------- xlsx

def _put(ws, row: int, column: int, value, fmt: str | None = None, *, bold: bool = False, wrap: bool = False,
         colour: str | None = None):
    from openpyxl.styles import Alignment, Font

    cell = ws.cell(row=row, column=column)
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if not math.isnan(value):
            cell.value = int(value) if isinstance(value, (int, np.integer)) else float(value)
            if fmt:
                cell.number_format = fmt
    elif value is not None and value is not pd.NA and value != "":
        text, prefix = neutralise(str(value))
        cell.value, cell.data_type = text, "s"  # never a formula, whatever the text starts with
        cell.quotePrefix = prefix
    if bold or colour:
        cell.font = Font(bold=bold, color=colour)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def workbook_bytes(tables: dict[str, pd.DataFrame], specs: dict[str, TableSpec], base: str, wave: str,
                   notes: list[tuple[str, str]], labels: Labels) -> bytes:
    """A sheet per table, one row per cell; identical bytes for identical input."""
    import datetime

    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    tag = LOCALE_TAGS.get(labels.language, "")
    exact: dict[str, dict[bytes, bytes]] = {}  # sheet file -> cell -> repr of a float %.16g would round
    heading = " ".join([f"Base wave: {base}. Wave: {wave}. Change = wave - base."]
                       + [f"{w}: {text}" for w, text in notes])
    for k, (table_id, table) in enumerate(tables.items(), start=1):
        spec = specs.get(table_id)
        fmt = spec.format if spec else TableFormat()
        ws = wb.create_sheet(re.sub(r"[\[\]:*?/\\]", "_", f"{labels.word('table')} {table_id}")[:31])
        _put(ws, 2, 1, labels.caption(table_id) + (f". {labels.title(table_id, spec.title)}" if spec else ""),
             bold=True)
        widths = [len(c) for c in COMPARE_COLUMNS]
        for c, name in enumerate(COMPARE_COLUMNS, start=1):
            _put(ws, 3, c, name, bold=True)
        for r, row in enumerate(table.itertuples(index=False), start=4):
            places = "0." + "0" * digits(fmt, row.stat) if digits(fmt, row.stat) else "0"
            for c, (name, value) in enumerate(zip(COMPARE_COLUMNS, row), start=1):
                number = name in ("base_value", "wave_value", "change")
                _put(ws, r, c, value, f"{tag}{places}" if number else "0" if name.endswith("_n") else None)
                widths[c - 1] = max(widths[c - 1], 10 if number else len(str(value)))
                if isinstance(value, float) and not math.isnan(value) and float("%.16g" % value) != value:
                    exact.setdefault(f"xl/worksheets/sheet{k}.xml", {})[
                        f"{get_column_letter(c)}{r}".encode()] = repr(float(value)).encode()
        for c, size in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = max(8, min(size + 2, 60))
        ws.freeze_panes = "A4"
        ws.auto_filter.ref = f"A3:{get_column_letter(len(COMPARE_COLUMNS))}{max(3, len(table) + 3)}"
        _put(ws, 1, 1, heading, bold=True, wrap=True, colour=NOTE_COLOUR if notes else None)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=12)
        shown = sum(ws.column_dimensions[get_column_letter(c)].width for c in range(1, 13))
        ws.row_dimensions[1].height = 15 * math.ceil(len(heading) * 1.15 / shown)
    fixed = datetime.datetime(2021, 1, 1)
    wb.properties.created = wb.properties.modified = fixed
    wb.properties.creator = "vive_survey"
    buffer = io.BytesIO()
    wb.save(buffer)
    return deterministic_zip(buffer.getvalue(), exact)


# -------------------------------------------------------------------------------------- figure

def index_panels(tables: dict[str, pd.DataFrame], specs: dict[str, TableSpec], labels: Labels) -> list[dict]:
    """Per index_summary table: its mean cells as (index, group) entries, each wave's mean and 95 %
    t interval (NaN where the mean is suppressed or missing; no interval without SD or n >= 2)."""
    from scipy import stats

    panels = []
    for table_id, table in tables.items():
        spec = specs.get(table_id)
        if spec is None or spec.kind != "index_summary":
            continue
        key = ["section", "row", "subrow", "column"]
        by_stat = {st: part.set_index(key) for st, part in table.groupby("stat", sort=False)}
        if "mean" not in by_stat:
            continue
        means = by_stat["mean"]
        entries, values = [], {}
        for k in means.index:
            section, row, _sub, column = k
            index, group = (column, row) if spec.get("layout") == "indices_as_columns" else (row, column)
            entries.append((labels(index), labels(group)))
        for side in ("base", "wave"):
            mean = means[f"{side}_value"].to_numpy(dtype=float)
            sd, n = (by_stat[st][f"{side}_value"].reindex(means.index).to_numpy(dtype=float) if st in by_stat
                     else np.full(len(mean), np.nan) for st in ("sd", "n"))
            n = np.where(np.isnan(n), means[f"{side}_n"].astype("Float64").to_numpy(dtype=float, na_value=np.nan), n)
            with np.errstate(invalid="ignore", divide="ignore"):
                half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
            values[side] = (mean, np.where(n >= 2, half, np.nan))
        panels.append({"caption": labels.caption(table_id), "title": labels.title(table_id, spec.title),
                       "entries": entries, **values})
    return panels


def _slots(entries: list[tuple[str, str]]) -> list[tuple[str, int | None]]:
    """Axis slots: an index heading over its groups, or the index alone when it has one group."""
    groups: dict[str, list[int]] = {}
    for i, (index, _group) in enumerate(entries):
        groups.setdefault(index, []).append(i)
    if all(len(v) == 1 for v in groups.values()):
        return [(index, at[0]) for index, at in groups.items()]
    out: list[tuple[str, int | None]] = []
    for index, at in groups.items():
        out.append((index, None))
        out.extend((entries[i][1], i) for i in at)
    return out


def index_figure(tables: dict[str, pd.DataFrame], specs: dict[str, TableSpec], base: str, wave: str,
                 notes: list[tuple[str, str]], labels: Labels) -> tuple[bytes, bytes]:
    """(PNG, SVG) of the index means by wave, a panel per index table; identical bytes per input."""
    import matplotlib
    from matplotlib.figure import Figure

    panels = index_panels(tables, specs, labels)
    title = f"Index means with {fmt_number(95, 0)} % confidence intervals: {base} (base) and {wave} (wave)"
    wrapped = [textwrap.fill(f"{w}: {t}", 110) for w, t in notes]
    with matplotlib.rc_context(RC):
        slots = [_slots(p["entries"]) for p in panels]
        tallest = max([len(s) for s in slots] + [4])
        fig = Figure(figsize=(1.5 + 5.2 * max(len(panels), 1), 1.6 + 0.6 * len(wrapped) + 0.19 * tallest),
                     dpi=DPI, layout="constrained")
        axes = fig.subplots(1, max(len(panels), 1), squeeze=False)[0]
        if not panels:
            axes[0].text(0.5, 0.5, "No index means in either wave", ha="center", va="center")
            axes[0].set_axis_off()
        for ax, panel, slot in zip(axes, panels, slots):
            y = np.arange(len(slot))[::-1].astype(float)
            rows = [(y_value, i) for y_value, (_t, i) in zip(y, slot) if i is not None]
            ys, at = np.array([r[0] for r in rows]), np.array([r[1] for r in rows], dtype=int)
            for k, (side, name) in enumerate((("base", base), ("wave", wave))):
                mean, half = (v[at] for v in panel[side])
                keep = ~np.isnan(mean)
                mean, half = mean[keep], np.nan_to_num(half[keep], nan=0.0)
                # An index lives on 1-4: a small group's interval is drawn up to the scale's ends.
                err = np.vstack([mean - np.clip(mean - half, 1, 4), np.clip(mean + half, 1, 4) - mean])
                ax.errorbar(mean, ys[keep] + (0.17 if k == 0 else -0.17), xerr=np.maximum(err, 0), fmt="o",
                            color=WAVE_COLOURS[k], markersize=3, elinewidth=1, capsize=1.5, label=f"{name} ({side})")
            ax.set_yticks(y, [textwrap.shorten(t, 45) for t, _i in slot])
            for tick, (_t, i) in zip(ax.get_yticklabels(), slot):
                tick.set_fontweight("bold" if i is None else "normal")
            ax.set_ylim(-0.7, len(slot) - 0.3)
            ax.set_xlim(0.9, 4.1)
            ax.set_xticks([1, 2, 3, 4])
            ax.grid(axis="x", color="#dddddd", linewidth=0.5)
            ax.set_axisbelow(True)
            ax.tick_params(axis="y", length=0)
            ax.set_xlabel(labels.word("axis_index"))
            ax.set_title(textwrap.fill(f"{panel['caption']}. {panel['title']}", 60), loc="left", fontsize=8.5)
        if panels:
            handles, names = axes[0].get_legend_handles_labels()
            fig.legend(handles, names, loc="outside lower center", ncol=2, frameon=False)
        fig.suptitle("\n".join([title] + wrapped), x=0.01, ha="left", fontsize=9.5, fontweight="bold")
        png, svg = io.BytesIO(), io.BytesIO()
        fig.savefig(png, format="png", metadata={"Software": None, "Title": title})
        fig.set_layout_engine("none")  # the layout the first save solved, not solved again
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None, "Title": title})
    return png.getvalue(), svg.getvalue()
