"""`python -m vive_survey.review.audit`: write docs/audit.md from the published tables."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vive_survey.errors import SurveyInputError
from vive_survey.inputs.codebook import load_codebook
from vive_survey.review.audit.all_checks import audit
from vive_survey.review.audit.markdown import audit_markdown, claims_markdown
from vive_survey.review.audit.relations import RELATIONS_FILE, load_relations
from vive_survey.review.audit.text_claims import CLAIMS_FILE, evaluate_claims, load_claims
from vive_survey.review.published import load_metadata, load_published


def main(argv: list[str] | None = None) -> int:
    """Write docs/audit.md (or --output) from the published tables, their relations and the codebook,
    and docs/claims.md (or --claims-output): the report's prose claims, evaluated."""
    parser = argparse.ArgumentParser(prog="python -m vive_survey.review.audit", description=main.__doc__)
    parser.add_argument("--published", default="data/published/tables")
    parser.add_argument("--relations", default=None,
                        help=f"the relations between the tables (default: {RELATIONS_FILE} beside --published)")
    parser.add_argument("--codebook", default="data/codebook.yaml")
    parser.add_argument("--output", default="docs/audit.md")
    parser.add_argument("--claims-output", default="docs/claims.md",
                        help="the page of the text's claims, evaluated (from claims.yaml beside the relations)")
    parser.add_argument("--csv", default=None, help="also write the findings as CSV")
    args = parser.parse_args(argv)
    relations_path = args.relations or Path(args.published).parent / RELATIONS_FILE
    try:
        published = load_published(args.published)
        findings = audit(published, load_metadata(args.published), load_codebook(args.codebook),
                         load_relations(relations_path))
        claims = evaluate_claims(published, load_claims(Path(relations_path).parent / CLAIMS_FILE, published))
    except SurveyInputError as exc:
        print(f"vive-survey: {exc.render()}", file=sys.stderr)
        return 1
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(audit_markdown(findings, published), encoding="utf-8")
    Path(args.claims_output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.claims_output).write_text(claims_markdown(claims), encoding="utf-8")
    if args.csv:
        findings.to_csv(args.csv, index=False)
    print(f"{len(findings)} findings ({int(findings['unattainable'].sum())} unattainable) -> {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
