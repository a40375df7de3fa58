"""What a reviewer does after reading an audit report: next steps tied to the rating, each with
the trojanscope command that exists today, and a Reproduce command that runs as printed.

Commands name this audit's own model, data and report folder; words in capitals
(``CLEAN.npz``, ``KEY.pem``) are the reader's to fill in and are explained next to them.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from trojanscope import registry
from trojanscope.report.model import Severity

if TYPE_CHECKING:
    from trojanscope.report.audit_result import AuditResult

REPORT_OPTIONS = ("--report", "-r")
OUTPUT_OPTIONS = ("--output", "-o")
RERUN_SUFFIX = "-rerun"


@dataclass(frozen=True)
class NextStep:
    """One action: a short title, what and why, and the commands that do it."""

    title: str
    text: str
    commands: list[str] = field(default_factory=list)


def option_value(command: str, names: tuple[str, ...]) -> str | None:
    """The value of the first of ``names`` in ``command`` (``--opt V`` or ``--opt=V``)."""
    args = _split(command)
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if eq and name in names:
            return value
        if arg in names and i + 1 < len(args):
            return args[i + 1]
    return None


def reproduce_command(command: str) -> str:
    """``command`` rewritten to run again as printed without touching this audit's outputs:
    the report folder and ``--output`` file get a ``-rerun`` name, with ``--force`` so that
    running it twice works too."""
    args = _split(command)
    if not args:
        return ""
    out, i, has_report = [], 0, False
    while i < len(args):
        name, eq, value = args[i].partition("=")
        names = REPORT_OPTIONS + OUTPUT_OPTIONS
        if eq and name in names:
            out.append(f"{name}={_rerun_name(value)}")
            has_report |= name in REPORT_OPTIONS
        elif args[i] in names and i + 1 < len(args):
            out += [args[i], _rerun_name(args[i + 1])]
            has_report |= args[i] in REPORT_OPTIONS
            i += 1
        else:
            out.append(args[i])
        i += 1
    if has_report and "--force" not in out:
        out.append("--force")
    return shlex.join(out)


def _rerun_name(path: str) -> str:
    p = PurePath(path)
    if p.suffix and not path.endswith("/"):
        return str(p.with_name(f"{p.stem}{RERUN_SUFFIX}{p.suffix}"))
    return str(p) + RERUN_SUFFIX


def _split(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return []


def runs_code_when_loaded(result: AuditResult) -> bool:
    """Whether a file finding is critical: the scanner's critical rules are code that runs
    when the file is loaded (the audit's own TSA rules are about behaviour and signatures)."""
    return any(f.severity == Severity.CRITICAL and not f.rule_id.startswith("TSA")
               for f in result.findings)


def backdoor_detected(result: AuditResult) -> bool:
    """Whether detection flagged a backdoor with a calibrated probability (a flag that only
    asks for review, ``verdict == "review"``, is not called a backdoor)."""
    return (result.detection or {}).get("verdict") == "backdoored"


def next_steps(result: AuditResult) -> list[NextStep]:
    """The actions for ``result``'s rating, most urgent first; keeping the evidence is last."""
    ctx = _Context(result)
    if ctx.code_on_load:
        steps = _code_on_load(ctx)
    elif result.rating.level >= Severity.HIGH:
        steps = (_backdoor(ctx) if ctx.backdoor else _left(ctx) if ctx.left
                 else _bad_files(ctx))
    elif result.rating.level >= Severity.MEDIUM:
        steps = _review(ctx)
    else:
        steps = _clear(ctx)
    return [*steps, _evidence(ctx)]


class _Context:
    """The facts the next steps are written from."""

    def __init__(self, result: AuditResult) -> None:
        self.result = result
        self.target = shlex.quote(result.target)
        self.sha = result.model_sha256
        rules = {f.rule_id for f in result.findings}
        self.backdoor = backdoor_detected(result)
        self.inconclusive = "TSA101" in rules
        # a backdoor the record of ``mitigate`` measured still there (issue 12 stop 78)
        self.left = any(f.rule_id == "TSA120" and f.severity >= Severity.HIGH
                        for f in result.findings)
        self.code_on_load = runs_code_when_loaded(result)
        self.report = option_value(result.command, REPORT_OPTIONS)
        det = result.detection or {}
        self.suspect = det.get("suspected_target")
        sig = result.step("signature")
        self.unsigned = sig is not None and sig.details.get("signed") is False
        # None: run through the Python API, which may or may not have recorded it
        self.recorded = ("--no-history" not in _split(result.command)) if result.command else None

    def out(self, suffix: str) -> str:
        """A fresh folder beside the report folder (or in the working folder) for ``suffix``."""
        base = (self.report.rstrip("/") if self.report else
                f"reports/{PurePath(self.result.target).name or 'model'}")
        return shlex.quote(f"{base}-{suffix}")

    def data_args(self, command: str) -> str:
        """This audit's clean data as ``audit`` or ``detect`` options, or a placeholder."""
        data = self.result.data or {}
        source = data.get("source")
        if not source:
            return "--data CLEAN.npz"
        from trojanscope import registry

        split = f" --split {data.get('split', 'test')}"
        if command == "detect" and source in registry.names("dataset"):
            return f"--dataset {shlex.quote(source)}{split}"
        return f"--data {shlex.quote(source)}{split}"

    @property
    def data_note(self) -> str:
        """Explains the ``CLEAN.npz`` placeholder when this audit had no clean data."""
        if (self.result.data or {}).get("source"):
            return ""
        return " (CLEAN.npz: clean data you trust)"

    @property
    def samples(self) -> int | None:
        return (self.result.data or {}).get("samples")


def _code_on_load(ctx: _Context) -> list[NextStep]:
    return [
        NextStep("Do not load this file anywhere",
                 "Not in a notebook, not to take a look: loading it runs the code found below. "
                 "Remove it from model registries, caches and shared storage, and block its "
                 f"SHA-256 ({ctx.sha}) so that a copy is not picked up again."),
        NextStep("Report it now",
                 "This is a possible supply-chain compromise: tell your organisation's security "
                 "team (or its model-risk owner) where the file came from, who supplied it, when "
                 "it was downloaded and where copies went. The scanner lists what the file "
                 "would import and call, without running it:",
                 [f"trojanscope scan {ctx.target} --format json --output "
                  f"{ctx.out('scan')}.json"]),
        NextStep("Ask for the weights in a format that holds no code",
                 "Safetensors (with its manifest) or ONNX carry weights only. Audit the "
                 "replacement before anyone uses it (NEW_MODEL: the file or folder you receive):",
                 ["trojanscope audit NEW_MODEL --report reports/NEW_MODEL"]),
    ]


def _backdoor(ctx: _Context) -> list[NextStep]:
    verb = "almost certainly carries" if ctx.result.rating.level >= Severity.CRITICAL else \
        "probably carries"
    more = f" than the {ctx.samples} used here" if ctx.samples else ""
    model = ctx.result.model or {}
    arch = model.get("architecture")
    # a Hugging Face folder names its own class ("BertForSequenceClassification"), which
    # ``train`` does not know: no --arch then
    arch_arg = f" --arch {arch}" if arch and arch in registry.names("arch") else ""
    ext = "csv" if model.get("text") else "npz"  # text training data is a table of sentences
    return [
        NextStep("Quarantine the model",
                 f"It {verb} a backdoor: inputs with a small trigger are sent to class "
                 f"{ctx.suspect}. Do not deploy or share it; take it out of model registries and "
                 f"serving, and block its SHA-256 ({ctx.sha}) so that a copy is not picked up "
                 "again."),
        NextStep("Report it",
                 "Tell your organisation's security team or model-risk owner, with this report: "
                 "who supplied the model, where it is used, and what it decides. Ask the supplier "
                 "how it was trained and on which data."),
        NextStep("Keep the trigger evidence",
                 "Re-run the detector alone to save its verdict and the recovered trigger images "
                 f"of the most suspicious classes{ctx.data_note}:",
                 [f"trojanscope detect {ctx.target} {ctx.data_args('detect')} --seed "
                  f"{ctx.result.seed} --out {ctx.out('detect')}"]),
        NextStep("Confirm with more clean data",
                 f"A larger clean set (MORE_CLEAN.npz: data you trust, with more samples per "
                 f"class{more}) makes the verdict and the recovered trigger firmer:",
                 [f"trojanscope audit {ctx.target} --data MORE_CLEAN.npz --split all --report "
                  f"{ctx.out('more-data')}"]),
        *_purify(ctx),
        NextStep("Or replace it: retrain on data you trust",
                 f"If you have the model's training data (TRAIN.{ext}), find the samples that "
                 f"carry a trigger and keep the others (TRUSTED.{ext}: the samples not flagged; "
                 "docs/detect-data.md says which triggers it misses, so trace the data to its "
                 f"sources too), retrain, and audit the new model the same way{ctx.data_note}:",
                 [f"trojanscope detect-data TRAIN.{ext} --out poison-findings --write-clean "
                  f"TRUSTED.{ext}",
                  f"trojanscope train --dataset TRUSTED.{ext}{arch_arg} --out retrained",
                  f"trojanscope audit retrained {ctx.data_args('audit')} --report "
                  "reports/retrained"]),
    ]


def _purify(ctx: _Context) -> list[NextStep]:
    """The audit's mitigation recommendation as a step (none for a model mitigate cannot
    rebuild)."""
    from trojanscope.report.audit_mitigation import recommend_mitigation

    advice = recommend_mitigation(ctx.result)
    if advice is None:
        return []
    title = ("Read the flag a second way" if advice["method"] == "none"  # stop 81: the record
             else f"Purify a copy ({advice['method']})")  # reads the trigger removed
    return [NextStep(title, advice["text"], advice["commands"])]


def _left(ctx: _Context) -> list[NextStep]:
    """A folder ``mitigate`` wrote whose own record measured the backdoor still there: the
    purified model is not to be deployed, and the source is purified again another way."""
    record = ctx.result.step("record")
    source = (record.details.get("source") if record is not None else None) or "MODEL"
    data = ctx.data_args("audit")
    again = f"{PurePath(ctx.result.target).name}-again"
    return [
        NextStep("Do not deploy the purified model",
                 "mitigate's own record measured the attack's trigger still succeeding after "
                 "purifying (finding TSA120): the backdoor was not removed, whatever the "
                 "detector says of this copy. Keep it and its source out of registries and "
                 "serving."),
        NextStep("Purify the source again another way",
                 "Another method (the list gives each one's measured figures) or more clean "
                 "data (MORE_CLEAN.npz: data you trust), then audit the new folder:",
                 ["trojanscope list mitigation",
                  f"trojanscope mitigate {shlex.quote(str(source))} --data MORE_CLEAN.npz "
                  f"--out {shlex.quote(again)}",
                  f"trojanscope audit {shlex.quote(again)} {data} --report "
                  f"{ctx.out('again')}"]),
    ]


def _bad_files(ctx: _Context) -> list[NextStep]:
    steps = [
        NextStep("Do not deploy these files",
                 "A file is dangerous, or the files are not the ones that were published or "
                 "signed (see the findings). Keep the model out of registries and serving and "
                 f"block its SHA-256 ({ctx.sha})."),
        NextStep("Report it",
                 "Tell your organisation's security team or model-risk owner, with this report, "
                 "and ask the publisher for the original files through a channel you trust."),
        NextStep("Audit the replacement",
                 "Check the copy you receive before anyone uses it (NEW_MODEL: the model folder; "
                 "PUBLISHER.pub: the publisher's public key):",
                 ["trojanscope audit NEW_MODEL --key PUBLISHER.pub --report reports/NEW_MODEL"]),
    ]
    return steps


def _review(ctx: _Context) -> list[NextStep]:
    steps = [NextStep("Hold the model until the open points are settled",
                      "Nothing dangerous was proven, but the audit could not clear the model.")]
    if ctx.inconclusive:
        steps += [
            NextStep("Confirm with more clean data",
                     "The backdoor probability is inconclusive. A larger clean set "
                     "(MORE_CLEAN.npz: data you trust, with more samples per class) usually "
                     "settles it:",
                     [f"trojanscope audit {ctx.target} --data MORE_CLEAN.npz --split all "
                      f"--report {ctx.out('more-data')}"]),
            NextStep("Look at the recovered triggers",
                     "Save the detector's verdict and trigger images for the most suspicious "
                     f"classes{ctx.data_note}:",
                     [f"trojanscope detect {ctx.target} {ctx.data_args('detect')} --seed "
                      f"{ctx.result.seed} --out {ctx.out('detect')}"]),
        ]
    if ctx.result.detection is None:
        steps.append(NextStep(
            "Check the model's behaviour",
            "The backdoor test did not run (see Backdoor detection). Run the audit with clean "
            "data you trust (CLEAN.npz):",
            [f"trojanscope audit {ctx.target} --data CLEAN.npz --report "
             f"{ctx.out('with-data')}"]))
    if any(f.severity == Severity.MEDIUM and f.rule_id != "TSA101"
           for f in ctx.result.findings):
        steps.append(NextStep(
            "Review each medium finding",
            "Decide for each whether it is expected for this model. A reviewed finding can be "
            "silenced in later audits with --suppress RULE:PATH_GLOB."))
    steps.append(NextStep(
        "If it stays open, treat the model as untrusted",
        "Ask the supplier how it was trained and on which data, and tell your organisation's "
        "model-risk owner before deploying it."))
    return steps


def _clear(ctx: _Context) -> list[NextStep]:
    steps = [NextStep(
        "Continue your normal review",
        "No evidence of a backdoor or a dangerous file was found. Detection lowers the risk; it "
        "cannot prove a model clean (see docs/detection.md for the measured rates), so keep the "
        "evidence below with the model's record.")]
    if ctx.unsigned:
        steps.append(NextStep(
            "Sign the reviewed folder",
            "It is not signed, so a later change to its files would go unnoticed. Sign it now "
            "(KEY.pem: your organisation's signing key, or a new one) and pass the public key "
            f"to later audits{ctx.data_note}:",
            ["trojanscope keygen KEY.pem", f"trojanscope sign {ctx.target} --key KEY.pem",
             f"trojanscope audit {ctx.target} --key KEY.pem.pub {ctx.data_args('audit')} "
             f"--report {ctx.out('signed')}"]))
    return steps


def _evidence(ctx: _Context) -> NextStep:
    sha12 = ctx.sha[:12]
    if ctx.report:
        files = ["report.html (this page)",
                 "audit.json (the full result with every file's SHA-256)", "audit.sarif"]
        if "bom.cdx.json" in ctx.result.artifacts:
            files.append("bom.cdx.json (the ML bill of materials)")
        if ctx.result.images:
            files.append("images/ (the trigger images)")
        where = (f"Keep the report folder {ctx.report} with the model's record: "
                 f"{', '.join(files)}.")
    else:
        where = ("Save this page with the model's record, and the full result as JSON "
                 "(trojanscope audit … --format json --output audit.json).")
    if ctx.recorded is False:
        return NextStep("Keep the evidence", f"{where} This audit was not recorded in the "
                        "history database (it ran with --no-history).")
    lead = "The history database holds this audit too:" if ctx.recorded else \
        "If the audit was recorded in the history database, this finds it:"
    return NextStep("Keep the evidence", f"{where} {lead}",
                    [f"trojanscope history --model {sha12}"])
