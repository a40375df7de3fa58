"""The counts and the differences of the harness and pick outputs, main against the branch."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent


def rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (HERE / name).read_text().splitlines()]


def outcome(row: dict) -> str:
    late = ("ok" if row["late"] == "ok" else
            "traceback" if row["late"].startswith("TRACEBACK") else "refused")
    return f"early {'ok' if row['early'] == 'ok' else 'refused'} / late {late}"


def main() -> None:
    for tag in ("main", "branch"):
        counts = Counter(outcome(r) for r in rows(f"harness_{tag}.jsonl"))
        picks = rows(f"pick_{tag}.jsonl")
        loaded = sum(1 for p in picks if p.get("load") in
                     ("onnx", "torchscript", "xgboost", "lightgbm"))
        print(f"{tag}: pairs {dict(sorted(counts.items()))}; folders: {loaded} of "
              f"{len(picks)} picked a file that loads")
    for old, new in zip(rows("harness_main.jsonl"), rows("harness_branch.jsonl"), strict=True):
        if (old["early"], old["late"]) != (new["early"], new["late"]):
            print(f"differs: {new['model']} {new['data']}\n  main:   {old['early'][:90]} | "
                  f"{old['late'][:150]}\n  branch: {new['early'][:90]} | {new['late'][:150]}")


if __name__ == "__main__":
    main()
