# Adapter only: Snakemake's job -> vive_survey.steps (rules wave_settings and config_sources).
from vive_survey.steps import run_step, write_config_sources, write_wave_settings

if snakemake.rule == "wave_settings":
    run_step(lambda: write_wave_settings(snakemake.params.config, snakemake.output[0]), log_file=snakemake.log[0])
else:
    run_step(lambda: write_config_sources(snakemake.params.settings, snakemake.output[0]), log_file=snakemake.log[0])
