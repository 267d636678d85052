"""The package's layout: stages that import one way only, no circle of imports, rooms of a readable size.

The imports are read from the source (every `import` and `from ... import`, those inside functions
included), so an import hidden in a function cannot hide a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "src" / "vive_survey"
# The stages in the order data flows through them; a module may import from its own stage and from
# the stages before it, never from a later one.
STAGES = ["base", "inputs", "cleaning", "analysis", "printing", "review", "reconstruction", "render", "steps",
          "entry"]
BASE = {"vive_survey", "vive_survey.errors", "vive_survey.safe_text", "vive_survey.yamlfile", "vive_survey.files"}
ENTRY = {"vive_survey.cli", "vive_survey.__main__"}
TOOLS = {"vive_survey.synthetic": "cleaning", "vive_survey.recovery": "base"}
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def stage_of(module: str) -> str:
    if module in BASE:
        return "base"
    if module in ENTRY:
        return "entry"
    if module in TOOLS:
        return TOOLS[module]
    if module == "vive_survey.steps":
        return "steps"
    return module.split(".")[1]


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The package's modules that `path` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (use the absolute vive_survey.<stage> name)"
            if not (node.module or "").startswith("vive_survey"):
                continue
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                found.add(target if target in known else node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("vive_survey")}
    return found & known


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(path, set(found)) - {name} for name, path in found.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_circle_and_only_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_circle_of_imports():
    cycle = find_cycle(import_graph())
    assert cycle is None, "a circle of imports: " + " -> ".join(cycle)


def test_every_module_belongs_to_a_stage():
    for name in modules():
        assert stage_of(name) in STAGES, f"{name} is in no stage of {STAGES}"


def test_stages_import_only_from_themselves_and_earlier_stages():
    wrong = []
    for source, targets in import_graph().items():
        for target in targets:
            if STAGES.index(stage_of(target)) > STAGES.index(stage_of(source)):
                wrong.append(f"{source} ({stage_of(source)}) imports {target} ({stage_of(target)})")
    assert not wrong, "imports against the flow of the stages:\n" + "\n".join(sorted(wrong))


def test_no_module_is_longer_than_a_room_should_be():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
