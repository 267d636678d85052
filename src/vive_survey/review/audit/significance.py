"""Check g: a regression table's significance marks against its note."""

from __future__ import annotations

import re

import pandas as pd

from vive_survey.inputs.codebook import Codebook
from vive_survey.review.audit.findings import findings_frame, findings_on
from vive_survey.review.audit.relations import Relations

_MARK_NOTE = re.compile(r"([†*]+)\s*p\s*([<>])\s*(\d+(?:[.,]\d+)?)")


def check_significance_note(published: pd.DataFrame, metadata: dict, codebook: Codebook | None = None,
                            relations: Relations | None = None) -> pd.DataFrame:
    """Significance marks of a regression table against its note.

    Flags the cells carrying a mark whose note gives 'p >' (Tabel 4.9: '† p > 0,10' where a
    marginal level must read p < 0,10), and coefficients printed without any mark in a table
    that shows non-significant cells as 'N.S.' (Tabel 4.9's two '0,32').

    Parameters
    ----------
    published : DataFrame
        Cells as returned by `published.load_published`.
    metadata : dict
        Per-table metadata as returned by `published.load_metadata`.
    codebook : Codebook, optional
        Unused; for the common signature.
    relations : Relations, optional
        Unused; for the common signature.

    Returns
    -------
    DataFrame
        ``note_inequality_reversed`` and ``missing_significance_mark``, both warnings (a data set
        can produce a coefficient with any p; the printed marks are what is inconsistent).
    """
    out: list[dict] = []
    coefs = published[published["stat"].eq("coef")]
    for table, cells in coefs.groupby("table", sort=False):
        notes = " ".join(str(n) for n in (metadata.get(table) or {}).get("notes_printed") or [])
        marks = {mark: (op, number) for mark, op, number in _MARK_NOTE.findall(notes)}
        for mark, (op, number) in marks.items():
            if op != ">":
                continue
            marked = cells[cells["printed"].str.match(rf"^-?\d+(?:[.,]\d+)?{re.escape(mark)}$")]
            other = [f"{k} p {o} {v}" for k, (o, v) in marks.items() if k != mark]
            out += findings_on(marked, "significance_note", "note_inequality_reversed", False,
                               f"the note defines '{mark}' as p {op} {number}, i.e. not significant, yet marks "
                               f"printed coefficients while non-significant cells are printed 'N.S.'; it must "
                               f"mean p < {number}",
                               f"note: '{notes}'; other marks: {', '.join(other)}")
        has_ns = cells["printed"].str.strip().str.casefold().eq("n.s.").any()
        if has_ns and marks:
            unmarked = cells[cells["printed"].str.fullmatch(r"-?\d+(?:[.,]\d+)?") & cells["value"].notna()]
            for _, c in unmarked.iterrows():
                out += findings_on(c.to_frame().T, "significance_note", "missing_significance_mark", False,
                                   f"coefficient {c['printed']} is printed without a significance mark, but the table "
                                   f"prints non-significant coefficients as 'N.S.' and the note defines marks "
                                   f"{', '.join(marks)}: a mark is missing or the cell should read N.S.",
                                   f"note: '{notes}'")
    return findings_frame(out)
