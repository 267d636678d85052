# Recovery after an interrupted run (vive_survey.recovery): no manual --unlock after a killed run.
# At parse time, before Snakemake checks its locks: remove the locks of runs that are no longer
# running and, if no run owns the directory, the .*.tmp files interrupted steps left under results/
# and reports/. A dry run takes no lock and changes nothing here; it only says what a run would do.
# Incomplete outputs are rerun by `rerun-incomplete: true` in profiles/default/config.yaml.
from pathlib import Path

from vive_survey import recovery as _recovery

if getattr(workflow, "is_main_process", True):
    _recovery.recover(
        ".", dry_run=bool(getattr(workflow.output_settings, "dryrun", False))
    )


# Runs only in real runs, after Snakemake has taken its locks: record which process owns them.
onstart:
    _recovery.record_owner(Path("."), _recovery.locks_of(workflow))
