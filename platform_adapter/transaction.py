"""One open transaction (`Tx`) and the queries the platform makes in it; `storage.Store` opens them.

On PostgreSQL a delivery is two round trips: `Tx.look` sends BEGIN, the key locks and every read in
one pipeline, and `Tx.finish` sends the queued writes with the COMMIT. See `database` for how SQLite
and PostgreSQL keep concurrent writers apart.
"""

import json
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from . import batches
from .accounts import AccountState
from .batches import COUNT, ROWS, Step
from .delivery_rows import DeliveryRows
from .facts import Fact, Keys, fact_data
from .queries import (ACCOUNT_BY_ID_LOCKED, ACCOUNT_BY_LINK_LOCKED, ACCOUNT_BY_REF, ACCOUNT_BY_REF_LOCKED,
                      ADD_REDELIVERY, BEGIN, CATALOGUE_ENTRY, COMMIT, EVENT_EXISTS, FACTS_BY_LINK, FACTS_BY_REF, FACTS_OF,
                      LINKS_OF, PENDING_OF, SAVE_STATE, SETTLE_PENDING, advisory_locks, insert_row, insert_new, upserts)
from .schema import (PENDING, accounts, config_table, events, facts_table, links, products_table, tax_rates_table,
                     web_sessions_table)

UNIQUE_VIOLATION, EVENTS_KEY = "23505", f"{events.name}_pkey"  # PostgreSQL's code, and its name for the primary key


class EventStoredAlready(Exception):
    """Another delivery stored the event id first: the transaction rolled back, nothing of it was kept."""


@dataclass(frozen=True)
class Seen:
    """What a delivery's transaction found once it held the locks of its keys."""

    stored: bool  # the event id is stored already (a delivery storing it meanwhile fails at insert_event)
    links: dict[str, int]  # "customer"|"subscription" -> account id, for the keys that are linked
    account: Any  # the account row (by reference, else by link), locked; None when there is none
    facts: list[Fact]  # that account's facts
    pending: list  # when a key is not linked yet: pending events naming the keys' customer or subscription


class Tx(DeliveryRows):
    """One open transaction and the queries the platform makes in it."""

    def __init__(self, conn: Connection, known_links: dict | None = None, *, begin_pending: bool = False) -> None:
        self._conn = conn
        self.begin_pending = begin_pending  # BEGIN goes out with this transaction's first statements
        self.commits_with_writes = begin_pending  # and COMMIT with its last writes (see `finish`)
        self.dialect = conn.dialect.name
        self.upsert = upserts(self.dialect)
        self.known_links = {} if known_links is None else known_links
        self.queued: list[Step] = []
        self.wrote = False
        self.committing = False

    def _lock_step(self, keys: Keys, event_id: str | None = None) -> Step | None:
        """The statement that serialises events sharing an account key (PostgreSQL; SQLite's write lock does)."""
        if self.dialect != "postgresql":
            return None
        # Every transaction takes its locks in one order (ascending), so two of them never wait on each other.
        locks = sorted({zlib.crc32(f"{kind}:{value}".encode()) - 2**31 for kind, value in (
            ("ref", keys.ref), ("customer", keys.customer), ("subscription", keys.subscription)) if value})
        if not locks:
            return None
        params = {f"k{i}": lock for i, lock in enumerate(locks)}
        if event_id is None:
            return Step(advisory_locks(len(locks)), params)
        return Step(advisory_locks(len(locks), and_stored=True), {**params, "event_id": event_id}, ROWS)

    @property
    def conn(self) -> Connection:
        """The connection, its transaction begun (for statements run through SQLAlchemy)."""
        if self.begin_pending:
            self._run([])
        return self._conn

    def _run(self, steps: list[Step]) -> list:
        """Run a batch, with the transaction's BEGIN in front when it is still to be sent."""
        if not self.begin_pending:
            return batches.run(self._conn, steps)
        self.begin_pending = False
        return batches.run(self._conn, [Step(BEGIN, {}), *steps])[1:]

    def lock_keys(self, keys: Keys) -> None:
        """Serialise events that share an account key (PostgreSQL; SQLite's write lock already does)."""
        step = self._lock_step(keys)
        if step is not None:
            self._run([step])

    # ---- a delivery: look (one round trip), queue the writes, send them with the COMMIT (one more) ----
    def look(self, event_id: str, keys: Keys) -> Seen:
        """Lock the keys, then read what applying the event needs: one round trip on PostgreSQL.

        Each read is its own statement after the locks, so it sees everything committed by the
        deliveries that held them before; the account row is locked too (as every writer of its facts does).
        Only whether the event is stored is read with the locks: a miss there is caught by its insert.
        """
        wanted = {kind: value for kind, value in (("customer", keys.customer), ("subscription", keys.subscription))
                  if value}
        known = {kind: self.known_links[(kind, value)] for kind, value in wanted.items()
                 if (kind, value) in self.known_links}
        read_links = len(known) < len(wanted)
        ids = {"customer": keys.customer or "", "subscription": keys.subscription or ""}
        lock = self._lock_step(keys, event_id)
        steps = [lock if lock else Step(EVENT_EXISTS, {"id": event_id}, ROWS)]
        if read_links:
            steps.append(Step(LINKS_OF, ids, ROWS))
        linked_id = known.get("subscription") or known.get("customer")
        if keys.ref:
            steps += [Step(ACCOUNT_BY_REF_LOCKED, {"ref": keys.ref}, ROWS), Step(FACTS_BY_REF, {"ref": keys.ref}, ROWS)]
        elif linked_id is not None:
            steps += [Step(ACCOUNT_BY_ID_LOCKED, {"id": linked_id}, ROWS),
                      Step(FACTS_OF, {"account_id": linked_id}, ROWS)]
        elif read_links:
            steps += [Step(ACCOUNT_BY_LINK_LOCKED, ids, ROWS), Step(FACTS_BY_LINK, ids, ROWS)]
        if read_links:
            steps.append(Step(PENDING_OF, ids, ROWS))
        results = iter(self._run(steps))
        stored = next(results)[0].stored if lock else bool(next(results))
        links_found = dict(known)
        if read_links:
            found = {kind: account_id for kind, _, account_id in next(results)}
            for kind, account_id in found.items():
                # A link, once committed, never changes; rows read before this transaction wrote any are committed.
                self.known_links[(kind, wanted[kind])] = account_id
            links_found = found
        account, facts = None, []
        if keys.ref or linked_id is not None or read_links:
            account = next(iter(next(results)), None)
            facts = [Fact(kind, key, fact_data(data)) for kind, key, data in next(results)]
        pending = next(results) if read_links else []
        return Seen(stored, links_found, account, facts, pending)

    def flush(self) -> list:
        """Send the queued writes (one round trip on PostgreSQL); their results in order."""
        steps, self.queued = self.queued, []
        self.wrote = self.wrote or bool(steps)
        return self._run(steps) if steps else []

    def finish(self) -> None:
        """Send the queued writes; on PostgreSQL the COMMIT goes with them, in the same round trip."""
        if not (self.commits_with_writes and self.queued):
            self.flush()
            self.committing = True  # SQLAlchemy commits next
            return
        self.committing = True  # from here a lost connection leaves the outcome unknown: never run again
        try:
            self._run([*self.queued, Step(COMMIT, {})])
        except DBAPIError as exc:
            diag = getattr(exc.orig, "diag", None)
            if getattr(exc.orig, "sqlstate", None) == UNIQUE_VIOLATION and diag.constraint_name == EVENTS_KEY:
                raise EventStoredAlready(diag.message_detail) from exc
            raise
        finally:
            self.queued = []

    def _read(self, statement, params: dict):
        # Queued writes go first, so the transaction always reads its own writes.
        if self.queued:
            self.flush()
        return self.conn.execute(statement, params)

    # ---- events -----------------------------------------------------------------------------
    def insert_event(self, row: dict) -> None:
        """Store the event, the transaction's last write; EventStoredAlready when another delivery stored it first.

        Where this transaction commits in the round trip of its last writes (PostgreSQL), the insert has
        no ON CONFLICT: a stored id fails it, the server skips the COMMIT after it, and `finish` raises.
        """
        if self.commits_with_writes:
            self.queued.append(Step(insert_row(events.name, tuple(row)), row))
            return
        self.queued.append(Step(insert_new(self.dialect, events.name, tuple(row), ("id",)), row, COUNT))
        if self.flush()[-1] != 1:
            raise EventStoredAlready(row["id"])

    def event_exists(self, event_id: str) -> bool:
        """Whether the event was received before."""
        return self._read(EVENT_EXISTS, {"id": event_id}).first() is not None

    def settle_pending(self, event_id: str, *, reason: str, account_id: int, account_ref: str) -> None:
        """A pending event has been applied (queued)."""
        self.queued.append(Step(SETTLE_PENDING, {"event_id": event_id, "reason": reason, "account_id": account_id,
                                                 "account_ref": account_ref}))

    def add_redelivery(self, event_id: str, received_at: float) -> None:
        """Log a redelivery of an event already stored (queued)."""
        self.queued.append(Step(ADD_REDELIVERY, {"event_id": event_id, "received_at": received_at}))

    def pending_for(self, kind: str, stripe_id: str) -> list:
        """Pending events waiting for this customer or subscription to be linked."""
        column = events.c.customer_id if kind == "customer" else events.c.subscription_id
        return list(self._read(select(events).where(events.c.outcome == PENDING, column == stripe_id)
                               .order_by(events.c.created, events.c.id), {}))

    # ---- accounts ---------------------------------------------------------------------------
    def create_account(self, ref: str, email: str, now: float) -> None:
        """Insert a new account."""
        self.conn.execute(accounts.insert().values(ref=ref, email=email, created_at=now, auto_renew=False))

    def account_by_ref(self, ref: str, *, lock: bool = False):
        """The account row with this reference, or None (locked for this transaction when asked)."""
        return self.conn.execute(ACCOUNT_BY_REF_LOCKED if lock else ACCOUNT_BY_REF, {"ref": ref}).first()

    def account_by_email(self, email: str):
        """The oldest account with this e-mail address (compared without case), or None."""
        return self.conn.execute(select(accounts).where(func.lower(accounts.c.email) == email.lower())
                                 .order_by(accounts.c.id).limit(1)).first()

    def save_state(self, account_id: int, state: AccountState, now: float) -> None:
        """Store the derived state (queued)."""
        self.queued.append(Step(SAVE_STATE, {"account_id": account_id, "account_type": state.account_type,
                                             "paid_until": state.paid_until, "auto_renew": state.auto_renew,
                                             "subscription": state.subscription, "now": now}))

    def links_of(self, keys: Keys) -> dict[str, int]:
        """{"customer"|"subscription": account id} for the keys' Stripe ids that are linked."""
        wanted = {kind: value for kind, value in (("customer", keys.customer), ("subscription", keys.subscription))
                  if value}
        known = {kind: self.known_links[(kind, value)] for kind, value in wanted.items()
                 if (kind, value) in self.known_links}
        if len(known) == len(wanted):
            return known
        rows = self._read(LINKS_OF, {"customer": keys.customer or "", "subscription": keys.subscription or ""})
        found = {kind: account_id for kind, _, account_id in rows}
        if not self.wrote:
            for kind, account_id in found.items():
                # A link, once committed, never changes; rows read before this transaction wrote any are committed.
                self.known_links[(kind, wanted[kind])] = account_id
        return found

    def link(self, account_id: int, kind: str, stripe_id: str, event_created: int, now: float) -> bool:
        """Link a customer or subscription to the account now; False when it was linked already."""
        self._queue_link(account_id, kind, stripe_id, event_created, now)
        return self.flush()[-1] == 1

    def add_link(self, account_id: int, kind: str, stripe_id: str, event_created: int, now: float) -> None:
        """Link a customer or subscription that this transaction holds the lock of and found unlinked (queued)."""
        self._queue_link(account_id, kind, stripe_id, event_created, now)

    def _queue_link(self, account_id: int, kind: str, stripe_id: str, event_created: int, now: float) -> None:
        row = {"kind": kind, "stripe_id": stripe_id, "account_id": account_id, "event_created": event_created,
               "linked_at": now}
        self.queued.append(Step(insert_new(self.dialect, links.name, tuple(row), ("kind", "stripe_id")), row, COUNT))

    def latest_link(self, account_id: int, kind: str) -> str | None:
        """The most recently proven customer (or subscription) of the account."""
        return self.conn.execute(select(links.c.stripe_id).where(links.c.account_id == account_id, links.c.kind == kind)
                                 .order_by(links.c.event_created.desc(), links.c.stripe_id.desc()).limit(1)).scalar()

    def linked_ids(self, account_id: int, kind: str) -> list[str]:
        """Every customer (or subscription) ever linked to the account."""
        return list(self.conn.execute(select(links.c.stripe_id).where(
            links.c.account_id == account_id, links.c.kind == kind).order_by(links.c.event_created)).scalars())

    def add_facts(self, account_id: int, facts: list[Fact] | tuple[Fact, ...], event_id: str) -> None:
        """Keep what an event proved; a fact proved before stays as it is (queued)."""
        if facts:
            rows = [{"account_id": account_id, "key": f.key, "kind": f.kind, "data": json.dumps(dict(f.data)),
                     "event_id": event_id} for f in facts]
            self.queued.append(Step(insert_new(self.dialect, facts_table.name, tuple(rows[0]),
                                                ("account_id", "key")), rows))

    def facts(self, account_id: int) -> list[Fact]:
        """Everything proved about the account."""
        rows = self._read(FACTS_OF, {"account_id": account_id})
        return [Fact(kind, key, fact_data(data)) for kind, key, data in rows]

    # ---- catalogue --------------------------------------------------------------------------
    def catalogue_entry(self, price_id: str):
        """The cached product of a price, or None."""
        return self.conn.execute(CATALOGUE_ENTRY, {"price_id": price_id}).first()

    def remember_price(self, price_id: str, product_id: str, product_metadata: dict, now: float) -> None:
        """Cache a price's product and its metadata."""
        self.conn.execute(self.upsert["price"], {"price_id": price_id, "product_id": product_id,
                                                 "metadata": json.dumps(product_metadata), "fetched_at": now})

    def replace_catalogue(self, products: list[dict], tax_rates: list[dict], now: float) -> None:
        """The loader's result replaces the previous one (rows: see schema.products_table, tax_rates_table)."""
        self.conn.execute(products_table.delete())
        self.conn.execute(tax_rates_table.delete())
        if products:
            self.conn.execute(products_table.insert(), [{**row, "loaded_at": now} for row in products])
        if tax_rates:
            self.conn.execute(tax_rates_table.insert(), tax_rates)

    def loaded_products(self) -> list:
        """The stored products in the loader's order."""
        return list(self.conn.execute(select(products_table).order_by(products_table.c.position)))

    def loaded_tax_rates(self) -> list:
        """The stored active tax rates in Stripe's order."""
        return list(self.conn.execute(select(tax_rates_table).order_by(tax_rates_table.c.position)))

    # ---- sign-in sessions ---------------------------------------------------------------------
    def add_web_session(self, key: str, role: str, account: str | None, mark: str, now: float, *,
                        stale_before: float) -> None:
        """Store a new session; sessions unused since `stale_before` are dropped meanwhile."""
        t = web_sessions_table
        self.conn.execute(t.delete().where(t.c.seen_at < stale_before))
        self.conn.execute(t.insert().values(id=key, role=role, account_ref=account, mark=mark, created_at=now,
                                            seen_at=now))

    def web_session(self, key: str):
        """The session row with this key, or None."""
        return self.conn.execute(select(web_sessions_table).where(web_sessions_table.c.id == key)).first()

    def touch_web_session(self, key: str, now: float) -> None:
        """Mark a session used now."""
        t = web_sessions_table
        self.conn.execute(t.update().where(t.c.id == key).values(seen_at=now))

    def end_web_sessions(self, key: str | None) -> int:
        """Delete one session (or every one, key None); returns how many went."""
        t = web_sessions_table
        statement = t.delete() if key is None else t.delete().where(t.c.id == key)
        return self.conn.execute(statement).rowcount

    # ---- configuration ----------------------------------------------------------------------
    def config_values(self) -> dict[str, str]:
        """Every stored setting."""
        return dict(self.conn.execute(select(config_table.c.name, config_table.c.value)).all())

    def set_config(self, values: dict[str, str], now: float) -> None:
        """Store settings, replacing earlier values."""
        if values:
            self.conn.execute(self.upsert["config"], [{"name": k, "value": v, "updated_at": now}
                                                      for k, v in values.items()])

    def config_once(self, name: str, value: str, now: float) -> str:
        """The stored value of `name`, storing `value` first if there is none (first writer wins)."""
        self.conn.execute(self.upsert["config_once"], {"name": name, "value": value, "updated_at": now})
        return self.conn.execute(select(config_table.c.value).where(config_table.c.name == name)).scalar_one()

    def count(self, table) -> int:
        """Rows in a table (for tests and the probe)."""
        return self.conn.execute(select(func.count()).select_from(table)).scalar_one()
