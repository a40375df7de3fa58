"""ASR against the flip rate in zoos made with the flip-rate acceptance (issue 16, stop 31b):
per backdoored model its attack, architecture, ASR, flip rate (of how many inputs) and zoo
status, then per zoo the largest gap ASR - flip rate among the accepted models. Reads only
``truth.json`` (the metrics ``zoo make`` recorded), so it runs without the models.

    PYTHONPATH=src python benchmarks/bench_flip_rate.py ZOO...
"""

from __future__ import annotations

import argparse

from trojanscope.zoo import read_truth, status


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("zoos", nargs="+")
    args = ap.parse_args()
    print("| zoo | model | arch | attack | target | ASR | flip rate (of n) | status |")
    print("|---|---|---|---|---|---|---|---|")
    gaps = {}
    for zoo in args.zoos:
        dataset, entries = read_truth(zoo)
        for e in entries:
            if not e.backdoored:
                continue
            m = e.metrics
            state = status(e)
            print(
                f"| {dataset} | {e.name} | {e.arch} | {e.attack} | {e.target} | "
                f"{m['attack_success_rate']:.3f} | {m.get('flip_rate', float('nan')):.3f} "
                f"({m.get('n_flippable', '–')}) | {state} |"
            )
            if state == "backdoored":
                gap = m["attack_success_rate"] - m["flip_rate"]
                gaps[zoo] = max(gaps.get(zoo, gap), gap)
    for zoo, gap in gaps.items():
        print(f"{zoo}: largest ASR - flip rate among accepted backdoors {gap:+.4f}")


if __name__ == "__main__":
    main()
