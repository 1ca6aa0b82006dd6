"""Re-fetch mode: an event is a notification; what counts is its object as Stripe holds it now.

Stripe's advice to webhook handlers (and dj-stripe's, pay's and Cashier's practice): retrieve the session,
invoice or subscription an event names and derive state from that, so a late, repeated or out-of-order
delivery is judged by the object's latest state. On with `SIMPLEX_REFETCH_EVENTS=1` (or
`serve --refetch-events`); off by default, when the event's own snapshot is read.
"""

from typing import Any, Callable

from . import payloads as p
from .catalogue.rules import Invalid, Plan
from .errors import InvalidField
from .facts import REJECTED, EventMeta, Interpretation, SessionLine, interpret, rejected
from .stripe_gateway import RETRIEVE, StripeGateway


class _NoStripe:
    """A resolver that asks nobody: every price is a valid plan, a session has one line (shape checks only)."""

    def plan(self, price: str | None, product: str | None = None) -> Plan | Invalid:
        return Plan(product or "prod_unchecked", "professional", 1)

    def session_lines(self, session: str) -> list[SessionLine] | Invalid:
        return [SessionLine("price_unchecked", None, 1)]


def malformed(meta: EventMeta, obj: Any) -> Interpretation | None:
    """The `rejected` verdict when the event's own object has a field of the wrong type, shape or range.

    The contract rejects such an event naming the field in either mode: a signed event that does not hold
    together is refused, not mended by what Stripe holds now.
    """
    verdict = interpret(meta, obj, _NoStripe())
    if verdict.outcome == REJECTED and (verdict.code or "").startswith("invalid_"):
        return verdict
    return None


def latest_object(gateway: StripeGateway, obj: Any, before_asking_stripe: Callable[[], None]) -> Any:
    """The object to interpret: Stripe's current copy of `obj`, or `obj` itself when it names nothing fetchable
    (its fields are then judged as usual); an Interpretation (`rejected`) when Stripe does not know it."""
    try:
        kind, object_id = p.text(obj, "object"), p.text(obj, "id")
    except InvalidField:
        return obj
    if kind not in RETRIEVE or object_id is None:
        return obj
    before_asking_stripe()  # a redelivery is answered `duplicate` without a call
    found = gateway.latest(kind, object_id)
    if found is None:
        return rejected(f"{kind} {object_id} is unknown to Stripe (with this secret key)", code="object_unknown")
    return found


def is_verdict(value: Any) -> bool:
    """Whether `latest_object` already decided the event."""
    return isinstance(value, Interpretation)
