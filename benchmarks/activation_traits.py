"""The traits every architecture family reads in its three forms, before and after a change
to the trait reader (issue 9, stop 53: h9A).

For each ``foreign_zoo.py`` family (every population's) and each own-engine image architecture
(``cnn``, ``lenet5``, ``mlp`` with every activation, pooling and norm they offer), the model is
built (untrained: traits read the structure only), traced to TorchScript, exported to ONNX
(opset 17) and read back by trojanscope's importer; ``coverage.architecture_traits`` reads each
form with the reader under ``src/`` and with an older reader (``--old``, a ``coverage.py``
file: the one on ``main``). A covered family whose traits move would be scored differently
by today's calibration; the new-activation families must move.

    PYTHONPATH=src:benchmarks python benchmarks/activation_traits.py \\
        --old /tmp/coverage_main.py --json benchmarks/data/foreign_s53a/traits.json
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from _common import fail
from trojanscope.detect.coverage import architecture_traits

NEW_FAMILIES = ("softplus_cnn", "hardswish_bn_cnn", "mish_avg_cnn", "selu_mlp", "relu6_cnn",
                "prelu_strided_cnn", "celu_lenet")


def old_reader(path: Path):
    """``architecture_traits`` of another ``coverage.py`` file, loaded as its own module."""
    if not path.is_file():
        fail(f"--old {path}: no such file")
    spec = importlib.util.spec_from_file_location("coverage_old", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        return module.architecture_traits
    except Exception as exc:  # any error in the file: said in one line
        fail(f"--old {path}: not a coverage module ({type(exc).__name__})")


def models() -> list[tuple[str, nn.Module]]:
    """Every family's model, foreign first, then the own engine's architectures."""
    from foreign_zoo import (
        BROAD_ARCH,
        HOLDOUT_ARCH,
        NEW_ACT2_ARCH,
        NEW_ACT_ARCH,
        RECIPES_ARCH,
        build,
    )
    from trojanscope.models.common import ACTIVATIONS, NORMS, POOLS
    from trojanscope.models.small import MLP, LeNet5, SmallCNN

    out = []
    fams = dict.fromkeys([*BROAD_ARCH, *HOLDOUT_ARCH, *RECIPES_ARCH, *NEW_ACT_ARCH,
                          *NEW_ACT2_ARCH])
    for fam in fams:
        for draw in range(2 if fam == "mlp" else 1):  # mlp draws tanh or ReLU
            model, info = build(fam, np.random.default_rng(draw * 7 + 1))
            out.append((f"foreign:{fam}:{info.get('activation', '')}".rstrip(":"), model))
    for act in ACTIVATIONS:
        out.append((f"own:mlp:{act}", MLP(activation=act)))
        out.append((f"own:lenet5:{act}", LeNet5(activation=act)))
        for pool in POOLS:
            for norm in NORMS:
                out.append((f"own:cnn:{act}:{pool}:{norm}",
                            SmallCNN(activation=act, pool=pool, norm=norm)))
    return out


def forms(model: nn.Module) -> dict[str, nn.Module]:
    """The eager model, its TorchScript trace and its ONNX export read back by trojanscope."""
    import onnx

    from trojanscope.errors import UserInputError
    from trojanscope.io.onnx_import import onnx_to_module

    model = model.eval()
    x = torch.rand(2, 1, 28, 28)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(model, x)
        torch.onnx.export(model, x, buf, opset_version=17, dynamo=False)
    out = {"eager": model, "torchscript": traced}
    try:
        out["onnx"] = onnx_to_module(onnx.load_from_string(buf.getvalue()))
    except UserInputError as exc:  # an op the importer does not run (CELU): no ONNX form
        print(f"  (no ONNX form: {str(exc)[:60]})")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, required=True, help="the older coverage.py")
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args()
    if not args.json.parent.is_dir():
        fail(f"--json {args.json}: folder {args.json.parent} does not exist")
    old = old_reader(args.old)
    from trojanscope.detect import coverage

    coverage.ACTIVATION_TRAITS = "route"  # the stop-53 names read (either mode reads them)
    torch.manual_seed(0)
    rows, moved_covered = [], []
    for name, model in models():
        for form, m in forms(model).items():
            before, after = sorted(old(m)), sorted(architecture_traits(m))
            new = name.split(":")[1] in NEW_FAMILIES
            rows.append({"model": name, "form": form, "old": before, "new": after,
                         "moved": before != after})
            if before != after and not new:
                moved_covered.append(f"{name} ({form})")
            print(f"{name:40s} {form:11s} {'MOVED' if before != after else 'same':5s} "
                  f"{','.join(after)}")
    new_rows = [r for r in rows if r["model"].split(":")[1] in NEW_FAMILIES]
    summary = {
        "models": len({r["model"] for r in rows}), "forms": len(rows),
        "covered_moved": moved_covered,
        "new_family_forms_with_a_new_activation_trait": sum(
            any(t.startswith("activation:") and t not in r["old"] for t in r["new"])
            for r in new_rows),
        "new_family_forms": len(new_rows),
    }
    args.json.write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
