"""What two projected stripes leave of the detector's reversed trigger, per flagged MLP.

Reads runs under ``gated:dense_project=2`` (``bench_mitigate_stages.py`` or
``bench_sig_stages.py`` JSON: each model's ``report["project"]``, with the stripe's reach on the
original model and the reversed trigger's success on the projected one, both on the stage's
held-back quarter) beside runs of the same models without the option (``bench_residual_probe.py``
or ``bench_sig_stages.py`` JSON: the same trigger's success on the original, ``trigger_before``,
on the same quarter) and prints one row per model: truth, reach, the trigger before / after the
projection and the share it kept (``project_kept`` compares that share with its R, the reach
with ``PROJECT_REACH``).

    python benchmarks/projection_kept_table.py --pair PROJECTED.json:PLAIN.json [--pair ...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def before_of(model: dict) -> float | None:
    """The reversed trigger's success on the original model in a run without the option."""
    probe = model.get("probe") or {}
    residual = probe.get("residual") or (model.get("report") or {}).get("residual") or {}
    return residual.get("trigger_before")


def truth_of(name: str, model: dict) -> str:
    """The model's family (its name's first part) and target, where the file has it."""
    target = model.get("target")
    return name.split("-")[0] + (f" ({target})" if target is not None else "")


def rows(projected: Path, plain: Path) -> list[tuple[str, ...]]:
    """One row per model found in both files."""
    zoo = next(p for p in projected.stem.split("-") if p.isdigit() and len(p) == 4)
    after = json.loads(projected.read_text())["models"]
    before = json.loads(plain.read_text())["models"]
    out = []
    for name, m in after.items():
        project = m["report"].get("project") or {}
        # an undone projection (project_kept, since hF3) reports its figures as *_projected
        reach = project.get("reach", project.get("reach_projected"))
        if name not in before or reach is None:
            continue
        b, a = before_of(before[name]), project.get("trigger", project.get("trigger_projected"))
        share = f"{a / b:.2f}" if b and a is not None else "—"
        out.append(
            (
                f"{zoo} {name}",
                truth_of(name, before[name]),
                f"{reach[0]:.3f}",
                f"{b}",
                f"{a}",
                share,
            )
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pair", action="append", required=True, help="PROJECTED.json:PLAIN.json")
    args = ap.parse_args()
    print(
        "| model | truth (target) | stripe reach, original | trigger before | trigger after "
        "the projection | share kept |"
    )
    print("|---" * 6 + "|")
    for pair in args.pair:
        projected, plain = pair.split(":")
        for row in rows(Path(projected), Path(plain)):
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
