"""Stop 67's final read: ``tree_recur_boxes.leaves_holding`` folded the per-bound leaf choice
that ``recurring_leaves`` (stop 66, ``box_recur``) and ``tree_rank_boxes.leaves_of`` (stop 67,
``box_rank``) each wrote, and ``top_bounds`` the bound ranking ``bound_leaves`` wrote again.
This checks, on 300 random leaf sets, that the fold answers as the code before it (897b457c),
whose two modules are first copied to /tmp (docs/benchmarks.md, stop 67's final read, gives the
commands)."""

import random
import sys

sys.path.insert(0, "/tmp")
import old_tree_rank_boxes as ork
import old_tree_recur_boxes as orb

from trojanscope.detect import tree_rank_boxes as nrk
from trojanscope.detect import tree_recur_boxes as nrb
from trojanscope.models.trees import LeafRecord


def ids(leaves: list) -> list[int]:
    return [id(r) for r in leaves]


rng = random.Random(0)
for _ in range(300):
    k = rng.randint(2, 4)
    recs = []
    for t in range(rng.randint(1, 30)):
        for _ in range(rng.randint(1, 8)):
            box = {rng.randint(0, 5): (rng.choice([0, 0.1, 0.2, 0.3]), rng.choice([0.4, 0.5, 1.0]))
                   for _ in range(rng.randint(0, 3))}
            recs.append(LeafRecord(t, rng.randrange(k), rng.random(), rng.random() * 0.05,
                                   rng.random() * 0.05, box))
    n = rng.choice([50, 200, 891])
    for c in range(k):
        for b in (0, 1, 3, 8):
            assert orb.top_bounds(recs, n, c, b) == nrb.top_bounds(recs, n, c, b)
            old, new = orb.recurring_leaves(recs, n, c, b), nrb.recurring_leaves(recs, n, c, b)
            assert ids(old) == ids(new)
            old, new = ork.bound_leaves(recs, n, c, b + 1), nrk.bound_leaves(recs, n, c, b + 1)
            assert ids(old) == ids(new)
        bounds = nrb.top_bounds(recs, n, c, None)
        for bound in bounds:
            assert ids(ork.holders(recs, c, bound)) == ids(nrk.holders(recs, c, bound))
        for top in (1, 2, 5, 10):
            old, new = ork.leaves_of(bounds, recs, c, top), nrk.leaves_of(bounds, recs, c, top)
            assert ids(old) == ids(new)
print("identical on 300 random leaf sets")
