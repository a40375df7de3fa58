"""Tabular data: tables (CSV, Parquet, bundled credit sets), their schema and encoding."""

from trojanscope.data.tabular.schema import Column, TabularSchema
from trojanscope.data.tabular.table import TabularDataset, schema_of, table_dataset

__all__ = ["Column", "TabularDataset", "TabularSchema", "schema_of", "table_dataset"]
