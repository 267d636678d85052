"""The cleaning summary of the report: the cleaning log's aggregates (counts only) as rows of text."""

from __future__ import annotations

from vive_survey.printing.format import fmt_number
from vive_survey.render.labels import WORDS_DA, Labels


def cleaning_context(log: dict, labels: Labels) -> dict:
    """The cleaning log's aggregates as rows of text (counts only)."""
    mark = labels.decimal_mark

    def count(v) -> str:
        # None: a count that disclosure control hides (analysis.disclosure.summary).
        return labels.word("suppressed") if v is None else fmt_number(v, 0, decimal_mark=mark)

    def reason(kind: str, code: str) -> str:
        key = f"{kind}_{code}"
        return labels.word(key) if key in WORDS_DA else code

    files, exclusions, missing, ignored = [], [], [], []
    for questionnaire, q in (log.get("questionnaires") or {}).items():
        excluded = q.get("rows_excluded") or {}
        files.append([questionnaire, str(q.get("file", "")), count(q.get("rows_read", 0)), count(q.get("rows_kept", 0)),
                      count(sum(excluded.values()))])
        for code, k in excluded.items():
            exclusions.append([questionnaire, reason("reason", code), count(k)])
        for column, reasons in (q.get("values_set_missing") or {}).items():
            for code, k in reasons.items():
                missing.append([questionnaire, column, reason("missing", code), count(k)])
        if q.get("short_records"):  # records kept although they end early; their absent values are above
            missing.append([questionnaire, labels.word("short_records"), "", count(q["short_records"])])
        for column in q.get("columns_ignored") or []:
            ignored.append([questionnaire, str(column)])
    files.append([labels.word("total"), "", count(log.get("rows_read", 0)), count(log.get("rows_kept", 0)),
                  count(log.get("rows_excluded", 0))])
    blank = log.get("derived_from_blank") or {}
    derived = []
    for variable, counts in (log.get("derived") or {}).items():
        derived += [[variable, labels(str(value)), count(k)] for value, k in counts.items()]
        if blank.get(variable):  # of the unmatched group above, how many answered nothing
            derived.append([variable, labels.word("derived_from_blank"), count(blank[variable])])
    none = labels.word("none")
    exclusions = exclusions or [[none, "", ""]]
    missing = missing or [[none, "", "", ""]]
    ignored = ignored or [[none, ""]]
    return {"files": files, "exclusions": exclusions, "missing": missing, "ignored": ignored, "derived": derived}
