"""Figures of the rendered report, drawn from the aggregate cells only (never respondent data).

- Each likert_distribution table: diverging stacked bars, one panel per respondent group, the
  questions grouped by theme; the two lower answers to the left of zero, the two upper to the right.
- Each index_summary table: index means with 95 % confidence intervals by group, the interval
  from the cells' mean, SD and n (t distribution, n - 1 degrees of freedom).

Matplotlib's object API with the Agg canvas (no pyplot state, no display), a fixed font and a fixed
SVG hash salt, and no dates in the metadata: the same cells give byte-identical PNG and SVG files.
The numbers on a figure (shares on the bars, each bar's n) print through the table's format, by
the one formatter of the tables and the diff (printing.format); the shares as whole percentages.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from vive_survey.analysis.spec import TableFormat, TableSpec
from vive_survey.printing.format import Words, print_stat
from vive_survey.render.labels import Labels
from vive_survey.files import atomic_path

TOTAL = "Total"
DPI = 150
# Diverging, colour-blind safe (ColorBrewer RdBu): two reds for the lower answers, two blues above.
LIKERT_COLOURS = {2: ["#ef8a62", "#67a9cf"], 4: ["#ca0020", "#f4a582", "#92c5de", "#0571b0"],
                  3: ["#ca0020", "#f7f7f7", "#0571b0"], 5: ["#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0"]}
GROUP_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]
RC = {
    "svg.hashsalt": "vive_survey",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "path.simplify": False,
}


@dataclass(frozen=True)
class FigureFile:
    table_id: str
    name: str
    png: Path
    svg: Path
    caption: str


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _suptitle(fig, title: str, note: str = "") -> None:
    """The figure's title and, on the lines under it, the wave's data note (what the data is)
    wrapped to the figure's width, so that a figure copied out of the report still says it."""
    if not note:
        fig.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold")
        return
    # One title (constrained layout makes room for the suptitle only); 9 pt bold text is about 13
    # characters an inch, 11 leaves room for wide letters.
    wrapped = _wrap(note, max(40, int(fig.get_figwidth() * 11)))
    fig.suptitle(f"{title}\n{wrapped}", x=0.01, ha="left", fontsize=9, fontweight="bold")


# ---------------------------------------------------------------------------------- likert

def likert_data(spec: TableSpec, cells: pd.DataFrame) -> dict:
    """Percentages as an array [item, group, category], with the items' sections and labels."""
    table = cells[(cells["table"] == spec.id) & (cells["stat"] == "pct") & (cells["column"] != TOTAL)]
    items = list(dict.fromkeys(zip(table["section"], table["row"])))
    groups = list(dict.fromkeys(table["subrow"]))
    categories = list(dict.fromkeys(table["column"]))
    index = pd.MultiIndex.from_product([[f"{s}\x1f{r}" for s, r in items], groups, categories])
    keyed = table.assign(item=table["section"] + "\x1f" + table["row"]).set_index(["item", "subrow", "column"])
    shape = (len(items), len(groups), len(categories))
    values = keyed["value"].reindex(index).to_numpy(dtype=float).reshape(shape)
    bases = keyed["base_n"].astype(float).reindex(index).to_numpy(dtype=float).reshape(shape)
    with np.errstate(all="ignore"):
        n = np.nanmax(np.where(np.isnan(bases), -1, bases), axis=2)
    return {"items": items, "groups": groups, "categories": categories, "values": values,
            "n": np.where(n < 0, np.nan, n)}


def plot_likert(data: dict, labels: Labels, title: str, fmt: TableFormat | None = None, note: str = ""):
    from matplotlib.figure import Figure

    items, groups, categories, values = data["items"], data["groups"], data["categories"], data["values"]
    k = len(categories)
    colours = LIKERT_COLOURS.get(k) or [f"C{i}" for i in range(k)]
    lower = k // 2  # categories drawn to the left of zero (the middle one of an odd scale is split)
    # y slots: a heading slot per section, then its items
    slots: list[tuple[str, str, int | None]] = []
    previous = None
    for i, (section, row) in enumerate(items):
        if section != previous and section:
            slots.append(("heading", labels(section), None))
        previous = section
        slots.append(("item", labels(row), i))
    y = np.arange(len(slots))[::-1]
    height = 1.5 + 0.32 * len(slots) + (0.25 if len(groups) > 1 else 0)
    fig = Figure(figsize=(3.4 + 3.0 * len(groups), height), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, len(groups), sharey=True, squeeze=False)[0]
    fmt, words = fmt or TableFormat(), Words.of(labels)
    item_rows = [(slot_y, i) for slot_y, (kind, _text, i) in zip(y, slots) if kind == "item"]
    ys = np.array([r[0] for r in item_rows], dtype=float)
    order = np.array([r[1] for r in item_rows], dtype=int)
    middle = k % 2
    for g, (ax, group) in enumerate(zip(axes, groups)):
        shares = np.nan_to_num(values[order, g, :], nan=0.0)  # [item, category]
        start = shares[:, lower] / 2 if middle else np.zeros(len(order))
        if middle:
            ax.barh(ys, shares[:, lower], left=-start, color=colours[lower], edgecolor="white", linewidth=0.5,
                    height=0.7)
        # lower answers leftwards from zero (the one nearest the middle first), upper ones rightwards
        segments = [(c, -(start + shares[:, c:lower].sum(axis=1))) for c in range(lower)]
        segments += [(c, start + shares[:, lower + middle:c].sum(axis=1)) for c in range(lower + middle, k)]
        for c, left in segments:
            ax.barh(ys, shares[:, c], left=left, color=colours[c], edgecolor="white", linewidth=0.5, height=0.7)
            for y_value, x_value, share in zip(ys, left + shares[:, c] / 2, shares[:, c]):
                _bar_label(ax, x_value, y_value, share, colours[c], fmt, words)
        for y_value, n in zip(ys, data["n"][order, g]):
            if np.isfinite(n):
                ax.text(103, y_value, f"n = {print_stat('n', n, fmt, words).text}", ha="left", va="center",
                        fontsize=6.5, color="#666666")
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_xlim(-100, 128)  # room on the right for the n
        ticks = [-100, -50, 0, 50, 100]
        ax.set_xticks(ticks, [str(abs(t)) for t in ticks])
        ax.spines["bottom"].set_bounds(-100, 100)
        ax.set_xlabel(labels.word("axis_percent"))
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        if group:
            ax.set_title(_wrap(labels(group), 30))
    axes[0].set_yticks(y, [_wrap(text, 48) for _kind, text, _i in slots])
    for tick, (kind, _text, _i) in zip(axes[0].get_yticklabels(), slots):
        if kind == "heading":
            tick.set_fontweight("bold")
    axes[0].set_ylim(-0.6, len(slots) - 0.4)
    handles = [_patch(colours[c]) for c in range(k)]
    fig.legend(handles, [f"({c + 1}) {labels(name)}" for c, name in enumerate(categories)],
               loc="outside lower center", ncol=k, frameon=False)
    _suptitle(fig, title, note)
    return fig


def _patch(colour: str):
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, edgecolor="white")


BAR_LABEL_DECIMALS = 0  # a share on a bar prints as a whole percentage, whatever the table's digits


def _bar_label(ax, x: float, y: float, share: float, colour: str, fmt: TableFormat, words: Words) -> None:
    if share < 8:
        return
    dark = colour in ("#ca0020", "#0571b0")
    text = print_stat("pct", share, fmt, words, decimals=BAR_LABEL_DECIMALS).text
    ax.text(x, y, text, ha="center", va="center", fontsize=6.5, color="white" if dark else "#222222")


# ----------------------------------------------------------------------------------- index

def index_data(spec: TableSpec, cells: pd.DataFrame) -> list[dict]:
    """Panels of index means: each panel a block of groups, with [index, group] arrays of mean,
    lower and upper 95 % limits (t interval from mean, SD and n) and n."""
    from scipy import special

    table = cells[(cells["table"] == spec.id) & cells["stat"].isin(["mean", "sd", "n"])]
    wide = table.pivot_table(index=["section", "row", "column"], columns="stat", values="value", aggfunc="first",
                             sort=False)
    wide = wide.reindex(columns=["mean", "sd", "n"])
    n = wide["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = special.stdtrit(np.maximum(n - 1, 1), 0.975) * wide["sd"].to_numpy(dtype=float) / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    wide = wide.assign(low=wide["mean"] - half, high=wide["mean"] + half)
    keys = wide.index.to_frame(index=False)
    panels = []
    if spec.get("layout") == "indices_as_columns":
        # rows are groups (in blocks = sections), columns are indices
        indices = list(dict.fromkeys(keys["column"]))
        for section in dict.fromkeys(keys["section"]):
            rows = list(dict.fromkeys(keys.loc[keys["section"] == section, "row"]))
            panels.append(_panel(wide, section, [("", c) for c in indices], rows,
                                 lambda idx, grp, s=section: (s, grp, idx[1])))
    else:
        # rows are indices (in sections), columns are groups
        mean_rows = keys.merge(wide.reset_index()[["section", "row", "column", "mean"]].dropna(subset=["mean"]),
                               on=["section", "row", "column"])
        indices = list(dict.fromkeys(zip(mean_rows["section"], mean_rows["row"])))
        groups = list(dict.fromkeys(mean_rows["column"]))
        panels.append(_panel(wide, "", indices, groups, lambda idx, grp: (idx[0], idx[1], grp)))
    return panels


def _panel(wide: pd.DataFrame, label: str, indices: list[tuple[str, str]], groups: list[str], key) -> dict:
    shape = (len(indices), len(groups))
    out = {name: np.full(shape, np.nan) for name in ("mean", "low", "high", "n")}
    lookup = wide.to_dict("index")
    for i, idx in enumerate(indices):
        for g, grp in enumerate(groups):
            record = lookup.get(key(idx, grp))
            if record:
                for name in out:
                    out[name][i, g] = record[name]
    return {"label": label, "indices": indices, "groups": groups, **out}


def plot_index(panels: list[dict], labels: Labels, title: str, note: str = ""):
    from matplotlib.figure import Figure

    indices = panels[0]["indices"]
    slots: list[tuple[str, str, int | None]] = []
    previous = None
    for i, (section, name) in enumerate(indices):
        parts = name.split(" / ")
        group_label = section or (parts[0] if len(parts) > 1 else "")
        if group_label and group_label != previous:
            slots.append(("heading", labels(group_label), None))
        previous = group_label
        slots.append(("item", labels(parts[-1]), i))
    y = np.arange(len(slots))[::-1].astype(float)
    ncols = 1 if len(panels) == 1 else 2  # small multiples two abreast, so the type stays legible
    nrows = -(-len(panels) // ncols)
    panel_height = 1.3 + 0.3 * len(slots)
    fig = Figure(figsize=(2.6 + 3.9 * ncols, 0.4 + panel_height * nrows), dpi=DPI, layout="constrained")
    grid = fig.subplots(nrows, ncols, sharey=True, sharex=True, squeeze=False)
    axes = list(grid.ravel())
    for ax in axes[len(panels):]:
        ax.remove()
    lo, hi = 1.0, 4.0
    for ax, panel in zip(axes, panels):
        m = len(panel["groups"])
        offsets = (np.arange(m) - (m - 1) / 2) * (0.7 / max(m, 1)) if m > 1 else np.zeros(1)
        for g, group in enumerate(panel["groups"]):
            colour = GROUP_COLOURS[g % len(GROUP_COLOURS)]
            rows = [(slot_y - offsets[g], i) for slot_y, (kind, _t, i) in zip(y, slots) if kind == "item"]
            ys = np.array([r[0] for r in rows])
            idx = np.array([r[1] for r in rows], dtype=int)
            mean = panel["mean"][idx, g]
            # An index lives on 1-4: a small group's interval is drawn up to the scale's ends.
            low = np.clip(panel["low"][idx, g], 1.0, 4.0)
            high = np.clip(panel["high"][idx, g], 1.0, 4.0)
            err = np.vstack([mean - low, high - mean])
            ax.errorbar(mean, ys, xerr=np.nan_to_num(err, nan=0.0), fmt="o", color=colour, markersize=3.5,
                        elinewidth=1.1, capsize=2, label=_wrap(labels(group), 28))
        ax.set_xlim(lo - 0.05, hi + 0.05)
        ax.set_xticks([1, 2, 3, 4])
        ax.grid(axis="x", color="#dddddd", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        ax.tick_params(axis="x", labelbottom=True)
        ax.set_xlabel(labels.word("axis_index"))
        if len(panels) > 1:
            ax.set_title(labels(panel["label"]) if panel["label"] else labels.word("all_respondents"),
                         fontweight="bold")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.5 / max(panel_height - 1.2, 1.0)), ncol=min(m, 4),
                  frameon=False, fontsize=7.5)
    axes[0].set_yticks(y, [_wrap(text, 36) for _k, text, _i in slots])
    axes[0].set_ylim(-0.6, len(slots) - 0.4)
    for ax in axes[:len(panels)]:
        for tick, (kind, _t, _i) in zip(ax.get_yticklabels(), slots):
            if kind == "heading":
                tick.set_fontweight("bold")
    _suptitle(fig, title, note)
    return fig


# ----------------------------------------------------------------------------------- files

def figure_bytes(fig) -> tuple[bytes, bytes]:
    """(PNG, SVG) of a figure, with no date or software version that changes between runs."""
    import matplotlib

    with matplotlib.rc_context(RC):
        png, svg = io.BytesIO(), io.BytesIO()
        fig.savefig(png, format="png", metadata={"Software": None})
        # The layout was solved by the first save; keep it rather than solve it again.
        fig.set_layout_engine("none")
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return png.getvalue(), svg.getvalue()


def _draw(job: tuple) -> tuple[bytes, bytes]:
    """Draw one figure to (PNG, SVG) bytes; a job is (kind, data, labels, caption, the table's format
    for the numbers it prints or None, and the data note: "" for real data)."""
    import matplotlib

    kind, data, labels, caption, fmt, note = job
    with matplotlib.rc_context(RC):
        fig = (plot_likert(data, labels, caption, fmt, note) if kind == "likert"
               else plot_index(data, labels, caption, note))
        return figure_bytes(fig)


class FigureDrawing:
    """Figures drawn in the background while the caller does other work.

    The figures are independent, so they are drawn by `workers` processes (drawing is most of a
    report's time); each figure's bytes do not depend on which process drew it. `result()` waits
    for them, writes the files (atomically) and returns them in table order. `data_note` (config
    `data_note`, Danish, translated by `labels`) is printed under each figure's title and ends its
    caption."""

    def __init__(self, specs: list[TableSpec], cells: pd.DataFrame, labels: Labels, out_dir: str | Path,
                 captions: dict[str, str] | None = None, workers: int = 2, cache_dir: str | Path | None = None,
                 data_note: str = ""):
        from concurrent.futures import ProcessPoolExecutor
        import multiprocessing

        self.out_dir = Path(out_dir)
        self.cache = FigureCache(cache_dir) if cache_dir else None
        captions = captions or {}
        note = labels(" ".join(str(data_note or "").split()))

        def ending(text: str) -> str:  # the caption, then the data note as a sentence of its own
            return f"{text}{'' if text.endswith('.') else '.'} {note}" if note else text

        jobs, self.meta = [], []
        for spec in specs:
            caption = captions.get(spec.id, labels.caption(spec.id))
            if spec.kind == "likert_distribution":
                data = likert_data(spec, cells)
                if not data["items"]:
                    continue
                jobs.append(("likert", data, labels, caption, spec.format, note))
                self.meta.append((spec.id, f"{spec.id}_likert", ending(labels.word("figure_likert", caption=caption))))
            elif spec.kind == "index_summary":
                panels = index_data(spec, cells)
                if not panels or not panels[0]["indices"]:
                    continue
                jobs.append(("index", panels, labels, caption, None, note))  # prints no number of its own
                self.meta.append((spec.id, f"{spec.id}_index", ending(labels.word("figure_index", caption=caption))))
        self.keys = [self.cache.key(job) for job in jobs] if self.cache else [None] * len(jobs)
        self.cached = [self.cache.get(key) if self.cache else None for key in self.keys]
        to_draw = [job for job, hit in zip(jobs, self.cached) if hit is None]
        self.pool = None
        if workers > 1 and len(to_draw) > 1:
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
            self.futures = [self.pool.submit(_draw, job) for job in to_draw]
        else:
            self.jobs = to_draw

    def result(self) -> list[FigureFile]:

        fresh = iter([f.result() for f in self.futures] if self.pool else [_draw(job) for job in self.jobs])
        drawn = [hit if hit is not None else next(fresh) for hit in self.cached]
        if self.cache:
            self.cache.keep_only(dict(zip(self.keys, drawn)))
        made = []
        for (table_id, name, text), (png, svg) in zip(self.meta, drawn):
            paths = []
            for ext, data_bytes in (("png", png), ("svg", svg)):
                target = self.out_dir / f"{name}.{ext}"
                with atomic_path(target) as tmp:
                    tmp.write_bytes(data_bytes)
                paths.append(target)
            made.append(FigureFile(table_id, name, paths[0], paths[1], text))
        return made

    def __enter__(self) -> "FigureDrawing":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool:
            self.pool.shutdown(wait=True, cancel_futures=True)


class FigureCache:
    """Figures drawn before, by the content they were drawn from.

    A figure's bytes are a function of its drawing job (the numbers, labels, caption and the
    table's format), this module's code, the formatter's (printing.format and printing.rounding)
    and matplotlib's version; the key hashes all of them, so a hit is the figure a
    fresh drawing would give, byte for byte. It spares redrawing every figure when an analyst edits
    a template or one table's specification. After a report, only the entries it used are kept."""

    def __init__(self, directory: str | Path):
        import hashlib

        import matplotlib

        self.directory = Path(directory)
        from vive_survey.printing import format as formatter, rounding

        code = b"".join(Path(f).read_bytes() for f in (__file__, formatter.__file__, rounding.__file__))
        self._salt = hashlib.sha256(code + matplotlib.__version__.encode() + repr(sorted(RC.items())).encode()
                                    + str(DPI).encode()).digest()

    def key(self, job: tuple) -> str:
        import hashlib
        import pickle

        return hashlib.sha256(self._salt + pickle.dumps(job, protocol=5)).hexdigest()

    def get(self, key: str) -> tuple[bytes, bytes] | None:
        png, svg = self.directory / f"{key}.png", self.directory / f"{key}.svg"
        try:
            return png.read_bytes(), svg.read_bytes()
        except OSError:
            return None

    def keep_only(self, entries: dict[str, tuple[bytes, bytes]]) -> None:

        self.directory.mkdir(parents=True, exist_ok=True)
        for key, (png, svg) in entries.items():
            for ext, data in (("png", png), ("svg", svg)):
                target = self.directory / f"{key}.{ext}"
                if not target.exists():
                    with atomic_path(target) as tmp:
                        tmp.write_bytes(data)
        wanted = {f"{key}.{ext}" for key in entries for ext in ("png", "svg")}
        for path in self.directory.iterdir():
            if path.name not in wanted:
                path.unlink(missing_ok=True)
