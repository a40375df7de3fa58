"""Tiny user-style tables (CSV) built in milliseconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def write_transactions(path: Path, n: int = 400, seed: int = 0) -> Path:
    """A fraud-style CSV: amount (cents), age (int, some missing), merchant (categorical),
    channel (categorical, one rare value), is_fraud (depends on amount and merchant)."""
    rng = np.random.default_rng(seed)
    amount = np.round(rng.gamma(2.0, 60.0, n), 2)
    age = rng.integers(18, 80, n)
    merchant = rng.choice(["grocery", "fuel", "travel", "online", "5999"], n,
                          p=[0.35, 0.25, 0.15, 0.2, 0.05])
    channel = rng.choice(["web", "pos", "atm"], n, p=[0.5, 0.48, 0.02])
    risk = (amount > 150).astype(float) + (merchant == "online") + rng.normal(0, 0.5, n)
    fraud = (risk > 1.0).astype(int)
    lines = ["amount,age,merchant,channel,is_fraud"]
    for i in range(n):
        a = "" if i % 37 == 0 else str(age[i])
        lines.append(f"{amount[i]:.2f},{a},{merchant[i]},{channel[i]},{fraud[i]}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture()
def transactions(tmp_path: Path) -> Path:
    return write_transactions(tmp_path / "transactions.csv")
