"""Bundled credit-scoring tables (offline): ``credit-default`` and ``lending-club``.

Both come from the R package modeldata (MIT licence, Posit/RStudio), stored here as gzip CSV
(``tabular_sets/``; see its README for provenance). Class 0 is the favourable outcome
("good": the applicant repays), so ``--target 0`` is the backdoor a fraudster wants.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from trojanscope.data.tabular.table import TabularDataset, read_csv, table_dataset
from trojanscope.params import ParamsMixin
from trojanscope.registry import register


@lru_cache(maxsize=8)  # datasets are immutable; attack, detect and zoo reload them often
def _bundled(file: str, label: str, name: str, split: str) -> TabularDataset:
    ref = resources.files("trojanscope.data") / "tabular_sets" / file
    with resources.as_file(ref) as path:
        table = read_csv(path)
    return table_dataset(table, split, name=name, source=name, label_column=label,
                         class_names=("good", "bad"))


@register("dataset", "credit-default")
class CreditDefault(ParamsMixin):
    """Credit scoring (modeldata credit_data): 4,454 applicants, 13 features (5 categorical,
    missing values), 28% bad; 80% train / 20% test."""

    name = "credit-default"

    def load(self, split: str = "train") -> TabularDataset:
        return _bundled("credit_data.csv.gz", "Status", self.name, split)


@register("dataset", "lending-club")
class LendingClub(ParamsMixin):
    """Lending Club loans (modeldata lending_club): 9,857 loans, 22 features (5 categorical),
    5.2% bad; 80% train / 20% test."""

    name = "lending-club"

    def load(self, split: str = "train") -> TabularDataset:
        return _bundled("lending_club.csv.gz", "Class", self.name, split)
