"""Drawing the sample from a seed (pure: no database). The same frame and seed always give the same sample.

Stage 1: `villages_wanted` villages by simple random sampling without replacement from the frame's villages (all of
them when None or when it asks for more than there are). Stage 2, in each sampled village: every household planned
to exit (a census of that stratum) and `ordinary_per_village` ordinary households by simple random sampling without
replacement (all of them when the village has fewer).

Design weights are exact fractions: N/n for a planned-exit household, N/n · M/k for an ordinary one (N villages in
the frame, n sampled; M ordinary households in the village, k sampled).
"""

import random
from dataclasses import dataclass
from fractions import Fraction

EXIT, ORDINARY = "exit", "ordinary"


@dataclass(frozen=True)
class VillageFrame:
    code: str
    exit: tuple[str, ...]  # household keys (numbers) planned to exit
    ordinary: tuple[str, ...]  # ordinary household keys


@dataclass(frozen=True)
class Drawn:
    village: str
    household: str
    stratum: str
    weight: Fraction


@dataclass(frozen=True)
class Sample:
    villages_total: int
    villages: tuple[str, ...]
    households: tuple[Drawn, ...]


def draw(frame: list[VillageFrame], *, seed: int, villages_wanted: int | None, ordinary_per_village: int) -> Sample:
    if villages_wanted is not None and villages_wanted < 1:
        raise ValueError("villages_wanted must be at least 1")
    if ordinary_per_village < 0:
        raise ValueError("ordinary_per_village must not be negative")
    by_code = {village.code: village for village in frame}
    codes = sorted(by_code)
    total = len(codes)
    wanted = total if villages_wanted is None else min(villages_wanted, total)
    rng = random.Random(seed)
    chosen = sorted(rng.sample(codes, wanted))
    drawn: list[Drawn] = []
    for code in chosen:
        village = by_code[code]
        first = Fraction(total, wanted)
        drawn += [Drawn(code, key, EXIT, first) for key in sorted(village.exit)]
        ordinary = sorted(village.ordinary)
        take = min(ordinary_per_village, len(ordinary))
        if take:
            picked = rng.sample(ordinary, take)
            second = Fraction(len(ordinary), take)
            drawn += [Drawn(code, key, ORDINARY, first * second) for key in sorted(picked)]
    return Sample(total, tuple(chosen), tuple(drawn))
