# Validate the config once, before any job runs: one message per problem, no traceback.
import sys
from pathlib import Path

from vive_survey.config import check_input_files, validate_config
from vive_survey.errors import SurveyInputError

try:
    config = validate_config(config, source="config")
    check_input_files(config)
except SurveyInputError as _error:
    sys.stderr.write(f"vive-survey: {_error.render()}\n")
    sys.exit(1)

WAVE = config["wave"]
RESULTS = f"results/{WAVE}"
REPORTS = f"reports/{WAVE}"
CLEAN_DATA = f"{RESULTS}/clean/respondents.parquet"
EXCLUSIONS = f"{RESULTS}/clean/exclusions.csv"
CLEANING_LOG = f"{REPORTS}/cleaning_log.json"
TABLE_SPECS = sorted(str(p) for p in Path("tables").glob("*.yaml"))
TABLE_CELLS = f"{REPORTS}/tables/cells.csv"
PUBLISHED_FILES = sorted(str(p) for p in Path(config["published"]).glob("*.*"))
DIFF_CELLS = f"{REPORTS}/diff/cells.csv"
AUDIT_FINDINGS = "results/audit/findings.csv"
REPORT_HTML = f"{REPORTS}/index.html"
