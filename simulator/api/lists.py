"""List pages: Stripe's pagination (`limit`, `starting_after`, `ending_before`) and `created` filters."""

from typing import Callable

from ..engine.rendering import list_object, render


def in_range(value: int, bounds: dict | None) -> bool:
    """Stripe's `created[gte]=…` style filters."""
    if not bounds:
        return True
    return (value > bounds.get("gt", value - 1) and value >= bounds.get("gte", value)
            and value < bounds.get("lt", value + 1) and value <= bounds.get("lte", value))


def page(call, kind: str, url: str, p: dict, *, where: dict | None = None,
         accept: Callable[[dict], bool] | None = None, draw: Callable | None = None) -> dict:
    """One rendered list page of `kind` objects for Stripe's pagination, `created` and filter params."""
    created = p.get("created")
    if isinstance(created, int):
        # `created=<timestamp>` is an exact match, like `created[gte]=t&created[lte]=t`.
        created = {"gte": created, "lte": created}
    test = accept
    if created:
        def test(obj: dict) -> bool:
            return in_range(obj["created"], created) and (accept is None or accept(obj))
    objects, has_more = call.state.store.page(
        kind, limit=p.get("limit", 10), starting_after=p.get("starting_after"),
        ending_before=p.get("ending_before"), where=where, accept=test)
    draw = draw or render
    return list_object(url, [draw(call.state, obj, call.version) for obj in objects], has_more)
