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
    except SurveyInputError as exc:
        print(f"vive-survey: {exc.render()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
