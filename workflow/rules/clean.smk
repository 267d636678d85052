rule clean:
    input:
        unpack(
            lambda wc: {
                **{name: spec["path"] for name, spec in wave_inputs(wc).items()},
                "codebook": wave_config(wc)["codebook"],
            }
        ),
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
    threads: 1
    resources:
        mem_mb=scaled(500, 8),
        runtime=scaled(5, 0.05),
    params:
        inputs=wave_inputs,
        settings=lambda wc: {
            **{
                k: wave_config(wc)[k]
                for k in (
                    "wave",
                    "reference_year",
                    "missing_codes",
                    "cleaning",
                    "derive",
                    "limits",
                )
            },
            "absent_questionnaires": absent_questionnaires(wave_config(wc)),
        },
    script:
        "../scripts/clean.py"
