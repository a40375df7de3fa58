"""Data-level poison detection on poisoned MNIST (issue 13): our detectors and IBM ART's
Spectral Signatures and Activation Clustering side by side on the same sets.

Sets: BadNets, Blended, sparse pixels and WaNet at 1/5/10/20% (all-to-one, targets drawn from
the set's seed), four all-to-all sets, and SIG (clean-label) at two rates; the attack seeds
(1000 + set number) differ from the ones the detectors were tuned on (11). Each set is the
4,000-sample bundled MNIST training split, fixed once (WaNet's noise samples included). One
feature model is trained per set (``trojanscope.detect.data.features.train_features``) and
shared by every method, ART included (ART reads that model's penultimate layer through its
``PyTorchClassifier``; its detectors run with their defaults). Reported per method: TPR
(recall), FPR, ROC-AUC of the suspicion scores (ART returns flags only: AUC of the flags) and
the detection time excluding the shared training. ``--retrain`` also trains the default recipe
on the set cleaned by ``auto`` (dirty-label sets at ``--retrain-rates``, default 10%) and
reports CA/ASR against training on unpoisoned data;
``--cli-time`` times the whole ``detect-data`` command on a 4,000-sample ``.npz``.

    PYTHONPATH=src /tmp/venv-art/bin/python benchmarks/bench_detect_data.py \
        [--methods auto,spectral,...] [--no-art] [--retrain [--retrain-rates 0.1,0.2]
        [--cleaned-only]] [--cli-time] [--sets 0,3,...] \
        [--json benchmarks/out/detect_data.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)

from trojanscope import registry  # noqa: E402
from trojanscope.data.resolve import load_dataset  # noqa: E402
from trojanscope.detect.data.features import Features, train_features  # noqa: E402
from trojanscope.detect.data.inputs import materialize  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402

METHODS = (
    "auto",
    "auto-features",
    "spectral",
    "activation-clustering",
    "scan",
    "spectre",
    "early-knn",
)
DIRTY = ("badnets", "blended", "sparse", "wanet")
RATES = (0.01, 0.05, 0.1, 0.2)


def sets(seed_base: int = 1000) -> list[dict]:
    """The benchmark's poisoned sets (attack, rate, mapping, target, seed ``seed_base`` + set
    number)."""
    out = []
    for attack in DIRTY:
        for rate in RATES:
            out.append({"attack": attack, "rate": rate, "mapping": "all-to-one"})
    for attack, rate in (("badnets", 0.05), ("badnets", 0.1), ("blended", 0.1), ("sparse", 0.1)):
        out.append({"attack": attack, "rate": rate, "mapping": "all-to-all"})
    for rate in (0.5, 1.0):
        out.append({"attack": "sig", "rate": rate, "mapping": "all-to-one"})
    for i, s in enumerate(out):
        s["seed"] = seed_base + i
        s["target"] = int(np.random.default_rng(s["seed"]).integers(10))
    return out


def poisoned_sets(seed_base: int, numbers: str | None = None):
    """Each chosen set (``numbers``: comma-separated set numbers, default all) as ``(set,
    data, poison mask, name)``, poisoned from the bundled 4,000-image MNIST training split."""
    train = load_dataset("mnist", "train")
    chosen = sets(seed_base)
    if numbers:
        chosen = [chosen[int(i)] for i in numbers.split(",")]
    for s in chosen:
        view = make_attack(s).poison(train)
        name = f"{s['attack']} {s['rate']:.0%} {s['mapping']} t{s['target']} s{s['seed']}"
        yield s, materialize(view), view.is_poisoned.numpy().copy(), name


def cached_features(data, cache: Path | None, name: str) -> Features:
    """The set's feature model (``train_features``, seed 0), kept in ``cache`` (tensors only,
    read back with ``weights_only``) so that later runs on the same set skip the training."""
    from trojanscope.models import create_model

    path = cache / f"{name.replace(' ', '_').replace('%', 'pc')}.pt" if cache else None
    if path is not None and path.exists():
        torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # its one-off import (~5-20 s)
        # is paid by the training a cached run skips: pay it here, outside the timed detection
        d = torch.load(path, weights_only=True)
        model = create_model(d["info"]["arch"], data.input_shape, data.num_classes)
        model.load_state_dict(d["state"])
        return Features(
            d["features"],
            d["logits"],
            d["labels"],
            data.num_classes,
            d["early"],
            model.eval(),
            d["info"],
            late=d["late"],
        )
    feats = train_features(data, seed=0)
    if path is not None:
        cache.mkdir(parents=True, exist_ok=True)
        torch.save(
            {
                "features": feats.features,
                "logits": feats.logits,
                "labels": feats.labels,
                "early": feats.early,
                "late": feats.late,
                "info": feats.info,
                "state": feats.model.state_dict(),
            },
            path,
        )
    return feats


def make_attack(s: dict):
    params = {"target": s["target"], "poison_rate": s["rate"], "seed": s["seed"]}
    if s["attack"] != "sig":
        params["mapping"] = s["mapping"]
    return registry.create("attack", s["attack"], **params)


def art_scores(feats: Features, x: np.ndarray, y: np.ndarray, poison: np.ndarray) -> dict:
    """ART 1.20.1's SpectralSignatureDefense and ActivationDefence (defaults) on the shared
    feature model's penultimate layer."""
    from art.defences.detector.poison import ActivationDefence, SpectralSignatureDefense
    from art.estimators.classification import PyTorchClassifier

    model = feats.model
    last = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]

    class Penultimate(nn.Module):
        def forward(self, inp):
            got = []
            h = last.register_forward_hook(lambda _m, i, _o: got.append(i[0]))
            try:
                model(inp)
            finally:
                h.remove()
            return got[0].flatten(1)

    clf = PyTorchClassifier(
        nn.Sequential(Penultimate()),
        loss=nn.CrossEntropyLoss(),
        input_shape=tuple(x.shape[1:]),
        nb_classes=feats.num_classes,
        clip_values=(0.0, 1.0),
    )
    onehot = np.eye(feats.num_classes, dtype=np.float32)[y]
    out = {}
    for name, make in (
        ("art-spectral", lambda: SpectralSignatureDefense(clf, x, onehot)),
        ("art-ac", lambda: ActivationDefence(clf, x, onehot)),
    ):
        t0 = time.perf_counter()
        _, is_clean = make().detect_poison()
        flags = np.asarray(is_clean) == 0
        out[name] = score(flags.astype(float), flags, poison, time.perf_counter() - t0)
    return out


def score(suspicion: np.ndarray, flags: np.ndarray, poison: np.ndarray, secs: float) -> dict:
    from sklearn.metrics import roc_auc_score

    tp = int((flags & poison).sum())
    auc = float(roc_auc_score(poison, suspicion)) if 0 < poison.sum() < len(poison) else None
    return {
        "tpr": tp / max(int(poison.sum()), 1),
        "fpr": int((flags & ~poison).sum()) / max(int((~poison).sum()), 1),
        "auc": auc,
        "flagged": int(flags.sum()),
        "seconds": round(secs, 3),
    }


def retrain(
    data,
    keep: np.ndarray,
    test,
    attack,
    seed: int,
    labels: np.ndarray | None = None,
    others: tuple = (),
) -> dict:
    """CA/ASR of the project's recipe trained on ``data[keep]`` (with ``labels``: on every
    sample of ``data``, relabelled); ``others``: further attacks whose ASR on that model is
    reported too (``"asr_others"``)."""
    from trojanscope.defences.subset import IndexSubset
    from trojanscope.engine.metrics import evaluate_attack
    from trojanscope.engine.train import Trainer, seeded
    from trojanscope.models import create_model

    with seeded(seed):
        model = create_model("cnn", data.input_shape, data.num_classes)
    if labels is not None:
        from trojanscope.data.dataset import TensorDataset

        x, _ = data.get_batch(torch.arange(len(data)))
        data = TensorDataset(x, torch.as_tensor(labels), tuple(data.class_names), data.name)
        keep = np.arange(len(data))
    Trainer(seed=seed).fit(model, IndexSubset(data, torch.as_tensor(keep)))
    m = evaluate_attack(model, test, attack)
    out = {"ca": m.clean_accuracy, "asr": m.attack_success_rate}
    if others:
        out["asr_others"] = [evaluate_attack(model, test, a).attack_success_rate for a in others]
    return out


def cli_time(tmp: Path, s: dict | None = None) -> dict:
    """Wall time of the whole ``detect-data`` command (process start to exit, training its own
    feature model) on a 4,000-sample poisoned set saved as an ``.npz``: ``s`` (one of
    ``sets()``), by default the BadNets 10% set of seed 7 (the earlier runs' set)."""
    s = s or {"attack": "badnets", "rate": 0.1, "mapping": "all-to-one", "target": 0, "seed": 7}
    load0 = os.getloadavg()[0]
    train = load_dataset("mnist", "train")
    poisoned = make_attack(s).poison(train)
    x, y = poisoned.get_batch(torch.arange(len(poisoned)))
    path = tmp / "badnets10.npz"
    np.savez(path, x=x.numpy(), y=y.numpy(), poison=poisoned.is_poisoned.numpy())
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "trojanscope", "-q", "detect-data", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    secs = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    doc = json.loads(proc.stdout)
    return {
        "seconds": round(secs, 1),
        "cpu_s": round(cpu, 1),
        "load": os.getloadavg()[0],
        "load_start": load0,
        "set": f"{s['attack']} {s['rate']:.0%} {s['mapping']} t{s['target']} s{s['seed']}",
        "recall": doc["recall"],
        "fpr": doc["fpr"],
        "train_s": doc["feature_model"]["train_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument(
        "--sets",
        default=None,
        help="comma-separated set numbers (default all; 'none': only --cli-time)",
    )
    parser.add_argument(
        "--seed-base",
        type=int,
        default=1000,
        help="attack seed of set 0 (set i: seed-base + i); tune below 1000",
    )
    parser.add_argument("--no-art", action="store_true")
    parser.add_argument("--retrain", action="store_true")
    parser.add_argument(
        "--retrain-rates",
        default="0.1",
        help="with --retrain: comma-separated poison rates of the dirty-label "
        "sets retrained (default 0.1)",
    )
    parser.add_argument(
        "--cleaned-only",
        action="store_true",
        help="with --retrain: only the cleaned set (no relabelled, no uncleaned)",
    )
    parser.add_argument(
        "--variants",
        default="cleaned,relabelled,poisoned",
        help="with --retrain: which training sets (comma-separated of cleaned, "
        "relabelled, poisoned); --cleaned-only: cleaned",
    )
    parser.add_argument(
        "--reference-asr",
        action="store_true",
        help="train only the unpoisoned reference (seed 0) and report its ASR "
        "against every chosen set's attack (what an unpoisoned model scores)",
    )
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="with --retrain: skip the unpoisoned reference (seeds 0-2)",
    )
    parser.add_argument("--cli-time", action="store_true")
    parser.add_argument(
        "--cli-set",
        type=int,
        default=None,
        help="with --cli-time: time the command on this set of --seed-base's "
        "sets (default: the BadNets 10%% set of seed 7)",
    )
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="folder keeping each set's feature model between runs (shared "
        "with bench_detect_data_verdict.py)",
    )
    parser.add_argument(
        "--merge",
        default=None,
        help="comma-separated --json files of earlier runs (sets run in parallel "
        "processes): print their tables together and exit",
    )
    opts = parser.parse_args()
    if opts.merge:
        merged = merge([Path(p) for p in opts.merge.split(",")])
        print_tables(
            merged,
            [m for m in opts.methods.split(",")]
            + ([] if opts.no_art else ["art-spectral", "art-ac"]),
        )
        if opts.json:
            opts.json.write_text(json.dumps(merged, indent=2) + "\n")
        return
    train = load_dataset("mnist", "train")
    test = load_dataset("mnist", "test")
    chosen = sets(opts.seed_base)
    if opts.sets:
        chosen = [] if opts.sets == "none" else [chosen[int(i)] for i in opts.sets.split(",")]
    if opts.reference_asr:
        ref = retrain(
            train,
            np.arange(len(train)),
            test,
            make_attack(chosen[0]),
            0,
            others=tuple(make_attack(s) for s in chosen),
        )
        for s, asr in zip(chosen, ref["asr_others"], strict=True):
            print(
                f"unpoisoned model (seed 0, CA {ref['ca']:.2%}): ASR {asr:.2%} against "
                f"{s['attack']} {s['rate']:.0%} {s['mapping']} t{s['target']} s{s['seed']}"
            )
        return
    rows = []
    for s in chosen:
        attack = make_attack(s)
        view = attack.poison(train)
        data, poison = materialize(view), view.is_poisoned.numpy().copy()
        name = f"{s['attack']} {s['rate']:.0%} {s['mapping']} t{s['target']} s{s['seed']}"
        feats = cached_features(data, opts.cache, name)
        row = {
            **s,
            "n_poison": int(poison.sum()),
            "train_s": feats.info["train_s"],
            "load": os.getloadavg()[0],
        }
        raw = {}
        for m in opts.methods.split(","):
            r = detect_data(data, method=m, features=feats)
            flags = np.zeros(len(poison), dtype=bool)
            flags[r.flagged] = True
            row[m] = score(r.suspicion, flags, poison, r.elapsed_s)
            row[m]["poisoned"] = r.poisoned  # set-level verdict (None: the method has none)
            row[m]["targets"] = r.target_classes
            raw[m] = r
        if not opts.no_art:
            x, y = data.get_batch(torch.arange(len(data)))
            row.update(art_scores(feats, x.numpy(), y.numpy(), poison))
        rates = [float(r) for r in opts.retrain_rates.split(",")]
        if opts.retrain and s["attack"] != "sig" and s["rate"] in rates:
            from trojanscope.detect.data.relabel import relabelled

            r = raw["auto"] if "auto" in raw else detect_data(data, features=feats)
            variants = ["cleaned"] if opts.cleaned_only else opts.variants.split(",")
            if "cleaned" in variants:
                row["retrain_cleaned"] = retrain(data, r.keep, test, attack, 0)
            if "relabelled" in variants:
                row["retrain_relabelled"] = retrain(
                    data, r.keep, test, attack, 0, relabelled(r, data, seed=0)
                )
            if "poisoned" in variants:
                row["retrain_poisoned"] = retrain(data, np.arange(len(data)), test, attack, 0)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    result = {"rows": rows}
    if opts.retrain and not opts.no_reference:
        result["clean_reference"] = [
            retrain(train, np.arange(len(train)), test, make_attack(chosen[0]), seed)
            for seed in (0, 1, 2)
        ]
    if opts.cli_time:
        with tempfile.TemporaryDirectory() as tmp:
            one = None if opts.cli_set is None else sets(opts.seed_base)[opts.cli_set]
            result["cli"] = cli_time(Path(tmp), one)
    methods = opts.methods.split(",")
    print_tables(result, methods + ([] if opts.no_art else ["art-spectral", "art-ac"]))
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps(result, indent=2) + "\n")


def merge(paths: list[Path]) -> dict:
    """One result from several runs' JSON: their rows in set order, the first reference and
    command timing found."""
    out: dict = {"rows": []}
    for path in paths:
        doc = json.loads(path.read_text())
        out["rows"].extend(doc["rows"])
        for key in ("clean_reference", "cli"):
            if key in doc and key not in out:
                out[key] = doc[key]
    out["rows"].sort(key=lambda r: r["seed"])
    return out


def print_tables(result: dict, methods: list[str]) -> None:
    rows = result["rows"]
    if not rows:
        return print_cli(result)
    print("| set | poison | " + " | ".join(methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    for r in rows:
        name = f"{r['attack']} {r['rate']:.0%} {r['mapping']} t{r['target']}"
        cells = [
            f"{r[m]['tpr']:.3f} / {r[m]['fpr']:.3f} / "
            + (f"{r[m]['auc']:.3f}" if r[m]["auc"] is not None else "n/a")
            for m in methods
        ]
        print(f"| {name} | {r['n_poison']} | " + " | ".join(cells) + " |")
    dirty = [r for r in rows if r["attack"] != "sig"]
    print("\nworst dirty-label set per method (TPR / FPR), mean detection seconds:")
    for m in methods if dirty else []:  # only clean-label sets: no dirty-label summary
        worst_tpr = min(dirty, key=lambda r: r[m]["tpr"])
        worst_fpr = max(dirty, key=lambda r: r[m]["fpr"])
        ok = sum(r[m]["tpr"] >= 0.95 and r[m]["fpr"] <= 0.05 for r in dirty)
        secs = np.mean([r[m]["seconds"] for r in rows])
        print(
            f"- {m}: {ok}/{len(dirty)} sets at TPR>=0.95 & FPR<=0.05; lowest TPR "
            f"{worst_tpr[m]['tpr']:.3f} ({worst_tpr['attack']} {worst_tpr['rate']:.0%} "
            f"{worst_tpr['mapping']}); highest FPR {worst_fpr[m]['fpr']:.3f} "
            f"({worst_fpr['attack']} {worst_fpr['rate']:.0%} {worst_fpr['mapping']}); "
            f"{secs:.2f} s"
        )
        judged = [r for r in rows if r[m].get("poisoned") is not None]
        if judged:
            missed = [
                f"{r['attack']} {r['rate']:.0%} {r['mapping']}"
                for r in judged
                if not r[m]["poisoned"]
            ]
            print(
                f"  {m} set-level verdict: {len(judged) - len(missed)}/{len(judged)} poisoned "
                f"sets judged poisoned; judged clean: {missed or 'none'}"
            )
            one = [r for r in dirty if r["mapping"] == "all-to-one" and "targets" in r[m]]
            named = [r for r in one if r[m]["targets"][:1] == [r["target"]]]
            spread = sum(bool(r[m].get("targets")) for r in dirty if r["mapping"] != "all-to-one")
            print(
                f"  {m}: the attack's target named first on {len(named)}/{len(one)} dirty "
                f"all-to-one sets; a target named on {spread} all-to-all sets"
            )
    if {"auto", "art-ac"} <= set(methods):
        ratios = [r["auto"]["seconds"] / r["art-ac"]["seconds"] for r in rows]
        mean = np.mean([r["auto"]["seconds"] for r in rows]) / np.mean(
            [r["art-ac"]["seconds"] for r in rows]
        )
        print(
            f"auto / art-ac detection seconds: {mean:.2f}x of the means (per set "
            f"{min(ratios):.2f}-{max(ratios):.2f}x); load average "
            f"{min(r.get('load', np.nan) for r in rows):.1f}-"
            f"{max(r.get('load', np.nan) for r in rows):.1f} at the sets' starts"
        )
    print(f"mean feature-model training: {np.mean([r['train_s'] for r in rows]):.1f} s")
    for r in rows:
        parts = [
            f"{v} CA {r['retrain_' + k]['ca']:.2%} ASR {r['retrain_' + k]['asr']:.2%}"
            for k, v in (
                ("cleaned", "cleaned"),
                ("relabelled", "relabelled"),
                ("poisoned", "uncleaned"),
            )
            if "retrain_" + k in r
        ]
        if parts:
            print(f"retrain {r['attack']} {r['rate']:.0%} {r['mapping']}: " + "; ".join(parts))
    if "clean_reference" in result:
        cas = [c["ca"] for c in result["clean_reference"]]
        print(
            "unpoisoned training, seeds 0-2: CA "
            + ", ".join(f"{c:.2%}" for c in cas)
            + f" (mean {np.mean(cas):.2%})"
        )
    print_cli(result)


def print_cli(result: dict) -> None:
    if "cli" in result:
        c = result["cli"]
        print(
            f"whole command on 4,000 samples ({c.get('set', 'badnets 10% s7')}): "
            f"{c['seconds']} s (feature training {c['train_s']} s; CPU {c.get('cpu_s')} s, "
            f"load {c.get('load_start')} at start, {c.get('load')} at end), "
            f"recall {c['recall']:.3f}, FPR {c['fpr']:.3f}"
        )


if __name__ == "__main__":
    main()
