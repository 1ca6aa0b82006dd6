"""Pure interpretation of the four events: what each one proves about an account, as facts.

Facts are keyed so that an event delivered twice, or two events proving the same thing, add one
fact; `accounts.derive` turns any set of facts into the account state, so arrival order cannot matter.
"""

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol

from . import payloads as p
from .catalogue.rules import Invalid, Plan
from .errors import InvalidField

APPLY, IGNORED, REJECTED = "apply", "ignored", "rejected"
# Statuses after which a subscription will not bill again.
NOT_RENEWING = frozenset({"canceled", "incomplete_expired", "unpaid"})


@dataclass(frozen=True)
class SessionLine:
    """One line of a Checkout Session, as Stripe lists it."""

    price: str | None
    product: str | None
    quantity: int = 1


class Resolver(Protocol):
    """What interpretation needs from Stripe: product rules for a price, a session's lines."""

    def plan(self, price: str | None, product: str | None = None) -> Plan | Invalid:
        """What the price's product grants, or why it grants nothing."""

    def session_lines(self, session: str) -> list[SessionLine] | Invalid:
        """The lines a Checkout Session sold."""


@dataclass(frozen=True)
class EventMeta:
    """The envelope fields of an event."""

    id: str
    type: str
    created: int
    api_version: str | None = None


@dataclass(frozen=True)
class Keys:
    """How to find the account an event is about."""

    ref: str | None = None
    customer: str | None = None
    subscription: str | None = None


@dataclass(frozen=True)
class Fact:
    """One thing an event proves; `key` makes re-proving it a no-op."""

    kind: str
    key: str
    data: Mapping[str, Any]


# A fact's stored form: its data as JSON (account_facts.data); a pending event's facts as one JSON list.
def facts_to_json(facts: tuple[Fact, ...] | list[Fact]) -> str:
    """Serialise facts for a pending event."""
    return json.dumps([{"kind": f.kind, "key": f.key, "data": dict(f.data)} for f in facts])


def fact_data(raw: str) -> Any:
    """A stored fact's data; what no version could have written reads as None, which no fact may use."""
    try:
        return json.loads(raw)
    except (TypeError, ValueError, RecursionError):
        return None


def facts_from_json(raw: str | None) -> list[Fact]:
    """Read facts written by `facts_to_json` (a list an older version broke reads as none)."""
    found = fact_data(raw or "[]")
    if not isinstance(found, list):
        return []
    return [Fact(f["kind"], f["key"], f["data"]) for f in found
            if isinstance(f, dict) and isinstance(f.get("kind"), str) and isinstance(f.get("key"), str)]


@dataclass(frozen=True)
class Interpretation:
    """What to do with an event: apply its facts to the account its keys find, or record why not."""

    outcome: str
    keys: Keys = Keys()
    facts: tuple[Fact, ...] = field(default_factory=tuple)
    reason: str | None = None
    code: str | None = None  # the reason's stable code (docs/conformance-contract.md)


def ignored(reason: str, keys: Keys = Keys(), code: str | None = None) -> Interpretation:
    """Acknowledged, recorded, changes nothing."""
    return Interpretation(IGNORED, keys, (), reason, code)


def rejected(reason: str, keys: Keys = Keys(), code: str | None = None) -> Interpretation:
    """Breaks the guide's rules: grants nothing, recorded with the reason."""
    return Interpretation(REJECTED, keys, (), reason, code)


def from_checkout_session(meta: EventMeta, session: Any, resolver: Resolver) -> Interpretation:
    """checkout.session.completed: links the customer; a paid one-time purchase grants its products."""
    keys = Keys(p.session_account_ref(session), p.id_of(p.get(session, "customer"), "customer"),
                p.id_of(p.get(session, "subscription"), "subscription"))
    mode, session_id, status = p.text(session, "mode"), p.text(session, "id"), p.text(session, "status")
    if status not in (None, "complete"):
        return ignored(f"session status {status!r} is not complete", keys, "session_not_complete")
    if mode == "subscription":
        # The subscription's invoice.paid grants the period; the session links account, customer, subscription.
        return Interpretation(APPLY, keys, (), "linked; the subscription's invoice.paid grants the period",
                              "linked_only")
    if mode != "payment":
        return ignored(f"mode {mode!r} buys nothing", keys, "session_buys_nothing")
    payment_status = p.text(session, "payment_status")
    if payment_status != "paid":
        return ignored(f"payment_status {payment_status!r}: nothing granted until paid", keys, "session_not_paid")
    if session_id is None:
        return rejected("the session has no id", keys, "invalid_id")
    embedded = p.items(session, "line_items")
    lines = ([SessionLine(p.id_of(p.get(i, "price"), "price"), p.product_of(p.get(i, "price")),
                          p.session_quantity(i)) for i in embedded]
             if embedded else resolver.session_lines(session_id))
    if isinstance(lines, Invalid):
        return rejected(lines.reason, keys, lines.code)
    if not lines:
        return rejected(f"session {session_id} has no line items", keys, "session_no_lines")
    facts = []
    for index, line in enumerate(lines):
        plan = resolver.plan(line.price, line.product)
        if isinstance(plan, Invalid):
            return rejected(plan.reason, keys, plan.code)
        facts.append(Fact("grant", f"grant:{session_id}:{index}", {
            "session": session_id, "at": meta.created, "type": plan.account_type,
            "months": plan.months * max(line.quantity, 1)}))
    return Interpretation(APPLY, keys, tuple(facts))


def from_invoice_paid(meta: EventMeta, invoice: Any, resolver: Resolver) -> Interpretation:
    """invoice.paid: each subscription line proves a paid period of the subscription."""
    subscription = p.invoice_subscription_id(invoice)
    keys = Keys(p.invoice_account_ref(invoice), p.id_of(p.get(invoice, "customer"), "customer"), subscription)
    if not p.invoice_is_paid(invoice):
        return ignored(f"invoice status {p.text(invoice, 'status')!r} is not paid", keys, "invoice_not_paid")
    if subscription is None:
        # A one-off invoice (e.g. Checkout's invoice_creation): the session already granted the purchase.
        return ignored("one-off invoice without a subscription; its Checkout Session grants the purchase", keys,
                       "invoice_not_subscription")
    # Proration lines settle a plan change's difference; they prove no period of their own.
    lines = [line for line in p.subscription_lines(invoice) if not line.proration and line.amount >= 0]
    if not lines:
        return ignored("no subscription period on this invoice", keys, "invoice_no_period")
    facts = []
    for line in lines:
        plan = resolver.plan(line.price, line.product)
        if isinstance(plan, Invalid):
            return rejected(plan.reason, keys, plan.code)
        sub = line.subscription or subscription
        facts.append(Fact("period", f"period:{sub}:{line.start}:{line.end}", {
            "sub": sub, "start": line.start, "end": line.end, "type": plan.account_type, "at": meta.created}))
    return Interpretation(APPLY, keys, tuple(facts))


def from_subscription_updated(meta: EventMeta, sub: Any, resolver: Resolver) -> Interpretation:
    """customer.subscription.updated: a snapshot of the plan and whether it will renew, as of the event."""
    sub_id = p.text(sub, "id")
    keys = Keys(p.metadata_ref(sub), p.id_of(p.get(sub, "customer"), "customer"), sub_id)
    if sub_id is None:
        return rejected("the subscription has no id", keys, "invalid_id")
    plans = []
    for item in p.subscription_items(sub):
        plan = resolver.plan(item.price, item.product)
        if isinstance(plan, Invalid):
            return rejected(plan.reason, keys, plan.code)
        plans.append(plan)
    if not plans:
        return rejected(f"subscription {sub_id} has no items", keys, "subscription_no_items")
    renews = not p.flag(sub, "cancel_at_period_end") and p.text(sub, "status") not in NOT_RENEWING
    return Interpretation(APPLY, keys, (Fact("snapshot", f"snapshot:{sub_id}:{meta.id}", {
        "sub": sub_id, "at": meta.created, "event": meta.id, "type": plans[0].account_type,
        "renews": bool(renews), "period_end": p.subscription_period_end(sub)}),))


def from_subscription_deleted(meta: EventMeta, sub: Any, resolver: Resolver) -> Interpretation:
    """customer.subscription.deleted: the subscription ended; access stops at `ended_at`."""
    sub_id = p.text(sub, "id")
    keys = Keys(p.metadata_ref(sub), p.id_of(p.get(sub, "customer"), "customer"), sub_id)
    if sub_id is None:
        return rejected("the subscription has no id", keys, "invalid_id")
    return Interpretation(APPLY, keys, (Fact("ended", f"ended:{sub_id}", {
        "sub": sub_id, "ended_at": p.subscription_ended_at(sub, meta.created)}),))


Handler = Callable[[EventMeta, Any, Resolver], Interpretation]
HANDLERS: Mapping[str, Handler] = {
    "checkout.session.completed": from_checkout_session,
    "invoice.paid": from_invoice_paid,
    "customer.subscription.updated": from_subscription_updated,
    "customer.subscription.deleted": from_subscription_deleted,
}


def interpret(meta: EventMeta, obj: Any, resolver: Resolver) -> Interpretation:
    """Dispatch an event to its handler; any other type is acknowledged and ignored."""
    handler = HANDLERS.get(meta.type)
    if handler is None:
        return ignored(f"event type {meta.type} is not one of the guide's four", code="event_type_not_handled")
    try:
        if not p.is_object(obj):
            raise InvalidField("object", f"data.object is {type(obj).__name__}, not an object")
        return handler(meta, obj, resolver)
    except InvalidField as exc:  # the readers check every field they use; retrying cannot fix a broken one
        return rejected(exc.message, code=exc.reason_code)
