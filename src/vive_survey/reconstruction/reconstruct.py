"""Reconstruct a respondent-level wave from the published tables (VIVE's microdata is not public).

RECONSTRUCTION, NOT VIVE'S DATA. The three raw files this writes are made up so that the
pipeline, run on them, regenerates the published tables as closely as the tables allow.

Method, in four steps, all seeded (`seed` in the config), so the same inputs give the same bytes:

1. Respondents and bases. Group sizes are the ones the report states (Tabel 4.2/4.8: 109
   students, 54 newly qualified and 181 experienced professionals; Tabel 3.2: 34 volunteers). For
   each distribution row the audit's exact arithmetic (`audit.implied_bases`) lists the answering
   bases n that reproduce every printed share; per table and group the base shared by most rows
   is used (the largest on a tie), and a row that does not fit it uses its own nearest base. The
   bases are explained the way a real survey explains them: respondents who stopped early
   (modules are answered by nested sets of respondents, in questionnaire order), the filter
   question (only those who answer "Ja" get the external-collaboration module; the others answer
   "Nej"), and item non-response inside a module. A row no base can produce (the audit marks it
   unattainable) gets the counts nearest to its printed shares.

2. Exact counts. Each item's answers within each group are exactly the integer counts that
   reproduce its printed row (`audit.compatible_counts`), so every attainable distribution cell
   matches by construction. Tabel 4.13's two items are assigned as pairs with the crosstab's
   implied joint counts. Shares of women, job types with their wish for competence development
   (Tabel 4.11) and the volunteers' roles (Tabel 4.14) are integer solutions of the printed shares.

3. Simulated annealing (SPRITE-style swaps). Which respondent gets which answer does not change a
   distribution, but it decides index SDs and subgroup means. Swaps of two respondents' answers to
   one item within a group (pairs of answers for the crosstab), and swaps of gender, role and
   experience band between volunteers, are accepted by the Metropolis rule at a falling
   temperature to minimise the number of published index means and SDs (Tabel 4.8, 4.16) and role
   shares (Tabel 4.14) missed at the printed precision. Ages are annealed the same way, one year at
   a time, against the printed age means and SDs (Tabel 3.2, 4.2, 4.3).

4. Writing. One `;`-separated UTF-8 file per questionnaire, answers as Danish labels, with a
   column `kilde` saying in every row that the data is a reconstruction. Cleaning ignores and
   logs that column.

What no data can reproduce stays unreproduced (the diff says `unattainable`, with the audit's
reason); the regression table (4.9) is not fitted: its N.S. cells are matched by answers that
carry no systematic relation to the predictors.

The steps have their modules: `bases` (share solutions and bases), `respondents` (the respondents
and their answers), `background` (gender, jobs, roles, bands), `annealing` (index means and SDs,
role shares), `ages`, `writing`. This module runs them in order, with one random generator, so the
order of the calls is part of the result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vive_survey.analysis.spec import TableSpec
from vive_survey.inputs.codebook import Codebook
from vive_survey.reconstruction.ages import anneal_ages
from vive_survey.reconstruction.annealing import (IndexModel, anneal, answer_swap_moves, attribute_swap_move,
                                                  index_targets, role_share_targets)
from vive_survey.reconstruction.background import assign_jobs, assign_roles, assign_shares, assign_volunteer_bands
from vive_survey.reconstruction.bases import choose_base, distribution_plans, grim_n, nearest_counts, share_solutions
from vive_survey.reconstruction.respondents import Wave, place_answers
from vive_survey.reconstruction.writing import SOURCE_NOTE, raw_frames, write_frames
from vive_survey.review.audit import compatible_counts

# Re-exported for the callers of this module (steps, the tests).
__all__ = ["SOURCE_NOTE", "choose_base", "grim_n", "nearest_counts", "reconstruct", "share_solutions", "write_frames"]


def reconstruct(published: pd.DataFrame, specs: list[TableSpec], codebook: Codebook, *, seed: int,
                reference_year: int, reverse_coding: bool = True, steps: int = 200_000) -> dict[str, pd.DataFrame]:
    """The three raw exports of a wave reconstructed from the published tables."""
    rng = np.random.default_rng(seed)
    wave = Wave(codebook, rng)
    crosstab = next(s for s in specs if s.kind == "crosstab")
    joint_cells = published[published["table"] == crosstab.id]
    joint = np.array(compatible_counts(joint_cells["value"].tolist(), 1, 13)
                     or nearest_counts(joint_cells["value"].tolist(), 13)).reshape(4, 4)
    pair = (crosstab["row_item"], crosstab["column_item"])
    plans = distribution_plans(published, specs)
    place_answers(wave, plans, codebook, {pair[0]: (pair, joint), pair[1]: (pair, joint)})
    assign_shares(wave, rng, published)
    assign_jobs(wave, rng, published)
    assign_roles(wave, rng, published, *pair)
    assign_volunteer_bands(wave, rng)

    targets = index_targets(published, specs)
    model = IndexModel(wave, targets, reverse_coding)
    pools = []
    for plan in plans:
        respondents = wave.members(plan.group)
        answered = respondents[wave.answers[respondents, wave.col[plan.item]] > 0]
        if len(answered) > 1:
            pools.append((wave.col[plan.item], answered))
    pair_cols = [wave.col[pair[0]], wave.col[pair[1]]]
    role_targets = role_share_targets(published, wave, pair)
    volunteers = wave.members("Frivillige")
    moves = [answer_swap_moves(model, pools, pair_cols)] * 6
    for var in ("gender", "volunteer_role_group", "experience_band"):
        pool = volunteers[wave.attr[var][volunteers] != ""] if var != "volunteer_role_group" else volunteers
        moves.append(attribute_swap_move(model, var, pool))
    anneal(model, moves, steps, rng, extra_loss=role_targets)
    anneal_ages(wave, published, rng, steps // 2)
    return raw_frames(wave, codebook, rng, reference_year)
