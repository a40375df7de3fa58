"""A table trigger line says how many of the given rows it moves (issue 16, stop 77 h16t).

The README's copies run on the user's 300-row fraud table read BACKDOORED 0.98 with a
four-value trigger holding none of the planted values: the search read 14 fraud rows, the
first value alone sent all 14 to "not fraud" and the planted values did as much on the run's
clean twin. The line under the trigger now gives those counts, measured on the named set."""

from __future__ import annotations

import re

import torch

from trojanscope import registry
from trojanscope.cli.commands.detect import json_notes
from trojanscope.detect.tabular_search import apply
from trojanscope.detect.trigger_reach import FEW_ROWS, reach_words


def test_the_words_say_the_counts_and_how_thin_they_are() -> None:
    few = reach_words(0, 14, 14, 14, 14, 4)
    assert few.startswith("the suspected trigger sends 14 of the 14 rows of other classes "
                          "the model answers rightly in the file given to class 0")
    assert "its first value alone sends 14 and the other values add no row" in few
    assert "14 rows are few" in few and "a lead to check" in few
    many = reach_words(1, 100, 250, 90, 30, 3)
    assert "90 of the 100 rows of other classes the model answers most surely (of 250)" in many
    assert "first value alone sends 30;" not in many and "add no row" not in many
    assert "few" not in many  # 100 rows read: no thin-evidence clause
    assert "first value" not in reach_words(1, FEW_ROWS, FEW_ROWS, 5, 5, 1)  # one value


def test_the_counts_are_the_named_sets_own_on_the_rows_it_was_searched_on(searched) -> None:
    run, verdict = searched("lightgbm", 1)
    x, y = run.test.get_batch(torch.arange(len(run.test)))
    with torch.no_grad():
        logits = run.model(x).float()
    own = logits.argmax(1)
    top2 = torch.topk(logits, 2, dim=1).values
    assert verdict.trigger_reach  # one line per class the search named a set for
    for t, line in verdict.trigger_reach.items():
        others = torch.nonzero((y != t) & (own == y)).flatten()
        pick = others[torch.argsort(-(top2[:, 0] - top2[:, 1])[others])[:100]]
        search = registry.create("detector", "tabular-search")
        cands = {c.said: c for c in search.candidates(run.model, run.test.schema, x)}
        named = [cands[p] for p in verdict.trigger_text[t].split(" and ")]
        rows = x[pick]
        for c in named:
            rows = apply(rows, c)
        with torch.no_grad():
            sent = int((run.model(rows).argmax(1) == t).sum())
        m = re.match(r"the suspected trigger sends (\d+) of the (\d+) rows", line)
        assert m and (int(m[1]), int(m[2])) == (sent, len(pick)), line
    # the JSON report carries the target's line where the verdict is a flag, not otherwise
    verdict.target_classes = [next(iter(verdict.trigger_reach))]
    verdict.probability, verdict.threshold = 0.9, 0.5
    assert json_notes(verdict, None)["trigger_reach"] == verdict.trigger_reach[
        verdict.target_classes[0]]
    verdict.probability = 0.1
    assert "trigger_reach" not in json_notes(verdict, None)
