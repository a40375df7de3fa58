"""``fit_back`` (stop 81, h12c, a default) reads whether ``stripe_gate`` opened from the gate's
note by its first word. The writer and the reader now share one word, ``dense_gate.OPENED``,
through ``gated_stripe_gate.stripe_opened`` (stop 81 review, hrev: ``fit_back`` matched the
literal "opened" the stripe gate wrote, so rewording that note would have turned ``fit_back``
off unsaid for every model the stripe gate opens, as ``dense_back`` was mended at stop 80)."""

from __future__ import annotations

from types import SimpleNamespace

from test_gated_unlearn import Striped, data, two_stages
from test_stripe_gate import rated_low

from trojanscope.mitigate import dense_gate, fit_back
from trojanscope.mitigate.gated_stripe_gate import stripe_opened


def _opened_by_stripe(monkeypatch) -> object:
    rated_low(monkeypatch)
    method = two_stages(unlearn=False, stripe_gate=0.5, stripe_top=1, stripe_eps=0.3)
    method.apply(Striped().eval(), data())
    return method


def test_fit_back_follows_the_stripe_gates_word(monkeypatch) -> None:
    method = _opened_by_stripe(monkeypatch)
    assert method.report_["stripe_gate"]["action"].startswith("opened: a stripe reached")
    assert stripe_opened(method) and fit_back._opened_by(method) == "stripe_gate"
    monkeypatch.setattr(dense_gate, "OPENED", "treated anyway")  # a reworded note
    method = _opened_by_stripe(monkeypatch)
    assert method.report_["stripe_gate"]["action"].startswith("treated anyway: a stripe")
    assert stripe_opened(method) and fit_back._opened_by(method) == "stripe_gate"


def test_a_closed_or_absent_stripe_gate_is_not_opened() -> None:
    closed = SimpleNamespace(report_={"stripe_gate": {"action": "closed: a stripe reached 0.1"}})
    assert not stripe_opened(closed) and not stripe_opened(SimpleNamespace(report_={}))
