"""The codebook: what each raw column means, on which scale, in which theme.

Loaded from YAML (safe_load), checked against schemas/codebook.schema.yaml and then for
cross-references (every theme, scale and filter an item names must exist).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from vive_survey.errors import Problem, SurveyInputError, cut_text, shorten
from vive_survey.yamlfile import read_yaml

CATEGORICAL_KINDS = ("ordinal", "nominal")
# The range of a categorical scale's codes: cleaning stores ordinal answers as Int8 and nominal
# ones as categories numbered in an int8, so a code outside it would wrap (200 becomes -56).
CODE_RANGE = (-128, 127)


@dataclass(frozen=True)
class Scale:
    id: str
    kind: str
    codes: dict[int, str] = field(default_factory=dict)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    missing_labels: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None

    @property
    def labels(self) -> list[str]:
        return [self.codes[c] for c in sorted(self.codes)]

    @property
    def is_categorical(self) -> bool:
        return self.kind in CATEGORICAL_KINDS


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    module: str
    index_label: str


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    questionnaires: tuple[str, ...]
    scale: str
    source_columns: tuple[str, ...]
    theme: str | None = None
    reverse: bool = False
    required: bool = True
    filter: str | None = None
    # Not a question (an institution from the distribution list, say): an answer here alone does
    # not make a record one with answers.
    metadata: bool = False


@dataclass(frozen=True)
class Codebook:
    scales: dict[str, Scale]
    themes: dict[str, Theme]
    items: tuple[Item, ...]
    source: str = "codebook"
    # Items the table specifications list that this wave did not ask: id -> why (codebook key
    # not_asked). Their rows are left out of the wave's tables, and said so.
    not_asked: dict[str, str] = field(default_factory=dict)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def items_for(self, questionnaire: str) -> list[Item]:
        return [i for i in self.items if questionnaire in i.questionnaires]

    def theme_items(self, theme_id: str) -> list[Item]:
        return [i for i in self.items if i.theme == theme_id]

    def scale_of(self, item: Item) -> Scale:
        return self.scales[item.scale]

    def is_question(self, item: Item) -> bool:
        """An item the respondent answered: not the id (scale kind id) and not metadata."""
        return not item.metadata and self.scales[item.scale].kind != "id"

    def likert_items(self) -> list[Item]:
        return [i for i in self.items if self.scales[i.scale].kind == "ordinal"]


def reworded_items(reference: Codebook, other: Codebook) -> dict[str, tuple[str, str]]:
    """Items both codebooks ask whose question text differs (spacing aside): id -> (the reference's
    text, the other's). A reworded question is compared and printed, but never silently."""
    texts = {item.id: " ".join(item.text.split()) for item in reference.items}
    return {item.id: (texts[item.id], " ".join(item.text.split())) for item in other.items
            if item.id in texts and texts[item.id] != " ".join(item.text.split())}


def _schema() -> dict:
    text = resources.files("vive_survey").joinpath("schemas/codebook.schema.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def load_codebook(path: str | Path) -> Codebook:
    return parse_codebook(read_yaml(path, "codebook"), source=str(path))


def parse_codebook(data: object, *, source: str = "codebook") -> Codebook:
    if not isinstance(data, dict):  # a file that is not a codebook (a CSV, say) is not echoed
        holds = "nothing" if data is None else f"{type(data).__name__} {shorten(data)}"
        raise SurveyInputError(Problem(
            f"the codebook must be a mapping with version, scales, themes and items; the file holds {holds}",
            file=source, hint="check that 'codebook' in the config names the codebook YAML file"))
    validator = jsonschema.Draft7Validator(_schema())
    problems = []
    for error in validator.iter_errors(data):
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        if error.absolute_path and error.absolute_path[0] == "items" and len(error.absolute_path) > 1:
            item = data["items"][error.absolute_path[1]]
            if isinstance(item, dict) and "id" in item:
                where += f" (item '{item['id']}')"
        problems.append(Problem(f"{where}: {cut_text(error.message, 300)}", file=source))
    problems += _code_problems(data.get("scales"), source)
    if problems:
        raise SurveyInputError(problems, title=f"{source}: {len(problems)} problem(s) in the codebook:")

    scales = {
        sid: Scale(
            id=sid,
            kind=s["kind"],
            codes={int(k): v for k, v in (s.get("codes") or {}).items()},
            aliases={k: tuple(v) for k, v in (s.get("aliases") or {}).items()},
            missing_labels=tuple(s.get("missing_labels") or ()),
            min=s.get("min"),
            max=s.get("max"),
        )
        for sid, s in data["scales"].items()
    }
    themes = {
        tid: Theme(id=tid, label=t["label"], module=t["module"], index_label=t.get("index_label", t["label"]))
        for tid, t in data["themes"].items()
    }
    items = tuple(
        Item(
            id=i["id"], text=i["text"], questionnaires=tuple(i["questionnaires"]), scale=i["scale"],
            source_columns=tuple(i["source_columns"]), theme=i.get("theme"), reverse=i.get("reverse", False),
            required=i.get("required", True), filter=i.get("filter"), metadata=i.get("metadata", False),
        )
        for i in data["items"]
    )
    codebook = Codebook(scales=scales, themes=themes, items=items, source=source,
                        not_asked={str(k): str(v) for k, v in (data.get("not_asked") or {}).items()})
    _check_references(codebook)
    return codebook


def _code_problems(scales: object, source: str) -> list[Problem]:
    """A scale's codes must be whole numbers; those of an ordinal or nominal scale in CODE_RANGE, the range its
    answers are stored in (the schema cannot say so: YAML mapping keys are not JSON properties)."""
    problems = []
    if not isinstance(scales, dict):
        return problems
    low, high = CODE_RANGE
    for sid, scale in scales.items():
        if not isinstance(scale, dict):
            continue
        kind = scale.get("kind")
        codes = scale.get("codes")
        for code in codes if isinstance(codes, dict) else ():
            number = code
            if isinstance(code, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", code):
                number = int(code.strip())
            if isinstance(number, bool) or not isinstance(number, int):
                problems.append(Problem(
                    f"scales: '{sid}': code {shorten(code)} is not a whole number (a scale's codes are whole "
                    "numbers)", file=source))
            elif kind in CATEGORICAL_KINDS and not low <= number <= high:
                problems.append(Problem(
                    f"scales: '{sid}': code {number} is outside {low}..{high}, the range the answers of "
                    f"this {kind} scale are stored in (Int8)", file=source, hint=f"renumber the codes of scale '{sid}' "
                    f"within {low}..{high} (the labels, not the numbers, are what the report prints)"))
    return problems


def _check_references(cb: Codebook) -> None:
    problems = []
    seen: set[str] = set()
    ids = {i.id for i in cb.items}
    for item in cb.items:
        where = f"items: '{item.id}'"
        if item.id in seen:
            problems.append(Problem(f"{where}: id used twice"))
        seen.add(item.id)
        if item.scale not in cb.scales:
            problems.append(Problem(f"{where}: unknown scale '{item.scale}'; known: {', '.join(cb.scales)}"))
            continue
        scale = cb.scales[item.scale]
        if scale.is_categorical and not scale.codes:
            problems.append(Problem(f"scales: '{scale.id}': a {scale.kind} scale needs codes"))
        if item.theme is not None and item.theme not in cb.themes:
            problems.append(Problem(f"{where}: unknown theme '{item.theme}'; known: {', '.join(cb.themes)}"))
        if item.reverse and scale.kind != "ordinal":
            problems.append(Problem(f"{where}: only an ordinal item can be reverse-coded"))
        if item.filter is not None:
            if item.filter not in ids:
                problems.append(Problem(f"{where}: filter names unknown item '{item.filter}'"))
            elif cb.item(item.filter).scale != "yes_no":
                problems.append(Problem(f"{where}: filter item '{item.filter}' must be on the yes_no scale"))
    for q in ("studerende", "fagprofessionelle", "frivillige"):
        owners: dict[str, str] = {}
        for item in cb.items_for(q):
            for col in item.source_columns:
                key = col.strip().casefold()
                if key in owners and owners[key] != item.id:
                    problems.append(Problem(
                        f"source column '{col}' is claimed by both '{owners[key]}' and '{item.id}' in {q}"))
                owners.setdefault(key, item.id)
    for item_id in sorted(set(cb.not_asked) & ids):
        problems.append(Problem(f"not_asked: '{item_id}' is also an item of this codebook; an item is asked "
                                "or not asked, not both"))
    if "respondent_id" not in ids:
        problems.append(Problem("items: the codebook needs an item 'respondent_id' (scale kind id)"))
    if problems:
        raise SurveyInputError([Problem(p.message, file=cb.source) for p in problems],
                               title=f"{cb.source}: {len(problems)} problem(s) in the codebook:")
