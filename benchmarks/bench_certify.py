"""Certification on bundled MNIST (4,000 training / 1,000 test images), through the CLI.

Three parts, each a ``trojanscope train ... --defence`` then ``trojanscope certify``:

``dpa``     DPA with K partitions (default 80 = 50 samples per partition, the samples-per-
            partition of the paper's MNIST K=1200 on 60,000 images; and 200 = 20 per partition,
            its K=3000): clean accuracy, median tolerated poison, certified accuracy curve
            (the PNG of the first K is copied to --figure).
``patch``   masked training (patch-mask) and PatchCleanser certificates for a 4x4 patch:
            certified accuracy and seconds per input.
``verify``  a small MLP; verification of a 4x4 region (default: the bottom-right corner, where
            the BadNets trigger sits) for several eps: proven / refuted / timeout, with the
            built-in branch and bound (ibp) and, where installed, Marabou.

    python benchmarks/bench_certify.py [--parts dpa,patch,verify] [--backends ibp,marabou]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from cli_json import run_cli


def dpa(tmp: Path, partitions: list[int], figure: Path | None) -> list[dict]:
    rows = []
    for k in partitions:
        run = tmp / f"dpa{k}"
        _, train_s = run_cli(["train", "--dataset", "mnist", "--arch", "cnn", "--arch-param",
                          "width=8", "--defence", "dpa", "--partitions", str(k), "--no-export",
                          "--out", str(run)])
        report = tmp / f"cert{k}"
        out, cert_s = run_cli(["certify", str(run), "--data", "mnist", "--report", str(report)])
        rows.append({"partitions": k, "train_s": train_s, "certify_s": cert_s, **out})
        print(f"dpa K={k}: CA {out['clean_accuracy']:.2%}, median "
              f"{out['median_tolerated_poison']} ({train_s:.0f} s)", file=sys.stderr, flush=True)
        if figure is not None and k == partitions[0]:
            figure.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(report / "curve.png", figure)
            shutil.copyfile(report / "curve.csv", figure.with_suffix(".csv"))
    return rows


def patch(tmp: Path, limit: int) -> dict:
    run = tmp / "patch"
    _, train_s = run_cli(["train", "--dataset", "mnist", "--defence", "patch-mask", "--no-export",
                      "--out", str(run)])
    out, cert_s = run_cli(["certify", str(run), "--data", "mnist", "--patch", "4",
                       "--limit", str(limit), "--report", str(tmp / "patch-cert")])
    print(f"patch 4x4: certified {out['certified_accuracy']:.2%}", file=sys.stderr, flush=True)
    return {"train_s": train_s, "certify_s": cert_s, **out}


def verify(
    tmp: Path, limit: int, eps_list: list[float], backends: list[str], region: str,
    time_limit: float,
) -> list[dict]:
    run = tmp / "mlp"
    run_cli(["train", "--dataset", "mnist", "--arch", "mlp", "--arch-param", "hidden=[64]",
         "--no-export", "--out", str(run)])
    rows = []
    for eps in eps_list:
        for backend in backends:
            out, secs = run_cli(["certify", str(run), "--data", "mnist", "--method", "verify",
                             "--backend", backend, "--eps", str(eps), "--region", region,
                             "--time-limit", str(time_limit), "--limit", str(limit),
                             "--report", str(tmp / f"verify{eps}-{backend}")])
            rows.append({"eps": eps, "wall_s": secs, **out})
            print(f"verify {backend} eps={eps}: {out['proven']} proven, {out['refuted']} "
                  f"refuted, {out['timeout']} timeout", file=sys.stderr, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="dpa,patch,verify")
    parser.add_argument("--partitions", default="80,200")
    parser.add_argument("--patch-limit", type=int, default=500)
    parser.add_argument("--verify-limit", type=int, default=100)
    parser.add_argument("--eps", default="0.05,0.1,0.2,0.5")
    parser.add_argument("--backends", default="ibp", help="ibp and/or marabou (needs [verify])")
    parser.add_argument("--region", default="24,24,4,4", help="TOP,LEFT,HEIGHT,WIDTH")
    parser.add_argument("--time-limit", type=float, default=2.0, help="seconds per input")
    parser.add_argument("--figure", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    parts = opts.parts.split(",")
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if "dpa" in parts:
            ks = [int(k) for k in opts.partitions.split(",")]
            result["dpa"] = dpa(tmp, ks, opts.figure)
        if "patch" in parts:
            result["patch"] = patch(tmp, opts.patch_limit)
        if "verify" in parts:
            result["verify"] = verify(tmp, opts.verify_limit,
                                      [float(e) for e in opts.eps.split(",")],
                                      opts.backends.split(","), opts.region, opts.time_limit)
    for row in result.get("dpa", []):
        at = ", ".join(f"{r}: {a:.1%}" for r, a in row["certified_accuracy_at"].items())
        print(f"DPA K={row['partitions']}: CA {row['clean_accuracy']:.2%}, median tolerated "
              f"{row['median_tolerated_poison']}, certified accuracy at {at}; train "
              f"{row['train_s']:.0f} s, certify {row['certify_s']:.0f} s")
    if "patch" in result:
        p = result["patch"]
        print(f"patch {p['patch']}x{p['patch']} ({p['masks']} masks, {p['inputs']} inputs): CA "
              f"{p['clean_accuracy']:.2%}, certified {p['certified_accuracy']:.2%}, "
              f"{p['seconds_per_input'] * 1000:.0f} ms per input")
    for v in result.get("verify", []):
        print(f"verify {v['backend']} region {v['region']} eps={v['eps']} ({v['inputs']} inputs): "
              f"{v['proven']} proven, "
              f"{v['refuted']} refuted, {v['timeout']} timeout; "
              f"{v['seconds_per_input']:.2f} s per input")
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
