"""Applies an interpreted event to the stored accounts: one transaction, idempotent by event id.

The event record, the links, the facts, any pending events the new links unlock and the derived
account state commit together; if anything fails, none of it is kept and the caller answers 500.
"""

import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from .accounts import derive
from .errors import StorageError
from .facts import APPLY, EventMeta, Fact, Interpretation, Keys
from .storage import Store, Tx, facts_from_json, facts_to_json

log = logging.getLogger(__name__)
APPLIED, DUPLICATE, IGNORED, PENDING, REJECTED = "applied", "duplicate", "ignored", "pending", "rejected"


@dataclass(frozen=True)
class Outcome:
    """What a delivery did."""

    event_id: str
    outcome: str
    reason: str | None = None
    account: str | None = None

    def to_dict(self) -> dict:
        """The webhook's JSON answer."""
        return {"received": True, "id": self.event_id, "outcome": self.outcome, "reason": self.reason}


class _Duplicate(Exception):
    """Another delivery claimed the event id first; roll back and acknowledge."""


def already_received(store: Store, event_id: str) -> bool:
    """A cheap check before asking Stripe anything; `record` re-checks inside its transaction."""
    try:
        with store.read() as tx:
            return tx.event_exists(event_id)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot read the events table: {exc}") from exc


def record_duplicate(store: Store, event_id: str, now: float) -> Outcome:
    """Log a redelivery; it changes nothing else."""
    try:
        with store.write() as tx:
            tx.add_delivery(event_id, now, duplicate=True)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot log the delivery: {exc}") from exc
    return Outcome(event_id, DUPLICATE, "already received; nothing changed")


def record(store: Store, meta: EventMeta, payload: str, interpretation: Interpretation, now: float) -> Outcome:
    """Store the event and apply it, all in one transaction."""
    try:
        with store.write() as tx:
            if not tx.insert_event(id=meta.id, type=meta.type, created=meta.created, api_version=meta.api_version,
                                   payload=payload, received_at=now):
                raise _Duplicate
            tx.add_delivery(meta.id, now, duplicate=False)
            outcome = _process(tx, meta, interpretation, now)
    except _Duplicate:
        return record_duplicate(store, meta.id, now)
    except SQLAlchemyError as exc:
        raise StorageError(f"event {meta.id} not stored: {exc}") from exc
    log.info("event %s %s -> %s %s", meta.id, meta.type, outcome.outcome, outcome.reason or "")
    return outcome


def _process(tx: Tx, meta: EventMeta, interpretation: Interpretation, now: float) -> Outcome:
    keys = interpretation.keys
    if interpretation.outcome != APPLY:
        tx.finish_event(meta.id, interpretation.outcome, reason=interpretation.reason, account_ref=keys.ref, keys=keys)
        return Outcome(meta.id, interpretation.outcome, interpretation.reason, keys.ref)
    tx.lock_keys(keys)
    if keys.ref:
        account = tx.account_by_ref(keys.ref, lock=True)
        if account is None:
            reason = f"unknown account reference {keys.ref!r}"
            tx.finish_event(meta.id, REJECTED, reason=reason, account_ref=keys.ref, keys=keys)
            return Outcome(meta.id, REJECTED, reason, keys.ref)
        account_id, ref = account.id, account.ref
    else:
        account_id = tx.account_by_link("subscription", keys.subscription) or tx.account_by_link("customer", keys.customer)
        if account_id is None:
            return _not_matched(tx, meta, interpretation)
        ref = tx.lock_account(account_id).ref
    _apply(tx, account_id, ref, meta.id, meta.created, keys, interpretation.facts, now)
    tx.finish_event(meta.id, APPLIED, reason=interpretation.reason, account_id=account_id, account_ref=ref, keys=keys)
    return Outcome(meta.id, APPLIED, interpretation.reason, ref)


def _not_matched(tx: Tx, meta: EventMeta, interpretation: Interpretation) -> Outcome:
    keys = interpretation.keys
    if not (keys.customer or keys.subscription):
        reason = "names no account reference, customer or subscription"
        tx.finish_event(meta.id, REJECTED, reason=reason, keys=keys)
        return Outcome(meta.id, REJECTED, reason)
    # Kept with its facts; the event that links its customer or subscription applies it.
    reason = "no account linked to " + " or ".join(
        f"{kind} {value}" for kind, value in (("subscription", keys.subscription), ("customer", keys.customer)) if value)
    tx.finish_event(meta.id, PENDING, reason=reason, keys=keys, facts=facts_to_json(interpretation.facts))
    return Outcome(meta.id, PENDING, reason)


def _apply(tx: Tx, account_id: int, ref: str, event_id: str, created: int, keys: Keys,
           facts: tuple[Fact, ...] | list[Fact], now: float) -> None:
    """Add the facts and links, apply pending events the new links unlock, then re-derive the account."""
    tx.add_facts(account_id, facts, event_id)
    unlocked = _link(tx, account_id, keys, created, now)
    while unlocked:
        kind, stripe_id = unlocked.pop()
        for row in tx.pending_for(kind, stripe_id):
            row_keys = Keys(None, row.customer_id, row.subscription_id)
            tx.add_facts(account_id, facts_from_json(row.facts), row.id)
            tx.finish_event(row.id, APPLIED, reason=f"was pending; applied when {event_id} linked {kind} {stripe_id}",
                            account_id=account_id, account_ref=ref, keys=row_keys)
            unlocked += _link(tx, account_id, row_keys, row.created, now)
    tx.save_state(account_id, derive(tx.facts(account_id)), now)


def _link(tx: Tx, account_id: int, keys: Keys, created: int, now: float) -> list[tuple[str, str]]:
    new = []
    for kind, stripe_id in (("customer", keys.customer), ("subscription", keys.subscription)):
        if stripe_id and tx.link(account_id, kind, stripe_id, created, now):
            new.append((kind, stripe_id))
    return new
