"""The reconstructed respondents, and their answers placed so that every distribution row has the
counts its plan says.

Bases are explained the way a real survey explains them: respondents who stopped early (modules
are answered by nested sets of respondents, in questionnaire order), the filter question (only
those who answer "Ja" get the external-collaboration module), and item non-response inside a module.
"""

from __future__ import annotations

import numpy as np

from vive_survey.inputs.codebook import Codebook
from vive_survey.reconstruction.bases import GROUP_SIZES, ItemPlan

QUESTIONNAIRE_OF = {"Studerende": "studerende", "Nyuddannede": "fagprofessionelle",
                    "Erfarne": "fagprofessionelle", "Frivillige": "frivillige"}
MODULE_ORDER = ["Erhvervskompetencer", "Interne relationer", "Oplevelser med eksternt samarbejde",
                "Faktiske samarbejdsoplevelser", "Krav til eksternt samarbejde"]
EXTERNAL_MODULE = "Oplevelser med eksternt samarbejde"
LIKERT = (1, 2, 3, 4)
# The years of experience of each experience band (the open last band capped at 25).
BAND_YEARS = {"Ingen": (0, 0), "1-3 år": (1, 3), "4-10 år": (4, 10), "Mere end 10 år": (11, 25)}


class Wave:
    """Respondents of all three questionnaires: attributes, Likert answers (0 = no answer)."""

    def __init__(self, codebook: Codebook, rng: np.random.Generator):
        self.codebook = codebook
        self.rng = rng
        groups = [g for g, n in GROUP_SIZES.items() for _ in range(n)]
        self.n = len(groups)
        self.attr = {
            "group": np.array(groups, dtype=object),
            "questionnaire": np.array([QUESTIONNAIRE_OF[g] for g in groups], dtype=object),
            "gender": np.full(self.n, "", dtype=object),
            "volunteer_role_group": np.full(self.n, "", dtype=object),
            "experience_band": np.full(self.n, "", dtype=object),
            "job_type": np.full(self.n, "", dtype=object),
            "wants_competence_dev": np.full(self.n, "", dtype=object),
            "collab_experience": np.full(self.n, "", dtype=object),
        }
        self.items = [i.id for i in codebook.likert_items()]
        self.col = {item: k for k, item in enumerate(self.items)}
        self.answers = np.zeros((self.n, len(self.items)), dtype=np.int8)
        self.age = np.full(self.n, np.nan)

    def members(self, group: str) -> np.ndarray:
        return np.flatnonzero(self.attr["group"] == group)

    def mask(self, members: dict) -> np.ndarray:
        out = np.ones(self.n, dtype=bool)
        for var, values in members.items():
            out &= np.isin(self.attr[var].astype(str), [str(v) for v in values])
        return out


def _respondent_order(wave: Wave, group: str) -> np.ndarray:
    return wave.rng.permutation(wave.members(group))


def place_answers(wave: Wave, plans: list[ItemPlan], codebook: Codebook, crosstab_pairs: dict) -> None:
    """Answering sets (nested by module, prefixes of one order per group) and exact counts."""
    by_group: dict[str, list[ItemPlan]] = {}
    for plan in plans:
        by_group.setdefault(plan.group, []).append(plan)
    for group, group_plans in by_group.items():
        order = _respondent_order(wave, group)
        modules: dict[str, list[ItemPlan]] = {}
        for plan in group_plans:
            modules.setdefault(codebook.themes[codebook.item(plan.item).theme].module, []).append(plan)
        for module, module_plans in modules.items():
            size = max(p.base for p in module_plans)
            answering = order[:size]
            within = wave.rng.permutation(answering)      # item non-response: prefixes of one order
            for plan in module_plans:
                respondents = within[: plan.base]
                if plan.item in crosstab_pairs and group == "Frivillige":
                    continue
                values = np.repeat(LIKERT, plan.counts)
                wave.answers[respondents, wave.col[plan.item]] = wave.rng.permutation(values)
            if module == EXTERNAL_MODULE:
                later = [p.base for m, ps in modules.items() if MODULE_ORDER.index(m) > MODULE_ORDER.index(module)
                         for p in ps]
                reached = order[: max([size] + later)]
                wave.attr["collab_experience"][reached] = "Nej"
                wave.attr["collab_experience"][answering] = "Ja"
        pair = [p for p in group_plans if p.item in crosstab_pairs]
        if pair and group == "Frivillige":
            (row_item, col_item), joint = next(iter(crosstab_pairs.values()))
            module = codebook.themes[codebook.item(row_item).theme].module
            size = max(p.base for p in modules[module])
            answering = wave.rng.permutation(order[:size])[: int(joint.sum())]
            pairs = [(r + 1, c + 1) for r in range(4) for c in range(4) for _ in range(int(joint[r, c]))]
            pairs = [pairs[i] for i in wave.rng.permutation(len(pairs))]
            for respondent, (a, b) in zip(answering, pairs):
                wave.answers[respondent, wave.col[row_item]] = a
                wave.answers[respondent, wave.col[col_item]] = b
