"""Every event name `stripe trigger` knows (its fixture files' names and their `_meta.aliases`), by family.

A name's family is its longest matching prefix in FAMILIES. Families in OUTSIDE are not Billing and Payments
and are not simulated by the fake; a trigger for one exits 2 naming the family.
"""

CLI_EVENTS = (
    "account.application.deauthorized", "account.updated", "balance.available",
    "billing_portal.configuration.created", "billing_portal.configuration.updated", "billing_portal.session.created",
    "cash_balance.funds_available", "charge.captured", "charge.dispute.closed", "charge.dispute.created",
    "charge.dispute.updated", "charge.failed", "charge.refund.updated", "charge.refunded", "charge.succeeded",
    "checkout.session.async_payment_failed", "checkout.session.async_payment_succeeded",
    "checkout.session.completed", "checkout.session.expired", "coupon.created", "coupon.deleted", "coupon.updated",
    "credit_note.created", "credit_note.updated", "credit_note.voided", "customer.created", "customer.deleted",
    "customer.discount.created", "customer.discount.deleted", "customer.discount.updated", "customer.source.created",
    "customer.source.updated", "customer.subscription.created", "customer.subscription.deleted",
    "customer.subscription.paused", "customer.subscription.trial_will_end", "customer.subscription.updated",
    "customer.updated", "identity.verification_session.canceled", "identity.verification_session.created",
    "identity.verification_session.redacted", "invoice.created", "invoice.deleted", "invoice.finalized",
    "invoice.marked_uncollectible", "invoice.paid", "invoice.payment_action_required", "invoice.payment_failed",
    "invoice.sent", "invoice.updated", "invoice.voided", "invoiceitem.created", "invoiceitem.deleted",
    "issuing_authorization.request", "issuing_authorization.request.eu", "issuing_authorization.request.gb",
    "issuing_card.created", "issuing_card.created.eu", "issuing_card.created.gb", "issuing_cardholder.created",
    "issuing_cardholder.created.eu", "issuing_cardholder.created.gb", "issuing_transaction.created",
    "issuing_transaction.purchase_details_receipt_updated", "issuing_transaction.updated",
    "payment_intent.amount_capturable_updated", "payment_intent.canceled", "payment_intent.created",
    "payment_intent.partially_funded", "payment_intent.payment_failed", "payment_intent.processing",
    "payment_intent.requires_action", "payment_intent.succeeded", "payment_link.created", "payment_link.updated",
    "payment_method.attached", "payment_method.detached", "payment_method.updated", "payout.created",
    "payout.updated", "plan.created", "plan.deleted", "plan.updated", "price.created", "price.updated",
    "product.created", "product.deleted", "product.updated", "promotion_code.created", "promotion_code.updated",
    "quote.accepted", "quote.canceled", "quote.created", "quote.finalized", "reporting.report_run.succeeded",
    "setup_intent.canceled", "setup_intent.created", "setup_intent.requires_action", "setup_intent.setup_failed",
    "setup_intent.succeeded", "subscription.payment_failed", "subscription.payment_succeeded",
    "subscription_schedule.aborted", "subscription_schedule.canceled", "subscription_schedule.completed",
    "subscription_schedule.created", "subscription_schedule.expiring", "subscription_schedule.released",
    "subscription_schedule.updated", "tax_rate.created", "tax_rate.updated", "test_helpers.test_clock.advancing",
    "test_helpers.test_clock.created", "test_helpers.test_clock.deleted", "test_helpers.test_clock.ready",
    "topup.created", "transfer.created", "transfer.reversed", "transfer.updated",
    "v1.billing.meter.error_report_triggered", "v1.billing.meter.no_meter_found",
)
# Events the project's own fixtures trigger that Stripe CLI has no fixture for.
OWN_EVENTS = ("customer.subscription.resumed",)

# alias -> the name whose fixture it runs (Stripe CLI's `_meta.aliases`)
ALIASES = {"invoice.payment_succeeded": "invoice.paid",
           "customer_cash_balance_transaction.created": "cash_balance.funds_available"}

# Stripe CLI names that are not event types -> the event type their fixture makes
EVENT_OF = {"subscription.payment_succeeded": "invoice.payment_succeeded",
            "subscription.payment_failed": "invoice.payment_failed"}

# prefix -> family, the longest prefix wins
FAMILIES = {
    "account.": "Connect accounts", "balance.": "balances", "billing_portal.": "the customer portal",
    "cash_balance.": "cash balances", "customer_cash_balance_transaction.": "cash balances",
    "charge.": "charges", "charge.dispute.": "disputes", "charge.refund": "refunds", "checkout.": "Checkout",
    "coupon.": "coupons", "credit_note.": "credit notes", "customer.": "customers",
    "customer.discount.": "discounts", "customer.source.": "customer sources",
    "customer.subscription.": "subscriptions", "identity.": "Identity", "invoice.": "invoices",
    "invoiceitem.": "invoice items", "issuing_": "Issuing", "payment_intent.": "PaymentIntents",
    "payment_link.": "payment links", "payment_method.": "payment methods", "payout.": "Connect payouts",
    "plan.": "plans", "price.": "prices", "product.": "products", "promotion_code.": "promotion codes",
    "quote.": "quotes", "reporting.": "reporting", "setup_intent.": "SetupIntents",
    "subscription.": "subscriptions", "subscription_schedule.": "subscription schedules",
    "tax_rate.": "tax rates", "test_helpers.test_clock.": "test clocks", "topup.": "top-ups",
    "transfer.": "Connect transfers", "v1.billing.meter.": "billing meters (v1)",
}
OUTSIDE = frozenset({"Connect accounts", "Connect payouts", "Connect transfers", "Identity", "Issuing", "top-ups",
                     "reporting", "billing meters (v1)"})


def all_names() -> list[str]:
    """Every name `stripe trigger` accepts (aliases included), sorted."""
    return sorted({*CLI_EVENTS, *ALIASES})


def event_of(name: str) -> str:
    """The event type a trigger name makes (`issuing_card.created.eu` makes `issuing_card.created`)."""
    name = EVENT_OF.get(name, name)
    return name.removesuffix(".eu").removesuffix(".gb")


def family(name: str) -> str:
    """The family a trigger name belongs to (KeyError for a name Stripe CLI does not know)."""
    if name not in CLI_EVENTS and name not in ALIASES:
        raise KeyError(name)
    return FAMILIES[max((p for p in FAMILIES if name.startswith(p)), key=len)]


def billing_and_payments(name: str) -> bool:
    """Whether a Stripe CLI trigger name is of the Billing and Payments families the fake is for."""
    return family(name) not in OUTSIDE
