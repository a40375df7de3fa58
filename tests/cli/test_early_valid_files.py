"""Stop 70 (hrev): the early refusals added at stop 70 (``cli/early_model.py``: a file or folder
of no format the loader reads, an ONNX opset, external data, a TorchScript CNN given a table)
must pass every documented model format with data that fits it: a torch checkpoint (zip and
the legacy pickle format, which the loader refuses in its own words: since stop 73 said before
the imports too, after the loader's scan), TorchScript traced
and scripted, ONNX exported by torch at opsets 11 and 21 and one whose weights lie in a ``.data``
file beside it, XGBoost JSON and UBJSON, LightGBM text, each for ``detect`` (no data, or data)
and ``audit`` (``reports_model``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.cli.early_model import check_model_data


class _Cnn(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4 * 8 * 8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.relu(self.conv(x)).flatten(1))


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Small valid files of each kind, with an uneven 200-image ``.npz`` and a CSV for them."""
    import onnx

    root = tmp_path_factory.mktemp("valid")
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    model, x = _Cnn().eval(), torch.rand(1, 3, 8, 8)
    out = {"images": root / "uneven.npz", "table": root / "table.csv"}
    labels = np.r_[np.zeros(90), np.ones(60), np.full(42, 2), np.full(8, 3)].astype(np.int64)
    np.savez(out["images"], x=rng.random((200, 3, 8, 8)).astype(np.float32), y=labels)
    torch.save(model.state_dict(), out.setdefault("zip", root / "sd.pt"))
    torch.save(model.state_dict(), out.setdefault("legacy", root / "sd_old.pt"),
               _use_new_zipfile_serialization=False)
    torch.jit.trace(model, x).save(str(out.setdefault("traced", root / "traced.pt")))
    torch.jit.script(model).save(str(out.setdefault("scripted", root / "scripted.pt")))
    for opset in (11, 21):
        torch.onnx.export(model, (x,), str(out.setdefault(f"onnx{opset}", root / f"m{opset}.onnx")),
                          dynamo=False, opset_version=opset, input_names=["x"],
                          dynamic_axes={"x": {0: "n"}})
    external = onnx.load(str(out["onnx21"]))
    onnx.save(external, str(out.setdefault("external", root / "ext.onnx")),
              save_as_external_data=True, location="ext.onnx.data", size_threshold=0)
    features = rng.random((60, 4))
    target = (features[:, 0] > 0.5).astype(int)
    lines = ["f0,f1,f2,f3,label"] + [",".join([*map(str, r), str(t)])
                                     for r, t in zip(features, target, strict=True)]
    out["table"].write_text("\n".join(lines) + "\n")
    import lightgbm
    import xgboost

    trees = xgboost.XGBClassifier(n_estimators=2, max_depth=2, n_jobs=1).fit(features, target)
    trees.save_model(out.setdefault("xgb_json", root / "xgb.json"))
    trees.save_model(out.setdefault("xgb_ubj", root / "xgb.ubj"))
    boosted = lightgbm.LGBMClassifier(n_estimators=2, num_leaves=4, verbose=-1, n_jobs=1)
    boosted.fit(features, target).booster_.save_model(out.setdefault("lgb", root / "lgb.txt"))
    return out


@pytest.mark.parametrize("kind", ["zip", "legacy", "traced", "scripted", "onnx11", "onnx21",
                                  "external", "xgb_json", "xgb_ubj", "lgb"])
@pytest.mark.parametrize("audit", [False, True])
def test_a_valid_model_file_is_not_refused_early(files, kind, audit) -> None:
    data = "table" if kind in ("xgb_json", "xgb_ubj", "lgb") else "images"
    for given in (None, str(files[data])):
        if kind == "legacy" and not audit:  # since stop 73 a pickle is refused early, after
            from trojanscope.errors import UserInputError  # the loader's scan, in its words
            from trojanscope.io.models import load_model

            with pytest.raises(UserInputError) as late:
                load_model(files[kind])
            with pytest.raises(UserInputError) as early:
                check_model_data(str(files[kind]), {"--data": given})
            assert str(early.value) == str(late.value)
            continue
        check_model_data(str(files[kind]), {"--data": given}, reports_model=audit)
