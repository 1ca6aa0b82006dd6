"""The customer portal: configurations (what customers may do there) and sessions (a link for one customer)."""

import copy

from .errors import InvalidRequest
from .events import emit
from .metadata import merge_metadata
from .state import State

PORTAL_URL = "https://billing.stripe.com/p/session/test_{}"


def _features(given: dict) -> dict:
    """Stripe's defaults under what the request set."""
    cancel, update = given.get("subscription_cancel") or {}, given.get("subscription_update") or {}
    reason = cancel.get("cancellation_reason") or {}
    customer = given.get("customer_update") or {}
    return {
        "customer_update": {"allowed_updates": list(customer.get("allowed_updates") or []),
                            "enabled": bool(customer.get("enabled", False))},
        "invoice_history": {"enabled": bool((given.get("invoice_history") or {}).get("enabled", False))},
        "payment_method_update": {"enabled": bool((given.get("payment_method_update") or {}).get("enabled", False)),
                                  "payment_method_configuration": None},
        "subscription_cancel": {"cancellation_reason": {"enabled": bool(reason.get("enabled", False)),
                                                        "options": list(reason.get("options") or [])},
                                "enabled": bool(cancel.get("enabled", False)),
                                "mode": cancel.get("mode", "at_period_end"),
                                "proration_behavior": cancel.get("proration_behavior", "none")},
        "subscription_update": {"default_allowed_updates": list(update.get("default_allowed_updates") or []),
                                "enabled": bool(update.get("enabled", False)), "products": [],
                                "proration_behavior": update.get("proration_behavior", "none"),
                                "schedule_at_period_end": {"conditions": []},
                                "trial_update_behavior": update.get("trial_update_behavior", "end_trial")},
    }


def create_configuration(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A portal configuration; emits billing_portal.configuration.created."""
    profile = p.get("business_profile") or {}
    at = state.now()
    config = {"id": state.new_id("bpc"), "object": "billing_portal.configuration", "active": True,
              "application": None,
              "business_profile": {k: profile.get(k) for k in ("headline", "privacy_policy_url",
                                                              "terms_of_service_url")},
              "created": at, "default_return_url": p.get("default_return_url") or None,
              "features": _features(p.get("features") or {}), "is_default": False, "livemode": False,
              "login_page": {"enabled": bool((p.get("login_page") or {}).get("enabled", False)), "url": None},
              "metadata": dict(p.get("metadata") or {}), "name": p.get("name"), "updated": at}
    if not any(f["enabled"] for f in config["features"].values()):
        raise InvalidRequest("At least one feature of the portal must be enabled.", param="features")
    state.store.add(config)
    emit(state, "billing_portal.configuration.created", config, at=at, origin=origin)
    return config


def update_configuration(state: State, config: dict, p: dict, *, origin=(None, None)) -> dict:
    """Metadata merges; active, name, return URL, business profile and features replace what they name."""
    old = copy.deepcopy(config)
    if "metadata" in p:
        config["metadata"] = merge_metadata(config["metadata"], p["metadata"])
    config.update({k: p[k] for k in ("active", "name", "default_return_url") if k in p})
    config["business_profile"].update(p.get("business_profile") or {})
    if p.get("features"):
        config["features"] = _features({**old["features"], **p["features"]})
    config["updated"] = state.now()
    emit(state, "billing_portal.configuration.updated", config, at=state.now(), old=old, origin=origin)
    return config


def create_session(state: State, p: dict, *, origin=(None, None)) -> dict:
    """A portal session for a customer (a default configuration is made on first use, as Stripe's dashboard
    has one); emits billing_portal.session.created."""
    customer = state.store.require("customer", p["customer"], "customer", in_body=True)
    if p.get("configuration"):
        config = state.store.require("billing_portal.configuration", p["configuration"], "configuration",
                                     in_body=True)
    else:
        config = next((c for c in state.store.all("billing_portal.configuration") if c["is_default"]), None)
        if config is None:
            config = create_configuration(state, {"features": {"invoice_history": {"enabled": True}}}, origin=origin)
            config["is_default"] = True
    at = state.now(customer["test_clock"])
    id = state.new_id("bps")
    session = {"id": id, "object": "billing_portal.session", "configuration": config["id"], "created": at,
               "customer": customer["id"], "customer_account": None, "flow": None, "livemode": False,
               "locale": p.get("locale"), "on_behalf_of": None,
               "return_url": p.get("return_url") or config["default_return_url"],
               "url": PORTAL_URL.format(id.partition("_")[2])}
    state.store.add(session)
    emit(state, "billing_portal.session.created", session, at=at, origin=origin)
    return session
