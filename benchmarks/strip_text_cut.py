"""How much of a ``strip-text`` mixture survives the cut at the input length (issue 15, stop 47):
for MiniLM run folders (40 tokens), the token lengths of the clean held-out sentences and their
triggered copies, and — over every (input, partner) pair of the held-out split — how much of the
partner survives when the input comes first, how much of the input when it comes last, and
whether the trigger's first token survives when a triggered input comes last. It runs no model
(tokenisation only): the mechanism behind a low TPR, measured, not guessed.

    python benchmarks/strip_text_cut.py /tmp/h15bs47/minilm/badnl-3160 [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.io.json_file import dumps
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder


def first_change(clean: torch.Tensor, triggered: torch.Tensor) -> torch.Tensor:
    """Per row, the first position where the triggered ids differ from the clean ones (the
    trigger's first token for an insertion); the row length where they never differ."""
    diff = clean != triggered
    pos = diff.float().argmax(1)
    return torch.where(diff.any(1), pos, torch.full_like(pos, clean.shape[1]))


def cut_figures(lengths: torch.Tensor, partner: torch.Tensor, width: int,
                trigger_at: torch.Tensor | None = None) -> dict[str, float]:
    """Means over every (input, partner) pair: share of pairs longer than ``width``, share of
    the partner kept (input first), share of the input kept (input last), and — given each
    input's trigger position — the share of input-last mixtures that keep the trigger."""
    a = lengths.float()[:, None]
    b = partner.float()[None, :]
    out = {"pairs_cut": float((a + b > width).float().mean()),
           "partner_kept_input_first": float(((width - a).clamp(0) / b).clamp(max=1).mean()),
           "input_kept_input_last": float(((width - b).clamp(0) / a).clamp(max=1).mean())}
    if trigger_at is not None:
        out["trigger_kept_input_last"] = float(
            (b + trigger_at.float()[:, None] < width).float().mean())
    return out


def folder_figures(folder: Path) -> dict:
    """The cut's figures for one backdoored run folder (its own held-out split)."""
    loaded = load_model(folder)
    test = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
    attack = attack_from_spec(loaded.manifest.attack)
    pad = int(getattr(loaded.module, "pad_id", 0))
    width = test.x.shape[1]
    lengths = (test.x != pad).sum(1)
    tx, _, _ = attack.test_inputs(test)
    keep = attack.test_index(test)
    t_len = (tx != pad).sum(1)
    at = first_change(test.x[torch.as_tensor(keep)], tx)
    return {"folder": str(folder), "attack": attack.name, "width": width,
            "clean_len_mean": round(float(lengths.float().mean()), 2),
            "clean_at_width": round(float((lengths == width).float().mean()), 4),
            "triggered_len_mean": round(float(t_len.float().mean()), 2),
            "triggered_at_width": round(float((t_len == width).float().mean()), 4),
            "trigger_pos_mean": round(float(at.float().mean()), 2),
            "clean": {k: round(v, 4) for k, v in cut_figures(lengths, lengths, width).items()},
            "triggered": {k: round(v, 4)
                          for k, v in cut_figures(t_len, lengths, width, at).items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    rows = [folder_figures(f) for f in opts.folders]
    for r in rows:
        print(json.dumps(r), file=sys.stderr)
    if opts.json:
        opts.json.write_text(dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
