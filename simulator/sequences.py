"""Named, stateful event sequences: each tells one step of a customer's story in the shared world."""

from dataclasses import dataclass
from typing import Callable

from .errors import UnknownSequence, WorldStateError
from .scene import Scene
from .world import SubscriptionState

HOUR, DAY = 3600, 86400
# Renewal invoices are finalized and charged about an hour after invoice.created (stripe-behaviour.md §3(c)).
FINALIZE_DELAY = HOUR
# Dunning attempts after the first failure (days); Stripe's smart retries spread them over ~2 weeks.
RETRY_DAYS = (3, 5, 7)


def first_purchase(scene: Scene) -> None:
    """Checkout in subscription mode: the customer subscribes and pays the first invoice."""
    w = scene.world
    if w.subscription is not None and not w.subscription.ended:
        raise WorldStateError("the customer already has a live subscription; fire 'plan-change' or 'cancellation'")
    t, ids, new_customer = w.now, w.ids, w.customer_id is None
    if new_customer:
        w.customer_id = ids.new("cus")
    sub = SubscriptionState(id=ids.new("sub"), item_id=ids.new("si"), plan=w.plan, anchor=t, cycle=0,
                            status="active", created=t, start_date=t, metadata=w.metadata())
    session_id, invoice_id, pay = w.next_session_id(), ids.new("in"), scene.new_payment()
    sub.latest_invoice, sub.payment_method = invoice_id, pay.method
    w.subscription = sub
    w.invoice_seq += 1
    amount = scene.tax_for(w.plan.unit_amount).total
    intent, charge = scene.payment_objects(pay, amount, w.plan.currency, t)
    scene.emit("charge.succeeded", charge, t)
    if new_customer:
        scene.emit("customer.created", scene.customer(), t)
    scene.emit("checkout.session.completed", scene.session(
        id=session_id, mode="subscription", plan=w.plan, payment_status="paid", created=t,
        subscription=sub.id, invoice=invoice_id), t)
    scene.emit("customer.subscription.created", scene.subscription(sub), t)
    scene.emit("payment_intent.succeeded", intent, t + 1)
    _invoice_burst(scene, sub, invoice_id, "subscription_create", at=t + 1, finalize_at=t + 1, pay=pay)
    w.now = t + 1


def one_time_purchase(scene: Scene, invoiced: bool = False) -> None:
    """Checkout in payment mode: a one-time payment for one product."""
    w = scene.world
    t, ids, plan = w.now, w.ids, w.plan
    new_customer = invoiced and w.customer_id is None
    if new_customer:
        # An invoice needs a customer, so Checkout creates one when invoice creation is on.
        w.customer_id = ids.new("cus")
    session_id, pay = w.next_session_id(), scene.new_payment()
    invoice_id = ids.new("in") if invoiced else None
    amount = scene.tax_for(plan.unit_amount).total
    intent, charge = scene.payment_objects(pay, amount, plan.currency, t, metadata=w.metadata())
    scene.emit("charge.succeeded", charge, t)
    scene.emit("payment_intent.succeeded", intent, t)
    if new_customer:
        scene.emit("customer.created", scene.customer(), t)
    scene.emit("checkout.session.completed", scene.session(
        id=session_id, mode="payment", plan=plan, payment_status="paid", created=t,
        payment_intent=pay.intent, invoice=invoice_id, invoice_creation=invoiced), t)
    if invoiced:
        w.invoice_seq += 1
        lines = [(plan, False, (t, t), plan.unit_amount, False)]
        for status, type_ in (("draft", "invoice.created"), ("open", "invoice.finalized"),
                              ("paid", "invoice.paid"), ("paid", "invoice.payment_succeeded")):
            scene.emit(type_, scene.invoice(
                id=invoice_id, lines=lines, billing_reason="manual", status=status, created=t, sub=None,
                payment=pay, finalized_at=None if status == "draft" else t,
                paid_at=t if status == "paid" else None, attempt_count=int(status == "paid")), t)
    w.now = t + 1


def delayed_one_time_purchase(scene: Scene) -> None:
    """Checkout in payment mode with a delayed method (SEPA debit): completed unpaid, paid days later."""
    w = scene.world
    t, ids, plan = w.now, w.ids, w.plan
    session_id, pay = w.next_session_id(), scene.new_payment()
    amount = scene.tax_for(plan.unit_amount).total

    def session(status: str) -> dict:
        return scene.session(id=session_id, mode="payment", plan=plan, payment_status=status, created=t,
                             payment_intent=pay.intent)

    scene.emit("checkout.session.completed", session("unpaid"), t)
    settled = t + 3 * DAY
    intent, charge = scene.payment_objects(pay, amount, plan.currency, settled, metadata=w.metadata())
    scene.emit("charge.succeeded", charge, settled)
    scene.emit("payment_intent.succeeded", intent, settled)
    scene.emit("checkout.session.async_payment_succeeded", session("paid"), settled)
    w.now = settled + 1


def renewal(scene: Scene) -> None:
    """The period ends and the subscription renews: period advance, then the cycle invoice is paid."""
    sub = _advance_cycle(scene, "renewal")
    t = scene.world.now
    pay = scene.new_payment()
    _invoice_burst(scene, sub, sub.latest_invoice, "subscription_cycle", at=t, finalize_at=t + FINALIZE_DELAY, pay=pay)
    scene.world.now = t + FINALIZE_DELAY


def failed_renewal(scene: Scene) -> None:
    """The renewal charge fails, dunning retries fail too, and the subscription is canceled."""
    sub = _advance_cycle(scene, "failed-renewal")
    w, t = scene.world, scene.world.now
    invoice_id, plan = sub.latest_invoice, sub.plan
    lines = [(plan, True, sub.period, plan.unit_amount, False)]
    draft = scene.invoice(id=invoice_id, lines=lines, billing_reason="subscription_cycle", status="draft",
                          created=t, sub=sub)
    scene.emit("invoice.created", draft, t)
    attempts = [t + FINALIZE_DELAY] + [t + FINALIZE_DELAY + d * DAY for d in RETRY_DAYS]
    for number, at in enumerate(attempts, start=1):
        pay = scene.new_payment()
        nxt = attempts[number] if number < len(attempts) else None
        inv = scene.invoice(id=invoice_id, lines=lines, billing_reason="subscription_cycle", status="open",
                            created=t, sub=sub, payment=pay, finalized_at=attempts[0], attempt_count=number,
                            next_payment_attempt=nxt)
        if number == 1:
            scene.emit("invoice.finalized", inv, at)
        intent, charge = scene.payment_objects(pay, inv["amount_due"], plan.currency, at, succeeded=False)
        scene.emit("charge.failed", charge, at)
        scene.emit("payment_intent.payment_failed", intent, at)
        scene.emit("invoice.payment_failed", inv, at)
        if number == 1:
            old = scene.subscription(sub)
            sub.status = "past_due"
            scene.emit("customer.subscription.updated", scene.subscription(sub), at, old=old)
    end = attempts[-1]
    sub.status, sub.canceled_at, sub.ended_at, sub.cancellation_reason = "canceled", end, end, "payment_failed"
    scene.emit("customer.subscription.deleted", scene.subscription(sub), end)
    w.now = end + 1


def plan_change(scene: Scene) -> None:
    """The customer switches price: same interval prorates later, a new interval restarts the period now."""
    w = scene.world
    sub = w.require_subscription("plan-change")
    t, old_plan, new_plan = w.now, sub.plan, w.new_plan
    old = scene.subscription(sub)
    request = scene.api_request()
    sub.plan = new_plan
    if new_plan.months == old_plan.months:
        scene.emit("customer.subscription.updated", scene.subscription(sub), t, old=old, request=request)
    else:
        start, end = sub.period
        credit = -round(old_plan.unit_amount * max(end - t, 0) / max(end - start, 1))
        sub.anchor, sub.cycle = t, 0
        invoice_id, pay = w.ids.new("in"), scene.new_payment()
        sub.latest_invoice = invoice_id
        w.invoice_seq += 1
        scene.emit("customer.subscription.updated", scene.subscription(sub), t, old=old, request=request)
        extra = [(old_plan, True, (t, end), credit, True)] if credit else []
        _invoice_burst(scene, sub, invoice_id, "subscription_update", at=t, finalize_at=t + 1, pay=pay,
                       extra_lines=extra)
    w.plan, w.new_plan = new_plan, old_plan
    w.now = t + 2


def cancellation(scene: Scene) -> None:
    """Cancel at period end: access continues, then the subscription is deleted when the period ends."""
    sub = _schedule_cancel(scene, "cancellation")
    end = sub.period[1]
    sub.status, sub.ended_at = "canceled", end
    scene.emit("customer.subscription.deleted", scene.subscription(sub), end)
    scene.world.now = end + 1


def cancel_undo(scene: Scene) -> None:
    """Cancel at period end, then change one's mind: auto-renewal is back."""
    sub = _schedule_cancel(scene, "cancel-undo")
    w = scene.world
    t = w.now + 60
    old = scene.subscription(sub)
    sub.cancel_at_period_end, sub.cancel_at, sub.canceled_at, sub.cancellation_reason = False, None, None, None
    scene.emit("customer.subscription.updated", scene.subscription(sub), t, old=old, request=scene.api_request())
    w.now = t + 1


def cancel_now(scene: Scene) -> None:
    """Cancel immediately: the subscription is deleted at once."""
    w = scene.world
    sub = w.require_subscription("cancel-now")
    t = w.now
    sub.status, sub.canceled_at, sub.ended_at = "canceled", t, t
    sub.cancellation_reason = "cancellation_requested"
    scene.emit("customer.subscription.deleted", scene.subscription(sub), t, request=scene.api_request())
    w.now = t + 1


def _schedule_cancel(scene: Scene, name: str) -> SubscriptionState:
    w = scene.world
    sub = w.require_subscription(name)
    if sub.cancel_at_period_end:
        raise WorldStateError(f"{name!r}: the subscription is already set to cancel at period end")
    old = scene.subscription(sub)
    sub.cancel_at_period_end, sub.cancel_at, sub.canceled_at = True, sub.period[1], w.now
    sub.cancellation_reason = "cancellation_requested"
    scene.emit("customer.subscription.updated", scene.subscription(sub), w.now, old=old,
               request=scene.api_request())
    return sub


def _advance_cycle(scene: Scene, name: str) -> SubscriptionState:
    """Move the clock to the period end and advance the subscription into its next period."""
    w = scene.world
    sub = w.require_subscription(name)
    if sub.cancel_at_period_end:
        raise WorldStateError(f"{name!r}: the subscription cancels at period end; it will not renew")
    w.now = max(w.now, sub.period[1])
    old = scene.subscription(sub)
    sub.cycle += 1
    sub.latest_invoice = w.ids.new("in")
    w.invoice_seq += 1
    scene.emit("customer.subscription.updated", scene.subscription(sub), w.now, old=old)
    return sub


def _invoice_burst(scene: Scene, sub: SubscriptionState, invoice_id: str, reason: str, *, at: int,
                   finalize_at: int, pay, extra_lines: list | None = None) -> None:
    """invoice.created → finalized → paid → payment_succeeded for one subscription invoice."""
    plan = sub.plan
    lines = [*(extra_lines or []), (plan, True, sub.period, plan.unit_amount, False)]

    def render(status: str) -> dict:
        return scene.invoice(id=invoice_id, lines=lines, billing_reason=reason, status=status, created=at,
                             sub=sub, payment=pay, finalized_at=None if status == "draft" else finalize_at,
                             paid_at=finalize_at if status == "paid" else None,
                             attempt_count=int(status == "paid"))

    scene.emit("invoice.created", render("draft"), at)
    scene.emit("invoice.finalized", render("open"), finalize_at)
    paid = render("paid")
    if reason != "subscription_create":
        intent, charge = scene.payment_objects(pay, paid["amount_paid"], plan.currency, finalize_at)
        scene.emit("charge.succeeded", charge, finalize_at)
        scene.emit("payment_intent.succeeded", intent, finalize_at)
    scene.emit("invoice.paid", paid, finalize_at)
    scene.emit("invoice.payment_succeeded", paid, finalize_at)


@dataclass(frozen=True)
class Sequence:
    """A named step of the story and the event types it can emit, in first-seen order."""

    name: str
    summary: str
    run: Callable[[Scene], None]
    emits: tuple[str, ...]


SEQUENCES: dict[str, Sequence] = {s.name: s for s in (
    Sequence("first-purchase", "Checkout in subscription mode, first invoice paid", first_purchase, (
        "charge.succeeded", "customer.created", "checkout.session.completed", "customer.subscription.created",
        "payment_intent.succeeded", "invoice.created", "invoice.finalized", "invoice.paid",
        "invoice.payment_succeeded")),
    Sequence("one-time-purchase", "Checkout in payment mode, no invoice", one_time_purchase, (
        "charge.succeeded", "payment_intent.succeeded", "checkout.session.completed")),
    Sequence("one-time-purchase-invoiced", "Checkout in payment mode with invoice creation (a manual invoice)",
             lambda scene: one_time_purchase(scene, invoiced=True), (
        "charge.succeeded", "payment_intent.succeeded", "customer.created", "checkout.session.completed",
        "invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded")),
    Sequence("one-time-purchase-delayed", "Checkout in payment mode, completed unpaid, paid 3 days later",
             delayed_one_time_purchase, ("checkout.session.completed", "charge.succeeded",
                                         "payment_intent.succeeded", "checkout.session.async_payment_succeeded")),
    Sequence("renewal", "The period ends; the cycle invoice is paid an hour later", renewal, (
        "customer.subscription.updated", "invoice.created", "invoice.finalized", "charge.succeeded",
        "payment_intent.succeeded", "invoice.paid", "invoice.payment_succeeded")),
    Sequence("plan-change", "Switch to --new-price; a new interval restarts the period and invoices now",
             plan_change, ("customer.subscription.updated", "invoice.created", "invoice.finalized",
                           "charge.succeeded", "payment_intent.succeeded", "invoice.paid",
                           "invoice.payment_succeeded")),
    Sequence("cancellation", "Cancel at period end; deleted when the period ends", cancellation, (
        "customer.subscription.updated", "customer.subscription.deleted")),
    Sequence("cancel-undo", "Cancel at period end, then undo it", cancel_undo, (
        "customer.subscription.updated",)),
    Sequence("cancel-now", "Cancel immediately", cancel_now, ("customer.subscription.deleted",)),
    Sequence("failed-renewal", "Renewal charge and its retries fail; past_due, then deleted", failed_renewal, (
        "customer.subscription.updated", "invoice.created", "invoice.finalized", "charge.failed",
        "payment_intent.payment_failed", "invoice.payment_failed", "customer.subscription.deleted")),
)}


def get_sequence(name: str) -> Sequence:
    """Look a sequence up by name."""
    try:
        return SEQUENCES[name]
    except KeyError:
        raise UnknownSequence(name, list(SEQUENCES)) from None


def run_sequences(scene: Scene, names: list[str]) -> list[dict]:
    """Run the named sequences in order in one world; return the events they emitted."""
    for sequence in [get_sequence(name) for name in names]:  # unknown names fail before anything runs
        sequence.run(scene)
    return scene.events
