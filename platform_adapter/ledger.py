"""Applies an interpreted event to the stored accounts: one transaction, idempotent by event id.

The links, the facts, any pending events the new links unlock, the derived account state and the
event record commit together. The transaction first locks the event's keys and reads what it needs
(`Tx.look`); an event id found stored then is a duplicate (its other deliveries held the same locks).
The writes are queued and sent with the event row, inserted last: when another delivery (in this
worker or another) stored the id first, the whole transaction rolls back and the delivery is a
duplicate. If anything fails, nothing is kept and the caller answers 500. On PostgreSQL the common
case is two round trips: the look, then the writes with the COMMIT.
"""

import json
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from .accounts import AccountState, derive
from .errors import StorageError
from .facts import APPLY, EventMeta, Fact, Interpretation, Keys, facts_from_json, facts_to_json
from .faults import injected_failure
from .storage import Store
from .transaction import EventStoredAlready, Seen, Tx

log = logging.getLogger(__name__)
APPLIED, DUPLICATE, IGNORED, PENDING, REJECTED = "applied", "duplicate", "ignored", "pending", "rejected"
ALREADY_RECEIVED = "already_received"


@dataclass(frozen=True)
class Outcome:
    """What a delivery did."""

    event_id: str
    outcome: str
    reason: str | None = None
    account: str | None = None
    code: str | None = None  # the reason's stable code (docs/conformance-contract.md)

    def to_dict(self) -> dict:
        """The webhook's JSON answer."""
        return {"received": True, "id": self.event_id, "outcome": self.outcome, "reason": self.reason,
                "reasonCode": self.code}


def storage_error(what: str, exc: SQLAlchemyError) -> StorageError:
    """A StorageError whose message names the driver's error class only: SQL and its parameters stay in the log."""
    cause = getattr(exc, "orig", None) or exc
    log.error("%s: %s: %s", what, type(cause).__name__, cause)
    return StorageError(f"{what}: the database failed ({type(cause).__name__}); nothing was stored")


def already_received(store: Store, event_id: str) -> bool:
    """Whether the event id is stored (a cheap read; `record` decides for sure inside its transaction)."""
    try:
        with store.read() as tx:
            return tx.event_exists(event_id)
    except SQLAlchemyError as exc:
        raise storage_error("cannot read the events table", exc) from exc


def _duplicate(event_id: str) -> Outcome:
    return Outcome(event_id, DUPLICATE, "already received; nothing changed", code=ALREADY_RECEIVED)


def record_duplicate(store: Store, event_id: str, now: float) -> Outcome:
    """Log a redelivery; it changes nothing else."""
    try:
        store.transaction(lambda tx: tx.add_redelivery(event_id, now))
    except SQLAlchemyError as exc:
        raise storage_error("cannot log the delivery", exc) from exc
    return _duplicate(event_id)


def record(store: Store, meta: EventMeta, payload: str, interpretation: Interpretation, now: float,
           fail: bool = False) -> Outcome:
    """Apply the event and store it, all in one transaction (`fail`: the probe's fault switch breaks it before
    the commit)."""
    def work(tx: Tx) -> Outcome:
        outcome = _record(tx, meta, payload, interpretation, now)
        if fail:
            raise injected_failure()
        return outcome

    try:
        outcome = store.transaction(work)
    except EventStoredAlready:
        return record_duplicate(store, meta.id, now)
    except SQLAlchemyError as exc:
        raise storage_error(f"event {meta.id} not stored", exc) from exc
    log.info("event %s %s -> %s %s", meta.id, meta.type, outcome.outcome, outcome.reason or "")
    return outcome


def _record(tx: Tx, meta: EventMeta, payload: str, interpretation: Interpretation, now: float) -> Outcome:
    seen = tx.look(meta.id, interpretation.keys) if interpretation.outcome == APPLY else None
    if seen is not None and seen.stored:
        tx.add_redelivery(meta.id, now)
        return _duplicate(meta.id)
    outcome, row = _process(tx, seen, meta, interpretation, now)
    tx.insert_event({"id": meta.id, "type": meta.type, "created": meta.created, "api_version": meta.api_version,
                     "payload": payload, "received_at": now, "outcome": outcome.outcome, "reason": outcome.reason,
                     "reason_code": outcome.code, **row})
    return outcome


def _row(keys: Keys, account_id: int | None = None, account_ref: str | None = None, facts: str | None = None) -> dict:
    return {"account_id": account_id, "account_ref": account_ref, "customer_id": keys.customer,
            "subscription_id": keys.subscription, "facts": facts}


def _process(tx: Tx, seen: Seen | None, meta: EventMeta, interpretation: Interpretation,
             now: float) -> tuple[Outcome, dict]:
    keys = interpretation.keys
    if seen is None:
        return (Outcome(meta.id, interpretation.outcome, interpretation.reason, keys.ref, interpretation.code),
                _row(keys, None, keys.ref))
    account = seen.account
    if keys.ref and account is None:
        reason = f"unknown account reference {keys.ref!r}"
        return Outcome(meta.id, REJECTED, reason, keys.ref, "account_unknown"), _row(keys, None, keys.ref)
    if account is None:  # no reference, and neither its subscription nor its customer is linked
        return _not_matched(meta, interpretation)
    account_id, ref = account.id, account.ref
    _apply(tx, seen, meta.id, meta.created, keys, interpretation.facts, now)
    return Outcome(meta.id, APPLIED, interpretation.reason, ref, interpretation.code), _row(keys, account_id, ref)


def _not_matched(meta: EventMeta, interpretation: Interpretation) -> tuple[Outcome, dict]:
    keys = interpretation.keys
    if not (keys.customer or keys.subscription):
        reason = "names no account reference, customer or subscription"
        return Outcome(meta.id, REJECTED, reason, code="no_reference"), _row(keys)
    # Kept with its facts; the event that links its customer or subscription applies it.
    reason = "no account linked to " + " or ".join(
        f"{kind} {value}" for kind, value in (("subscription", keys.subscription), ("customer", keys.customer)) if value)
    return Outcome(meta.id, PENDING, reason, code="awaiting_link"), _row(keys, facts=facts_to_json(interpretation.facts))


def _apply(tx: Tx, seen: Seen, event_id: str, created: int, keys: Keys, facts: tuple[Fact, ...] | list[Fact],
           now: float) -> None:
    """Add the facts and links, apply pending events the new links unlock, then re-derive the account."""
    account = seen.account
    account_id, ref = account.id, account.ref
    tx.add_facts(account_id, facts, event_id)
    # The event's own keys are locked by this transaction, so the ones `look` found unlinked are new for sure.
    unlocked = [(kind, stripe_id) for kind, stripe_id in (("customer", keys.customer),
                                                          ("subscription", keys.subscription))
                if stripe_id and kind not in seen.links]
    for kind, stripe_id in unlocked:
        tx.add_link(account_id, kind, stripe_id, created, now)
    own = set(unlocked)
    settled: set[str] = set()
    while unlocked:
        kind, stripe_id = unlocked.pop()
        waiting = ([row for row in seen.pending if getattr(row, f"{kind}_id") == stripe_id]
                   if (kind, stripe_id) in own else tx.pending_for(kind, stripe_id))
        for row in waiting:
            if row.id in settled:
                continue
            settled.add(row.id)
            row_keys = Keys(None, row.customer_id, row.subscription_id)
            tx.add_facts(account_id, facts_from_json(row.facts), row.id)
            tx.settle_pending(row.id, reason=f"was pending; applied when {event_id} linked {kind} {stripe_id}",
                              account_id=account_id, account_ref=ref)
            unlocked += _link_more(tx, account_id, row_keys, row.created, now, keys)
    # Without pending events the stored facts plus the new ones are all there is (a key proved before keeps its
    # first proof, as the insert does); with them, read back what the transaction wrote.
    state = derive(tx.facts(account_id) if settled else _with_new(seen.facts, facts))
    stored = AccountState(account.account_type, account.paid_until, bool(account.auto_renew), account.subscription_id)
    if state != stored:
        tx.save_state(account_id, state, now)


def _with_new(stored: list[Fact], new: tuple[Fact, ...] | list[Fact]) -> list[Fact]:
    """The account's facts after inserting `new`: a fact whose key is stored already is not inserted."""
    facts, keys = list(stored), {f.key for f in stored}
    for fact in new:
        if fact.key not in keys:
            keys.add(fact.key)
            facts.append(Fact(fact.kind, fact.key, json.loads(json.dumps(dict(fact.data)))))  # as read back
    return facts


def _link_more(tx: Tx, account_id: int, row_keys: Keys, created: int, now: float,
               own: Keys) -> list[tuple[str, str]]:
    """Link a pending event's other customer or subscription (not locked here: checked against the table)."""
    new = []
    for kind, stripe_id in (("customer", row_keys.customer), ("subscription", row_keys.subscription)):
        if not stripe_id or stripe_id == getattr(own, kind):  # the event's own: linked before or just now
            continue
        if kind not in tx.links_of(Keys(None, **{kind: stripe_id})) and tx.link(account_id, kind, stripe_id,
                                                                                  created, now):
            new.append((kind, stripe_id))
    return new
