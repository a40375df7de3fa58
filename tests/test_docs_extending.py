"""docs/extending.md's examples run as written, and each one's component works where its kind is
used (in a subprocess, so the examples never join this process's registry)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "extending.md"

CHECKS = textwrap.dedent("""
    import io, contextlib, tempfile
    from pathlib import Path
    import numpy as np, torch
    from trojanscope import registry
    torch.set_num_threads(1)

    x = torch.rand(2, 1, 8, 8)
    out = registry.create("trigger", "checker", size=3).apply(x)
    assert out.shape == x.shape and not torch.equal(out, x)

    model = registry.create("arch", "tiny_mlp", input_shape=(1, 8, 8), num_classes=2)
    assert model(x).shape == (2, 2)

    from trojanscope.data import load_dataset
    train = load_dataset("stripes", "train")
    assert len(train) == 160 and train.num_classes == 2

    attack = registry.create("attack", "checker", target=1, poison_rate=0.2)
    poisoned = attack.poison(train)
    assert len(poisoned.poison_indices) > 0
    from trojanscope.zoo import build_attack, draw_entries, zoo_attacks
    assert "checker" in zoo_attacks()
    entries = draw_entries(0, 40, 2, seed=0, attacks=["checker"])
    assert {e.attack for e in entries} == {"checker"}
    assert build_attack(entries[0]).trigger.name == "checker"

    folder = Path(tempfile.mkdtemp())
    np.save(folder / "x.npy", np.random.rand(20, 1, 8, 8).astype(np.float32))
    np.save(folder / "y.npy", np.arange(20) % 2)
    from trojanscope.data.files import detect_format, load_path
    assert detect_format(folder) == "npy_pair" and len(load_path(folder, "all")) == 20

    verdict = registry.create("detector", "logit_bias").inspect(model, input_shape=(1, 8, 8),
                                                                 num_classes=2)
    assert len(verdict.target_classes) == 2

    from trojanscope.detect.input_level import fit_guard
    toy = registry.create("input-detector", "confidence")
    guard = fit_guard(model, toy, torch.rand(60, 1, 8, 8), fpr=0.1,
                      generator=torch.Generator().manual_seed(0))
    scores, flagged = guard.check(x)
    assert scores.shape == (2,) and flagged.dtype == torch.bool

    fixed = registry.create("mitigation", "head_finetune").apply(model, train, seed=1)
    assert fixed is not model and not torch.equal(fixed.net[-1].weight, model.net[-1].weight)
    assert torch.equal(fixed.net[2].weight, model.net[2].weight)  # only the head moved
    blurred = registry.create("input-purifier", "box_blur").apply(x)
    assert blurred.shape == x.shape and not torch.equal(blurred, x)
    from trojanscope.engine import Trainer
    from trojanscope.experiment import run_experiment
    smooth = registry.create("defence", "label_smoothing", smoothing=0.2)
    result = run_experiment("stripes", arch="tiny_mlp", trainer=Trainer(epochs=1), defence=smooth)
    assert result.manifest.model_dump()["defence"]["details"] == {"smoothing": 0.2}

    from trojanscope.detect.data import detect_data
    from trojanscope.detect.data.features import Features
    feats = Features(torch.randn(60, 4), torch.zeros(60, 2), torch.arange(60) % 2, 2)
    feats.features[7] *= 50
    found = detect_data(None, method="feature_norm", features=feats)
    assert found.method == "feature_norm" and 7 in found.flagged.tolist()

    from trojanscope.audit.pipeline import default_steps
    names = [s.name for s in default_steps()]
    assert names.index("size") == names.index("bom") + 1

    from trojanscope.report.formats import audit_formats, scan_formats, report_files
    assert "csv" in scan_formats() and report_files()["findings.csv"] == "csv"
    from trojanscope.scan import load_policy, scan_paths
    pickled = folder / "m.pkl"
    pickled.write_bytes(b"cos\\nsystem\\n(S'true'\\ntR.")
    assert "TS" in registry.create("report-format", "csv").render_scan(
        scan_paths([pickled], load_policy()))

    from trojanscope.scan.sniff import sniff
    assert sniff(b"\\x1c\\x00\\x00\\x00TFL3" + bytes(40)) == "tflite"
    tfl = folder / "m.tflite"
    tfl.write_bytes(b"\\x1c\\x00\\x00\\x00TFL3" + bytes(40))
    assert scan_paths([tfl], load_policy()).subjects[0].kind == "tflite"

    from trojanscope.cli.main import run
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert run(["hello", "--name", "docs"]) == 0
    assert buf.getvalue() == "hello docs\\n", buf.getvalue()
    print("all examples work")
""")


def test_extending_examples_run(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 10
    script = tmp_path / "examples.py"
    script.write_text("\n\n".join(blocks) + "\n" + CHECKS, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "all examples work" in proc.stdout
