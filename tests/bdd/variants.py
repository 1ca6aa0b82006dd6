"""Deliberately broken variants of the reference platform: the features must catch each one.

Each is a `--platform-factory` (Settings -> WSGI app) that patches one behaviour the way a naive
integration gets it wrong, then builds the reference app. They run in their own process.
"""

import dataclasses
import itertools
import json

from platform_adapter import (accounts, checkout, create_app, facts, keys, ledger, payloads, probe, stripe_audit,
                              webhooks)
from platform_adapter.catalogue import loader, rules
from platform_adapter.errors import StorageError
from platform_adapter.transaction import EventStoredAlready, Tx


def signature_not_checked(settings):
    """Trusts any body that parses as JSON."""
    webhooks.verify_event = lambda body, header, secret, *, tolerance_s: json.loads(body)
    return create_app(settings)


def answers_500(settings):
    """Fails every signed event (its database is down): Stripe retries, nothing is ever applied."""
    def fail(state, event, payload):
        raise StorageError("the database failed (OperationalError); nothing was stored")

    webhooks.handle_event = fail
    return create_app(settings)


def applies_nothing(settings):
    """Acknowledges every signed event as ignored, and stores and applies none of them."""
    webhooks.handle_event = lambda state, event, payload: ledger.Outcome(
        event["id"], "ignored", "not handled here", code="event_type_not_handled")
    return create_app(settings)


def storage_failure_acknowledged(settings):
    """Answers 200 when its database fails, so Stripe never retries and the event is lost."""
    original = webhooks.handle_event

    def handle_event(state, event, payload):
        try:
            return original(state, event, payload)
        except StorageError:
            return ledger.Outcome(event["id"], "ignored", "could not store it", code="event_type_not_handled")

    webhooks.handle_event = handle_event
    return create_app(settings)


def ping_stored_as_an_event(settings):
    """Takes an event destination's ping for an ordinary event: stored, listed, `event_type_not_handled`."""
    original = webhooks.verify_event

    def verify_event(body, header, secret, *, tolerance_s):
        event = original(body, header, secret, tolerance_s=tolerance_s)
        if event.get("object") == "v2.core.event":
            event = {**event, "object": "event", "created": 1, "data": {"object": {}}}
        return event

    webhooks.verify_event = verify_event
    return create_app(settings)


def duplicates_applied_twice(settings):
    """No idempotency: every delivery of a one-time purchase grants again."""
    deliveries = itertools.count()
    original_insert, original_session = Tx.insert_event, facts.HANDLERS["checkout.session.completed"]
    original_look = Tx.look

    def insert_event(self, row):
        try:
            original_insert(self, row)
        except EventStoredAlready:
            original_insert(self, {**row, "id": f"{row['id']}#{next(deliveries)}"})

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
    original_rules = rules.metadata_problems

    canonical = {"accounttype": "accountType", "interval": "interval"}

    def lowered(metadata):
        return {canonical.get(k.lower(), k): v for k, v in (metadata or {}).items()}

    def fix_value(metadata):
        data = lowered(metadata)
        if isinstance(data.get("accountType"), str):
            match = [t for t in rules.ACCOUNT_TYPES if t.lower() == data["accountType"].lower()]
            data["accountType"] = match[0] if match else data["accountType"]
        return data

    lenient = lambda metadata: original_rules(fix_value(metadata))  # noqa: E731
    rules.metadata_problems = lenient
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


def first_v1_only(settings):
    """Checks only the first `v1` of the header, so a rotation that lists the new secret later is refused."""
    original = webhooks.verify_event

    def verify_event(body, header, secret, *, tolerance_s):
        parts = (header or "").split(",")
        first = next((p for p in parts if p.startswith("v1=")), None)
        kept = [p for p in parts if not p.startswith("v1=")] + ([first] if first else [])
        return original(body, ",".join(kept) if header else header, secret, tolerance_s=tolerance_s)

    webhooks.verify_event = verify_event
    return create_app(settings)


def _grants_replayed(extends):
    """`accounts._one_time_term` with its rule for when a grant extends the held term replaced by `extends`."""
    def one_time_term(facts):
        grants = sorted((f.data["at"], f.key, f.data) for f in facts if f.kind == "grant")
        term = None  # (type, anchor, months, end), as the reference keeps it
        for at, _key, grant in grants:
            if term and extends(term, grant, at):
                months = term[2] + grant["months"]
                term = (term[0], term[1], months, accounts.shift_months(term[1], months))
            else:
                term = (grant["type"], at, grant["months"], accounts.shift_months(at, grant["months"]))
        return None if term is None else accounts._Term(term[3], term[0], False, None, (term[3], 0, ""))
    return one_time_term


def one_time_always_extends(settings):
    """A one-time purchase of the held type always extends the old term, even after it expired."""
    accounts._one_time_term = _grants_replayed(lambda term, grant, at: term[0] == grant["type"])
    return create_app(settings)


def one_time_type_ignored(settings):
    """A one-time purchase while a term runs extends that term, whatever account type was bought."""
    accounts._one_time_term = _grants_replayed(lambda term, grant, at: term[3] > at)
    return create_app(settings)


def one_time_chained_from_the_end(settings):
    """A one-time purchase while a term runs adds its months to the term's end (Jan 31 -> Feb 28 -> Mar 28)."""
    def one_time_term(facts):
        grants = sorted((f.data["at"], f.key, f.data) for f in facts if f.kind == "grant")
        term = None  # (type, end)
        for at, _key, grant in grants:
            start = term[1] if term and term[0] == grant["type"] and term[1] > at else at
            term = (grant["type"], accounts.shift_months(start, grant["months"]))
        return None if term is None else accounts._Term(term[1], term[0], False, None, (term[1], 0, ""))
    accounts._one_time_term = one_time_term
    return create_app(settings)


def subscription_session_grants(settings):
    """A subscription-mode checkout.session.completed grants its line items' term, as a one-time purchase does."""
    original = facts.HANDLERS["checkout.session.completed"]

    def from_session(meta, session, resolver):
        if payloads.get(session, "mode") == "subscription":
            session = {**(session.to_dict() if hasattr(session, "to_dict") else session), "mode": "payment"}
        return original(meta, session, resolver)

    facts.HANDLERS["checkout.session.completed"] = from_session
    return create_app(settings)


def interval_capped(settings):
    """Refuses an `interval` over 36 months (Stripe's longest billing period) as if it were not a number."""
    original = rules.metadata_problems

    def capped(metadata):
        account_type, months, problems = original(metadata)
        if months is not None and months > 36:
            problems = [*problems, rules.Problem("interval_not_whole", f"interval {months} is over 36")]
            months = None
        return account_type, months, problems

    rules.metadata_problems = capped
    return create_app(settings)


def session_status_not_checked(settings):
    """Grants on `payment_status: paid` alone, whatever the session's `status` says."""
    original = facts.HANDLERS["checkout.session.completed"]

    def from_session(meta, session, resolver):
        return original(meta, {**(session.to_dict() if hasattr(session, "to_dict") else session),
                               "status": "complete"}, resolver)

    facts.HANDLERS["checkout.session.completed"] = from_session
    return create_app(settings)


def package_and_custom_prices_accepted(settings):
    """Checks the pricing model and metering only: package pricing and customer-chosen amounts pass."""
    original = rules.price_problems
    lenient = {"package_pricing", "custom_amount"}

    def price_problems(price, months):
        return [p for p in original(price, months) if p.code not in lenient]

    rules.price_problems = price_problems
    return create_app(settings)


def product_without_price_offered(settings):
    """Judges each price but never asks whether the product has one to buy."""
    original = rules.check_product

    def check_product(product, prices):
        check = original(product, prices)
        kept = [(m, c) for m, c in zip(check.problems, check.codes) if c != "no_active_price"]
        return dataclasses.replace(check, problems=tuple(m for m, _ in kept), codes=tuple(c for _, c in kept))

    rules.check_product = check_product
    return create_app(settings)


def one_product_per_account_type(settings):
    """Keeps one product per account type, so a second interval of a type is never offered."""
    original = loader.check_catalogue

    def check_catalogue(found, prices_by_product):
        report, first = original(found, prices_by_product), set()
        for index, check in enumerate(report.products):
            if check.valid and check.account_type in first:
                report.products[index] = dataclasses.replace(check, problems=(*check.problems, "duplicate"),
                                                             codes=(*check.codes, "duplicate_product"))
            elif check.valid:
                first.add(check.account_type)
        return report

    loader.check_catalogue = check_catalogue
    return create_app(settings)


def checkout_in_price_currency(settings):
    """Accepts another currency of a price but opens the Checkout Session in the price's own."""
    original = checkout.session_params

    def session_params(ref, email, offer, tax_rates, **kw):
        own = dataclasses.replace(offer, currency=offer.price.currency, unit_amount=offer.price.unit_amount)
        return original(ref, email, own, tax_rates, **kw)

    checkout.session_params = session_params
    return create_app(settings)


def key_tried_is_the_stored_one(settings):
    """The configuration check asks Stripe with the key already in force, not the one typed."""
    probe.client_for = lambda key, base, **kw: stripe_audit.client_for(settings.stripe_secret_key, base, **kw)
    return create_app(settings)


def key_fields_not_told_apart(settings):
    """Any non-empty value is taken for any key: prefixes and characters are never checked."""
    keys.format_issue = lambda name, value: None
    return create_app(settings)


def _endpoint_seen_as(change):
    """The doctor judges each webhook endpoint as `change` rewrites it."""
    original = stripe_audit.check_endpoint
    stripe_audit.check_endpoint = lambda endpoint: original(change(dict(endpoint)))


def disabled_endpoint_passes(settings):
    """The doctor never reads the endpoint's status."""
    _endpoint_seen_as(lambda ep: {**ep, "status": "enabled"})
    return create_app(settings)


def wildcard_not_understood(settings):
    """The doctor looks for the four events by name, so `*` (every event) counts as none of them."""
    _endpoint_seen_as(lambda ep: {**ep, "enabled_events": [e for e in ep.get("enabled_events") or [] if e != "*"]})
    return create_app(settings)


def http_not_warned(settings):
    """The doctor never looks at the URL's scheme."""
    _endpoint_seen_as(lambda ep: {**ep, "url": ep["url"].replace("http://", "https://", 1)})
    return create_app(settings)


def no_tax_rate_accepted(settings):
    """The doctor finds nothing wrong with an account without an active tax rate."""
    original = stripe_audit.audit

    def audit(client, webhook_url=None):
        result = original(client, webhook_url)
        result.problems[:] = [p for p in result.problems if not p.startswith("no active tax rate")]
        return result

    stripe_audit.audit = audit
    return create_app(settings)
