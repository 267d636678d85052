"""The software behind the byte-identical promise: one lock, and the rules' environment pinned to it."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import ROOT


def lock_pins() -> dict[str, str]:
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pins = dict(line.split("==") for line in lines if line and not line.startswith("#"))
    return {name.lower().replace("_", "-"): version for name, version in pins.items()}


def test_the_lock_pins_every_dependency_of_a_test_install():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    names = {re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in wanted}
    assert names - lock_pins().keys() == set()


def test_the_rules_environment_pins_the_lock():
    env = yaml.safe_load((ROOT / "workflow" / "envs" / "vive-survey.yaml").read_text(encoding="utf-8"))
    pip = next(entry["pip"] for entry in env["dependencies"] if isinstance(entry, dict))
    pinned = dict(spec.split("==") for spec in pip)
    assert {k.lower().replace("_", "-"): v for k, v in pinned.items()} == lock_pins()
    assert "python=3.11" in env["dependencies"]
