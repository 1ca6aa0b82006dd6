"""Renders the world's objects, in one API version, and collects the events a sequence emits."""

from dataclasses import dataclass, field
from datetime import datetime, timezone

from .events import make_event, previous_attributes
from .objects.checkout import session_object
from .objects.customers import customer_details, customer_object
from .objects.invoices import invoice_line_object, invoice_object
from .objects.payments import charge_object, payment_intent_object
from .objects.subscriptions import subscription_item_object, subscription_object
from .tax import LineTax, line_tax
from .world import Plan, SubscriptionState, World


@dataclass
class Payment:
    """One card payment: its intent, charge and method ids."""

    intent: str
    charge: str
    method: str


@dataclass
class Scene:
    """A world seen through one API version, with the events emitted so far."""

    world: World
    version: str
    events: list[dict] = field(default_factory=list)

    # ---- objects -------------------------------------------------------------------------
    def tax_for(self, amount: int) -> LineTax:
        """The tax one line of `amount` pays under the world's tax rate."""
        tax = self.world.tax
        return line_tax(amount, tax.percentage if tax else None, tax.inclusive if tax else False)

    def tax_rates(self) -> list[dict]:
        """The tax rate objects applied to a line."""
        return [self.world.tax.tax_rate()] if self.world.tax else []

    def customer(self) -> dict:
        """The `customer` object."""
        w = self.world
        return customer_object(id=w.customer_id, email=w.email, name=w.customer_name,
                               created=w.now, metadata=w.metadata())

    def subscription(self, sub: SubscriptionState) -> dict:
        """The `subscription` object, as it stands now."""
        price = sub.plan.price(recurring=True)
        item = subscription_item_object(id=sub.item_id, subscription=sub.id, price=price,
                                        created=sub.created, period=sub.period, tax_rates=self.tax_rates(),
                                        version=self.version)
        return subscription_object(
            id=sub.id, customer=self.world.customer_id, items=[item], status=sub.status,
            created=sub.created, start_date=sub.start_date, billing_cycle_anchor=sub.anchor,
            currency=sub.plan.currency, version=self.version, current_period=sub.period,
            latest_invoice=sub.latest_invoice, metadata=sub.metadata,
            cancel_at_period_end=sub.cancel_at_period_end, cancel_at=sub.cancel_at,
            canceled_at=sub.canceled_at, ended_at=sub.ended_at, cancellation_reason=sub.cancellation_reason,
            default_payment_method=sub.payment_method)

    def invoice(self, *, id: str, lines: list[tuple[Plan, bool, tuple[int, int], int, bool]],
                billing_reason: str, status: str, created: int, sub: SubscriptionState | None,
                payment: Payment | None = None, finalized_at: int | None = None, paid_at: int | None = None,
                attempt_count: int = 0, next_payment_attempt: int | None = None) -> dict:
        """An `invoice`; each line is (plan, recurring, period, amount, proration)."""
        w, rendered, taxes = self.world, [], []
        for index, (plan, recurring, span, amount, proration) in enumerate(lines):
            tax = self.tax_for(amount)
            rate = self.tax_rates()[0] if self.tax_rates() else None
            description = (f"Unused time on {plan.product_name} after {_day(span[0])}"
                           if proration and amount < 0 else None)
            rendered.append(invoice_line_object(
                id=f"il_{id[3:-2]}{index:02d}", invoice=id, price=plan.price(recurring),
                product_name=plan.product_name, period=span, tax=tax, tax_rate=rate, version=self.version,
                subscription=sub.id if sub else None, subscription_item=sub.item_id if sub else None,
                proration=proration, description=description))
            taxes.append((tax, rate))
        number = None if status == "draft" else f"SIMPLEX1-{w.invoice_seq:04d}"
        return invoice_object(
            id=id, customer=w.customer_id, customer_email=w.email, customer_name=w.customer_name,
            lines=rendered, taxes=taxes, currency=lines[0][0].currency, billing_reason=billing_reason,
            status=status, created=created, version=self.version, number=number,
            subscription=sub.id if sub else None, subscription_metadata=sub.metadata if sub else None,
            default_tax_rates=[], finalized_at=finalized_at, paid_at=paid_at, attempt_count=attempt_count,
            next_payment_attempt=next_payment_attempt, payment_intent=payment.intent if payment else None,
            charge=payment.charge if payment else None)

    def session(self, *, id: str, mode: str, plan: Plan, payment_status: str, created: int,
                subscription: str | None = None, payment_intent: str | None = None,
                invoice: str | None = None, invoice_creation: bool = False) -> dict:
        """A completed `checkout.session` for one unit of `plan`."""
        w = self.world
        return session_object(
            id=id, mode=mode, created=created - 60, currency=plan.currency, tax=self.tax_for(plan.unit_amount),
            success_url="https://meeting.example.com/account/settings?checkout=success&session_id={CHECKOUT_SESSION_ID}",
            cancel_url="https://meeting.example.com/account/settings?checkout=cancel",
            version=self.version, status="complete", payment_status=payment_status,
            customer=w.customer_id, customer_email=w.email,
            customer_details=customer_details(w.email, w.customer_name),
            client_reference_id=w.account, metadata=w.metadata(), subscription=subscription,
            payment_intent=payment_intent, invoice=invoice, invoice_creation=invoice_creation)

    def payment_objects(self, pay: Payment, amount: int, currency: str, at: int, *, succeeded: bool = True,
                        metadata: dict | None = None) -> tuple[dict, dict]:
        """The payment intent and charge of one card payment."""
        w = self.world
        last4 = "4242" if succeeded else "0002"
        charge = charge_object(id=pay.charge, amount=amount, currency=currency, created=at,
                               customer=w.customer_id, payment_intent=pay.intent, payment_method=pay.method,
                               email=w.email, last4=last4, succeeded=succeeded, metadata=metadata)
        error = None if succeeded else {"charge": pay.charge, "code": "card_declined",
                                        "decline_code": "generic_decline", "message": "Your card was declined.",
                                        "type": "card_error"}
        intent = payment_intent_object(
            id=pay.intent, amount=amount, currency=currency, created=at, customer=w.customer_id,
            latest_charge=pay.charge, payment_method=pay.method if succeeded else None,
            status="succeeded" if succeeded else "requires_payment_method", metadata=metadata,
            receipt_email=w.email, last_payment_error=error)
        return intent, charge

    # ---- events --------------------------------------------------------------------------
    def new_payment(self) -> Payment:
        """Fresh ids for one card payment."""
        ids = self.world.ids
        return Payment(intent=ids.new("pi"), charge=ids.new("ch"), method=ids.new("pm"))

    def api_request(self) -> tuple[str, str]:
        """A request id and idempotency key for an event caused by an API call."""
        ids = self.world.ids
        return ids.new("req"), f"{ids.token(8)}-{ids.token(4)}-{ids.token(4)}-{ids.token(12)}".lower()

    def emit(self, type: str, obj: dict, at: int, *, old: dict | None = None,
             request: tuple[str, str] | None = None) -> dict:
        """Append one event about `obj` at simulated time `at`."""
        event = make_event(
            id=self.world.ids.new("evt"), type=type, obj=obj, created=at, api_version=self.version,
            previous_attributes=previous_attributes(old, obj) if old is not None else None,
            request_id=request[0] if request else None, idempotency_key=request[1] if request else None)
        self.events.append(event)
        return event


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%d %b %Y")
