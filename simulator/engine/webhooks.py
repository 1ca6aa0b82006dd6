"""Webhook endpoints: create, change, delete; the outbox learns every change."""

import re

from .errors import InvalidParameter
from .metadata import merge_metadata
from .rendering import deleted
from .state import State

EVENT_TYPE = re.compile(r"^(\*|[a-z_]+(\.[a-z_]+)+)$")


def render_endpoint(state: State, record: dict, version: str) -> dict:
    """An endpoint as retrieve and list show it: the signing secret is never returned again."""
    return {k: v for k, v in record.items() if k != "secret"}


def check_endpoint(p: dict) -> None:
    url = p.get("url")
    if url is not None and not re.match(r"^https?://[^/\s]+", url):
        raise InvalidParameter(f"Invalid URL: {url}", "url", code="url_invalid")
    for index, type in enumerate(p.get("enabled_events") or []):
        if not EVENT_TYPE.match(type):
            raise InvalidParameter(f"Invalid enabled_events[{index}]: {type} is not a valid event type",
                                   f"enabled_events[{index}]")
    if "enabled_events" in p and not p["enabled_events"]:
        raise InvalidParameter("You must specify at least one event in `enabled_events`.", "enabled_events")


def configure_delivery(state: State, endpoint: dict) -> None:
    if state.outbox is not None:
        state.outbox.configure(endpoint["id"], endpoint["url"], endpoint["secret"], endpoint["status"] == "enabled")


def restore_outbox(state: State) -> None:
    """Tell the outbox about every stored endpoint (after a restart or reset)."""
    for endpoint in state.store.all("webhook_endpoint"):
        configure_delivery(state, endpoint)


def update_endpoint(state: State, endpoint: dict, p: dict, *, origin=(None, None)) -> dict:
    """Change url, events, description, metadata or disabled (api_version is fixed)."""
    check_endpoint(p)
    for field in ("url", "enabled_events", "description"):
        if field in p:
            endpoint[field] = p[field]
    if "metadata" in p:
        endpoint["metadata"] = merge_metadata(endpoint["metadata"], p["metadata"])
    if "disabled" in p:
        endpoint["status"] = "disabled" if p["disabled"] else "enabled"
    configure_delivery(state, endpoint)
    return endpoint


def delete_endpoint(state: State, endpoint: dict, *, origin=(None, None)) -> dict:
    """Forget an endpoint; pending retries to it stop."""
    state.store.remove(endpoint["id"])
    if state.outbox is not None:
        state.outbox.configure(endpoint["id"], endpoint["url"], endpoint["secret"], False)
    return deleted(endpoint["id"], "webhook_endpoint")


def create_endpoint(state: State, p: dict, version: str | None) -> dict:
    """A new enabled endpoint (pinned to `version`, or following the account's); its `whsec_` secret is new."""
    check_endpoint(p)
    endpoint = {
        "id": state.new_id("we"), "object": "webhook_endpoint", "api_version": version, "application": None,
        "created": state.now(), "description": p.get("description"), "enabled_events": p["enabled_events"],
        "livemode": False, "metadata": dict(p.get("metadata") or {}), "secret": "whsec_" + state.ids.token(32),
        "status": "enabled", "url": p["url"],
    }
    state.store.add(endpoint)
    configure_delivery(state, endpoint)
    return endpoint


RENDERERS = {"webhook_endpoint": render_endpoint}
