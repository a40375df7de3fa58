"""Robust training on poisoned MNIST: CA and ASR of each training-time defence.

For BadNets and Blended at 10% poisoning (target 0; other attacks and rates with ``--attacks``),
runs ``trojanscope attack ... --defence D`` for every defence (and without one), plus
``trojanscope train`` on clean data as the CA reference, each as its own process (wall time
includes start-up, loading and saving). Reports CA, ASR, the CA loss against clean training, how
much of the poison the defence flagged (and ABL's isolation details), and the time. Prints a
Markdown table and writes JSON.

    python benchmarks/bench_robust_training.py [--seed 0] [--target 0] [--defences abl,knn-filter]
        [--attacks badnets:0.01,blended,sig:default] [--poison-rate 0.1]
        [--mapping all-to-one,all-to-all]
        [--extra "--arch mlp"]
        [--defence-param abl:majority_label=true] [--json benchmarks/out/robust.json]

An attack entry ``NAME:RATE`` poisons at RATE instead of ``--poison-rate``; ``NAME:default``
passes no rate, so the attack's own default applies (SIG's: every target-class sample, clean-label).

A defence entry ``NAME@param=value[@param=value]`` runs NAME with those parameters besides the
``--defence-param`` ones (so one call can compare a defence's default with a variant).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path

from cli_json import run_cli

ATTACKS = ("badnets", "blended")
DEFENCES = (None, "abl", "spectral", "knn-filter")
DETAILS = ("isolation", "isolation_flagged", "isolated", "isolation_notes", "majority_share",
           "majority_filter", "pool_agreed")
"""The defence's ``details`` kept in a row (ABL's isolation; absent keys are skipped)."""


def parse_attacks(spec: str, rate: str) -> list[tuple[str, str | None]]:
    """``NAME[:RATE]`` entries as (name, rate to pass, None for the attack's own default)."""
    out: list[tuple[str, str | None]] = []
    for entry in spec.split(","):
        name, _, own = entry.partition(":")
        own = own or rate
        if own != "default" and not 0 < float(own) <= 1:
            raise SystemExit(f"error: poison rate of {name} must lie in (0, 1], got {own}")
        out.append((name, None if own == "default" else own))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", type=int, default=0, help="the attacks' target class")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--attacks", default=",".join(ATTACKS),
                        help="NAME[:RATE|:default], comma-separated")
    parser.add_argument("--poison-rate", default="0.1",
                        help="rate of attacks given without one ('default': the attack's own)")
    parser.add_argument("--mapping", default="all-to-one",
                        help="the attacks' --mapping; comma-separated: each attack under each")
    parser.add_argument("--extra", default="",
                        help="training options for every train/attack call, e.g. '--arch mlp'")
    parser.add_argument("--defences", default=",".join(d or "none" for d in DEFENCES))
    parser.add_argument("--defence-param", action="append", default=[],
                        help="NAME:param=value, passed as --defence-param to that defence")
    opts = parser.parse_args()
    attacks = parse_attacks(opts.attacks, opts.poison_rate)
    rows: list[dict] = []

    def save() -> None:
        """The rows so far (after every run, so a run stopped for time keeps what it measured)."""
        if opts.json:
            opts.json.parent.mkdir(parents=True, exist_ok=True)
            opts.json.write_text(json.dumps({"seed": opts.seed, "target": opts.target,
                                              "mapping": opts.mapping, "extra": opts.extra,
                                              "rows": rows}, indent=2) + "\n")

    with tempfile.TemporaryDirectory() as tmp:
        base = ["--dataset", "mnist", "--seed", str(opts.seed), "--no-export",
                *shlex.split(opts.extra)]
        clean, secs = run_cli(["train", *base, "--out", f"{tmp}/clean"])
        ref = clean["metrics"]["clean_accuracy"]
        rows.append({"attack": "none", "defence": "none", "ca": ref, "asr": None,
                     "flagged": None, "seconds": secs})
        print(f"clean training: CA {ref:.2%} ({secs:.0f} s)", file=sys.stderr, flush=True)
        save()
        defences = [None if d == "none" else d for d in opts.defences.split(",")]
        runs = [(m, *a) for m in opts.mapping.split(",") for a in attacks]
        for a, (mapping, attack, rate) in enumerate(runs):
            for number, entry in enumerate(defences):
                defence, *own = entry.split("@") if entry else (None,)
                args = ["attack", "--attack", attack,
                        *(["--poison-rate", rate] if rate else []),
                        "--target", str(opts.target), "--mapping", mapping, *base,
                        "--out", f"{tmp}/{attack}-{a}-{number}"]
                params = [i.partition(":")[2] for i in opts.defence_param
                          if i.partition(":")[0] == defence] + own
                if defence:
                    args += ["--defence", defence]
                    for param in params:
                        args += ["--defence-param", param]
                out, secs = run_cli(args)
                m = out["metrics"]
                record = out.get("defence") or {}
                flagged = record.get("flagged")
                details = {k: v for k, v in (record.get("details") or {}).items() if k in DETAILS}
                spec = out.get("attack") or {}
                label = defence or "none"
                if params:
                    label += f" ({', '.join(params)})"
                rows.append({"attack": attack, "defence": label, "target": opts.target,
                             "mapping": mapping,
                             "poison_rate": spec.get("poison_rate"),
                             "poison_count": spec.get("poison_count"),
                             "clean_label": spec.get("clean_label"),
                             "ca": m["clean_accuracy"], "asr": m["attack_success_rate"],
                             "flagged": flagged, "details": details, "seconds": secs})
                save()
                print(f"{attack} {mapping} {spec.get('poison_rate')} {label}: "
                      f"CA {m['clean_accuracy']:.2%} "
                      f"ASR {m['attack_success_rate']:.2%} ({secs:.0f} s)",
                      file=sys.stderr, flush=True)
    print("| attack | rate | defence | CA | CA loss vs clean | ASR | poison flagged (of all) "
          "| samples flagged | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        f = r["flagged"]
        rate = r.get("poison_rate")
        print(f"| {r['attack']} | {'—' if rate is None else rate} | {r['defence']} | "
              f"{r['ca']:.2%} | {ref - r['ca']:+.2%} | "
              + (f"{r['asr']:.2%}" if r["asr"] is not None else "—") + " | "
              + (f"{f['poison_found']} / {f['poison_total']}" if f else "—") + " | "
              + (f"{f['count']}" if f else "—") + f" | {r['seconds']:.0f} s |")


if __name__ == "__main__":
    main()
