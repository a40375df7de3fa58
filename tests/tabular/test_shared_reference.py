"""``tests/tabular/conftest.py``'s shared clean reference (stop 61): ``tabular-search``'s
``reference_model`` is fitted once per worker for the same rows, classes, seed and fit
constants, each caller gets its own copy, and a patched constant gets a fit of its own."""

from __future__ import annotations

import torch

from trojanscope.detect import tabular_excess, tabular_search


def _rows(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(40, 3, generator=g), torch.randint(0, 2, (40,), generator=g)


def _counted(monkeypatch, module, name: str) -> list:
    """``module.name`` patched to append to the returned list at each call, then run."""
    calls: list = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_the_same_call_fits_once_and_hands_out_copies(monkeypatch) -> None:
    fits = _counted(monkeypatch, tabular_excess, "fit_full_batch")
    monkeypatch.setattr(tabular_excess, "REFERENCE_STEPS", 5)  # a key of its own, and fast
    x, y = _rows(0)
    a = tabular_search.reference_model(x, y, 2, seed=1)
    b = tabular_search.reference_model(x.clone(), y.clone(), 2, seed=1)  # equal values
    assert len(fits) == 1 and a is not b
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    fresh = tabular_excess.reference_model(x, y, 2, seed=1)  # the direct call: never cached
    assert len(fits) == 2
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), fresh.parameters(), strict=True))
    with torch.no_grad():
        a.weight.add_(1.0)  # a caller's change reaches no other caller
    c = tabular_search.reference_model(x, y, 2, seed=1)
    assert torch.equal(c.weight, b.weight) and len(fits) == 2


def test_other_rows_seed_or_constants_fit_again(monkeypatch) -> None:
    fits = _counted(monkeypatch, tabular_excess, "fit_full_batch")
    monkeypatch.setattr(tabular_excess, "REFERENCE_STEPS", 4)
    x, y = _rows(1)
    tabular_search.reference_model(x, y, 2, seed=0)
    tabular_search.reference_model(x, y, 2, seed=2)  # another seed
    tabular_search.reference_model(_rows(2)[0], y, 2, seed=0)  # other rows
    monkeypatch.setattr(tabular_excess, "REFERENCE_LR", 0.5)  # another fit
    tabular_search.reference_model(x, y, 2, seed=0)
    assert len(fits) == 4


def test_twins_are_shared_for_the_same_model_rows_seed_and_fit_only(monkeypatch) -> None:
    """The twins (stop 62) likewise: keyed by the model's weights, the rows, count, seed, fit
    and the twins' constants; ``twin_networks`` called directly is never cached."""
    from trojanscope.detect import tabular_twins

    fits = _counted(monkeypatch, tabular_twins, "fresh_copy")
    monkeypatch.setattr(tabular_twins, "DISTIL_STEPS", 3)  # a key of its own, and fast
    x, y = _rows(3)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    a = tabular_search.twin_networks(model, x, y, 1, 7, "distil")
    b = tabular_search.twin_networks(model, x.clone(), y.clone(), 1, 7, "distil")
    assert len(fits) == 1 and a[0] is not b[0]
    assert all(torch.equal(p, q) for p, q in zip(a[0].parameters(), b[0].parameters(),
                                                 strict=True))
    tabular_search.twin_networks(model, x, y, 1, 8, "distil")  # another seed
    tabular_search.twin_networks(model, x, y, 2, 7, "distil")  # another count
    with torch.no_grad():
        model[0].bias[0] += 0.5  # other weights
    tabular_search.twin_networks(model, x, y, 1, 7, "distil")
    assert len(fits) == 1 + 1 + 2 + 1
    tabular_twins.twin_networks(model, x, y, 1, 7, "distil")  # the direct call: never cached
    assert len(fits) == 6
