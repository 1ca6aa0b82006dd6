"""`/v1/subscription_schedules`: create, update, release, cancel, retrieve, list."""

from ..engine.schedules import (cancel_schedule, create_schedule, release_schedule, render_schedule,
                                update_schedule)
from .context import Call
from .lists import page
from .params import POSITIVE, one_of

KIND = "subscription_schedule"
CHECKS = {"phases.*.duration.interval_count": POSITIVE, "phases.*.items.*.quantity": POSITIVE,
          "phases.*.iterations": POSITIVE,
          "end_behavior": one_of("release", "cancel")}


def post_schedule(call: Call) -> dict:
    """POST /v1/subscription_schedules."""
    schedule = create_schedule(call.state, call.parse(CHECKS, required=("customer",)), origin=call.origin)
    return render_schedule(call.state, schedule, call.version)


def schedule_action(action, parse: bool = False):
    """A POST handler that runs `action` on the schedule and answers it."""
    def handler(call: Call) -> dict:
        schedule = call.state.store.require(KIND, call.args["id"], word="subscription schedule")
        params = call.parse(CHECKS)
        result = action(call.state, schedule, params, origin=call.origin) if parse else action(
            call.state, schedule, origin=call.origin)
        return render_schedule(call.state, result, call.version)
    handler.__name__ = handler.__doc__ = action.__name__
    return handler


def retrieve_schedule(call: Call) -> dict:
    """GET /v1/subscription_schedules/{id}."""
    schedule = call.state.store.require(KIND, call.args["id"], word="subscription schedule")
    return render_schedule(call.state, schedule, call.version)


def list_schedules(call: Call) -> dict:
    """GET /v1/subscription_schedules (`customer`)."""
    p = call.params
    return page(call, KIND, "/v1/subscription_schedules", p,
                where={"customer": p["customer"]} if "customer" in p else None)


ROUTES = [
    ("POST", "/v1/subscription_schedules", post_schedule),
    ("GET", "/v1/subscription_schedules", list_schedules),
    ("GET", "/v1/subscription_schedules/<id>", retrieve_schedule),
    ("POST", "/v1/subscription_schedules/<id>", schedule_action(update_schedule, parse=True)),
    ("POST", "/v1/subscription_schedules/<id>/release", schedule_action(release_schedule)),
    ("POST", "/v1/subscription_schedules/<id>/cancel", schedule_action(cancel_schedule)),
]
