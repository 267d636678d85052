# The run's config, validated once before any job runs: one message per problem, no traceback.
# Its layers are the --configfile files (or, when none is given, config.yaml) and then --config
# values; every setting none of them gives takes the schema's documented default.
import re
import sys
from pathlib import Path

from vive_survey.inputs.config import (
    absent_questionnaires,
    check_input_files,
    defaulted_wave_keys,
    present_inputs,
    report_settings,
    run_layers,
)
from vive_survey.inputs.waves import resolve_waves
from vive_survey.errors import SurveyInputError

try:
    _layers = run_layers(
        workflow.overwrite_configfiles, dict(workflow.config_settings.config)
    )
    # One wave (wave + inputs) or several (waves:), each validated with its provenance.
    WAVES = resolve_waves(_layers)
    for _wave_config in WAVES.configs.values():
        check_input_files(_wave_config)
except SurveyInputError as _error:
    sys.stderr.write(f"vive-survey: {_error.render()}\n")
    sys.exit(1)
WAVE_IDS = list(WAVES.configs)
# The analysis settings, which every wave of the run shares (a wave's own keys: wave_config()).
config = WAVES.configs[WAVE_IDS[0]]
for _wave, _settings in WAVES.settings.items():
    if _defaulted := defaulted_wave_keys(_settings):
        sys.stderr.write(
            f"vive-survey: wave '{_wave}' takes the default of {_defaulted} "
            "(docs/config.md); set them in the wave's config if they differ\n"
        )


def wave_config(wildcards):
    """The config of the job's wave (its own keys and the shared analysis)."""
    return WAVES.configs[wildcards.wave]


def wave_inputs(wildcards):
    """The job's wave's raw exports, by questionnaire (absent ones left out)."""
    return present_inputs(WAVES.configs[wildcards.wave])


wildcard_constraints:
    wave="|".join(re.escape(w) for w in WAVE_IDS),
    base="|".join(re.escape(w) for w in WAVE_IDS),


def scaled(base, per_input_mb):
    """A resource that grows with the job's input (MB of the raw exports for cleaning, of the
    cleaned data for the tables): for a cluster scheduler, which needs it before the job starts.
    Measured with benchmarks/run.py at 1,000,000 respondents: cleaning peaks at 1.16 GB for 106 MB
    of exports (scaled(500, 8): 1.35 GB), the tables step at 1.31 to 1.51 GB, as its two threads
    interleave, for 17.6 MB of cleaned Parquet (scaled(800, 50): 1.68 GB)."""
    return lambda wildcards, input: int(base + per_input_mb * input.size_mb)


# The software environment of every rule (used with snakemake --sdm conda), relative to the rule files.
SOFTWARE = "../envs/vive-survey.yaml"
RESULTS = "results/{wave}"
REPORTS = "reports/{wave}"
# The wave's complete settings, which its report hashes, and the config file each came from.
WAVE_SETTINGS = f"{RESULTS}/config.yaml"
CONFIG_SOURCES = f"{RESULTS}/config_sources.csv"
CLEAN_DATA = f"{RESULTS}/clean/respondents.parquet"
EXCLUSIONS = f"{RESULTS}/clean/exclusions.csv"
# The cleaning log as written by cleaning; the report step publishes it under disclosure control.
CLEANING_LOG = f"{RESULTS}/clean/cleaning_log.json"
PUBLISHED_CLEANING_LOG = f"{REPORTS}/cleaning_log.json"
# Which groups disclosure control hides: written by the tables step, read by the report step.
DISCLOSURE_DECISIONS = f"{RESULTS}/disclosure.json"
TABLE_SPECS = sorted(str(p) for p in Path("tables").glob("*.yaml"))
TABLE_CELLS = f"{REPORTS}/tables/cells.csv"
TABLE_AVAILABILITY = f"{REPORTS}/tables/availability.csv"
PUBLISHED_FILES = sorted(str(p) for p in Path(config["published"]).glob("*.*"))
# Which published tables describe the same respondents: read by the audit.
PUBLISHED_RELATIONS = str(Path(config["published"]).parent / "relations.yaml")
# The report's prose claims about its tables: read by the audit beside the relations.
PUBLISHED_CLAIMS = str(Path(config["published"]).parent / "claims.yaml")
DIFF_CELLS = f"{REPORTS}/diff/cells.csv"
DIFF_HTML = f"{REPORTS}/diff/index.html"
STRICT_DIFF_PASSED = f"{RESULTS}/diff/strict-diff-passed.txt"
AUDIT_FINDINGS = "results/audit/findings.csv"
REPORT_HTML = f"{REPORTS}/index.html"
