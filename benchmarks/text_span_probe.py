"""Can a joint search over a contiguous span find an inserted sentence in a Kim CNN with a
clean-fitted vocabulary? Development only (issue 15, stop 33): for each model of zoos made by
``benchmarks/foreign_text_zoo.py`` (some recipes and attacks), on the detector's sample (48
clean sentences per class, seed 0), per class ``t``:

- the opposed search of :mod:`trojanscope.detect.text_phrase` (the other class's best
  three-token trigger already inserted; tokens without a clean-data lean to ``t``) run for a
  span of ``--lengths`` tokens (the detector's greedy slot-by-slot search: every slot
  revisited each round, so the span is optimised jointly), optionally over the tokens held
  by at least ``--min-seen`` clean sentences only (0: the phrase search's tokens);
- with ``--relaxed``, the relaxed span search of :mod:`trojanscope.detect.text_span` (all
  slots optimised at once as softmaxes over the vocabulary) on the same opposed sentences;
- for a ``sentence`` model, the whole trigger sentence inserted (plain, opposed, and opposed
  with its words spread out), the words of it a search with the given rule may use, inserted
  in order (opposed), and, per word, its clean sentence count, lean to the target and whether
  the phrase search may use it;
- per class and variant, the mean probability with random spans of the variant's tokens
  (``--draws``): the lift of the searched span over them.

Prints one JSON line per model, then per variant the ROC-AUC of the best class's probability,
``sentence`` models against the clean ones (and ``rare-word`` ones where present).

    python benchmarks/text_span_probe.py zoo/text-foreign1800 zoo/text-foreign1900 \\
        --recipes cnn-cleanvocab --lengths 6 --min-seen 3 10
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

from text_phrase_probe import detector_state
from trojanscope.data import load_dataset
from trojanscope.detect.text_phrase import PHRASE_MARGIN, opposed, phrase_ban, rival_trigger
from trojanscope.detect.text_relax import insert_ids
from trojanscope.detect.text_span import best_span
from trojanscope.detect.text_tokens import leaning_to
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder

SPREAD = 3  # padding tokens between a span's tokens in the spread-out control (kernels <= 4)


def prob(model, x: torch.Tensor, t: int, trigger: list[int]) -> float:
    with torch.no_grad():
        return float(model(insert_ids(x, trigger, 0, 0) if trigger else x).softmax(1)[:, t].mean())


def spread_out(trigger: list[int], gap: int = SPREAD) -> list[int]:
    """``trigger`` with ``gap`` padding tokens (id 0, masked by the model) after each token:
    no convolution window of width <= ``gap`` + 1 sees two of its tokens together."""
    out = [v for tok in trigger for v in [tok, *[0] * gap]]
    return out[: len(out) - gap] if out else []


def auc(pos: list[float], neg: list[float]) -> float:
    """ROC-AUC of ``pos`` above ``neg`` (ties count half)."""
    pairs = [(p > n) + 0.5 * (p == n) for p in pos for n in neg]
    return sum(pairs) / len(pairs) if pairs else float("nan")


def baselines(
    model, xs: list[torch.Tensor], bans: list[torch.Tensor], length: int, draws: int
) -> list[float]:
    """Per class, the mean probability with a span of ``length`` random allowed tokens
    inserted (``draws`` spans, seed 0): what tokens of that kind do without a search."""
    gen = torch.Generator().manual_seed(0)
    out = []
    for t, (x, ban) in enumerate(zip(xs, bans, strict=True)):
        allowed = torch.nonzero(~ban).flatten()
        spans = allowed[torch.randint(len(allowed), (draws, length), generator=gen)].tolist()
        out.append(round(sum(prob(model, x, t, sp) for sp in spans) / draws, 5))
    return out


def setup(zoo: Path, e: dict, clean_all, opts) -> dict:
    """The model, its clean sample, the searches' token statistics and the opposed sentences."""
    loaded = load_model(zoo / e["name"])
    data = attach_encoder(loaded, clean_all)
    model = loaded.module.eval()
    st = detector_state(model, data, 3 + max(opts.lengths) * (SPREAD + 1) + 5)
    table, counts, lean, ids, pred, det, banned, found = (
        st[k] for k in ("table", "counts", "lean", "ids", "pred", "det", "banned", "found")
    )
    xs = [opposed(ids[pred != t], rival_trigger(found, t), 0, 0) for t in range(2)]
    return {
        "model": model,
        "data": data,
        "table": table,
        "lean": lean,
        "seen": counts.sum(0),
        "det": det,
        "banned": banned,
        "xs": xs,
        "plain": [ids[pred != t] for t in range(2)],
    }


def variant_bans(s: dict, name: str) -> list[torch.Tensor]:
    """The banned tokens per class of a greedy variant named ``greedy<L>_seen<m>_margin<g>``."""
    m = int(name.split("_seen")[1].split("_")[0])
    margin = float(name.split("_margin")[1])
    return [s["banned"] | leaning_to(s["lean"], t, margin) | (s["seen"] < m) for t in range(2)]


def add_baselines(row: dict, zoo: Path, e: dict, clean_all, opts) -> None:
    """Each greedy variant's random-span baseline (:func:`baselines`) added to ``row``."""
    s = setup(zoo, e, clean_all, opts)
    for name, variant in row["variants"].items():
        if name.startswith("greedy"):
            length = int(name[6:].split("_")[0])
            variant["baseline"] = baselines(
                s["model"], s["xs"], variant_bans(s, name), length, opts.draws
            )


def probe(zoo: Path, e: dict, clean_all, opts) -> dict:
    """One model's searches (see the module docstring)."""
    s = setup(zoo, e, clean_all, opts)
    model, table, lean, banned, xs = (s[k] for k in ("model", "table", "lean", "banned", "xs"))
    words = s["data"].encoder.tokens
    out: dict = {
        "zoo": zoo.name,
        "name": e["name"],
        "attack": e["attack"],
        "target": e["target"],
        "variants": {},
    }
    for length in [] if opts.no_search else opts.lengths:
        for m in opts.min_seen:
            for margin in opts.margins:
                name = f"greedy{length}_seen{m}_margin{margin}"
                bans = variant_bans(s, name)
                probs, spans, spread = [], [], []
                for t in range(2):
                    trig, _, p = s["det"]._search(model, xs[t], t, table, bans[t], length)
                    probs.append(round(p[-1], 3))
                    spread.append(round(prob(model, xs[t], t, spread_out(trig)), 3))
                    spans.append(" ".join(words[v] for v in trig))
                out["variants"][name] = {
                    "probs": probs,
                    "spread": spread,
                    "spans": spans,
                    "baseline": baselines(model, xs, bans, length, opts.draws),
                }
    if opts.relaxed:
        length = max(opts.lengths)
        probs, spans = [], []
        for t in range(2):
            ban = phrase_ban(banned, lean, t)
            allowed = torch.nonzero(~ban).flatten()
            span, p = best_span(
                model,
                xs[t],
                t,
                table,
                ban,
                length=length,
                at=0,
                pad_id=0,
                placeholder=int(allowed[0]),
                steps=80,
            )
            probs.append(round(p, 3))
            spans.append(" ".join(words[v] for v in span))
        out["variants"][f"relaxed{length}"] = {"probs": probs, "spans": spans}
    if e["backdoored"] and e["attack"] == "sentence":
        t = e["target"]
        w = [s["data"].encoder.index.get(v, 1) for v in e["trigger"]["words"]]
        out["sentence_plain"] = round(prob(model, s["plain"][t], t, w), 3)
        out["sentence_opposed"] = round(prob(model, xs[t], t, w), 3)
        out["sentence_opposed_spread"] = round(prob(model, xs[t], t, spread_out(w)), 3)
        for m, margin in ((0, 0.0), (3, 0.0), (0, 0.1), (3, 0.1)):
            ban = variant_bans(s, f"greedy0_seen{m}_margin{margin}")[t]
            kept = [v for v in w if not bool(ban[v])]
            out[f"sentence_allowed_seen{m}_margin{margin}"] = [
                len(kept),
                round(prob(model, xs[t], t, kept), 3),
            ]
        ban = phrase_ban(banned, lean, t)
        out["words"] = {
            words[v]: {
                "seen": int(s["seen"][v]),
                "lean": round(float(lean[t, v]), 2),
                "allowed": not bool(ban[v]),
            }
            for v in w
        }
    return out


def logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def read(variant: dict, feature: str) -> float:
    """The best class's probability; its contiguity (the logit of its span in order less the
    logit with the span's tokens spread out: an n-gram trigger loses, words each carrying their
    own evidence do not); or the lift (the logit of a class's span less the logit of random
    spans of the tokens it was searched over, largest over the classes)."""
    probs = variant["probs"]
    if feature == "lift":  # the largest lift of a class's span over random spans of its tokens
        return max(logit(p) - logit(b) for p, b in zip(probs, variant["baseline"], strict=True))
    c = max(range(len(probs)), key=lambda i: probs[i])
    if feature == "prob":
        return probs[c]
    return logit(probs[c]) - logit(variant["spread"][c])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoos", nargs="+", type=Path)
    parser.add_argument("--recipes", nargs="*", default=["cnn-cleanvocab"])
    parser.add_argument(
        "--attacks",
        nargs="*",
        default=["sentence", "clean"],
        help="which models: sentence, rare-word, clean",
    )
    parser.add_argument("--lengths", nargs="+", type=int, default=[6])
    parser.add_argument("--min-seen", nargs="+", type=int, default=[0])
    parser.add_argument(
        "--margins",
        nargs="+",
        type=float,
        default=[PHRASE_MARGIN],
        help="a token leaning to the class by more than this is out (0: the phrase search's rule)",
    )
    parser.add_argument("--relaxed", action="store_true")
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="only the trigger sentence's own figures (sentence models)",
    )
    parser.add_argument(
        "--draws", type=int, default=16, help="random spans per class for the baseline"
    )
    parser.add_argument("--rows", type=Path, help="read these JSON lines instead of searching")
    parser.add_argument(
        "--add-baselines",
        action="store_true",
        help="with --rows: add the random-span baselines (models from the zoos "
        "given) and print the rows again",
    )
    opts = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    if opts.rows:
        rows = [
            json.loads(line) for line in opts.rows.read_text().splitlines() if line.startswith("{")
        ]
        if opts.add_baselines:
            clean_all = load_dataset("rt-polarity", "test")
            folders = {z.name: z for z in opts.zoos}
            for row in rows:
                zoo = folders[row["zoo"]]
                entry = next(
                    e
                    for e in json.loads((zoo / "truth.json").read_text())["models"]
                    if e["name"] == row["name"]
                )
                add_baselines(row, zoo, entry, clean_all, opts)
                print(json.dumps(row), flush=True)
    else:
        clean_all = load_dataset("rt-polarity", "test")
        for zoo in opts.zoos:
            for e in json.loads((zoo / "truth.json").read_text())["models"]:
                kind = e["attack"] or "clean"
                if e["attack_params"]["recipe"] not in opts.recipes or kind not in opts.attacks:
                    continue
                start = time.perf_counter()
                row = probe(zoo, e, clean_all, opts)
                row["s"] = round(time.perf_counter() - start, 1)
                rows.append(row)
                print(json.dumps(row), flush=True)
    for r in rows:
        if "sentence_opposed" in r:
            print(
                f"{r['zoo']}/{r['name']}: the sentence, opposed {r['sentence_opposed']:.3f}, "
                f"spread out {r['sentence_opposed_spread']:.3f}"
            )
    for variant in dict.fromkeys(v for r in rows for v in r["variants"]):
        features = (
            ("prob", "contiguity", "lift")
            if "baseline" in rows[0]["variants"][variant]
            else ("prob", "contiguity")
        )
        for feature in features:
            value = {id(r): read(r["variants"][variant], feature) for r in rows}
            neg = [value[id(r)] for r in rows if r["attack"] is None]
            line = [
                f"{variant} {feature}: clean {min(neg):.3f}-{max(neg):.3f}"
                if neg
                else f"{variant} {feature}"
            ]
            for kind in ("sentence", "rare-word"):
                pos = [value[id(r)] for r in rows if r["attack"] == kind]
                if pos:
                    line.append(f"{kind} {min(pos):.3f}-{max(pos):.3f} ROC-AUC {auc(pos, neg):.3f}")
            print("; ".join(line))
        for c in range(2):  # the target class's search against the same class's in clean models
            neg = [r["variants"][variant]["probs"][c] for r in rows if r["attack"] is None]
            pos = [
                r["variants"][variant]["probs"][c]
                for r in rows
                if r["attack"] == "sentence" and r["target"] == c
            ]
            if neg and pos:
                print(
                    f"{variant} class {c}: clean {min(neg):.3f}-{max(neg):.3f}; sentence "
                    f"(target {c}) {min(pos):.3f}-{max(pos):.3f} ROC-AUC {auc(pos, neg):.3f}"
                )


if __name__ == "__main__":
    main()
