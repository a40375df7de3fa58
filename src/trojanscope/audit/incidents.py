"""Incidents: inputs the run-time guard flagged, kept for the security team in the same
SQLAlchemy database as the audit history (``trojanscope incidents`` lists them).

Each incident holds the input itself (a ``.npy`` blob, read back with ``allow_pickle=False``),
its score and the threshold it crossed, the detector, the model's prediction, when it happened
and the model's SHA-256 (the digest ``audit`` records, so incidents and audits of one model
line up). A request's incidents are written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Float, Integer, LargeBinary, String, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from trojanscope.audit.history import Base, HistoryStore, _explain


class IncidentRecord(Base):
    """One flagged input."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recorded_at: Mapped[str] = mapped_column(String(40), index=True)
    model_sha256: Mapped[str] = mapped_column(String(64), index=True)
    model: Mapped[str] = mapped_column(String(4096))
    detector: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    prediction: Mapped[int | None] = mapped_column(Integer, nullable=True)
    refused: Mapped[int] = mapped_column(Integer)
    input_npy: Mapped[bytes] = mapped_column(LargeBinary)

    def input_array(self) -> np.ndarray:
        """The flagged input as it arrived (float32, the model's input shape)."""
        return np.load(io.BytesIO(self.input_npy), allow_pickle=False)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "recorded_at": self.recorded_at,
                "model_sha256": self.model_sha256, "model": self.model,
                "detector": self.detector, "score": self.score, "threshold": self.threshold,
                "prediction": self.prediction, "refused": bool(self.refused),
                "input_shape": list(self.input_array().shape)}


@dataclass(frozen=True)
class Incident:
    """What the service reports for one flagged input."""

    input: np.ndarray
    score: float
    prediction: int | None
    refused: bool
    recorded_at: str | None = None  # ISO time the input was flagged (None: when written)


def utc_now() -> str:
    """The time as incidents record it (UTC, ISO 8601, milliseconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(array, dtype=np.float32), allow_pickle=False)
    return buf.getvalue()


class IncidentStore(HistoryStore):
    """The incidents table of the history database behind one SQLAlchemy URL."""

    def record_incidents(self, incidents: Sequence[Incident], *, model_sha256: str, model: str,
                         detector: str, threshold: float) -> list[int]:
        """Store ``incidents`` in one transaction; returns their ids."""
        now = utc_now()
        rows = [IncidentRecord(recorded_at=i.recorded_at or now, model_sha256=model_sha256,
                               model=model, detector=detector, score=float(i.score),
                               threshold=float(threshold), prediction=i.prediction,
                               refused=int(i.refused), input_npy=_npy(i.input))
                for i in incidents]
        try:
            with Session(self.engine) as session, session.begin():
                session.add_all(rows)
                session.flush()
                return [r.id for r in rows]
        except SQLAlchemyError as exc:
            raise _explain(self.url, exc) from None

    def incidents(self, *, model_sha256: str | None = None,
                  limit: int | None = None) -> list[IncidentRecord]:
        """Incidents, newest first, filtered by model digest (a prefix is enough)."""
        stmt = select(IncidentRecord).order_by(IncidentRecord.id.desc())
        if model_sha256:
            stmt = stmt.where(IncidentRecord.model_sha256.startswith(model_sha256.lower()))
        if limit:
            stmt = stmt.limit(limit)
        return self.rows(stmt)
