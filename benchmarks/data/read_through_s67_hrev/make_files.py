"""Small user-sized files for the stop-67 read-through (hrev): tables, 200-image .npz files,
XGBoost / LightGBM files with and without feature names, ONNX exports (opsets 9-22, fixed,
dynamic and named dims, a table model, an ai.onnx.ml graph), TorchScript, some renamed. Run in
an empty folder: it writes m/ and d/."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
import onnx
import pandas as pd
import torch
import xgboost as xgb
from torch import nn

TESTS = Path(__file__).resolve().parents[3] / "tests"
COLS = ["age", "debt", "income", "score"]


def write(path: str, header: list[str], rows: list[list], sep: str = ",") -> None:
    with open(path, "w") as f:
        f.write(sep.join(header) + "\n")
        for row in rows:
            f.write(sep.join(str(v) for v in row) + "\n")


def tables(x: np.ndarray, y: np.ndarray) -> None:
    rows = [[*a, b] for a, b in zip(x, y, strict=True)]
    write("d/table.csv", [*COLS, "is_fraud"], rows)
    write("d/reordered.csv", ["is_fraud", *COLS[::-1]], [[r[-1], *r[-2::-1]] for r in rows])
    write("d/extra.csv", [*COLS, "note", "is_fraud"], [[*r[:-1], "x", r[-1]] for r in rows])
    write("d/nodebt.csv", ["age", "income", "score", "is_fraud"],
          [[r[0], r[2], r[3], r[4]] for r in rows])
    write("d/label.csv", [*COLS, "label"], rows)
    write("d/table.tsv", [*COLS, "is_fraud"], rows, sep="\t")
    write("d/pandas_index.csv", ["", *COLS, "is_fraud"], [[i, *r] for i, r in enumerate(rows)])


def images(rng: np.random.Generator) -> None:
    xi = rng.random((200, 1, 28, 28)).astype(np.float32)
    yi = rng.integers(0, 10, 200)
    np.savez("d/imgs.npz", x=xi, y=yi)
    np.savez_compressed("d/imgs_c.npz", x=xi, y=yi)
    np.savez("d/imgs_x_only.npz", x=xi)
    np.savez("d/imgs255.npz", x=(xi * 255).astype(np.float32), y=yi)
    np.savez("d/imgs_u8.npz", x=(xi * 255).astype(np.uint8), y=yi)
    np.savez("d/imgs_f64.npz", x=xi.astype(np.float64), y=yi)
    np.savez("d/imgs_nhwc.npz", x=xi.transpose(0, 2, 3, 1), y=yi)


def trees(x: np.ndarray, y: np.ndarray) -> None:
    df = pd.DataFrame(x, columns=COLS)
    for frame, tag in ((df, "named"), (x, "arr")):
        booster = xgb.XGBClassifier(n_estimators=5, max_depth=2).fit(frame, y).get_booster()
        booster.save_model(f"m/xgb_{tag}.json")
        booster.save_model(f"m/xgb_{tag}.ubj")
        lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(frame, y).booster_.save_model(
            f"m/lgb_{tag}.txt")
    shutil.copy("m/xgb_named.json", "m/xgb_named_json.bin")
    shutil.copy("m/xgb_named.ubj", "m/xgb_named_ubj.model")
    shutil.copy("m/lgb_named.txt", "m/lgb_named.bin")


def networks() -> None:
    img = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(),
                        nn.Linear(4 * 26 * 26, 10)).eval()
    tab = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).eval()
    ex = torch.rand(2, 1, 28, 28)
    named = {"input_names": ["input"], "output_names": ["logits"]}
    for opset in (9, 11, 13, 17, 20):
        torch.onnx.export(img, (ex,), f"m/img_op{opset}.onnx", dynamo=False,
                          opset_version=opset, **named,
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    torch.onnx.export(img, (ex,), "m/img_fixed.onnx", dynamo=False, opset_version=17)
    torch.onnx.export(img, (ex,), "m/img_dynhw.onnx", dynamo=False, opset_version=17,
                      input_names=["input"], dynamic_axes={"input": {0: "batch", 2: "h", 3: "w"}})
    torch.onnx.export(tab, (torch.rand(2, 4),), "m/tab.onnx", dynamo=False, opset_version=17,
                      input_names=["input"], dynamic_axes={"input": {0: "batch"}})
    shutil.copy("m/img_op17.onnx", "m/img_onnx.bin")
    torch.jit.trace(img, ex).save("m/img_ts.pt")
    shutil.copy("m/img_ts.pt", "m/img_ts.onnx")
    torch.jit.trace(tab, torch.rand(2, 4)).save("m/tab_ts.pt")
    for version in (21, 22):  # the exporter writes up to 20: the same graph, its opset raised
        model = onnx.load("m/img_op20.onnx")
        for entry in model.opset_import:
            if entry.domain in ("", "ai.onnx"):
                entry.version = version
        onnx.save(model, f"m/img_op{version}.onnx")
    sys.path.insert(0, str(TESTS))  # the tests' small ONNX writers
    from onnx_files import write_ml_onnx, write_onnx

    write_ml_onnx(Path("m/skl.onnx"), 4)
    write_onnx(Path("m/ident_named.onnx"), ["N", 1, 28, 28])
    write_onnx(Path("m/ident_nodims.onnx"), None)


def main() -> None:
    torch.set_num_threads(1)
    Path("m").mkdir(exist_ok=True)
    Path("d").mkdir(exist_ok=True)
    rng = np.random.default_rng(7)
    x = rng.random((200, 4)).round(3)
    y = (x[:, 0] + x[:, 1] > 1).astype(int)
    tables(x, y)
    images(rng)
    trees(x, y)
    networks()
    print("done")


if __name__ == "__main__":
    main()
