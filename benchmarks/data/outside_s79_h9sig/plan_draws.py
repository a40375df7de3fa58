"""The SIG models the outside maker plans for a seed on the GAP kinds: each one's target and
period count (``--sig-freqs 2,...,12``), drawn as ``outside_zoo.make_one`` draws them, with no
model built or read (issue 9, stop 79: h9sig; how run.sh's lists were chosen).

    PYTHONPATH=src:benchmarks python benchmarks/data/outside_s79_h9sig/plan_draws.py 9223
"""

from __future__ import annotations

import sys

import numpy as np

import outside_zoo as oz

GAP_KINDS = ("gap_cnn", "gap_relu", "gap_leaky_bn", "gap_cls_relu", "res_gn")
FREQS = tuple(range(2, 13))

if __name__ == "__main__":
    for item in oz.plan(int(sys.argv[1]), 15):
        if not item["backdoored"] or item["arch_family"] not in GAP_KINDS:
            continue
        rng = np.random.default_rng(item["draw"])
        oz.draw_recipe(rng, None)
        target = int(rng.integers(0, 10))
        oz.draw_trigger(item["trigger_family"], rng)
        if item["trigger_family"] == "sig":
            side = np.random.default_rng([*item["draw"], 17])
            print(item["name"], "sig", target, int(side.choice(FREQS)))
