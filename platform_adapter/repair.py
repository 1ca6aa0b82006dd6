"""Repair what older versions stored: facts no account can use and account states past year 9999.

Older versions applied events whose times were out of range (e.g. an invoice line ending at 2**62)
and stored the derived `paid_until`. Reading never fails on such rows any more (`accounts.sound`
leaves them out, dates are clamped); `repair` removes them and re-derives each account they touched,
in one transaction. Run it once after upgrading: `simplex-stripe repair`.
"""

import logging
from dataclasses import dataclass

from sqlalchemy import or_, select

from .accounts import derive, sound
from .facts import Fact, fact_data, facts_from_json, facts_to_json
from .payloads import MAX_TIME
from .schema import accounts, events, facts_table
from .storage import Store
from .transaction import Tx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Repaired:
    """What a repair changed."""

    facts_removed: int
    pending_cleaned: int
    accounts_rederived: int


def _repair(tx: Tx, now: float) -> Repaired:
    conn = tx.conn
    touched: set[int] = set()
    removed = 0
    for account_id, key, kind, data in conn.execute(
            select(facts_table.c.account_id, facts_table.c.key, facts_table.c.kind, facts_table.c.data)):
        if not sound(Fact(kind, key, fact_data(data))):
            conn.execute(facts_table.delete().where(facts_table.c.account_id == account_id,
                                                    facts_table.c.key == key))
            touched.add(account_id)
            removed += 1
    cleaned = 0
    for event_id, raw in conn.execute(select(events.c.id, events.c.facts).where(events.c.outcome == "pending")):
        kept = [f for f in facts_from_json(raw) if sound(f)]
        if facts_to_json(kept) != (raw or "[]"):
            conn.execute(events.update().where(events.c.id == event_id).values(facts=facts_to_json(kept)))
            cleaned += 1
    touched |= set(conn.execute(select(accounts.c.id).where(
        or_(accounts.c.paid_until > MAX_TIME, accounts.c.paid_until < 0))).scalars())
    for account_id in sorted(touched):
        tx.save_state(account_id, derive(tx.facts(account_id)), now)
    return Repaired(removed, cleaned, len(touched))


def repair(store: Store, now: float) -> Repaired:
    """Remove unusable facts (wrong types, times outside 1970–9999) and re-derive the accounts they touched."""
    done = store.transaction(lambda tx: _repair(tx, now))
    log.info("repair: %d facts removed, %d pending events cleaned, %d accounts re-derived",
             done.facts_removed, done.pending_cleaned, done.accounts_rederived)
    return done
