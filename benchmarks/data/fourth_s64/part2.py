"""Issue 9, stop 64 (h9m), part 2: what stop 63's BatchNorm copies (aea46ff4) do to
``mitigate`` on an ONNX residual model.

``prep``: the spent 9604 ``res_gap`` TorchScript models exported to ONNX with each BatchNorm
kept (the exporter's merged biases present), the zoo's recorded trigger on its evaluation images
(other classes than the target) as ``--eval-triggered`` files, the evaluation images as a clean
file, and how many BatchNorm weights the exporter merged.
``lift``: how the running code (``PYTHONPATH``) lifts each ONNX file: BatchNorm nodes that
became layers, and whether the lift's outputs match onnxruntime's.
``read``: each ``mitigate`` output folder: whether ``model.onnx`` and ``model.torchscript.pt``
load, agree with each other, and CA / ASR on the evaluation images beside ``mitigation.json``'s.

    python part2.py prep ZOO WORK NAME...;  python part2.py lift WORK NAME...
    python part2.py read WORK OUT_FOLDER...
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
SEED = 9604
TRUTH = Path(__file__).parent.parent / "fourth_s63" / "zoo-9604_truth.json.gz"


def rows() -> dict:
    with gzip.open(TRUTH, "rt") as f:
        return {m["name"]: m for m in json.load(f)["models"]}


def prep(zoo: Path, work: Path, names: list[str]) -> None:
    import onnx

    from fourth_zoo import load_mnist, model_rng, split
    from fourth_zoo_parts import apply_trigger
    from trojanscope.io.onnx_bytes import export_onnx_bytes

    work.mkdir(parents=True, exist_ok=True)
    x, y = split(*load_mnist(), SEED, 4000)["eval"]
    np.savez(work / "eval.npz", x=x, y=y)
    truth = rows()
    for name in names:
        row = truth[name]
        ts = torch.jit.load(str(zoo / f"{name}.pt")).eval()  # our own zoo file
        graph = onnx.load_from_string(export_onnx_bytes(ts, (1, 28, 28), keep_norm=True))
        onnx.save(graph, str(work / f"{name}.onnx"))
        g = graph.graph
        inits = {t.name for t in g.initializer}
        merged = {n.output[0] for n in g.node if n.op_type == "Identity" and n.input[0] in inits}
        bn = [n for n in g.node if n.op_type == "BatchNormalization"]
        keep = y != row["target"]
        tx = apply_trigger(x[keep], row["trigger"], model_rng(SEED, f"{name}/t"))
        np.savez(work / f"{name}-triggered.npz", x=tx, y=y[keep],
                 target=np.full(int(keep.sum()), row["target"]))
        print(json.dumps({"model": name, "truth": f"{row['trigger_family']} -> {row['target']}",
                          "batchnorm_nodes": len(bn),
                          "batchnorms_reading_a_merged_weight":
                              sum(any(i in merged for i in n.input[1:]) for n in bn),
                          "triggered": int(keep.sum())}))


def lift(work: Path, names: list[str]) -> None:
    import onnxruntime as ort

    from trojanscope.io.onnx_import import load_onnx

    x = np.load(work / "eval.npz")["x"][:64]
    for name in names:
        module = load_onnx(work / f"{name}.onnx")
        norms = sum("BatchNorm" in type(m).__name__ for m in module.modules())
        session = ort.InferenceSession(str(work / f"{name}.onnx"))
        want = session.run(None, {session.get_inputs()[0].name: x})[0]
        with torch.no_grad():
            got = module(torch.from_numpy(x)).numpy()
        print(json.dumps({"model": name, "batchnorm_layers": norms,
                          "parameters": sum(p.numel() for p in module.parameters()),
                          "max_diff_vs_onnxruntime": float(np.abs(got - want).max())}))


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        pred = np.concatenate([model(torch.from_numpy(x[i:i + 500])).argmax(1).numpy()
                               for i in range(0, len(x), 500)])
    return float((pred == y).mean())


def read(work: Path, outs: list[Path]) -> None:
    from trojanscope.io.models import load_model

    ev = np.load(work / "eval.npz")
    for out in outs:
        rec = json.loads((out / "mitigation.json").read_text())
        name = Path(rec["source"]).stem
        trig = np.load(work / f"{name}-triggered.npz")
        found = {"folder": out.name, "method": rec.get("method"),
                 "record_before": rec.get("before"), "record_after": rec.get("after")}
        models = {}
        for file in ("model.onnx", "model.torchscript.pt"):
            try:
                models[file] = load_model(out / file).module.eval()
            except Exception as exc:  # the point is whether the folder's files load
                found[file] = f"does not load: {str(exc).splitlines()[0][:200]}"
        for file, model in models.items():
            found[file] = {"ca_eval": round(accuracy(model, ev["x"], ev["y"]), 4),
                           "asr_eval": round(accuracy(model, trig["x"], trig["target"]), 4)}
        if len(models) == 2:
            xb = torch.from_numpy(ev["x"][:64])
            with torch.no_grad():
                a, b = (m(xb) for m in models.values())
            found["onnx_vs_torchscript_max_diff"] = float((a - b).abs().max())
        print(json.dumps(found))


if __name__ == "__main__":
    what, *args = sys.argv[1:]
    if what == "prep":
        prep(Path(args[0]), Path(args[1]), args[2:])
    elif what == "lift":
        lift(Path(args[0]), args[1:])
    else:
        read(Path(args[0]), [Path(a) for a in args[1:]])
