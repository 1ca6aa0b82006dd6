"""Deliberately broken variants of the reference platform: the features must catch each one.

Each is a `--platform-factory` (Settings -> WSGI app) that patches one behaviour the way a naive
integration gets it wrong, then builds the reference app. They run in their own process.
"""

import dataclasses
import itertools
import json

from platform_adapter import (catalogue, checkout, create_app, facts, ledger, payloads, product_rules, stripe_audit,
                              webhooks)
from platform_adapter.storage import Tx


def signature_not_checked(settings):
    """Trusts any body that parses as JSON."""
    webhooks.verify_event = lambda body, header, secret, *, tolerance_s: json.loads(body)
    return create_app(settings)


def duplicates_applied_twice(settings):
    """No idempotency: every delivery of a one-time purchase grants again."""
    deliveries = itertools.count()
    original_insert, original_session = Tx.insert_event, facts.HANDLERS["checkout.session.completed"]
    original_look = Tx.look

    def insert_event(self, row):
        return original_insert(self, row) or original_insert(self, {**row, "id": f"{row['id']}#{next(deliveries)}"})

    def from_session(meta, session, resolver):
        result = original_session(meta, session, resolver)
        renamed = tuple(facts.Fact(f.kind, f"{f.key}#{next(deliveries)}", f.data) for f in result.facts)
        return facts.Interpretation(result.outcome, result.keys, renamed, result.reason)

    def look(self, event_id, keys):
        return dataclasses.replace(original_look(self, event_id, keys), stored=False)

    Tx.insert_event, Tx.look = insert_event, look
    facts.HANDLERS["checkout.session.completed"] = from_session
    ledger.already_received = lambda store, event_id: False
    return create_app(settings)


def reads_invoice_subscription(settings):
    """Reads the pre-basil `invoice.subscription` and `line.price` only."""
    payloads.invoice_subscription_id = lambda invoice: payloads.id_of(payloads.get(invoice, "subscription"))
    payloads.line_price_id = lambda line: payloads.get(line, "price", "id")
    return create_app(settings)


def case_insensitive_metadata(settings):
    """Accepts `AccountType`, `accounttype` and `Professional` as if spelled right."""
    original_rules = product_rules.metadata_problems

    canonical = {"accounttype": "accountType", "interval": "interval"}

    def lowered(metadata):
        return {canonical.get(k.lower(), k): v for k, v in (metadata or {}).items()}

    def fix_value(metadata):
        data = lowered(metadata)
        if isinstance(data.get("accountType"), str):
            match = [t for t in product_rules.ACCOUNT_TYPES if t.lower() == data["accountType"].lower()]
            data["accountType"] = match[0] if match else data["accountType"]
        return data

    lenient = lambda metadata: original_rules(fix_value(metadata))  # noqa: E731
    product_rules.metadata_problems = catalogue.metadata_problems = lenient
    return create_app(settings)


def renewal_not_extending(settings):
    """Ignores renewal invoices: paid time never moves after the first period."""
    original = facts.HANDLERS["invoice.paid"]

    def from_invoice(meta, invoice, resolver):
        if payloads.get(invoice, "billing_reason") == "subscription_cycle":
            return facts.ignored("renewals ignored")
        return original(meta, invoice, resolver)

    facts.HANDLERS["invoice.paid"] = from_invoice
    return create_app(settings)


def cancellation_ends_at_once(settings):
    """Treats cancel_at_period_end like an immediate cancellation."""
    original = facts.HANDLERS["customer.subscription.updated"]

    def from_update(meta, sub, resolver):
        result = original(meta, sub, resolver)
        if payloads.get(sub, "cancel_at_period_end"):
            ended = facts.Fact("ended", f"ended:{payloads.get(sub, 'id')}",
                               {"sub": payloads.get(sub, "id"), "ended_at": meta.created})
            return facts.Interpretation(result.outcome, result.keys, (*result.facts, ended), result.reason)
        return result

    facts.HANDLERS["customer.subscription.updated"] = from_update
    return create_app(settings)



def path_not_checked(settings):
    """The doctor takes any endpoint URL for the platform's: the guide's path is never checked."""
    stripe_audit.guide_path = lambda url: True
    return create_app(settings)


def one_tax_rate_counted(settings):
    """The doctor reads only the first active tax rate, so a second one goes unnoticed."""
    original = stripe_audit.fetch_tax_rates
    stripe_audit.fetch_tax_rates = lambda client: original(client)[:1]
    return create_app(settings)


def untaxed_checkout(settings):
    """Checkout Sessions carry no tax rate: purchases are not taxed."""
    original = checkout.session_params
    checkout.session_params = lambda ref, email, offer, tax_rates, **kw: original(ref, email, offer, [], **kw)
    return create_app(settings)
