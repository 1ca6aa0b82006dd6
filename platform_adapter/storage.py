"""Storage with SQLAlchemy Core: accounts, their Stripe links and facts, every event, the catalogue.

SQLite (the default, one file) runs in WAL mode and takes the write lock when a write transaction
begins (`BEGIN IMMEDIATE`), so workers in other processes queue instead of failing; PostgreSQL uses
row locks and advisory locks on the event's keys instead.
"""

import json
import logging
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import (BigInteger, Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table,
                        Text, create_engine, event, func, select, text)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from .accounts import AccountState
from .errors import ConfigError, StorageError
from .facts import Fact, Keys

log = logging.getLogger(__name__)
metadata = MetaData()

accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(200), nullable=False, unique=True),
    Column("email", String(320), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("account_type", String(40)),
    Column("paid_until", BigInteger),
    Column("auto_renew", Boolean, nullable=False, default=False),
    Column("subscription_id", String(255)),
    Column("updated_at", Float))
links = Table(
    "stripe_links", metadata,
    Column("kind", String(20), primary_key=True),  # "customer" | "subscription"
    Column("stripe_id", String(255), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("event_created", BigInteger, nullable=False),
    Column("linked_at", Float, nullable=False))
events = Table(
    "stripe_events", metadata,
    Column("id", String(255), primary_key=True),
    Column("type", String(100), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("api_version", String(40)),
    Column("received_at", Float, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("reason", Text),
    Column("account_id", Integer, ForeignKey("accounts.id"), index=True),
    Column("account_ref", String(200), index=True),
    Column("customer_id", String(255), index=True),
    Column("subscription_id", String(255), index=True),
    Column("facts", Text),  # a pending event's facts, applied once its customer or subscription is linked
    Column("payload", Text, nullable=False))
deliveries = Table(
    "stripe_deliveries", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(255), ForeignKey("stripe_events.id"), nullable=False, index=True),
    Column("received_at", Float, nullable=False),
    Column("duplicate", Boolean, nullable=False))
facts_table = Table(
    "account_facts", metadata,
    Column("account_id", Integer, ForeignKey("accounts.id"), primary_key=True),
    Column("key", String(400), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("data", Text, nullable=False),
    Column("event_id", String(255), nullable=False))
catalogue = Table(
    "stripe_catalogue", metadata,
    Column("price_id", String(255), primary_key=True),
    Column("product_id", String(255), nullable=False),
    Column("metadata", Text, nullable=False),
    Column("fetched_at", Float, nullable=False))


def facts_to_json(facts: tuple[Fact, ...] | list[Fact]) -> str:
    """Serialise facts for a pending event."""
    return json.dumps([{"kind": f.kind, "key": f.key, "data": dict(f.data)} for f in facts])


def facts_from_json(raw: str | None) -> list[Fact]:
    """Read facts written by `facts_to_json`."""
    return [Fact(f["kind"], f["key"], f["data"]) for f in json.loads(raw or "[]")]


class Tx:
    """One open transaction and the queries the platform makes in it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    def _insert(self, table: Table):
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    def lock_keys(self, keys: Keys) -> None:
        """Serialise events that share an account key (PostgreSQL; SQLite's write lock already does)."""
        if self.dialect != "postgresql":
            return
        names = sorted({f"{kind}:{value}" for kind, value in (("ref", keys.ref), ("customer", keys.customer),
                                                               ("subscription", keys.subscription)) if value})
        for name in names:
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                              {"k": zlib.crc32(name.encode()) - 2**31})

    # ---- events -----------------------------------------------------------------------------
    def insert_event(self, *, id: str, type: str, created: int, api_version: str | None, payload: str,
                     received_at: float) -> bool:
        """Claim the event id; False when another delivery (perhaps in another worker) already has it."""
        stmt = self._insert(events).values(id=id, type=type, created=created, api_version=api_version,
                                           payload=payload, received_at=received_at, outcome="processing")
        return self.conn.execute(stmt.on_conflict_do_nothing(index_elements=["id"])).rowcount == 1

    def event_exists(self, event_id: str) -> bool:
        """Whether the event was received before."""
        return self.conn.execute(select(events.c.id).where(events.c.id == event_id)).first() is not None

    def finish_event(self, event_id: str, outcome: str, *, reason: str | None = None, account_id: int | None = None,
                     account_ref: str | None = None, keys: Keys = Keys(), facts: str | None = None) -> None:
        """Record what processing the event did."""
        self.conn.execute(events.update().where(events.c.id == event_id).values(
            outcome=outcome, reason=reason, account_id=account_id, account_ref=account_ref,
            customer_id=keys.customer, subscription_id=keys.subscription, facts=facts))

    def add_delivery(self, event_id: str, received_at: float, duplicate: bool) -> None:
        """Log one delivery of an event."""
        self.conn.execute(deliveries.insert().values(event_id=event_id, received_at=received_at, duplicate=duplicate))

    def pending_for(self, kind: str, stripe_id: str) -> list:
        """Pending events waiting for this customer or subscription to be linked."""
        column = events.c.customer_id if kind == "customer" else events.c.subscription_id
        return list(self.conn.execute(select(events).where(events.c.outcome == "pending", column == stripe_id)
                                      .order_by(events.c.created, events.c.id)))

    def list_deliveries(self, account_ref: str | None = None, limit: int = 1000) -> list:
        """Deliveries with their event, in arrival order; optionally only those about one account."""
        query = select(deliveries.c.seq, deliveries.c.received_at.label("delivered_at"), deliveries.c.duplicate,
                       events).join(events, events.c.id == deliveries.c.event_id)
        if account_ref is not None:
            query = query.where(events.c.account_ref == account_ref)
        return list(self.conn.execute(query.order_by(deliveries.c.seq).limit(limit)))

    # ---- accounts ---------------------------------------------------------------------------
    def create_account(self, ref: str, email: str, now: float) -> None:
        """Insert a new account."""
        self.conn.execute(accounts.insert().values(ref=ref, email=email, created_at=now, auto_renew=False))

    def account_by_ref(self, ref: str, *, lock: bool = False):
        """The account row with this reference, or None."""
        query = select(accounts).where(accounts.c.ref == ref)
        return self.conn.execute(query.with_for_update() if lock else query).first()

    def lock_account(self, account_id: int):
        """Lock the account row for this transaction (a no-op on SQLite, already serialised)."""
        return self.conn.execute(select(accounts).where(accounts.c.id == account_id).with_for_update()).first()

    def save_state(self, account_id: int, state: AccountState, now: float) -> None:
        """Store the derived state."""
        self.conn.execute(accounts.update().where(accounts.c.id == account_id).values(
            account_type=state.account_type, paid_until=state.paid_until, auto_renew=state.auto_renew,
            subscription_id=state.subscription, updated_at=now))

    def account_by_link(self, kind: str, stripe_id: str | None) -> int | None:
        """The account a customer or subscription is linked to."""
        if not stripe_id:
            return None
        return self.conn.execute(select(links.c.account_id).where(
            links.c.kind == kind, links.c.stripe_id == stripe_id)).scalar()

    def link(self, account_id: int, kind: str, stripe_id: str, event_created: int, now: float) -> bool:
        """Link a customer or subscription to the account; False when it was linked already."""
        stmt = self._insert(links).values(kind=kind, stripe_id=stripe_id, account_id=account_id,
                                          event_created=event_created, linked_at=now)
        return self.conn.execute(stmt.on_conflict_do_nothing(index_elements=["kind", "stripe_id"])).rowcount == 1

    def latest_link(self, account_id: int, kind: str) -> str | None:
        """The most recently proven customer (or subscription) of the account."""
        return self.conn.execute(select(links.c.stripe_id).where(links.c.account_id == account_id, links.c.kind == kind)
                                 .order_by(links.c.event_created.desc(), links.c.stripe_id.desc()).limit(1)).scalar()

    def add_facts(self, account_id: int, facts: list[Fact] | tuple[Fact, ...], event_id: str) -> None:
        """Keep what an event proved; a fact proved before stays as it is."""
        for fact in facts:
            stmt = self._insert(facts_table).values(account_id=account_id, key=fact.key, kind=fact.kind,
                                                    data=json.dumps(dict(fact.data)), event_id=event_id)
            self.conn.execute(stmt.on_conflict_do_nothing(index_elements=["account_id", "key"]))

    def facts(self, account_id: int) -> list[Fact]:
        """Everything proved about the account."""
        rows = self.conn.execute(select(facts_table.c.kind, facts_table.c.key, facts_table.c.data)
                                 .where(facts_table.c.account_id == account_id))
        return [Fact(kind, key, json.loads(data)) for kind, key, data in rows]

    # ---- catalogue --------------------------------------------------------------------------
    def catalogue_entry(self, price_id: str):
        """The cached product of a price, or None."""
        return self.conn.execute(select(catalogue).where(catalogue.c.price_id == price_id)).first()

    def remember_price(self, price_id: str, product_id: str, product_metadata: dict, now: float) -> None:
        """Cache a price's product and its metadata."""
        stmt = self._insert(catalogue).values(price_id=price_id, product_id=product_id,
                                              metadata=json.dumps(product_metadata), fetched_at=now)
        self.conn.execute(stmt.on_conflict_do_update(index_elements=["price_id"], set_={
            "product_id": product_id, "metadata": json.dumps(product_metadata), "fetched_at": now}))

    def count(self, table: Table) -> int:
        """Rows in a table (for tests and the probe)."""
        return self.conn.execute(select(func.count()).select_from(table)).scalar_one()


class Store:
    """The database: an engine and the transactions the platform runs on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        try:
            # Workers starting together must not both create the schema: take the write lock first.
            with self.write() as tx:
                tx.lock_keys(Keys(ref="schema"))
                metadata.create_all(tx.conn)
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot create the schema at {self.engine.url!r}: {exc}") from exc
        if not isinstance(self.engine.pool, StaticPool):
            # Drop start-up connections so forked workers (gunicorn --preload) each open their own.
            self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction: commits on success, rolls back on any error."""
        with self.engine.connect() as conn:
            conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield Tx(conn)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read-only transaction."""
        with self.engine.connect() as conn, conn.begin():
            yield Tx(conn)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # An in-memory database lives in one connection, so every checkout must share it.
        pool = {"poolclass": StaticPool} if path in ("", ":memory:") else {}
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **pool)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql"):
        try:
            return create_engine(url, pool_pre_ping=True)
        except ModuleNotFoundError as exc:
            raise ConfigError(f"no driver for {url.split(':', 1)[0]}: pip install 'psycopg[binary]' ({exc})") from exc
    raise ConfigError(f"unsupported database URL {url!r}: use sqlite:///path or postgresql+psycopg://…")


def _sqlite_connect(dbapi_conn, _record) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is DEFERRED).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes the lock up front: a deferred one could fail to upgrade mid-way.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
