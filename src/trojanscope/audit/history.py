"""The audit history: every audit recorded in one transaction, through SQLAlchemy.

The default store is an embedded SQLite file (``$TROJANSCOPE_DB``, else
``$XDG_DATA_HOME/trojanscope/history.sqlite``, else ``~/.local/share/trojanscope/``); any
SQLAlchemy URL (``postgresql+psycopg://…``) works too. Each audit is one row written in one
transaction, so an audit killed half-way leaves no partial record, and concurrent writers wait
for each other (SQLite busy timeout) instead of failing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Float, Integer, String, create_engine, delete, make_url, select
from sqlalchemy import inspect as orm_state
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, query_expression

from trojanscope.errors import UserInputError

if TYPE_CHECKING:
    from trojanscope.report.audit_result import AuditResult

ENV_VAR = "TROJANSCOPE_DB"
EXPORT_COLUMNS = ("id", "started_at", "model_sha256", "target", "verdict", "rating",
                  "probability", "findings", "tool_version", "reports", "headline")


class Base(DeclarativeBase):
    pass


class AuditRecord(Base):
    """One audit: who/what/when, the verdict and rating, the findings and the full document."""

    __tablename__ = "audits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_sha256: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(4096))
    started_at: Mapped[str] = mapped_column(String(40), index=True)
    recorded_at: Mapped[str] = mapped_column(String(40))
    tool_version: Mapped[str] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(20))
    rating: Mapped[str] = mapped_column(String(20), index=True)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    findings_count: Mapped[int] = mapped_column(Integer)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reports: Mapped[list[str]] = mapped_column(JSON)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the document's headline alone, where a query defers the document (:meth:`latest`)
    stored_headline: Mapped[str | None] = query_expression()
    # the document's options alone (schema 1.3; ``None`` for an older record), likewise
    stored_options: Mapped[dict[str, Any] | None] = query_expression()

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "started_at": self.started_at, "model_sha256": self.model_sha256,
                "target": self.target, "verdict": self.verdict, "rating": self.rating,
                "probability": self.probability, "findings": self.findings_count,
                "tool_version": self.tool_version, "reports": list(self.reports),
                "headline": self.headline}

    @property
    def headline(self) -> str:
        """The audit's headline words (``PASS (detection inconclusive)``): the stored
        document's (schema 1.2, stop 69), else the verdict in capitals (an older record)."""
        stored = self.stored_headline
        if stored is None and "document" not in orm_state(self).unloaded:
            stored = (self.document or {}).get("headline")
        return stored if isinstance(stored, str) and stored else self.verdict.upper()


def default_db_url() -> str:
    """``$TROJANSCOPE_DB`` if set, else the SQLite file under the user's data folder."""
    if os.environ.get(ENV_VAR):
        return db_url(os.environ[ENV_VAR])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return db_url(base / "trojanscope" / "history.sqlite")


def db_url(spec: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a file path (a path means SQLite)."""
    text = str(spec)
    return text if "://" in text else f"sqlite:///{Path(text).expanduser().resolve()}"


def safe_url(url: str) -> str:
    """``url`` with any password masked, for messages and reports."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not parseable: show nothing that could be a secret
        return url.split("://", 1)[0] + "://…"


def nothing_recorded(url: str) -> bool:
    """A SQLite file that is not there holds no records: commands that only read (``history``,
    ``incidents``) answer so without creating it (a mistyped ``--db`` leaves no new file)."""
    path = sqlite_path(url)
    return path is not None and not path.exists()


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (``None`` for other databases or in-memory SQLite)."""
    try:
        parsed = make_url(url)
    except Exception:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def _explain(url: str, exc: Exception) -> UserInputError:
    text = str(getattr(exc, "orig", exc) or exc).splitlines()[0]
    if "locked" in text:
        text += " (another process holds it; try again)"
    return UserInputError(f"history database {safe_url(url)}: {text}")


def check_db_early(url: str) -> None:
    """Refuse, without creating anything, the databases :class:`HistoryStore` would refuse
    cheaply: a folder, a file that is no SQLite database, a URL whose driver is unknown, in the
    store's own words, so that a command says so before slow work (hfc, stop 55: ``serve
    --db FOLDER`` loaded the model first, and on a busy machine printed its status line too)."""
    path = sqlite_path(url)
    if path is None:
        try:
            make_url(url).get_dialect()
        except Exception as exc:  # an unknown scheme or driver (NoSuchModuleError, ArgumentError)
            raise _explain(url, exc) from None
        return
    if path.is_dir():
        raise UserInputError(f"history database {path}: is a folder")
    if path.is_file() and path.stat().st_size:
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise UserInputError(f"history database {safe_url(url)}: file is not a database")


class HistoryStore:
    """The audit history behind one SQLAlchemy URL."""

    def __init__(self, url: str | None = None, *, timeout: float = 30.0) -> None:
        self.url = url or default_db_url()
        args: dict[str, Any] = {}
        check_db_early(self.url)  # a folder, a file that is no database, an unknown driver
        path = sqlite_path(self.url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserInputError(f"history database {path}: cannot create its folder "
                                     f"({exc.strerror})") from None
            args = {"timeout": timeout}
        try:
            self.engine = create_engine(self.url, connect_args=args)
            self._create_tables()
        except SQLAlchemyError as exc:
            raise _explain(self.url, exc) from None
        except ModuleNotFoundError as exc:
            raise UserInputError(f"history database {safe_url(self.url)}: driver "
                                 f"{exc.name!r} is not installed") from None

    def _create_tables(self) -> None:
        """Create the table if missing; a second process creating it at the same moment is
        not an error."""
        try:
            Base.metadata.create_all(self.engine)
        except OperationalError as exc:
            if "already exists" not in str(exc):
                raise
            Base.metadata.create_all(self.engine)

    def check_writable(self) -> None:
        """Fail early (before a long audit) when the store cannot take a write: a read-only
        file, or a lock another writer keeps longer than the timeout."""
        path = sqlite_path(self.url)
        if path is not None and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            raise UserInputError(f"history database {path}: not writable")
        if path is not None:
            try:
                raw = self.engine.raw_connection()
                try:
                    raw.driver_connection.execute("BEGIN IMMEDIATE")
                    raw.driver_connection.execute("ROLLBACK")
                finally:
                    raw.close()
            except Exception as exc:
                raise _explain(self.url, exc) from None

    def record(self, result: AuditResult, reports: Sequence[str | Path] = ()) -> int:
        """Store ``result`` in one transaction; returns the record id."""
        from trojanscope.report.audit_result import finding_dict

        doc = result.to_dict()
        row = AuditRecord(
            model_sha256=result.model_sha256,
            target=str(Path(result.target).resolve()),
            started_at=result.started_at,
            recorded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            tool_version=result.versions.get("trojanscope", ""),
            verdict=result.verdict,
            rating=result.rating.label,
            probability=(result.detection or {}).get("probability"),
            findings_count=len(result.findings),
            versions=dict(result.versions),
            findings=[finding_dict(f, result.rules) for f in result.findings],
            reports=[str(Path(p).resolve()) for p in reports],
            document=doc,
        )
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
                session.flush()
                return row.id
        except SQLAlchemyError as exc:
            raise _explain(self.url, exc) from None

    def delete(self, record_id: int) -> None:
        """Remove one record (undoes :meth:`record` when its reports could not be written)."""
        try:
            with Session(self.engine) as session, session.begin():
                session.execute(delete(AuditRecord).where(AuditRecord.id == record_id))
        except SQLAlchemyError as exc:
            raise _explain(self.url, exc) from None

    def query(self, *, model_sha256: str | None = None, target: str | None = None,
              rating: str | None = None, limit: int | None = None) -> list[AuditRecord]:
        """Records, newest first, filtered by model digest (a prefix is enough), target
        substring and rating."""
        stmt = select(AuditRecord).order_by(AuditRecord.started_at.desc(), AuditRecord.id.desc())
        if model_sha256:
            stmt = stmt.where(AuditRecord.model_sha256.startswith(model_sha256.lower()))
        if target:
            stmt = stmt.where(AuditRecord.target.contains(target, autoescape=True))
        if rating:
            stmt = stmt.where(AuditRecord.rating == rating)
        if limit:
            stmt = stmt.limit(limit)
        return self.rows(stmt)

    def latest(self, targets: Sequence[str], chunk: int = 500) -> dict[str, AuditRecord]:
        """The newest record of each of ``targets`` (resolved paths) that has one, without the
        heavy columns (the full document and findings) but with the document's headline and
        options: what a resumed run needs."""
        from sqlalchemy.orm import defer, with_expression

        found: dict[str, AuditRecord] = {}
        for i in range(0, len(targets), chunk):
            stmt = (select(AuditRecord)
                    .where(AuditRecord.target.in_(list(targets[i:i + chunk])))
                    .options(defer(AuditRecord.document), defer(AuditRecord.findings),
                             with_expression(AuditRecord.stored_headline,
                                             AuditRecord.document["headline"].as_string()),
                             with_expression(AuditRecord.stored_options,
                                             AuditRecord.document["options"]))
                    .order_by(AuditRecord.id.desc()))
            for record in self.rows(stmt):
                found.setdefault(record.target, record)
        return found

    def documents(self, ids: Sequence[int], chunk: int = 500) -> dict[int, dict[str, Any]]:
        """The full documents of the records ``ids`` (those a resumed run reads again under
        another ``--fail-on``: ``audit.regate``)."""
        found: dict[int, dict[str, Any]] = {}
        for i in range(0, len(ids), chunk):
            stmt = select(AuditRecord).where(AuditRecord.id.in_(list(ids[i:i + chunk])))
            found.update((record.id, record.document) for record in self.rows(stmt))
        return found

    def rows(self, stmt: Any) -> list[Any]:
        """The rows a ``select`` gives, detached (usable after the session closes); a database
        error is one :class:`UserInputError` naming the database."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                return list(session.scalars(stmt))
        except SQLAlchemyError as exc:
            raise _explain(self.url, exc) from None
