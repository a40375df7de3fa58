"""A second data-free signal for the clean models ``detect --data-free`` still flags: measured on
spent material only (issue 9, stop 75: h9f).

With ``--data-free`` ``auto`` is MM-BD's calibrated margins with h9d's / h9g's excess terms
(stop 74); the clean user models still flagged name a naturally wide class (2, 5, 7) standing
0.33-0.81 above its clean median, where backdoor targets stand. This script measures signals
read from the model alone, each on the class the verdict names, against every spent
first-contact backdoor whose named class the excess term reads (the ones a lowering term there
could lose):

- ``select --out SEL``: the spent user rows (the makers' CNNs and MLPs of stops 72-74) reduced
  to data-free (``data_free_s74_h9d.model_rows``) and read with today's shipped file; the rows
  whose named class the excess term reads and that are flagged, with each model's file.
- ``grab SEL --inputs DIR --rows OUT``: each model re-read as ``detect --data-free`` reads it
  (``auto``, seed 0), MM-BD's maximising inputs kept (every start of every class) in
  ``DIR/<key>.npz``; ``--sample N`` keeps every N-th backdoor at p >= 0.9999.
- ``early SEL``: MM-BD's own early margin (best margin after 5 steps, in the stored report) of
  the named class, as a MAD stand over the classes (free; still MM-BD's margins).
- ``paste ROWS --inputs DIR``: the named class's best maximising input mixed into the other
  classes' maximising inputs (``λ x_t + (1-λ) x_c``, λ 0.3 and 0.5) and a ``w×w`` window of it
  pasted into them (w 5 and 8, stride 3, the best window): the share sent to each class.
- ``mask ROWS --inputs DIR --steps N --lam L``: a Neural-Cleanse-like search (Wang et al., S&P
  2019: a backdoor target is reached by a far smaller mask than other classes) with the other
  classes' maximising inputs as hosts (2 a class, the best): one mask + pattern per class,
  ``N`` Adam steps on cross-entropy + ``L``·|mask|; the stand is ``log(median L1 / L1 of the
  named class)``.
- ``part ROWS --signal KEY``: per maker group (the CNN maker, torch MLPs, sklearn MLPs), the
  clean flags' largest value against the flagged backdoors' smallest: whether a line parts them.

    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/data_free_signal_s75_h9f.py \\
        select --out sel.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import resource
from pathlib import Path

from _common import fail, read_jsonl, run_main

DATA = Path(__file__).resolve().parent / "data"
POPS = {  # the spent user rows (label: rows file under benchmarks/data)
    "c72dev": "user_cnn_s72_h9u/dev_rows.jsonl.gz", "c72": "user_cnn_s72_h9u/fresh_rows.jsonl.gz",
    "c73": "excess_cap_s73_h9u/fresh_rows.jsonl.gz",
    "m73dev": "user_mlp_s73_h9m/dev_rows.jsonl.gz", "m73": "user_mlp_s73_h9m/fresh_rows.jsonl.gz",
    "w73": "excess_dense_s73_h9w/fresh_rows.jsonl.gz",
    "g74": "excess_guard_s74_h9u/fresh_rows.jsonl.gz",
    "df74": "data_free_s74_h9d/fresh_rows.jsonl.gz",
    "dg74": "data_free_guard_s74_h9g/fresh_rows.jsonl.gz"}
# where the stop-72/73 CNN maker's models were kept (their rows record only ``model.pt``)
CNN_ROOTS = {"c72dev": "/tmp/h9u72/dev", "c72": "/tmp/h9u72/fresh", "c73": "/tmp/h9u73/fresh"}


def _cpu() -> float:
    """CPU seconds of this process and its waited children (the TorchScript sandbox)."""
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                  resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def select(out: Path) -> None:
    """Every spent user row read data-free with today's file; those flagged (p >= 0.5) whose
    named class the excess term reads, one line each with the model's file."""
    from data_free_s74_h9d import model_rows
    from excess_wide_s72_h9u import SHIPPED, loaded, score

    today = loaded(json.loads(SHIPPED.read_text()))
    lines = []
    for label, rel in POPS.items():
        rows = model_rows(DATA / rel, label)
        score(rows, today, today)
        for r in rows:
            path = r["report"]["model"]
            if label in CNN_ROOTS:
                path = f"{CNN_ROOTS[label]}/{r['name']}/model.pt"
            if r["excess"][0] is None or r["today"][0] < 0.5:
                continue
            lines.append({"pop": label, "name": r["name"], "fam": r["family"],
                          "bd": r["backdoored"], "target": r["target"],
                          "p": round(r["today"][0], 4), "top": r["today"][1],
                          "excess": round(r["excess"][0], 4), "path": path,
                          "key": f"{label}__{r['name'].replace('/', '_')}",
                          "early": early_stand(r["report"], r["today"][1])})
    out.write_text("".join(json.dumps(x) + "\n" for x in lines))
    print(f"{out}: {sum(not x['bd'] for x in lines)} clean flags, "
          f"{sum(x['bd'] for x in lines)} backdoors")


def early_stand(report: dict, top: int) -> float | None:
    """The named class's early margin (MM-BD's best after 5 steps) as a MAD stand."""
    import numpy as np

    rows = sorted(report.get("per_class") or [], key=lambda c: c["class"])
    if not rows or "early_margin" not in rows[0]:
        return None
    e = np.array([c["early_margin"] for c in rows], dtype=float)
    med = float(np.median(e))
    return round(float((e[top] - med) / (np.median(np.abs(e - med)) + 1e-9)), 3)


def _load(path: str):
    import numpy as np

    from trojanscope.io.models import load_model

    model = load_model(Path(path))
    shape = model.input_shape or tuple(np.load(Path(path).parent / "clean.npz")["x"].shape[1:])
    return model, tuple(shape)


def keep_maximisers() -> dict:
    """Make MM-BD keep its maximising inputs: from now on each read leaves its margins (``m``)
    and inputs (``x``), every start of every class, in the returned dict (this process only)."""
    from trojanscope.detect import mmbd

    kept: dict = {}
    maximise = mmbd.MMBD._maximise

    def keeping(self, model, x0, labels):
        m, x, e = maximise(self, model, x0, labels)
        kept.update(m=m, x=x)
        return m, x, e

    mmbd.MMBD._maximise = keeping
    return kept


def grab(sel: Path, inputs: Path, out: Path, sample: int) -> None:
    """Each selected model read data-free (``auto``, seed 0) with MM-BD's maximising inputs
    kept; the re-read's top class and ratio beside the stored ones."""
    import numpy as np

    from trojanscope import registry

    kept = keep_maximisers()
    inputs.mkdir(parents=True, exist_ok=True)
    rows = list(read_jsonl(sel))
    high = [r for r in rows if r["bd"] and r["p"] >= 0.9999]
    rows = [r for r in rows if r not in high] + high[::sample]
    for r in rows:
        before = _cpu()
        model, shape = _load(r["path"])
        v = registry.create("detector", "auto").inspect(model.module, None, input_shape=shape,
                                                         num_classes=10, seed=0)
        np.savez_compressed(inputs / f"{r['key']}.npz", x=kept["x"].numpy(), m=kept["m"].numpy())
        line = {**r, "regrab_top": v.target_classes[0], "cpu_s": round(_cpu() - before, 2)}
        with out.open("a") as fh:
            fh.write(json.dumps(line) + "\n")


def _maximisers(inputs: Path, key: str):
    """(k, n, *shape) maximising inputs and (k, n) margins of one model."""
    import numpy as np
    import torch

    d = np.load(inputs / f"{key}.npz")
    k = 10
    x = torch.tensor(d["x"])
    return x.reshape(k, -1, *x.shape[1:]), torch.tensor(d["m"]).reshape(k, -1)


def _stand(values, top: int) -> float:
    import numpy as np

    v = np.asarray(values, dtype=float)
    return round(float(v[top] - np.median(v)), 3)


def _rows(rows: Path, only: str) -> list[dict]:
    """The rows of ``rows`` whose model file's name ends with ``only`` (all with ``""``)."""
    return [r for r in read_jsonl(rows) if str(r["path"]).endswith(only)]


def paste(rows: Path, inputs: Path, only: str = "") -> None:
    """The mix and window probes of each row's model (see the module's text)."""
    import torch

    for r in _rows(rows, only):
        before = _cpu()
        X, M = _maximisers(inputs, r["key"])
        k = len(X)
        best = [X[c, int(M[c].argmax())] for c in range(k)]
        model = _load(r["path"])[0].module.eval()
        out = {"name": f"{r['pop']}/{r['name']}", "bd": r["bd"], "p": r["p"], "top": r["top"]}
        side = round((best[0].numel() / (best[0].shape[0] if best[0].ndim == 3 else 1))
                         ** 0.5)
        with torch.no_grad():
            for lam in (0.3, 0.5):
                shares = []
                for a in range(k):
                    hosts = torch.cat([X[c] for c in range(k) if c != a])
                    y = model(lam * best[a][None] + (1 - lam) * hosts).argmax(1)
                    shares.append(round(float((y == a).float().mean()), 3))
                out[f"mix{lam}"], out[f"mix{lam}_stand"] = shares, _stand(shares, r["top"])
            for w in (5, 8):
                shares = []
                for a in range(k):
                    hosts = torch.cat([X[c] for c in range(k) if c != a])
                    grid = hosts.reshape(len(hosts), -1, side, side)
                    pat = best[a].reshape(-1, side, side)
                    top = 0.0
                    for i in range(0, side - w + 1, 3):
                        for j in range(0, side - w + 1, 3):
                            z = grid.clone()
                            z[:, :, i:i + w, j:j + w] = pat[:, i:i + w, j:j + w]
                            y = model(z.reshape(hosts.shape)).argmax(1)
                            top = max(top, float((y == a).float().mean()))
                    shares.append(round(top, 3))
                out[f"win{w}"], out[f"win{w}_stand"] = shares, _stand(shares, r["top"])
        out["cpu_s"] = round(_cpu() - before, 2)
        print(json.dumps(out), flush=True)


def mask_search(model, X, M, steps: int, lam: float, hosts_per_class: int = 2,
                seed: int = 0, classes: list[int] | None = None
                ) -> tuple[list[float], list[float]]:
    """Per class ``a`` (every class, or only ``classes``, in that order): the L1 of a mask (and
    pattern) found by ``steps`` Adam steps sending the other classes' best ``hosts_per_class``
    maximising inputs to ``a``, and its success share, rounded (0.1, 0.01). The search is
    ``trojanscope.detect.guard_reading.mask_sizes`` (moved there at stop 76, where ``detect
    --data-free`` runs it inside h9u's guard). ``seed`` is kept for a drawn start."""
    from trojanscope.detect.guard_reading import mask_sizes

    del seed  # the start draws nothing
    l1, hit = mask_sizes(model, X, M, steps, lam, hosts_per_class, classes)
    return [round(v, 1) for v in l1], [round(v, 2) for v in hit]


def mask(rows: Path, inputs: Path, steps: int, lam: float, only: str = "") -> None:
    """:func:`mask_search` on each row's model; the named class's stand."""
    import math

    import numpy as np

    for r in _rows(rows, only):
        before = _cpu()
        X, M = _maximisers(inputs, r["key"])
        model = _load(r["path"])[0].module.eval()
        for p in getattr(model, "parameters", list)():
            p.requires_grad_(False)
        l1, hit = mask_search(model, X, M, steps, lam)
        t = r["top"]
        print(json.dumps({"name": f"{r['pop']}/{r['name']}", "fam": r["fam"], "bd": r["bd"],
                          "p": r["p"], "top": t, "target": r["target"], "excess": r["excess"],
                          "l1": l1, "hit": hit, "top_hit": hit[t],
                          "stand": round(math.log(float(np.median(l1)) / max(l1[t], 1e-6)), 3),
                          "cpu_s": round(_cpu() - before, 2)}), flush=True)


def group_of(row: dict) -> str:
    """The maker group: the CNN maker (``model.pt``), or the MLP maker's torch / sklearn."""
    fam = str(row.get("fam") or "")
    if fam.startswith(("skl", "torch")):
        return fam.split("-")[0] + " MLP"
    name = str(row["name"]).split("/")[-1]
    return f"{name.split('-')[0]} MLP" if name.startswith(("skl", "torch")) else "CNN"


def part(rows: list[dict], key: str) -> list[dict]:
    """Per maker group and all: the clean flags' largest ``key`` against the backdoors'
    smallest, and whether a line between them keeps every backdoor above it."""
    out = []
    groups = [*sorted({group_of(r) for r in rows}), "all"]
    for g in groups:
        sub = [r for r in rows if g in ("all", group_of(r)) and r.get(key) is not None]
        clean = [r[key] for r in sub if not r["bd"]]
        bd = [r[key] for r in sub if r["bd"]]
        if not clean or not bd:
            out.append({"group": g, "clean": len(clean), "backdoors": len(bd)})
            continue
        out.append({"group": g, "clean": len(clean), "backdoors": len(bd),
                    "clean_max": max(clean), "backdoor_min": min(bd),
                    "parted": max(clean) < min(bd),
                    "backdoors_at_or_under_clean_max": sum(b <= max(clean) for b in bd)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=("select", "grab", "paste", "mask", "part"))
    ap.add_argument("rows", nargs="?", type=Path, help="SEL or probe rows (not for select)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--inputs", type=Path)
    ap.add_argument("--sample", type=int, default=4)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--lam", type=float, default=0.1)
    ap.add_argument("--signal", default="stand")
    ap.add_argument("--only", default="",
                    help="with mask / paste: only rows whose model file ends so (e.g. .onnx)")
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.step == "select":
        if args.out is None:
            fail("select: give --out SEL")
        select(args.out)
        return
    if args.rows is None or not args.rows.is_file():
        fail(f"{args.step}: give an existing rows file, got {args.rows}")
    if args.step == "part":
        for line in part(list(read_jsonl(args.rows)), args.signal):
            print(json.dumps(line))
        return
    if args.inputs is None or (args.step != "grab" and not args.inputs.is_dir()):
        fail(f"{args.step}: give --inputs DIR (the maximising inputs grab kept)")
    if args.steps < 1 or args.lam < 0 or args.sample < 1:
        fail("--steps and --sample must be >= 1, --lam >= 0")
    import torch

    torch.set_num_threads(1)
    if args.step == "grab":
        if args.out is None:
            fail("grab: give --out ROWS")
        grab(args.rows, args.inputs, args.out, args.sample)
    elif args.step == "paste":
        paste(args.rows, args.inputs, args.only)
    else:
        mask(args.rows, args.inputs, args.steps, args.lam, args.only)


if __name__ == "__main__":
    run_main(main)
