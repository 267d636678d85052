# A wave's settings as files: what its report hashes, and which config file gave each setting.
# Each rule reruns only when its own params change, so adding a wave to a `waves:` config, or
# renaming the file that holds it, leaves the other waves' reports as they are.


rule wave_settings:
    output:
        WAVE_SETTINGS,
    log:
        f"{RESULTS}/logs/wave_settings.log",
    conda:
        SOFTWARE
    threads: 1
    resources:
        mem_mb=300,
        runtime=2,
    params:
        config=wave_config,
    script:
        "../scripts/settings.py"


rule config_sources:
    output:
        CONFIG_SOURCES,
    log:
        f"{RESULTS}/logs/config_sources.log",
    conda:
        SOFTWARE
    threads: 1
    resources:
        mem_mb=300,
        runtime=2,
    params:
        settings=lambda wc: WAVES.settings[wc.wave],
    script:
        "../scripts/settings.py"
