"""The default method: the best combination measured across architectures and training recipes.

Without clean data, MM-BD alone gives the verdict (data-free). With clean data:

- for a model like the default calibration's (ReLU, max pooling), MM-BD's calibrated verdict
  stands (issue 3's figures) and the trigger search recovers the triggers of MM-BD's three most
  suspicious classes only — the evidence a reviewer looks at;
- for a model with layers the default calibration lacked (tanh, sigmoid, GELU, normalisation…),
  two probes that work in input space join MM-BD — the trigger search over every class (how
  small a patch-like trigger flips other classes' inputs to each class) and the universal
  perturbation (how small one additive change does). Their statistics are ratios within the
  model, so they hold where MM-BD's margins do not; the wider calibrator uses them (issue 9's
  leave-one-family-out study; figures in docs/benchmarks.md).

Each probe draws from a generator of its own, seeded like the verdict, so that its numbers are
the same whether it runs here or alone (the calibration rows are built from the probes alone).
"""

from __future__ import annotations

import torch

from trojanscope import registry
from trojanscope.detect.base import InspectionTarget, ModelDetector, ModelVerdict
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.coverage import architecture_traits, coverage_notes
from trojanscope.detect.trigger_search import TriggerSearch
from trojanscope.detect.universal import UniversalPerturbation
from trojanscope.errors import UserInputError
from trojanscope.registry import register

PROBES = ("out-of-coverage", "always", "never")


@register("detector", "auto")
class AutoDetector(ModelDetector):
    """Default: MM-BD's calibrated verdict; with clean data, the input-space probes for models
    outside the default calibration's coverage, and the recovered triggers.

    Arguments:
        probes: when to run the input-space probes with clean data: ``out-of-coverage`` (only
            where the calibrator that scores the model uses them), ``always`` or ``never``.
    """

    name = "auto"
    needs_data = False

    def __init__(self, probes: str = "out-of-coverage") -> None:
        if probes not in PROBES:
            raise UserInputError(f"auto probes must be one of {', '.join(PROBES)}; got {probes!r}")
        self.probes = probes

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        seed = generator.initial_seed()
        mmbd: ModelDetector = registry.create("detector", "mmbd")
        verdict = mmbd.run(target, generator)
        verdict.method = self.name
        if target.clean is None:
            return verdict
        search: TriggerSearch = registry.create("detector", "trigger_search")
        if not self._probe(target):
            suspects = verdict.target_classes[: search.arms]
            verdict.triggers, norms = search.recover(target, suspects, generator)
            for row in verdict.per_class:
                if row.cls in norms:
                    row.details["trigger_mask_l1"] = norms[row.cls]
            return verdict
        found = search.run(target, torch.Generator().manual_seed(seed))
        universal: UniversalPerturbation = registry.create("detector", "universal")
        probe = universal.run(target, torch.Generator().manual_seed(seed))
        verdict.features.update(found.features)
        verdict.features.update(probe.features)
        top = verdict.target_classes[0]
        searched = {r.cls: r.details["mask_l1"] for r in found.per_class}
        sizes = {r.cls: r.details["uap_size"] for r in probe.per_class}
        # Whether the input-space probes point at MM-BD's suspect (a backdoor target stands
        # out to every method; a clean model's easiest classes differ from method to method).
        verdict.features["agree_mmbd_uap"] = float(min(sizes, key=sizes.__getitem__) == top)
        verdict.features["agree_mmbd_ts"] = float(min(searched, key=searched.__getitem__) == top)
        for row in verdict.per_class:
            row.details["trigger_mask_l1"] = searched[row.cls]
            row.details["uap_size"] = sizes[row.cls]
        verdict.triggers = dict(found.triggers)
        if top not in verdict.triggers:  # the evidence for MM-BD's suspect, recovered alone
            more, _ = search.recover(target, [top], torch.Generator().manual_seed(seed))
            verdict.triggers.update(more)
        return verdict

    def _probe(self, target: InspectionTarget) -> bool:
        """Run the probes? With ``out-of-coverage``: only for a model with a trait that the
        default calibrator saw too rarely (the only calibrator that uses them is the wider one)."""
        if self.probes != "out-of-coverage":
            return self.probes == "always"
        default = load_calibrators().get(self.name)
        covered = default.fitted_on.get("coverage") if default is not None else None
        if covered is None:
            return True
        return bool(coverage_notes(architecture_traits(target.model), covered))
