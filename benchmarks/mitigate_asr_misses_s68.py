"""Issue 12, stop 68 (h12): where today's ASR misses are, from stored rows only (no training).

Reads the pooled rows of every fresh zoo scored with the default of its day
(``today-2439-2476.json``: ``pool_default_rows.py``'s output) and, per zoo, the notes its
stop's ``fresh-<zoo>.json`` kept (the detector's suspect, whether the model was treated, the
last step's own readings). Each backdoor's target is drawn again by ``zoo.draw_entries`` from
the zoo's seed (stop 62's recipe; the same targets as every ``truth.json`` still on disk), so
no model is read. Prints one table of the misses whose ASR is above issue 12's 2%, grouped by
family, by what the detector did (flagged and named the target / flagged another class / not
flagged / no note kept), by the ASR left (2-5%, 5-20%, >20%), by whether today's default
(``mixed_last``, zoos 2473-) scored it, and the blended models' opacity by standing, then one
line per miss with what the last step read (the notes keep no more of what the method did).

With a third argument (stop 67's ``dev-read-rows.jsonl``: today's output on the development
zoos 2465, 2467-2472, rebuilt at stops 66-67 and scored the same way), each miss of those zoos
is read again under today's default.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_asr_misses_s68.py \
        benchmarks/data/mitigate_s67/today-2439-2476.json benchmarks/data \
        benchmarks/data/mitigate_s67/dev-read-rows.jsonl
"""

from __future__ import annotations

import ast
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from statistics import median

from trojanscope.mitigate.zoo_eval import GOAL, GOAL_TOL, MitigationRow
from trojanscope.zoo import ZooEntry, draw_entries

ATTACKS = ["badnets", "blended", "sig", "wanet", "sparse"]
FAMILIES = ["badnets", "blended", "sig", "sparse", "wanet"]
BINS = ["2-5%", "5-20%", ">20%"]
TODAY_FROM = 2473  # the first fresh zoo scored with today's default (mixed_last)
DETECTOR = ["right target", "another class", "not flagged", "no note"]


def asr_bin(asr: float) -> str:
    """The ASR band a miss is in."""
    return "2-5%" if asr <= 0.05 else "5-20%" if asr <= 0.20 else ">20%"


def entries(seed: int) -> dict[str, ZooEntry]:
    """Each model's drawn entry (target, trigger) in the zoo of ``seed`` (3 clean + 10
    backdoored MLPs)."""
    return {e.name: e for e in draw_entries(3, 10, 10, seed, attacks=ATTACKS, archs=["mlp"])}


def standing(r: MitigationRow) -> str:
    """'ok', 'asr' (ASR above the goal's, with or without the accuracy) or 'acc'."""
    if (r.asr_after or 0.0) > GOAL["asr"] + GOAL_TOL:
        return "asr"
    return "ok" if r.meets_goal else "acc"


def zoo_notes(data: Path, zoo: str) -> dict[str, dict]:
    """The notes its stop kept for each model of ``zoo`` ({} where none was kept): today's
    row's where it has them, else the candidate's (the same detector and gate)."""
    (path,) = sorted(data.glob(f"mitigate_s*/fresh-{zoo}.json"))
    got = json.loads(path.read_text())
    for key in ["gated", *sorted(k for k in got if k != "gated")]:
        notes = got[key].get("notes") or {}
        if notes:
            return notes
    return {}


def step_reading(note: dict) -> tuple[str, str]:
    """The last step's name and its reach/flip reading at the end, as the note kept it."""
    for key, sub in note.items():
        if key in ("action", "suspect", "first_stage"):
            continue
        if isinstance(sub, str):
            try:
                sub = ast.literal_eval(sub)
            except (ValueError, SyntaxError):
                continue
        if not isinstance(sub, dict):
            continue
        read = [f"{k} {sub[k]}" for k in ("reach_after", "reach", "flip", "margin_after", "rise")
                if isinstance(sub.get(k), int | float)]
        return key, "; ".join(read[:2]) or str(sub.get("action", "-"))[:40]
    return "-", "-"


def detector(note: dict, target: int | None) -> str:
    """What the detector did for a backdoored model, from its note."""
    if not note:
        return "no note"
    if not str(note.get("action", "")).startswith("treated"):
        return "not flagged"
    return "right target" if note.get("suspect") == target else "another class"


def main() -> None:
    pooled, data = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])
    rows = [MitigationRow(**r) for r in next(iter(pooled.values()))["rows"]]
    misses, opacity = [], defaultdict(list)
    cache: dict[str, tuple[dict, dict]] = {}
    for r in rows:
        if not r.backdoored:
            continue
        zoo, name = r.name.split("/")
        if zoo not in cache:
            cache[zoo] = (zoo_notes(data, zoo), entries(int(zoo)))
        notes, drawn = cache[zoo]
        if r.attack == "blended":
            opacity[standing(r)].append(float(drawn[name].trigger["alpha"]))
        if standing(r) != "asr":
            continue
        note = notes.get(name, {})
        loss = r.ca_before - r.ca_after
        misses.append({"name": r.name, "family": r.attack, "asr": r.asr_after,
                       "loss": loss, "both": loss > GOAL["ca_loss"] + GOAL_TOL,
                       "today": int(zoo) >= TODAY_FROM,
                       "detector": detector(note, drawn[name].target),
                       "target": drawn[name].target, "suspect": note.get("suspect"),
                       "step": step_reading(note)})
    print(f"ASR misses (ASR after > 2%): {len(misses)} "
          f"({sum(m['both'] for m in misses)} also lose > 2 points); under today's default "
          f"(zoos {TODAY_FROM}-): {sum(m['today'] for m in misses)}\n")
    print("| family | misses | today's default | " + " | ".join(DETECTOR) + " | "
          + " | ".join(BINS) + " |")
    print("|---" * (3 + len(DETECTOR) + len(BINS)) + "|")
    for fam in [*FAMILIES, "all"]:
        got = [m for m in misses if fam in ("all", m["family"])]
        det, band = Counter(m["detector"] for m in got), Counter(asr_bin(m["asr"]) for m in got)
        print(f"| {fam} | {len(got)} | {sum(m['today'] for m in got)} | "
              + " | ".join(str(det[d]) for d in DETECTOR) + " | "
              + " | ".join(str(band[b]) for b in BINS) + " |")
    print("\n| detector x ASR left | " + " | ".join(BINS) + " |")
    print("|---" * (1 + len(BINS)) + "|")
    for d in DETECTOR:
        band = Counter(asr_bin(m["asr"]) for m in misses if m["detector"] == d)
        print(f"| {d} | " + " | ".join(str(band[b]) for b in BINS) + " |")
    groups = Counter((m["family"], m["detector"], asr_bin(m["asr"])) for m in misses)
    print("\nlargest groups (family, detector, ASR left): "
          + "; ".join(f"{f}/{d}/{b} {n}" for (f, d, b), n in groups.most_common(6)))
    print("blended opacity (the attack's alpha, drawn again), median [range] by standing: "
          + "; ".join(f"{k} {len(v)}: {median(v):.3f} [{min(v):.2f}-{max(v):.2f}], "
                      f"{sum(a >= 0.2 for a in v)} at >= 0.2"
                      for k, v in sorted(opacity.items())))
    again = {}
    if len(sys.argv) > 3:
        dev = [json.loads(line) for line in Path(sys.argv[3]).read_text().splitlines() if line]
        again = {r["model"]: r["today"]["asr"] for r in dev}
        read = [m for m in misses if m["name"] in again]
        still = [m["name"] for m in read if again[m["name"]] > GOAL["asr"] + GOAL_TOL]
        fams = Counter(m["family"] for m in read)
        print(f"read again under today's default (development rows): {len(read)} of the misses ("
              + ", ".join(f"{f} {n}" for f, n in sorted(fams.items())) + f"); still above 2%: "
              f"{len(still)} ({', '.join(still) or '-'})")
    print("\nper miss: name family ASR CA-loss | target suspect detector | last step: reading"
          " | today's default on development")
    for m in sorted(misses, key=lambda m: (m["family"], m["detector"], m["asr"])):
        now = f" | today {100 * again[m['name']]:.1f}%" if m["name"] in again else ""
        print(f"{m['name']} {m['family']} {100 * m['asr']:.1f}% {-100 * m['loss']:+.1f}"
              f"{' (both)' if m['both'] else ''} | target {m['target']} suspect {m['suspect']} "
              f"{m['detector']} | {m['step'][0]}: {m['step'][1]}{now}")


if __name__ == "__main__":
    main()
