"""Issue 12, stop 70 (h12c): plan.md's rule read on what fresh.sh wrote by the cut.

Stop 69's reader (``../mitigate_s69_cnn/read.py``, itself stop 68's clauses: per model today /
candidate, CA change in points, ASR after, at the goal or not, CPU s, the scored ASR after the
first stage and each round; per zoo and pooled the four clauses) with this stop's files and
bar: today's `gated` (T69, the defaults since stop 69) in ``today-S.json`` (A), candidate T70
(plan.md) in ``t70-S.json`` (B), both written by ``dev_s70_cnn_round.py`` side by side. (3) is
T70's median CPU per treated CNN at most RATIO times today's on the same models. Then each
SIG CNN's margins (ASR and CA loss against the goal's 2% and 2 points) both ways, and each
treated model's rounds' parts. A model one side did not reach is named and left out.

    python3 read.py DIR 2486 [2490]
    python3 read.py --dev TODAY.json T70.json [T70.json ...]   # development: one zoo's rows
"""
import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


read69 = load("read69", HERE.parent / "mitigate_s69_cnn" / "read.py")
read68 = read69.read68
read68.RATIO, read68.SIZE = 0.90, 3  # plan.md: (3) and (4)


def margins(label: str, today: dict, cand: dict) -> None:
    """Each SIG CNN's room under the goal, both ways (points of ASR and of CA loss left)."""
    for n in sorted(n for n in set(today) | set(cand) if n.split("/")[-1].startswith("sig")):
        cells = []
        for r in (today.get(n), cand.get(n)):
            if r is None or r["asr"] is None:
                cells.append("not read")
                continue
            cells.append(f"ASR {100 * r['asr']:.2f}% ({100 * (0.02 - r['asr']):+.2f} to spare), "
                         f"CA loss {100 * (r['ca0'] - r['ca1']):.2f} points "
                         f"({100 * (0.02 - r['ca0'] + r['ca1']):+.2f} to spare)")
        print(f"SIG {label}/{n}: today {cells[0]}; T70 {cells[1]}")


def parts(label: str, path: Path) -> None:
    """Each treated row's rounds' parts (``dev_s70_cnn_round.py``'s clocks), CPU s."""
    if not path.is_file():
        return
    for r in json.loads(path.read_text())["rows"]:
        if r.get("round_parts_cpu_s"):
            p = r["parts_cpu_s"]
            print(f"{label} {r['model']}: {r['cpu_s']} s; rounds "
                  f"{p.get('stage rounds (fine-tuning)')} s, of which {r['round_parts_cpu_s']}")


def main() -> None:
    print("| model | today's `gated` (T69) | T70 | today's ASR per round | T70's ASR per round |")
    print("|---|---|---|---|---|")
    if sys.argv[1] == "--dev":
        today, cand = read68.rows(Path(sys.argv[2])), {}
        for f in sys.argv[3:]:
            cand.update(read68.rows(Path(f)))
        today = {n: r for n, r in today.items() if n in cand}
        read69.table("dev", today, cand)
        margins("dev", today, cand)
        for f in sys.argv[3:]:
            parts("T70", Path(f))
        return
    folder, seeds = Path(sys.argv[1]), sys.argv[2:]
    pooled_t, pooled_c = {}, {}
    for s in seeds:
        today, cand = read68.rows(folder / f"today-{s}.json"), read68.rows(folder / f"t70-{s}.json")
        read69.table(s, today, cand)
        margins(s, today, cand)
        parts(f"today {s}", folder / f"today-{s}.json")
        parts(f"T70 {s}", folder / f"t70-{s}.json")
        pooled_t.update({f"{s}/{n}": r for n, r in today.items()})
        pooled_c.update({f"{s}/{n}": r for n, r in cand.items()})
    if len(seeds) > 1:
        read68.judge("pooled", pooled_t, pooled_c)


if __name__ == "__main__":
    main()
