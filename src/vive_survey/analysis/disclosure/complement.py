"""Complementary suppression: the one rule that every family of parts follows.

A family is a whole split into parts whose total is published or derivable: the groups of one
variable within a population (with the respondents outside the printed levels as a remainder), the
cells of one row or column of a crosstab, the levels of one variable in the cleaning summary. What
the hidden parts and the remainder add up to is then known to anyone (total minus the visible
parts), so it must not rest on fewer than k respondents, and a hidden part must never be the only
unknown one.
"""

from __future__ import annotations

from collections.abc import Sequence


def complete_family(sizes: Sequence[int], hidden: set[int], min_cell_n: int, remainder: int = 0) -> set[int]:
    """The indices of `sizes` to hide: `hidden`, plus the smallest visible parts until what the
    unknown parts (hidden parts and the `remainder` outside every part) add up to is 0 or at least
    `min_cell_n`, and no hidden part is the only unknown one."""
    hidden = set(hidden)
    while True:
        unknown = sum(sizes[i] for i in hidden) + remainder
        parts = len(hidden) + (remainder > 0)
        alone = parts == 1 and bool(hidden)
        too_few = 0 < unknown < min_cell_n
        if not (alone or too_few):
            return hidden
        candidates = [i for i in range(len(sizes)) if i not in hidden]
        if too_few:
            # An empty part adds nobody to the unknown total: take the smallest part with respondents.
            candidates = [i for i in candidates if sizes[i] > 0] or candidates
        if not candidates:
            return hidden
        hidden.add(min(candidates, key=lambda i: (sizes[i], i)))
