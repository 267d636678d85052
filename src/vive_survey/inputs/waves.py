"""Several waves in one run: `waves:` (wave id -> its inputs and wave keys) and `compare:` pairs.

A config either describes one wave (`wave` + `inputs`, as config.yaml does) or several:

    waves:
      wave-2021: {inputs: {...}, reference_year: 2020}
      wave-2023: {inputs: {...}, codebook: data/codebook-2023.yaml}
    compare:
      - {base: wave-2021, wave: wave-2023}

Every other key (cleaning, disclosure, indices, ...) is the analysis, shared by the waves. Each
wave's config is the shared keys and its own section, layered file by file as a single wave's
would be (`config.resolve_config`), so that a wave is validated, defaulted and given its
provenance exactly as a single-wave config of the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vive_survey.errors import Problem, SurveyInputError
from vive_survey.inputs.config import WAVE_KEYS, resolve_config

RUN_KEYS = ("waves", "compare")
"""Keys of a run, not of a wave: never passed on to a wave's config."""


@dataclass
class RunWaves:
    configs: dict[str, dict]                      # wave id -> its validated config
    settings: dict[str, list[dict]]               # wave id -> every setting with its source
    compare: list[tuple[str, str]] = field(default_factory=list)   # (base, wave) pairs


def resolve_waves(layers: list[tuple[str, dict]]) -> RunWaves:
    """The waves of a run from its config layers (files, then --config values)."""
    for source, values in layers:
        if not isinstance(values, dict):
            raise SurveyInputError(Problem("the configuration must be a mapping of keys to values", file=source))
    given = [(source, values["waves"]) for source, values in layers if "waves" in values]
    where = " + ".join(dict.fromkeys(source for source, _ in layers)) or "config"
    if not given:
        if any("compare" in values for _, values in layers):
            raise SurveyInputError(Problem("compare: needs `waves:` (one wave cannot be compared with another)",
                                           file=where, hint="list the waves under `waves:`"))
        config, settings = resolve_config(layers)
        return RunWaves({config["wave"]: config}, {config["wave"]: settings})
    single = sorted({k for _, values in layers for k in ("wave", "inputs") if k in values})
    if single:
        raise SurveyInputError(Problem(f"{', '.join(single)}: give one wave with `wave` and `inputs`, or several "
                                       "under `waves:`, not both", file=where))
    ids: list[str] = []
    for source, waves in given:
        if not isinstance(waves, dict) or not waves:
            raise SurveyInputError(Problem("waves: expected a mapping of wave id -> its inputs and wave keys",
                                           file=source))
        ids += [str(w) for w in waves if str(w) not in ids]
    configs, settings = {}, {}
    for wave in ids:
        per_wave = []
        for source, values in layers:
            shared = {k: v for k, v in values.items() if k not in RUN_KEYS}
            own = (values.get("waves") or {}).get(wave)
            if own is not None and not isinstance(own, dict):
                raise SurveyInputError(Problem(f"waves.{wave}: expected a mapping of its keys ({', '.join(WAVE_KEYS)})",
                                               file=source))
            foreign = sorted(set(own or {}) - set(WAVE_KEYS))
            if foreign:
                raise SurveyInputError(Problem(f"waves.{wave}: {', '.join(foreign)} belong to the analysis, which the "
                                               f"waves share: set them at the top level", file=source,
                                               hint=f"a wave's own keys: {', '.join(k for k in WAVE_KEYS if k != 'wave')}"))
            per_wave.append((source, {**shared, **(own or {}), **({"wave": wave} if own is not None else {})}))
        configs[wave], settings[wave] = resolve_config(per_wave)
    return RunWaves(configs, settings, _pairs(layers, ids, where))


def _pairs(layers: list[tuple[str, dict]], ids: list[str], where: str) -> list[tuple[str, str]]:
    """The compare: pairs of the last layer that gives them, each naming two different known waves."""
    raw = next((values["compare"] for _, values in reversed(layers) if "compare" in values), [])
    if not isinstance(raw, list):
        raise SurveyInputError(Problem("compare: expected a list of {base: <wave>, wave: <wave>}", file=where))
    pairs = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or set(entry) != {"base", "wave"}:
            raise SurveyInputError(Problem(f"compare[{i}]: expected {{base: <wave>, wave: <wave>}}", file=where))
        base, wave = str(entry["base"]), str(entry["wave"])
        unknown = [w for w in (base, wave) if w not in ids]
        if unknown or base == wave:
            raise SurveyInputError(Problem(f"compare[{i}]: {', '.join(unknown) or base} "
                                           + ("is not a wave of `waves:`" if unknown else "compared with itself"),
                                           file=where, hint=f"the waves: {', '.join(ids)}"))
        pairs.append((base, wave))
    return pairs
