rule clean:
    input:
        **{name: spec["path"] for name, spec in INPUTS.items()},
        codebook=config["codebook"],
    output:
        data=CLEAN_DATA,
        exclusions=EXCLUSIONS,
        log=CLEANING_LOG,
    params:
        inputs=INPUTS,
        settings={
            **{k: config[k] for k in ("wave", "reference_year", "missing_codes", "cleaning", "derive")},
            "absent_questionnaires": ABSENT_QUESTIONNAIRES,
        },
    log:
        f"{RESULTS}/logs/clean.log",
    benchmark:
        f"{RESULTS}/benchmarks/clean.tsv"
    script:
        "../scripts/clean.py"
