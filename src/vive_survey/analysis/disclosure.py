"""Statistical disclosure control: no published number may rest on fewer than k respondents.

Primary suppression: every cell whose base n is below `min_cell_n` loses its value and is flagged
`suppressed`. Complementary suppression: in a block of cells that differ only by the respondent
group (the groups of one question, statistic and column), a cell suppressed alone could be
recovered from the others and a total or a sum to 100 %; so the next-smallest group of that block
is suppressed as well. Reference levels of a regression carry no number and are left alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SUPPRESSED = "suppressed"


def suppress(cells: pd.DataFrame, min_cell_n: int) -> pd.DataFrame:
    """A copy of `cells` with primary and complementary suppression applied (min_cell_n 0: none)."""
    out = cells.copy()
    if not min_cell_n:
        return out
    base = out["base_n"].astype("Float64")
    primary = (base < min_cell_n).fillna(False).to_numpy(dtype=bool) & (out["flag"] != "ref").to_numpy()
    suppressed = primary.copy()
    nested = out["subrow"] != ""
    block_key = np.where(nested, out["table"] + "\x1f" + out["section"] + "\x1f" + out["row"],
                         out["table"] + "\x1f" + out["section"]) + "\x1f" + out["column"] + "\x1f" + out["stat"]
    frame = pd.DataFrame({"block": block_key, "suppressed": suppressed, "base": base.fillna(np.inf).to_numpy(),
                          "ref": (out["flag"] == "ref").to_numpy()})
    for _block, members in frame.groupby("block", sort=False):
        if len(members) > 1 and members["suppressed"].sum() == 1:
            candidates = members[~members["suppressed"] & ~members["ref"]]
            if len(candidates):
                suppressed[candidates["base"].idxmin()] = True
    out.loc[suppressed, "value"] = np.nan
    out.loc[suppressed, "flag"] = SUPPRESSED
    return out
