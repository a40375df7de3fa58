"""Bad parameters, every registered component (stop 35): walk the registry and give every
parameter of every component that takes ``-p``/``--*-param`` values a bad value, one at a time,
as the CLI would pass it (``registry.create``, after ``parse_assignments``).

    python benchmarks/bad_params.py OUT.jsonl            # every case
    python benchmarks/bad_params.py OUT.jsonl --table    # the summary for docs/benchmarks.md

Values (strings as typed after ``-p KEY=``, read as the CLI reads them): ``abc``, ``maybe``,
``NaN``, ``-1``, ``0``, ``1e12``, and one unknown key per component. Each case runs in a child
forked from one process that imported every component once, with 2 GiB of address space and
``--timeout`` seconds (a constructor that allocates from a huge value is a crash, not a hang
of the sweep). A case is *refused* when ``registry.create`` raises ``UserInputError`` (the
CLI's one ``error:`` line, exit 2), *unexpected* when it raises anything else (the CLI's
``error: unexpected …``), *killed* when it ran out of memory or time, and *accepted* when the
component was made: a value in its range (``VALID`` below, judged before the run: a seed of
0, a long run, a default…) or a value taken without a check (**open**).

Creation is where ``-p`` values are checked; a value accepted here may still fail later in the
run (the CLI sweep ``bad_options.py`` runs the base lines' components to their end).
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import time
from pathlib import Path

from _common import judged, read_jsonl, sweep_parser, tally, wait_child

VALUES = ("abc", "maybe", "NaN", "-1", "0", "1e12")
RESERVED = {  # set by the CLI itself, refused as -p (stop 34): not swept here
    "arch": {"input_shape", "num_classes"},
    "attack": {"target", "mapping", "seed", "trigger"},
}
# Accepted values that are valid (judged here, before the run): ``kind name key=value`` ids.
VALID = [
    (r"seed=(0|1e12)$", "any seed in [0, 2**32) (1e12 is refused where numpy would crash)"),
    (
        r"\b(epochs|steps|rounds|n_starts|per_class|patience|iterations|inner_steps|adv_steps"
        r"|isolation_epochs|teacher_epochs|warmup_steps|refine_steps|relax_steps|span_steps"
        r"|min_steps|n_estimators|mass_trees|rows|max_candidates|candidates|draws|pixel_draws"
        r"|n_overlays|n_models|n|partitions|pieces|neighbours|count|box_top|box_mean"
        r"|early_stop_patience|recover_epochs|dense_epochs|dense_rounds|teacher_epochs"
        r"|max_len|vocab_size|embed_dim|filters|width|hidden|max_depth|batch_per_arm|arms"
        r"|dims|k|min_rows|min_count|max_n|max_tokens|neutral_tokens|suspects|top"
        r"|max_features|max_transforms|references|pair_screen)=1e12$",
        "a long or large run (or a count the data caps), not a wrong one",
    ),
    (r"=0$", "judged per parameter below"),
]
# The parameters whose 0 is in their documented range (0: off, none, or no floor).
ZERO_OK = re.compile(
    r"\b(seed|high_loss_rate|prune|warp|recover_epochs|dense_\w+|span_tokens|phrase_\w+"
    r"|neutral_tokens|references|margin|val_fraction|min_share|block|fill|shrinkage|cap|top"
    r"|max_transforms|rounds|shift|scale_share|lift_weight|size_weight|gamma|strong|noise"
    r"|confusion_weight|distill|adv|shared|beta|unlearn_weight|residual|kept|keep|gate"
    r"|min_agreement|max_enrichment|excess_tail|threshold|pure_threshold|min_z|spectral_z"
    r"|spread_z|min_separation|slack|max_drop|area|eps|probe_eps|epochs|steps|alpha"
    r"|cover_ratio|test_alpha|delta|magnitude|amplitude|level|edges|hidden|input_side|map_side"
    r"|dropout|init_cost|rho|radius|inner_steps|adv_steps|teacher_epochs|isolation_epochs"
    r"|ca_budget|stop_asr|dense_lr|min_error|factor|sure|k0|prior|folds|stripes"
    r"|unlearn|revert|hold|check|candidates|force|dither|chroma|soft|standardise|confusion"
    r"|head_only|confine|recall_round|majority_label|isolated|return_pattern|shares|empty"
    r"|pixels|frame|adaptive|pretrained|reference_sampling|resisted_only|warp_candidates"
    r"|pair_screen)=0$"
)


def cases() -> list[tuple[str, str, str, str]]:
    """(kind, name, key, raw value) of every case; key ``nosuch`` is the unknown key. The
    registry walk is ``params.component_parameters`` (also the range tests')."""
    from trojanscope.params import component_parameters

    out = []
    for kind, name, params in component_parameters():
        out.append((kind, name, "nosuch", "1"))
        for key in (p.name for p in params if p.name not in RESERVED.get(kind, set())):
            out += [(kind, name, key, v) for v in VALUES]
    return out


def run_case(kind: str, name: str, key: str, raw: str, timeout: float) -> dict:
    """Make the component in a forked child; what came of it."""
    read, write = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        result = {"outcome": "accepted", "message": ""}
        try:
            limit = 2 << 30
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            from trojanscope import registry
            from trojanscope.errors import UserInputError
            from trojanscope.params import parse_assignments

            try:
                registry.create(kind, name, **parse_assignments([f"{key}={raw}"], "-p"))
            except UserInputError as exc:
                result = {"outcome": "refused", "message": str(exc)}
            except MemoryError:
                result = {"outcome": "killed", "message": "MemoryError"}
            except BaseException as exc:
                result = {"outcome": "unexpected", "message": f"{type(exc).__name__}: {exc}"}
        finally:
            os.write(write, json.dumps(result)[:4000].encode())
            os._exit(0)
    os.close(write)
    wait_child(pid, t0, timeout, poll=0.005)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    result = json.loads(data) if data else {"outcome": "killed", "message": "timeout or signal"}
    return {
        "id": f"{kind} {name} {key}={raw}",
        "kind": kind,
        "name": name,
        "key": key,
        "value": raw,
        "wall_s": round(time.perf_counter() - t0, 3),
        **result,
    }


def verdict(row: dict) -> str:
    """refused / unexpected / killed / valid value / accepted (open)."""
    if row["outcome"] != "accepted":
        return row["outcome"]
    if row["value"] == "0":
        return "valid value" if ZERO_OK.search(f"{row['key']}=0") else "accepted"
    if any(re.search(p, row["id"]) for p, _ in VALID[:2]):
        return "valid value"
    return "accepted"


def table(rows: list[dict]) -> str:
    """Counts per verdict and value, and every case that is not refused or valid."""
    latest = judged(rows, verdict)
    comps = {(r["kind"], r["name"]) for r in latest.values()}
    keys = {(r["kind"], r["name"], r["key"]) for r in latest.values() if r["key"] != "nosuch"}
    lines = [
        f"{len(latest)} cases, {len(keys)} parameters of {len(comps)} components: "
        + tally(r["verdict"] for r in latest.values()),
        "",
        "| value | refused | valid value | accepted | unexpected | killed |",
        "|---|---|---|---|---|---|",
    ]
    for value in ("unknown key", *VALUES):
        sel = [
            r
            for r in latest.values()
            if (r["key"] == "nosuch") == (value == "unknown key")
            and (value == "unknown key" or r["value"] == value)
        ]
        c = {
            v: sum(r["verdict"] == v for r in sel)
            for v in ("refused", "valid value", "accepted", "unexpected", "killed")
        }
        lines.append(f"| `{value}` | " + " | ".join(str(c[v]) for v in c) + " |")
    lines += ["", "| case | result | message |", "|---|---|---|"]
    for r in latest.values():
        if r["verdict"] in ("refused", "valid value"):
            continue
        msg = r["message"].replace("|", "\\|").replace("\n", " ")[:110]
        lines.append(f"| `{r['id']}` | {r['verdict']} | {msg} |")
    return "\n".join(lines)


def main() -> None:
    parser = sweep_parser(__doc__, timeout=20.0)
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--not-refused-in",
        type=Path,
        help="run only the cases not refused in this earlier JSONL (a refusal stays one)",
    )
    parser.add_argument(
        "--skip-in",
        type=Path,
        help="leave out the cases this earlier JSONL holds (a sweep cut short, continued)",
    )
    args = parser.parse_args()
    if args.table:
        print(table(read_jsonl(args.out)))
        return
    import torch

    torch.set_num_threads(1)
    todo = [c for c in cases() if re.search(args.only, " ".join(c))]  # imports every component
    if args.not_refused_in:
        refused = {r["id"] for r in read_jsonl(args.not_refused_in) if r["outcome"] == "refused"}
        todo = [c for c in todo if f"{c[0]} {c[1]} {c[2]}={c[3]}" not in refused]
    if args.skip_in:
        done = {r["id"] for r in read_jsonl(args.skip_in)}
        todo = [c for c in todo if f"{c[0]} {c[1]} {c[2]}={c[3]}" not in done]
    with open(args.out, "a") as log:
        for n, case in enumerate(todo):
            row = run_case(*case, timeout=args.timeout)
            print(json.dumps(row), file=log, flush=True)
            print(
                f"{n + 1}/{len(todo)} {verdict(row):11} {row['id']} :: {row['message'][:90]}",
                file=sys.stderr,
                flush=True,
            )


if __name__ == "__main__":
    main()
