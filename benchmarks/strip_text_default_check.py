"""Check of ``strip-text``'s transformer default on a real MiniLM folder (issue 15, stop 59,
h15): on ``triggered_split``'s split (seed 0, as ``span_text_dump.py``), the worst-window reading
of :func:`~trojanscope.detect.input_level.span_occlusion.worst_window` against a dump's least
kept probabilities (the readings the rule simulated ``lost:5:1`` from), and the default detector
fitted on the guard half's first ``--fit`` inputs: the occlusion it resolves to, its forward
passes and seconds per input scoring ``--score`` triggered inputs.

    python benchmarks/strip_text_default_check.py RUN DUMP.json.gz [--first 30] [--json OUT]
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.detect.input_level.span_occlusion import protected_ids, worst_window
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder
from trojanscope.registry import create


def split_of(folder: Path, seed: int = 0) -> tuple[torch.nn.Module, tuple, torch.Generator]:
    """(the run's model, ``triggered_split``'s guard, held-out, triggered inputs and fires on its
    own test split at ``seed``, the generator after the split — as ``span_text_dump.py`` draws
    its detector's partners with it)."""
    loaded = load_model(folder)
    model = loaded.module.eval()
    clean = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        split = triggered_split(model, clean, attack_from_spec(loaded.manifest.attack), gen)
    return model, split, gen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("dump", type=Path)
    parser.add_argument("--first", type=int, default=30, help="inputs of each set compared")
    parser.add_argument("--fit", type=int, default=40)
    parser.add_argument("--score", type=int, default=10)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    model, (guard_x, _, trig_x, _), _ = split_of(opts.folder)
    split = json.loads(gzip.decompress(opts.dump.read_bytes()))["models"][0]["splits"][0]
    out: dict = {"model": opts.folder.name}
    pad = int(getattr(model, "pad_id", 0))
    for name, x in (("guard", guard_x), ("trig", trig_x)):
        x = x[:opts.first]
        with torch.no_grad():
            pred = model(x).argmax(1)
            least, lost = worst_window(model, x, pred, 5, 1, 64, pad, protected_ids(model))
        want = torch.tensor(split[name]["span"]["least"]["5:1"][:opts.first])
        out[name] = {"n": len(x), "max_abs_diff_least": float((least.double() - want).abs().max()),
                     "lost_agrees_with_least_below_half": int((lost == (want < 0.5)).sum())}
    det = create("input-detector", "strip-text")
    start = time.perf_counter()
    with torch.no_grad():
        det.fit(model, guard_x[:opts.fit], generator=torch.Generator().manual_seed(0))
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        det.score(trig_x[:opts.score])
    out["default"] = {"occlusion": list(det.occ_), "params_used": det.resolved_params(),
                      "forward_passes_per_input": det.forward_passes_per_input,
                      "fit_s_per_input": fit_s / opts.fit,
                      "score_s_per_input": (time.perf_counter() - start) / opts.score}
    print(json.dumps(out, indent=1, default=str))
    if opts.json:
        opts.json.write_text(json.dumps(out, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
