"""Span-occlusion readings beside ``strip-text``'s (issue 15, stop 56, h15): on each backdoored
run folder and split seed, ``evaluate_triggered``'s split (the guard half, the held-out clean
half and its triggered copies), today's ``strip-text`` fitted on the guard half as its guard
fits it (the same generator after the split draws the partners) and its readings of each set
(``strip_text_class_dump.readings``), and for every input the least probability of its
predicted class the model keeps with one window removed, for each ``--windows`` WIDTH:STRIDE
(:func:`~trojanscope.detect.input_level.span_occlusion.least_keeps`, what ``span-text``
scores), with the seconds each took. Scores built from them and their guard thresholds are
simulated with no other forward pass (``span_text_report.py``).

``--part strip`` / ``span`` and ``--sets`` read a share of it (the same split and partner
draw), so several processes can read one model side by side; the report merges their dumps.
``--part both`` reads the two parts chunk by chunk (stop 61), so a reader cut at a deadline
leaves both readings of the same inputs. Every dump records each triggered input's clean twin's
predicted class (``twin_pred``, stop 61: the inputs the trigger turned are the fired ones whose
twin is not of the target class); ``--part twins`` writes only that, for a dump read before.
``--start K`` (stop 62) reads each set read from its input K on (with ``--first N``: K to
K + N), so that several readers share one set; the report joins the pieces.
The JSON is written after each ``--chunk`` inputs, so a reader stopped at a cut-off keeps what
it read (the report reads only sets read whole unless told otherwise).

    python benchmarks/span_text_dump.py RUN... --seeds 0 --json OUT [--windows 1:1 2:2]
        [--part both|strip|span|twins] [--sets trig guard neg] [--limit N]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch

from _common import LineParser
from span_text_report import extend
from strip_text_class_dump import readings
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.detect.input_level.span_occlusion import least_keeps, protected_ids, spans_of
from trojanscope.detect.input_level.text_base import tokens
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder
from trojanscope.registry import create

SETS = ("guard", "neg", "trig")


def window_spec(text: str) -> tuple[int, int]:
    """``WIDTH:STRIDE`` → (width, stride)."""
    width, _, stride = text.partition(":")
    return int(width), int(stride or width)


def span_readings(model: torch.nn.Module, x: torch.Tensor, windows: list[str],
                  max_spans: int) -> dict:
    """Own probability and class of each input, its least keep per window spec, the seconds."""
    start = time.perf_counter()
    pad_id = int(getattr(model, "pad_id", 0))
    out: dict = {"least": {}, "windows": {}}
    protected = protected_ids(model)
    with torch.no_grad():
        own, pred = model(x).softmax(1).max(1)
        for spec in windows:
            width, stride = window_spec(spec)
            out["windows"][spec] = [len(spans_of(tokens(row, pad_id), width, stride, protected,
                                                 max_spans)) for row in x]
            out["least"][spec] = least_keeps(model, x, pred, width, stride, max_spans, pad_id,
                                             protected).double().tolist()
    out["seconds"] = time.perf_counter() - start
    return {"own": own.double().tolist(), "pred": pred.tolist(), "span": out}


def strip_detector():
    """``strip-text``'s mixture score alone (``occlude=0``; stop 60): the guard before stop 59's
    transformer default, which adds the worst-window grouping that ``lost:W:S`` of
    ``span_text_report.py`` simulates from this reading and the span part's; on a transformer
    the default would otherwise score ranks within the groups here (and read every window)."""
    return create("input-detector", "strip-text", occlude=0)


def strip_readings(detector, x: torch.Tensor) -> dict:
    """``readings`` of today's detector with the seconds they took."""
    start = time.perf_counter()
    out = readings(detector, x)
    out["strip_seconds"] = time.perf_counter() - start
    return out


def twins(clean, attack, seed: int) -> torch.Tensor:
    """The clean sentences ``triggered_split`` at ``seed`` stamped the trigger on, in its order
    (the held-out half's rows of ``attack.test_index``), as token ids (a generator of its own:
    the split's, which goes on to draw the partners, is left as it is)."""
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(clean), generator=gen)
    held = clean.subset(order[len(clean) // 2:])
    return held.x[torch.as_tensor(attack.test_index(held))]


def head(x: torch.Tensor, n: int) -> torch.Tensor:
    """The first ``n`` rows of ``x`` (all with ``n`` = 0)."""
    return x[:n] if n else x


def main(argv: list[str] | None = None) -> None:
    parser = LineParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--windows", nargs="+", default=["2:2"])
    parser.add_argument("--max-spans", type=int, default=64)
    parser.add_argument("--part", choices=("both", "strip", "span", "twins"), default="both")
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--limit", type=int, default=0,
                        help="development only: read the first N inputs of each set (0: all)")
    parser.add_argument("--first", type=int, default=0,
                        help="read the first N inputs of each set read (0: all); unlike "
                             "--limit the guard is fitted on its whole half, so the readings "
                             "are the full run's first N (a cut reading, read with --partial)")
    parser.add_argument("--start", type=int, default=0,
                        help="read each set read from its input K on (stop 62: several readers "
                             "share one set; span_text_report.py joins the pieces)")
    parser.add_argument("--chunk", type=int, default=10,
                        help="inputs read between two saves of the JSON")
    parser.add_argument("--json", type=Path, required=True)
    opts = parser.parse_args(argv)
    for name in ("limit", "first", "start"):  # before any model is read
        if getattr(opts, name) < 0:
            parser.error(f"--{name} must be 0 or more, got {getattr(opts, name)}")
    if opts.chunk < 1:
        parser.error(f"--chunk must be 1 or more, got {opts.chunk}")
    torch.set_num_threads(1)
    models = []
    for folder in opts.folders:
        loaded = load_model(folder)
        module = loaded.module.eval()
        clean = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
        attack = attack_from_spec(loaded.manifest.attack)
        models.append({"model": folder.name, "attack": loaded.manifest.attack.name,
                       "splits": []})
        for seed in opts.seeds:
            gen = torch.Generator().manual_seed(seed)
            with torch.no_grad():
                guard_x, neg_x, trig_x, fires = triggered_split(module, clean, attack, gen)
                twin_pred = module(twins(clean, attack, seed)).argmax(1)
            if opts.limit:  # the guard fitted on fewer clean sentences: development only
                guard_x, neg_x = guard_x[:opts.limit], neg_x[:opts.limit]
                trig_x, fires = trig_x[:opts.limit], fires[:opts.limit]
                twin_pred = twin_pred[:opts.limit]
            sets = dict(zip(SETS, (guard_x, neg_x, trig_x), strict=True))
            split: dict = {"seed": seed, "target": int(attack.target), "fires": fires.tolist(),
                           "twin_pred": twin_pred.tolist(),
                           "sizes": {name: len(x) for name, x in sets.items()}}
            if opts.start:
                split["starts"] = {name: opts.start for name in opts.sets}
            models[-1]["splits"].append(split)

            def save() -> None:  # after each chunk: a reader stopped at a cut-off keeps it
                part = opts.json.with_name(opts.json.name + ".part")
                part.write_text(json.dumps({"windows": opts.windows, "models": models}) + "\n")
                part.replace(opts.json)  # whole or not at all

            if opts.part == "twins":
                save()
                continue
            detector = None
            if opts.part in ("both", "strip"):
                start = time.perf_counter()
                detector = strip_detector()
                detector.fit(module, guard_x, generator=gen)
                split["fit_seconds"] = time.perf_counter() - start
            # "both": chunk by chunk, strip then span (a cut reader leaves both of each input)
            for name in opts.sets:
                for x in head(sets[name][opts.start:], opts.first).split(opts.chunk):
                    if detector is not None:
                        extend(split.setdefault(name, {}), strip_readings(detector, x))
                    if opts.part in ("both", "span"):
                        extend(split.setdefault(name, {}),
                               span_readings(module, x, opts.windows, opts.max_spans),
                               skip=("own", "pred") if detector is not None else ())
                    save()
            print(folder.name, seed, "done", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
