rule clean:
    input:
        **{name: spec["path"] for name, spec in INPUTS.items()},
        codebook=config["codebook"],
    output:
        data=CLEAN_DATA,
        exclusions=EXCLUSIONS,
        log=CLEANING_LOG,
    log:
        f"{RESULTS}/logs/clean.log",
    benchmark:
        f"{RESULTS}/benchmarks/clean.tsv"
    conda:
        SOFTWARE
    params:
        inputs=INPUTS,
        settings={
            **{
                k: config[k]
                for k in (
                    "wave",
                    "reference_year",
                    "missing_codes",
                    "cleaning",
                    "derive",
                    "limits",
                )
            },
            "absent_questionnaires": ABSENT_QUESTIONNAIRES,
        },
    script:
        "../scripts/clean.py"
