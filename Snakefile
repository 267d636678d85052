# vive-survey: raw questionnaire exports -> cleaned data -> tables -> report and diff.
# Rules only wire files to functions of the vive_survey package (src/vive_survey/).
# The config is read in workflow/rules/common.smk, not by a `configfile:` directive: a run given
# --configfile must not inherit the bundled wave's config.yaml.


include: "workflow/rules/common.smk"
include: "workflow/rules/recovery.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/diff.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/compare.smk"
include: "workflow/rules/reconstruct.smk"


rule all:
    input:
        expand(
            [CLEAN_DATA, PUBLISHED_CLEANING_LOG, TABLE_CELLS, DIFF_CELLS, REPORT_HTML],
            wave=WAVE_IDS,
        ),
        expand(STRICT_DIFF_PASSED, wave=WAVE_IDS) if config["strict_diff"] else [],
        [f"{COMPARISONS}/{base}--{wave}/cells.csv" for base, wave in WAVES.compare],
