"""The default method: the best combination measured across architectures and training recipes.

Without clean data, MM-BD alone gives the verdict (data-free). With clean data, two probes that
work in input space join it — the trigger search (how small a patch-like trigger flips other
classes' inputs to each class) and the universal perturbation (how small one additive change
does). Their statistics are ratios within the model, so they hold where MM-BD's margins do not
(tanh, sigmoid, GELU, normalisation layers: issue 9's leave-one-family-out study; figures in
docs/benchmarks.md). MM-BD names the suspected target (right more often than either probe), and
the trigger search's recovered triggers are the evidence a reviewer looks at.

Each probe draws from a generator of its own, seeded like the verdict, so that its numbers are
the same whether it runs here or alone (the calibration rows are built from the probes alone).
"""

from __future__ import annotations

import torch

from trojanscope import registry
from trojanscope.detect.base import InspectionTarget, ModelDetector, ModelVerdict
from trojanscope.detect.trigger_search import TriggerSearch
from trojanscope.detect.universal import UniversalPerturbation
from trojanscope.registry import register


@register("detector", "auto")
class AutoDetector(ModelDetector):
    """Default: MM-BD's verdict; with clean data, calibrated together with the trigger search's
    and the universal perturbation's statistics, plus the recovered triggers."""

    name = "auto"
    needs_data = False

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        seed = generator.initial_seed()
        mmbd: ModelDetector = registry.create("detector", "mmbd")
        verdict = mmbd.run(target, generator)
        verdict.method = self.name
        if target.clean is None:
            return verdict
        search: TriggerSearch = registry.create("detector", "trigger_search")
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
