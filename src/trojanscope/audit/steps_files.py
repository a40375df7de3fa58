"""Audit steps on the files themselves, before anything is loaded: the supply-chain scan,
signature verification, the manifest's recorded digests, and the ML-BOM."""

from __future__ import annotations

from trojanscope.audit.pipeline import AuditContext, AuditStep
from trojanscope.io.scan_gate import BLOCKING  # the one threshold, shared with load_model
from trojanscope.registry import register
from trojanscope.report.audit_result import StepResult


@register("audit-step", "scan")
class ScanStep(AuditStep):
    """Static scan of every file (nothing is loaded); dangerous findings block loading."""

    name = "scan"
    order = 10
    title = "Supply-chain scan of the files"

    def run(self, ctx: AuditContext, step: StepResult) -> None:
        from trojanscope.scan import load_policy, scan_paths

        ctx.blocked = "the file scan did not finish; nothing is loaded unscanned"
        policy = load_policy(ctx.options.scan_configs, ctx.options.suppress)
        report = scan_paths([ctx.target], policy)
        ctx.result.subjects = report.subjects
        ctx.result.rules.update(report.rules)
        step.findings.extend(report.findings)
        active = report.active()
        step.details = {"files": len(report.subjects), "scanned": report.scanned(),
                        "counts": report.counts()}
        if report.folders:  # model folders recognised by their layout (Hugging Face)
            step.details["folders"] = report.folders
        worst = [f for f in active if f.severity >= BLOCKING]
        ctx.blocked, ctx.scanned = None, True
        if worst:
            f = max(worst, key=lambda f: f.severity)
            ctx.blocked = (f"the scanner rated {f.location} {f.severity.label} ({f.rule_id}: "
                           f"{f.message}); the model was not loaded")


@register("audit-step", "signature")
class SignatureStep(AuditStep):
    """Verify the folder's signature when there is one or when ``--key`` is given."""

    name = "signature"
    order = 20
    title = "Signature verification"

    def skip_reason(self, ctx: AuditContext) -> str | None:
        asked = ctx.options.key is not None or ctx.options.signature is not None
        if not ctx.target.is_dir() and not asked:
            return "a single file carries no signature"
        return None

    def run(self, ctx: AuditContext, step: StepResult) -> None:
        from trojanscope.errors import UserInputError
        from trojanscope.signing import load_public, verify_folder
        from trojanscope.signing.bundle import DEFAULT_SIGNATURE

        if not ctx.target.is_dir():
            raise UserInputError("signatures cover model folders: audit the signed folder to "
                                 "verify it with --key")

        signature = ctx.options.signature or ctx.target / DEFAULT_SIGNATURE
        sig_name = str(signature)
        if not signature.is_file():
            if ctx.options.key is not None:
                step.findings.append(ctx.finding(
                    "TSA200", f"--key was given but there is no signature at {signature}",
                    file=sig_name))
            else:
                step.findings.append(ctx.finding("TSA202", "the folder is not signed"))
            step.details = {"signed": False}
            return
        if ctx.options.key is None:
            step.findings.append(ctx.finding(
                "TSA203", "a signature is present but was not checked: pass --key PUBLIC_KEY",
                file=sig_name))
            step.details = {"signed": True, "checked": False}
            return
        check = verify_folder(ctx.target, load_public(ctx.options.key), signature)
        step.details = {"signed": True, "checked": True, **check.to_dict()}
        if not (check.signature_valid and check.key_matches) or check.problems:
            why = "; ".join(check.problems) or "the signature was made with another key"
            step.findings.append(ctx.finding("TSA200", f"signature does not verify: {why}",
                                             file=sig_name))
        changes = {"modified": check.modified, "missing": check.missing, "added": check.added,
                   "renamed": [f"{a} -> {b}" for a, b in check.renamed]}
        for kind, names in changes.items():
            for name in names:
                step.findings.append(ctx.finding(
                    "TSA201", f"{kind} since signing: {name}",
                    file=str(ctx.target / name.split(" -> ")[-1]), change=kind))


@register("audit-step", "integrity")
class IntegrityStep(AuditStep):
    """Compare every file with the SHA-256 its ``manifest.json`` recorded at export (using the
    digests the audit already took of the folder)."""

    name = "integrity"
    order = 30
    title = "Manifest digests"

    def skip_reason(self, ctx: AuditContext) -> str | None:
        from trojanscope.io.manifest import MANIFEST_NAME

        if not (ctx.target.is_dir() and (ctx.target / MANIFEST_NAME).is_file()):
            return "no trojanscope manifest recording file digests"
        return None

    def run(self, ctx: AuditContext, step: StepResult) -> None:
        from trojanscope.io.hashing import sha256_file
        from trojanscope.io.manifest import read_manifest

        manifest = read_manifest(ctx.target)
        checked = 0
        for name, recorded in sorted(manifest.files.items()):
            path = ctx.target / name
            if not path.is_file():
                step.findings.append(ctx.finding(
                    "TSA210", f"{name} is listed in the manifest but missing", file=str(path)))
                continue
            actual = ctx.result.file_sha256.get(name) or sha256_file(path)
            checked += 1
            if actual != recorded:
                step.findings.append(ctx.finding(
                    "TSA210", f"{name} changed after export (SHA-256 differs from the manifest)",
                    file=str(path), recorded=recorded, actual=actual))
        step.details = {"checked": checked, "listed": len(manifest.files)}


@register("audit-step", "bom")
class BomStep(AuditStep):
    """CycloneDX 1.6 ML-BOM of the model folder, written beside the reports."""

    name = "bom"
    order = 40
    title = "ML bill of materials"

    def skip_reason(self, ctx: AuditContext) -> str | None:
        return None if ctx.target.is_dir() else "the ML-BOM is built for model folders"

    def run(self, ctx: AuditContext, step: StepResult) -> None:
        import json

        from trojanscope.bom import build_bom

        text = build_bom(ctx.target)
        ctx.result.artifacts["bom.cdx.json"] = text
        bom = json.loads(text)
        step.details = {"components": len(bom.get("components", [])),
                        "serial_number": bom.get("serialNumber")}
