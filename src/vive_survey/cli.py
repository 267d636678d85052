"""Command line: `vive-survey <command>` (also `python -m vive_survey`).

The pipeline itself runs through Snakemake; these commands serve checks and utilities.
"""

from __future__ import annotations

import argparse
import sys

from vive_survey.errors import SurveyInputError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vive-survey", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check-config", help="validate a wave config and its codebook")
    check.add_argument("config", nargs="?", default="config.yaml")
    sub.add_parser("settings", help="print every setting with its default and description (docs/config.md)")
    synthetic = sub.add_parser("synthetic-wave", help="write a synthetic wave of N respondents (not VIVE's data)")
    synthetic.add_argument("n", type=int)
    synthetic.add_argument("--out", default="synthetic-wave")
    synthetic.add_argument("--seed", type=int, default=1)
    synthetic.add_argument("--codebook", default="data/codebook.yaml")
    rebuild = sub.add_parser("reconstruct", help="write the wave reconstructed from the published tables")
    rebuild.add_argument("--config", default="config.yaml")
    rebuild.add_argument("--out", default="data/reconstructed")
    compare = sub.add_parser("compare", help="compare two waves' reports: reports/compare/<base>--<wave>/")
    compare.add_argument("base", help="the base wave's reports folder (reports/<base>)")
    compare.add_argument("wave", help="the newer wave's reports folder (reports/<wave>)")
    compare.add_argument("--config", default="config.yaml",
                         help="the config whose seed and crosstab settings the tests use (and codebook)")
    compare.add_argument("--base-codebook", default=None, help="the base wave's codebook (default: the config's)")
    compare.add_argument("--wave-codebook", default=None, help="the newer wave's codebook (default: the config's)")
    compare.add_argument("--multiple-testing", choices=["fdr_bh"], default=None,
                         help="Benjamini-Hochberg across each table's tests")
    compare.add_argument("--tables", default="tables", help="the table specifications (default: tables/)")
    compare.add_argument("--out", default=None, help="default: reports/compare/<base>--<wave>")
    args = parser.parse_args(argv)
    try:
        if args.command == "check-config":
            from vive_survey.inputs.codebook import load_codebook
            from vive_survey.inputs.config import check_input_files, load_config

            config = load_config(args.config)
            check_input_files(config)
            codebook = load_codebook(config["codebook"])
            print(f"{args.config}: wave '{config['wave']}' is valid; codebook has {len(codebook.items)} items")
        elif args.command == "settings":
            from vive_survey.inputs.config import settings_markdown

            sys.stdout.write(settings_markdown())
        elif args.command == "synthetic-wave":
            from vive_survey.inputs.codebook import load_codebook
            from vive_survey.synthetic import write_synthetic_wave

            for path in write_synthetic_wave(args.out, args.n, load_codebook(args.codebook),
                                             seed=args.seed).values():
                print(path)
        elif args.command == "reconstruct":
            from vive_survey.inputs.config import load_config
            from vive_survey.steps import reconstruct_wave

            config = load_config(args.config)
            for path in reconstruct_wave(config["published"], "tables", config["codebook"], config, args.out):
                print(path)
        elif args.command == "compare":
            from pathlib import Path

            from vive_survey.inputs.config import load_config
            from vive_survey.steps import compare_wave_reports

            config = load_config(args.config)
            base, wave = Path(args.base), Path(args.wave)
            out = Path(args.out) if args.out else Path("reports") / "compare" / f"{base.name}--{wave.name}"
            compared = compare_wave_reports(base, wave, args.tables, args.base_codebook or config["codebook"],
                                            args.wave_codebook or config["codebook"],
                                            {**config, "multiple_testing": args.multiple_testing}, out)
            counts = compared["status"].value_counts()
            print(f"{out}: {len(compared)} cells (" + ", ".join(f"{n} {s}" for s, n in counts.items()) + ")")
    except SurveyInputError as exc:
        print(f"vive-survey: {exc.render()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
