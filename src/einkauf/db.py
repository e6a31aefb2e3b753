"""Database set-up: declarative base with a naming convention, engines, sessions, exact number types.

Money and quantities are stored as scaled integers (R1): SQLite has no decimal type, and
integers sum exactly in SQL on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, cast

from sqlalchemy import BigInteger, CursorResult, DateTime, MetaData, Table, create_engine, event, literal, type_coerce
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from einkauf.money import InexactValue

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    __table__: ClassVar[Table]  # every model maps one table (SQLAlchemy types it as any FromClause)


class ScaledDecimal(TypeDecorator):
    """A Decimal stored as an integer number of 10**-places units.

    Binding a value with more places than the column holds raises InexactValue instead of
    silently rounding: rounding is a business rule (R1) and happens in the services.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places
        self.factor = 10**places
        self.quantum = Decimal(1).scaleb(-places)

    def process_bind_param(self, value: Any, dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("float is not accepted for exact amounts; use Decimal")
        try:
            scaled = Decimal(value) * self.factor
        except InvalidOperation as exc:  # pragma: no cover - defensive
            raise InexactValue(f"not a number: {value!r}") from exc
        if not scaled.is_finite() or scaled != scaled.to_integral_value():
            raise InexactValue(f"{value} needs more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / self.factor).quantize(self.quantum)

    def copy(self, **kw):
        return ScaledDecimal(self.places)


def Money() -> ScaledDecimal:
    """Euro amounts, exact to the cent."""
    return ScaledDecimal(2)


def Quantity() -> ScaledDecimal:
    """Quantities, exact to a thousandth of a unit."""
    return ScaledDecimal(3)


def Percent() -> ScaledDecimal:
    """Percentages such as VAT rates or buffers, two decimal places."""
    return ScaledDecimal(2)


def line_value_cents_sql(quantity_col, price_col):
    """SQL expression: quantity (thousandths) × price (cents) rounded half-up to whole cents.

    Both operands are non-negative integers, so (q·p + 500) div 1000 is half-up rounding
    on SQLite and PostgreSQL alike. The result is an integer number of cents.
    """
    product = type_coerce(quantity_col, BigInteger) * type_coerce(price_col, BigInteger)
    return (product + literal(500, BigInteger)) // literal(1000, BigInteger)


class UtcDateTime(TypeDecorator):
    """Timezone-aware datetimes stored as naive UTC; always returned aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current moment, aware UTC (einkauf.clock: tests may fix it)."""
    from einkauf import clock

    return clock.now()


# --- engines -------------------------------------------------------------------------------

# Whether the current unit of work intends to write. SQLite then starts with BEGIN IMMEDIATE
# so that a read-then-write transaction does not fail with "database is locked" under WAL.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("einkauf_write_intent", default=True)


# How long a SQLite write waits for another one's lock before it gives up ("database is
# locked"). The web app uses a short wait and answers 503 "busy, try again" (issue 11); the
# command line keeps the long one.
CLI_BUSY_TIMEOUT = 30.0
WEB_BUSY_TIMEOUT = 5.0


def make_engine(url: str, *, busy_timeout: float = CLI_BUSY_TIMEOUT, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout, foreign keys and explicit BEGINs."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {})
        kwargs["connect_args"].setdefault("timeout", busy_timeout)
        kwargs["connect_args"].setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)
        memory = url in ("sqlite://", "sqlite:///:memory:")

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, connection_record):
            # Let SQLAlchemy (not pysqlite) control transactions, so savepoints work.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql"):
        # The same bound on waiting for a row or table lock; past it a web request answers 503.
        connect_args = kwargs.setdefault("connect_args", {})
        options = connect_args.get("options", "")
        connect_args["options"] = f"{options} -c lock_timeout={int(busy_timeout * 1000)}".strip()
    return create_engine(url, **kwargs)


def make_session_factory(bind) -> sessionmaker[Session]:
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work for the CLI: commit at the end, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()



def claim_version(session: Session, model: Any, record: Any, expected_version: int) -> None:
    """Compare-and-increment a record's version in one UPDATE; zero rows means stale (R11).

    Raises einkauf.errors.StaleVersion."""
    from sqlalchemy import update

    from einkauf.errors import StaleVersion

    if record.version != expected_version:
        raise StaleVersion()
    result = cast(CursorResult[Any], session.execute(  # an UPDATE gives a CursorResult (rowcount)
        update(model).where(model.id == record.id, model.version == expected_version)
        .values(version=expected_version + 1)
    ))
    if result.rowcount != 1:
        raise StaleVersion()


# A statement's bound parameters must not grow with user input: SQLite allows 32,766 per
# statement, PostgreSQL 65,535. An IN (...) over ids from a form or a file is run in chunks.
IN_CHUNK = 500


def in_chunks(values: Any, size: int = IN_CHUNK) -> Iterator[list]:
    """The values (sorted, without duplicates) in lists of at most `size`, for `column.in_(chunk)`."""
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


# --- issue 11: database errors a user can cause by timing, never a 500 ------------------------

def is_unique_violation(exc: BaseException) -> bool:
    """Whether an IntegrityError is a unique (or primary key) constraint that refused a row."""
    from sqlalchemy.exc import IntegrityError

    if not isinstance(exc, IntegrityError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation
        return True
    return getattr(orig, "sqlite_errorname", "") in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY") \
        or "UNIQUE constraint failed" in str(orig)


# lock_not_available (lock_timeout), serialization_failure, deadlock_detected
_BUSY_SQLSTATES = {"55P03", "40001", "40P01"}


def database_error_kind(exc: BaseException) -> str | None:
    """'conflict' for a constraint the data violates (usually two saves at once), 'busy' for
    a lock that could not be had in time or a transaction the database gave up; None else."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    if isinstance(exc, IntegrityError):
        return "conflict"
    if isinstance(exc, OperationalError):
        orig = exc.orig
        if getattr(orig, "sqlstate", None) in _BUSY_SQLSTATES:
            return "busy"
        text = str(orig).lower()
        if "database is locked" in text or "database is busy" in text or "database table is locked" in text:
            return "busy"
    return None


@contextmanager
def unique_or(session: Session, error: Exception) -> Iterator[None]:
    """Run the block in a savepoint; a unique violation undoes it and raises `error` (a
    DomainError with a German message) instead: the row exists, maybe committed a moment ago
    by a concurrent request."""
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise error from exc
