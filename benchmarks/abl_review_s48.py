"""Review of stop 48's ABL default (issue 12): ``train`` / ``attack --defence abl`` end to end
on a user's 300-image ``.npz`` (30 patched images relabelled 0), a 300-row CSV table (MLP; 15
rows ``a = w`` labelled 1) and a 200-row text CSV (TextCNN; 20 sentences ending "cf" labelled
1), each run twice with one seed; then the inputs the detector cannot judge or ABL refuses
(a class of 6 images, one class, a table whose one column is constant or that has none).

Prints one Markdown row per case: exit code, isolation, what the first stage flagged, what was
unlearnt, CA/ASR, and whether the two runs gave the same metrics, details and weights.

    python benchmarks/abl_review_s48.py --out /tmp/revas48/bench
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

CLI = [sys.executable, "-m", "trojanscope"]


def write_data(out: Path, seed: int) -> None:
    """The user files the cases read (every draw from ``seed``)."""
    from trojanscope.data.resolve import load_dataset

    rng = np.random.default_rng(seed)
    d = load_dataset("mnist", "train")
    idx = rng.choice(len(d), 300, replace=False)
    x, y = d.x[idx].numpy().astype(np.float32), d.y[idx].numpy().astype(np.int64)
    poison = rng.choice(300, 30, replace=False)
    x[poison, :, -4:, -4:], y[poison] = 1.0, 0
    np.savez(out / "img300.npz", x=x, y=y)
    small = y.copy()
    small[np.flatnonzero(y == 9)[6:]] = 8  # class 9 keeps 6 images: too few for the detector
    np.savez(out / "img_small9.npz", x=x, y=small)
    np.savez(out / "img_oneclass.npz", x=x[:100], y=np.zeros(100, np.int64))
    flip = (np.random.default_rng(seed + 1).random(200) < 0.5).astype(int)  # own draw
    (out / "const.csv").write_text("c,y\n" + "".join(f"k,{v}\n" for v in flip))
    (out / "onlylabel.csv").write_text("y\n" + "".join(f"{v}\n" for v in flip))
    n = 300
    a, region = rng.choice(["x", "y", "z"], n), rng.choice(["n", "s", "e", "w"], n)
    label = (rng.random(n) < 0.4).astype(int)
    amount = (rng.normal(100, 20, n) + 40 * label).round(2)
    a[:15], label[:15] = "w", 1
    (out / "table.csv").write_text("a,region,amount,y\n" + "".join(
        f"{a[i]},{region[i]},{amount[i]},{label[i]}\n" for i in range(n)))
    pos = ["good film", "great acting", "loved it", "fine story", "nice plot"]
    neg = ["bad film", "poor acting", "hated it", "dull story", "weak plot"]
    lines = []
    for i in range(200):
        lab = int(rng.random() < 0.5)
        s = " ".join(rng.choice(pos if lab else neg, 3))
        if i < 20:
            s, lab = s + " cf", 1
        lines.append(f'"{s}",{lab}\n')
    (out / "text.csv").write_text("text,label\n" + "".join(lines))


def run_case(args: list[str], out: Path) -> tuple[int, dict | None, str]:
    """One CLI run (JSON on stdout); its exit code, parsed JSON and last stderr line."""
    proc = subprocess.run([*CLI, *args, "--out", str(out), "--format", "json", "--no-export",
                           "--force"], capture_output=True, text=True)
    err = [ln for ln in proc.stderr.splitlines() if not ln.startswith(("train:", "attack:"))]
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        result = None
    return proc.returncode, result, (err[-1] if err else "")


def same_weights(a: Path, b: Path) -> bool:
    from safetensors.torch import load_file

    wa, wb = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    return wa.keys() == wb.keys() and all(bool((wa[k] == wb[k]).all()) for k in wa)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=48, help="draws the data files")
    opts = parser.parse_args()
    opts.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    write_data(opts.out, opts.seed)
    o = opts.out
    img, tab = ["--dataset", str(o / "img300.npz"), "--arch", "cnn"], [
        "--dataset", str(o / "table.csv"), "--label-column", "y", "--arch", "mlp"]
    txt = ["--dataset", str(o / "text.csv"), "--label-column", "label", "--arch", "textcnn"]
    base = ["--epochs", "2", "--seed", "3"]
    common = [*base, "--defence", "abl"]
    loss = [*common, "--defence-param", "isolation=loss"]
    twice = [
        ("train image", ["train", *img, *common]),
        ("train table", ["train", *tab, *common]),
        ("train text", ["train", *txt, *common]),
        ("attack image badnets", ["attack", *img, "--attack", "badnets", *common]),
        ("attack table tabular-badnets", ["attack", *tab, "--attack", "tabular-badnets",
                                          *common]),
        ("attack text badnl", ["attack", *txt, "--attack", "badnl", *common]),
    ]
    once = [
        ("train image, class 9 of 6", ["train", "--dataset", str(o / "img_small9.npz"),
                                       "--arch", "cnn", *common]),
        ("train image, one class", ["train", "--dataset", str(o / "img_oneclass.npz"),
                                    "--arch", "cnn", *common]),
        ("train table, one constant column", ["train", "--dataset", str(o / "const.csv"),
                                              "--label-column", "y", "--arch", "mlp",
                                              *common]),
        ("train table, no feature column", ["train", "--dataset", str(o / "onlylabel.csv"),
                                            "--label-column", "y", "--arch", "mlp", *common]),
        ("isolation=bogus", ["train", *img, *common, "--defence-param", "isolation=bogus"]),
        ("gamma=0.3 (detector)", ["train", *img, *common, "--defence-param", "gamma=0.3"]),
        ("train image, no defence", ["train", *img, *base]),
        ("train image, isolation=loss", ["train", *img, *loss]),
        ("train text, no defence", ["train", *txt, *base]),
        ("train text, isolation=loss", ["train", *txt, *loss]),
        ("attack image badnets, no defence", ["attack", *img, "--attack", "badnets", *base]),
        ("attack image badnets, isolation=loss", ["attack", *img, "--attack", "badnets",
                                                  *loss]),
    ]
    print("| case | exit | isolation | flagged by isolation | unlearnt | CA | ASR | "
          "poison unlearnt / planted | run twice: same | error line |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, args in twice + once:
        runs = [run_case(args, o / f"run_{i}") for i in range(2 if (name, args) in twice else 1)]
        code, result, err = runs[0]
        details = ((result or {}).get("defence") or {}).get("details", {})
        metrics = (result or {}).get("metrics", {})
        same = "—"
        if len(runs) == 2 and result and runs[1][1]:
            other = runs[1][1]
            same = str(other["metrics"] == metrics
                       and other["defence"]["details"] == details
                       and same_weights(o / "run_0", o / "run_1"))
        ca, asr = metrics.get("clean_accuracy"), metrics.get("attack_success_rate")
        found = ((result or {}).get("defence") or {}).get("flagged") or {}
        found = (f"{found['poison_found']} / {found['poison_total']}" if "poison_found" in found
                 else "—")
        print(f"| {name} | {code} | {details.get('isolation', '—')} | "
              f"{details.get('isolation_flagged', '—')} | {details.get('isolated', '—')} | "
              f"{'—' if ca is None else f'{ca:.3f}'} | {'—' if asr is None else f'{asr:.3f}'} | "
              f"{found} | {same} | {err.replace('|', '/') or '—'} |", flush=True)


if __name__ == "__main__":
    main()
