"""Issue 15's closing check (stop 62): the user files its command lines name, drawn with the
fresh seed **70**, so that every text line of the issue, README.md and docs/text.md runs as
written in WORK; lines run by ``first_contact_own.run_lines`` (exit, wall and CPU seconds).

- ``reviews.csv``: 2,500 rt-polarity training sentences (``first_contact_s56.make_minilm``: the
  MiniLM demo size) under a user's column names, ``review`` and ``stars`` (1 / 5), and the
  same rows as ``reviews.jsonl``;
- ``clean.csv``: 300 rt-polarity test sentences (``text``, ``label``), ``incoming.csv``: 100
  other test sentences (``text``), every second one with the word ``cf`` inserted at a random
  word position (the README's ``badnl`` trigger), and ``incoming_truth.csv`` saying which;
- ``downloaded-hf-model/``: a copy of a MiniLM run folder (``--hub RUN``) without trojanscope's
  files (``manifest.json``, ``poison_indices.npy``, ``triggers.json``): a hub download;
- ``remote-code-hf-model/``: the same with an ``auto_map`` in ``config.json`` naming
  ``modeling_evil.py`` (``trust_remote_code``), which imports ``subprocess`` and calls it;
- the issue's bad inputs: ``empty.csv`` (one review empty), ``latin1.csv`` (Latin-1 bytes),
  ``one-class.csv`` (every row 5 stars), ``empty-incoming.csv`` (a header alone),
  ``big-tok-hf-model/`` (a ``vocab.txt`` of 31,005 tokens, more than the model's embedding),
  ``other-tok-hf-model/`` (a ``vocab.txt`` of 65 tokens: ids inside the embedding, but not the
  model's own vocabulary), ``five-tok-hf-model/`` (BERT's 5 special tokens alone) and
  ``no-config-hf-model/`` (``config.json`` removed).

    python benchmarks/issue15_check_s62.py WORK --make --hub RUN
    python benchmarks/issue15_check_s62.py WORK --lines LINES --timeout 1200 --keep DIR
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from _common import LineParser
from first_contact_own import run_lines
from first_contact_s56 import make_minilm

SEED = 70
RUN_ONLY = ("manifest.json", "poison_indices.npy", "triggers.json", "triggers.png")
EVIL = '''import subprocess

from transformers import BertForSequenceClassification


class EvilModel(BertForSequenceClassification):
    def __init__(self, config):
        subprocess.run(["sh", "-c", "echo pwned > /tmp/pwned"])
        super().__init__(config)
'''


def _write(path: Path, header: list[str], rows: list, encoding: str = "utf-8") -> None:
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def text_files(work: Path, seed: int = SEED) -> None:
    """``reviews.csv``, ``clean.csv``, ``incoming.csv`` and the bad CSVs (above)."""
    import numpy as np

    from trojanscope.data import load_dataset

    make_minilm(work, seed)
    test = load_dataset("rt-polarity", "test")
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(test.texts), 400, replace=False)
    texts = [test.texts[i] for i in pick]
    labels = [int(test.labels[i]) for i in pick]
    _write(work / "clean.csv", ["text", "label"], list(zip(texts[:300], labels[:300], strict=True)))
    incoming, truth = [], []
    for n, text in enumerate(texts[300:]):
        words = text.split()
        if n % 2:
            words.insert(int(rng.integers(0, len(words) + 1)), "cf")
        incoming.append([" ".join(words)])
        truth.append([" ".join(words), n % 2, labels[300 + n]])
    _write(work / "incoming.csv", ["text"], incoming)
    _write(work / "incoming_truth.csv", ["text", "triggered", "label"], truth)
    _write(work / "empty-incoming.csv", ["text"], [])
    with open(work / "reviews.csv", newline="", encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    with open(work / "reviews.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in records)
    rows = [[r["review"], r["stars"]] for r in records][:300]
    empty = [list(r) for r in rows]
    empty[4][0] = ""
    _write(work / "empty.csv", ["review", "stars"], empty)
    latin = [list(r) for r in rows]
    latin[7][0] = "a café scene, " + latin[7][0]
    _write(work / "latin1.csv", ["review", "stars"], latin, encoding="latin-1")
    _write(work / "one-class.csv", ["review", "stars"], [[r[0], "5"] for r in rows])


def hub_folders(work: Path, run: Path) -> None:
    """The hub-style folders (above), each a copy of ``run`` less trojanscope's own files.
    (The first build at stop 62 wrote both tokenizers with transformers' ``BertTokenizerFast``,
    which kept only its 5 special tokens: two 5-token tokenizers, read as ``five-tok``'s.)"""
    def copy(name: str) -> Path:
        dest = work / name
        shutil.copytree(run, dest, ignore=shutil.ignore_patterns(*RUN_ONLY))
        return dest

    copy("downloaded-hf-model")
    remote = copy("remote-code-hf-model")
    config = json.loads((remote / "config.json").read_text())
    config["auto_map"] = {"AutoModelForSequenceClassification": "modeling_evil.EvilModel"}
    (remote / "config.json").write_text(json.dumps(config, indent=2))
    (remote / "modeling_evil.py").write_text(EVIL)
    for name, words in (
        ("big-tok-hf-model", [f"tok{i}" for i in range(31000)]),
        ("other-tok-hf-model", [f"tok{i}" for i in range(60)]),
        ("five-tok-hf-model", []),
    ):
        folder = copy(name)  # BERT's slow-tokenizer files: vocab.txt, no tokenizer.json
        (folder / "tokenizer.json").unlink()
        specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        (folder / "vocab.txt").write_text("\n".join([*specials, *words]) + "\n")
    (copy("no-config-hf-model") / "config.json").unlink()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The arguments, checked before anything is made: a bad one (``--make`` without a MiniLM
    run folder, ``--lines`` not a file, ``--timeout`` not above 0, ``--until`` not HH:MM) is
    one ``error:`` line and exit 2, and ``WORK`` is not created."""
    parser = LineParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--make", action="store_true")
    parser.add_argument("--hub", type=Path, help="a MiniLM run folder to copy as a hub folder")
    parser.add_argument("--lines", type=Path)
    parser.add_argument("--timeout", type=float, default=1200.0)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--until", help="HH:MM UTC today: no line runs past it")
    args = parser.parse_args(argv)
    if args.make and (args.hub is None or not (args.hub / "config.json").is_file()):
        parser.error("--make needs --hub RUN (a MiniLM run folder)")
    if args.lines is not None and not args.lines.is_file():
        parser.error(f"--lines {args.lines}: no such file")
    if not args.timeout > 0:  # NaN too
        parser.error(f"--timeout must be above 0, got {args.timeout!r}")
    args.deadline = None
    if args.until:
        try:
            hour, minute = (int(v) for v in args.until.split(":"))
            at = datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
        except ValueError:
            parser.error(f"--until must be HH:MM (UTC), got {args.until!r}")
        args.deadline = at.timestamp()
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.make:
        text_files(args.work)
        hub_folders(args.work, args.hub)
    if args.lines is not None:
        run_lines(args.work, args.lines, args.timeout, args.keep, args.deadline)


if __name__ == "__main__":
    main()
