# A wave's settings as files: what its report hashes, and which config file gave each setting.
# Each rule reruns only when its own params change, so adding a wave to a `waves:` config, or
# renaming the file that holds it, leaves the other waves' reports as they are. Two small writes
# of what this process has already read: run here (localrules), not as jobs of their own.
from vive_survey.inputs.config import write_config_sources, write_wave_settings


localrules:
    wave_settings,
    config_sources,


rule wave_settings:
    output:
        WAVE_SETTINGS,
    threads: 1
    resources:
        mem_mb=100,
        runtime=1,
    params:
        config=wave_config,
    run:
        write_wave_settings(params.config, output[0])


rule config_sources:
    output:
        CONFIG_SOURCES,
    threads: 1
    resources:
        mem_mb=100,
        runtime=1,
    params:
        settings=lambda wc: WAVES.settings[wc.wave],
    run:
        write_config_sources(params.settings, output[0])
