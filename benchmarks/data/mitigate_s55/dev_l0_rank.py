"""Development (issue 12, stop 55: h12; item 4 of the brief, after the rule): stop 54's L0
reading (``mitigate_s54/dev_l0.py``: up to 24 pixels set greedily towards each class on today's
outputs of zoos 2443-2448, ``dev-l0.json``) used as a gate by rank, as ``reach_round2`` gates by
the L-infinity reading: the L0 set's unlearning (``dev_l0_unlearn.py``, forced on every model,
one round: ``dev-l0-unlearn.json`` sparse, ``dev-l0-unlearn-rest.json`` the others) counted only
where the suspect is *not* the class the L0 set reaches least (rank > 0), or where the reading
towards the suspect is at least ``BAR``; today's output elsewhere. Nothing is run: the stored
rows are read (``dev_l0_count.at_goal``, issue 12's goal).

    PYTHONPATH=src:benchmarks/data/mitigate_s54 python .../dev_l0_rank.py S54_DIR
"""
import json
import sys
from pathlib import Path

from dev_l0_count import at_goal

BARS = (None, 0.08, 0.1)


def main() -> None:
    d = Path(sys.argv[1])
    reading = json.loads((d / "dev-l0.json").read_text())
    done = {**json.loads((d / "dev-l0-unlearn.json").read_text()),
            **json.loads((d / "dev-l0-unlearn-rest.json").read_text())}
    was = {k: at_goal(r["ca_before"], r["today"]) for k, r in done.items()}
    print(f"{len(done)} models, at the goal today {sum(was.values())}")
    for bar in BARS:
        fired = [k for k in done if reading[k]["rank"] > 0 or (
            bar is not None and reading[k]["l0_reach"][reading[k]["suspect"]] >= bar)]
        now = {k: at_goal(r["ca_before"], r["l0_unlearnt"] if k in fired else r["today"])
               for k, r in done.items()}
        gained = [k for k in done if now[k] and not was[k]]
        lost = [k for k in done if was[k] and not now[k]]
        print(f"gate rank > 0{'' if bar is None else f' or reading >= {bar}'}: fired on "
              f"{len(fired)} ({', '.join(fired)}); at the goal {sum(now.values())}; gained "
              f"{', '.join(gained) or 'none'}; lost {', '.join(lost) or 'none'}")
    for k in sorted(done):
        r = reading[k]
        print(k, "rank", r["rank"], "reading", round(r["l0_reach"][r["suspect"]], 3),
              "today", round(100 * done[k]["today"]["asr"], 1),
              round(100 * (done[k]["today"]["ca"] - done[k]["ca_before"]), 1),
              "unlearnt", round(100 * done[k]["l0_unlearnt"]["asr"], 1),
              round(100 * (done[k]["l0_unlearnt"]["ca"] - done[k]["ca_before"]), 1))


if __name__ == "__main__":
    main()
