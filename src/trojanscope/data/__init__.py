"""Datasets: bundled (offline) sets, user data loaders and the poisoned-dataset view."""

from trojanscope.data.dataset import BatchDataset, TensorDataset, make_dataset, stratified_split
from trojanscope.data.resolve import load_dataset

__all__ = ["BatchDataset", "TensorDataset", "load_dataset", "make_dataset", "stratified_split"]
