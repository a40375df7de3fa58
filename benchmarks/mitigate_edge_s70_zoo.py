"""Issue 12, stop 70 (h12): an MNIST MLP zoo built to reach ``blend_last``'s gate at its edge.

Stop 67's recipe (``zoo make --dataset mnist --clean C --backdoored B --attacks
badnets,blended,sig,wanet,sparse --archs mlp --seed S``: the same entries, seeds, targets and
poison rates), with two changes drawn from a stream of their own (``[S, 70]``), so everything
else is what ``zoo make`` draws: each blended backdoor's opacity redrawn in ``BLEND_ALPHA``
(fainter than the zoo's 0.12-0.25, where a blend at 0.15 need not turn every image) and each
sparse backdoor's pixel count redrawn in ``DENSE_COUNT`` (a dense mask instead of 8-24 pixels:
a trigger that covers more of the image, as a blend does). A backdoor that does not take is
retried stronger as ``zoo make`` does (the recorded entry says what was trained).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_edge_s70_zoo.py SEED OUT [--clean 3]
        [--backdoored 10] [--only NAME,...] [--attacks badnets,blended,sig,wanet,sparse]
        [--sparse-values white,random] [--sparse-count 60,90]

``--attacks`` (issue 12 stop 72): the families in the order they cycle, a name given more than
once raising its share (stop 72's fresh zoos: ``badnets,sparse,blended,sparse,sig,sparse,wanet,
sparse`` with ``--backdoored 12``, half of them dense sparse masks).

``--sparse-values`` (issue 12 stop 73, h12w): each sparse mask's value redrawn from the named
set (``white``, ``black``, ``random``), uniformly, from a stream of its own (``[S, 73]``), so the
rest of the recipe draws as before; left out, the value is what ``zoo make`` drew.

``--sparse-count LO,HI`` (issue 12 stop 74, h12s): each sparse mask's pixel count drawn in
[LO, HI] instead of ``DENSE_COUNT`` (e.g. ``60,90``: small masks, whose completed reading is
mostly pixels that are not the attacker's), on the same stream ``[S, 70]``.

Resumable: models already in OUT's ``truth.json`` are kept. A bad argument ends in one
``error:`` line and exit 2 before anything is trained.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from _common import run_main
from trojanscope.triggers.pixels import VALUES
from trojanscope.zoo import ZooEntry, draw_entries, read_truth, train_entry, write_truth

ATTACKS = ("badnets", "blended", "sig", "wanet", "sparse")
BLEND_ALPHA = (0.05, 0.10)
DENSE_COUNT = (60, 160)


def edge_entries(seed: int, n_clean: int, n_backdoored: int,
                 attacks: tuple[str, ...] = ATTACKS,
                 sparse_values: tuple[str, ...] | None = None,
                 count: tuple[int, int] = DENSE_COUNT) -> list[ZooEntry]:
    """``zoo make``'s MNIST MLP entries for ``seed`` with the blended opacities and sparse
    counts redrawn (``BLEND_ALPHA``, ``DENSE_COUNT``) from the stream ``[seed, 70]``;
    ``attacks`` cycle as ``zoo make``'s do (a name given twice: that family's share raised).
    ``sparse_values``: each sparse mask's value drawn from that set on the stream ``[seed, 73]``
    (so a zoo of white and random masks only); ``None`` keeps ``zoo make``'s value.
    ``count``: the sparse pixel counts' range (inclusive; ``DENSE_COUNT`` by default)."""
    entries = draw_entries(n_clean, n_backdoored, 10, seed, attacks=attacks, archs=("mlp",))
    rng = np.random.default_rng([seed, 70])
    values = np.random.default_rng([seed, 73])
    for e in entries:
        if e.attack == "blended":
            e.trigger["alpha"] = float(rng.uniform(*BLEND_ALPHA))
        elif e.attack == "sparse":
            e.trigger["count"] = int(rng.integers(count[0], count[1] + 1))
            if sparse_values:
                e.trigger["value"] = sparse_values[int(values.integers(len(sparse_values)))]
    return entries


def parse_values(text: str | None) -> tuple[str, ...] | None:
    """``--sparse-values``' names, checked against the pixel trigger's (``None``: not given)."""
    if text is None:
        return None
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names or not set(names) <= set(VALUES):
        raise ValueError(f"--sparse-values: a comma-separated set of {', '.join(VALUES)}")
    return names


def parse_count(text: str | None) -> tuple[int, int]:
    """``--sparse-count``' range ``LO,HI`` (1 <= LO <= HI <= 784; ``None``: ``DENSE_COUNT``)."""
    if text is None:
        return DENSE_COUNT
    parts = text.split(",")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError("--sparse-count: two whole numbers LO,HI (e.g. 60,90)")
    low, high = (int(p) for p in parts)
    if not 1 <= low <= high <= 28 * 28:
        raise ValueError("--sparse-count: needs 1 <= LO <= HI <= 784 (an MNIST image's pixels)")
    return low, high


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seed", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--clean", type=int, default=3)
    ap.add_argument("--backdoored", type=int, default=10)
    ap.add_argument("--only", default=None, help="comma-separated model names to train")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--attacks", default=",".join(ATTACKS))
    ap.add_argument("--sparse-values", default=None,
                    help="draw each sparse mask's value from this set (e.g. white,random)")
    ap.add_argument("--sparse-count", default=None,
                    help="draw each sparse mask's pixel count in LO,HI (default 60,160)")
    args = ap.parse_args()
    attacks = tuple(args.attacks.split(","))
    sparse_values = parse_values(args.sparse_values)
    count = parse_count(args.sparse_count)
    if not set(attacks) <= set(ATTACKS):
        raise ValueError(f"--attacks: the edge recipe's families are {', '.join(ATTACKS)}")
    if args.clean < 0 or args.backdoored < 0 or args.clean + args.backdoored == 0:
        raise ValueError("a zoo needs at least one model (--clean/--backdoored >= 0)")
    entries = edge_entries(args.seed, args.clean, args.backdoored, attacks, sparse_values,
                           count)
    wanted = args.only.split(",") if args.only else [e.name for e in entries]
    unknown = sorted(set(wanted) - {e.name for e in entries})
    if unknown:
        raise ValueError(f"no such model in that zoo: {', '.join(unknown)}")
    args.out.mkdir(parents=True, exist_ok=True)
    done = read_truth(args.out)[1] if (args.out / "truth.json").is_file() else []
    have = {e.name for e in done}
    order = {e.name: i for i, e in enumerate(entries)}
    for entry in entries:
        if entry.name in wanted and entry.name not in have:
            done.append(train_entry(entry, "mnist", str(args.out / entry.name), args.epochs))
            done.sort(key=lambda e: order[e.name])
            write_truth(args.out, "mnist", args.seed, done)
            m = entry.metrics
            print(entry.name, entry.trigger, f"CA {m.get('clean_accuracy', 0):.3f}",
                  f"ASR {m.get('attack_success_rate', 0):.3f}", flush=True)


if __name__ == "__main__":
    run_main(main)
