"""Provenance of a report: the SHA-256 of every input (the raw exports, each config file, the
codebook, the cells, the transcribed tables, the table specifications), every setting with the file
it came from, and the versions of Python and the packages that computed it."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from vive_survey import __version__
from vive_survey.inputs.readers import sha256_of
from vive_survey.render.labels import Labels

MANIFEST_PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "jinja2", "snakemake", "pyarrow",
                     "openpyxl", "pyreadstat", "pyyaml", "jsonschema")


def setting_rows(config_settings: list[dict] | None) -> list[tuple[str, str, str]]:
    """(setting, value as text, source) of every setting of the run: which file gave it, or the default."""
    rows = []
    for row in config_settings or []:
        value = row["value"]
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        rows.append((str(row["setting"]), text, str(row["source"])))
    return rows


def provenance_rows(log: dict, config_paths: list, codebook_path, cells_path, qualitative_path, language: str,
                    labels_path, labels: Labels) -> list[tuple[str, str, str]]:
    """(role, file, SHA-256) of every input of the report, as index.html and tables.xlsx list them."""
    provenance: list[tuple[str, str, str]] = []
    for questionnaire, q in (log.get("questionnaires") or {}).items():
        provenance.append((labels.word("role_input", questionnaire=questionnaire), str(q.get("file", "")),
                           str(q.get("sha256", ""))))
    provenance += [(labels.word("role_config"), str(p), sha256_of(p)) for p in config_paths]
    provenance.append((labels.word("role_codebook"), str(codebook_path), sha256_of(codebook_path)))
    provenance.append((labels.word("role_cells"), str(cells_path), sha256_of(cells_path)))
    provenance.append((labels.word("role_qualitative"), str(qualitative_path), sha256_of(qualitative_path)))
    if language != "da" and Path(labels_path).is_file():
        provenance.append((labels.word("role_labels"), str(labels_path), sha256_of(labels_path)))
    return provenance


def manifest_json(wave: str, log: dict, config_paths: list, codebook_path, cells_path, qualitative_path,
                  spec_paths: list, settings: list[dict] | None = None) -> str:
    """manifest.json: the SHA-256 of every input, config, codebook and table specification, every
    setting with its source, and the versions of Python, vive_survey and the packages."""
    from importlib.metadata import PackageNotFoundError, version

    def entry(role: str, path, digest: str | None = None) -> dict:
        return {"role": role, "path": str(path), "sha256": digest or sha256_of(path)}

    files = [entry(f"input:{q}", v.get("file", ""), str(v.get("sha256", "")))
             for q, v in (log.get("questionnaires") or {}).items()]
    files += [entry("config", p) for p in config_paths]
    files += [entry("codebook", codebook_path), entry("cells", cells_path), entry("qualitative", qualitative_path)]
    files += [entry("table_spec", p) for p in sorted(Path(p) for p in spec_paths)]
    packages = {}
    for name in MANIFEST_PACKAGES:
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    manifest = {"wave": wave, "vive_survey": __version__, "python": platform.python_version(),
                "packages": packages, "files": files,
                "settings": [{"setting": row["setting"], "value": row["value"], "source": row["source"]}
                             for row in settings or []]}
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
