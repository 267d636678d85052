rule clean:
    input:
        **{name: spec["path"] for name, spec in config["inputs"].items()},
        codebook=config["codebook"],
    output:
        data=CLEAN_DATA,
        exclusions=EXCLUSIONS,
        log=CLEANING_LOG,
    params:
        inputs=config["inputs"],
        settings={k: config[k] for k in ("wave", "reference_year", "missing_codes", "cleaning", "derive")},
    log:
        f"{RESULTS}/logs/clean.log",
    benchmark:
        f"{RESULTS}/benchmarks/clean.tsv"
    script:
        "../scripts/clean.py"
