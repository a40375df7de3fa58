"""Stop 66's final read: ``tree_mass.bound_sums`` folded the per-class bound-deficit sum that
``bound_recurrence`` and ``tree_recur_boxes.top_bounds`` each wrote (commit 67c79458). This
checks, on 300 random leaf sets, that the fold answers as the code before it (962f9ef1), whose
two modules are first copied to /tmp (docs/benchmarks.md, stop 66's final read, gives the
commands)."""

import random
import sys

import numpy as np

sys.path.insert(0, "/tmp")
import old_tree_mass as om
import old_tree_recur_boxes as orb

from trojanscope.detect import tree_mass as nm
from trojanscope.detect import tree_recur_boxes as nrb
from trojanscope.models.trees import LeafRecord

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
    assert np.array_equal(om.bound_recurrence(recs, n, k), nm.bound_recurrence(recs, n, k))
    for c in range(k):
        for b in (0, 1, 3, 8):
            assert orb.top_bounds(recs, n, c, b) == nrb.top_bounds(recs, n, c, b)
            old = orb.recurring_leaves(recs, n, c, b)
            assert [id(r) for r in old] == [id(r) for r in nrb.recurring_leaves(recs, n, c, b)]
print("identical on 300 random leaf sets")
