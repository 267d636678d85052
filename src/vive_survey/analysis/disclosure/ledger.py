"""The respondent groups behind the published cells, and what a reader can derive from them.

While the tables are computed (only when `disclosure.min_cell_n` is set), every group a cell
describes is recorded here as the set of respondents it holds. A group is identified by that set,
not by its label, so the same respondents printed by two tables (Studerende in Tabel 3.2, 4.2 and
4.3's 'I alt') are one group, and hiding it hides it everywhere.

What a reader can derive: any statistic that adds up over respondents (a count, a sum of answers,
hence a mean once the count is known) of a set whose membership vector is a linear combination of
the published groups' vectors, for example Tabel 3.2's Fagprofessionelle minus 4.2's Erfarne. The
check works on atoms (the respondents that belong to exactly the same groups): a group is derivable
from the visible groups when its atom vector lies in their span.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

import numpy as np

from vive_survey.analysis.disclosure.complement import complete_family


@dataclass
class Family:
    """A population (a group) split by one variable into disjoint printed levels (groups)."""

    population: str
    members: tuple[str, ...]


@dataclass
class GroupLedger:
    n_rows: int
    sizes: dict[str, int] = field(default_factory=dict)
    origins: dict[str, set[tuple[str, str]]] = field(default_factory=dict)   # (variable, value) that define it
    families: dict[tuple, Family] = field(default_factory=dict)
    _bits: dict[str, np.ndarray] = field(default_factory=dict)
    _decided: dict[int, frozenset[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def group(self, positions: np.ndarray | None, mask: np.ndarray, origin: tuple[str, str] | None = None) -> str:
        """The id of the respondents selected by `mask` among the rows at `positions` (None: all rows)."""
        members = np.zeros(self.n_rows, dtype=bool)
        if positions is None:
            members[:] = mask
        else:
            members[positions[mask]] = True
        bits = np.packbits(members)
        key = hashlib.blake2b(bits.tobytes(), digest_size=10).hexdigest()
        with self._lock:
            if key not in self._bits:
                self._bits[key] = bits
                self.sizes[key] = int(members.sum())
                self.origins[key] = set()
            if origin is not None:
                self.origins[key].add(origin)
        return key

    def family(self, population: str, members: list[str]) -> None:
        with self._lock:
            self.families.setdefault((population, tuple(members)), Family(population, tuple(members)))

    def remainder(self, family: Family) -> int:
        return self.sizes[family.population] - sum(self.sizes[m] for m in family.members)

    # ------------------------------------------------------------------------------ decisions

    def protected_groups(self, min_cell_n: int) -> set[str]:
        """The groups to hide in every table: those with 1 to k-1 respondents, then, until nothing
        changes, complementary groups in each family (`complete_family`) and in the span check."""
        if min_cell_n not in self._decided:
            self._decided[min_cell_n] = frozenset(self._decide(min_cell_n))
        return set(self._decided[min_cell_n])

    def _decide(self, min_cell_n: int) -> set[str]:
        hidden = {g for g, size in self.sizes.items() if 0 < size < min_cell_n}
        while True:
            before = set(hidden)
            for fam in self.families.values():
                sizes = [self.sizes[m] for m in fam.members]
                chosen = complete_family(sizes, {i for i, m in enumerate(fam.members) if m in hidden},
                                         min_cell_n, self.remainder(fam))
                hidden |= {fam.members[i] for i in chosen}
            hidden |= self._span_complements(hidden, min_cell_n)
            if hidden == before:
                return hidden

    def _span_complements(self, hidden: set[str], min_cell_n: int) -> set[str]:
        """Further groups to hide so that no small set (a hidden group below k, or a family's
        remainder below k) is a linear combination of the visible groups."""
        ids = sorted(self._bits)
        atoms = self._atoms(ids)
        small = [atoms[:, ids.index(g)] for g in ids if g in hidden and self.sizes[g] < min_cell_n]
        for fam in self.families.values():
            if 0 < self.remainder(fam) < min_cell_n:
                small.append(atoms[:, ids.index(fam.population)]
                             - sum(atoms[:, ids.index(m)] for m in fam.members))
        extra: set[str] = set()
        for target in small:
            while True:
                visible = [j for j, g in enumerate(ids) if g not in hidden | extra and self.sizes[g] > 0]
                if not _in_span(atoms[:, visible], target):
                    break
                # Hide the smallest visible group whose absence takes the target out of the span;
                # failing that, the smallest one that shares respondents with it.
                by_size = sorted(visible, key=lambda j: (self.sizes[ids[j]], ids[j]))
                pick = next((j for j in by_size if not _in_span(atoms[:, [v for v in visible if v != j]], target)),
                            next((j for j in by_size if (atoms[:, j] * target != 0).any()), by_size[0]))
                extra.add(ids[pick])
        return extra

    def _atoms(self, ids: list[str]) -> np.ndarray:
        """Atoms x groups: 1 where the atom's respondents belong to the group (float, for ranks)."""
        if not ids:
            return np.zeros((0, 0))
        # One 64-bit word per 64 groups and respondent, so that the distinct memberships are found
        # by one sort of N short keys, not of N rows of G booleans.
        words = np.zeros((self.n_rows, (len(ids) + 63) // 64), dtype=np.uint64)
        for j, g in enumerate(ids):
            member = np.unpackbits(self._bits[g])[: self.n_rows].astype(np.uint64)
            words[:, j // 64] |= member << np.uint64(j % 64)
        words = words[words.any(axis=1)]
        keys = np.unique(np.ascontiguousarray(words).view(np.dtype((np.void, words.shape[1] * 8))).ravel())
        distinct = np.frombuffer(keys.tobytes(), dtype=np.uint64).reshape(len(keys), -1)
        columns = [(distinct[:, j // 64] >> np.uint64(j % 64)) & np.uint64(1) for j in range(len(ids))]
        return np.stack(columns, axis=1).astype(float)

    def hidden_origins(self, groups: set[str]) -> dict[str, list[str]]:
        """variable -> the values whose groups are hidden (for the cleaning summary)."""
        out: dict[str, set[str]] = {}
        for g in groups:
            for var, value in self.origins.get(g, ()):
                out.setdefault(var, set()).add(value)
        return {var: sorted(values) for var, values in sorted(out.items())}


def _in_span(basis: np.ndarray, target: np.ndarray) -> bool:
    if basis.shape[1] == 0:
        return not target.any()
    solution, *_ = np.linalg.lstsq(basis, target, rcond=None)
    return bool(np.allclose(basis @ solution, target, atol=1e-8))
