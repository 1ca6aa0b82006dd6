"""Seeding: objects the recording account already had (a plan named `gold`, an old customer) made on the fake
first, from the shapes the recording's own responses show, so the requests that name them can be replayed."""

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .ids import is_id

# Objects the fake can be given before a replay, in the order they depend on each other.
ORDER = ("product", "tax_rate", "price", "plan", "customer")


@dataclass
class Seed:
    """One object made before the replay: its kind, the recording's id, the fake's id, where its shape was seen."""

    kind: str
    recorded: str
    replay: str | None
    source: str
    problem: str = ""

    def as_dict(self) -> dict:
        """JSON form."""
        return dict(self.__dict__)


def _objects(value: Any) -> Iterator[dict]:
    if isinstance(value, dict):
        if isinstance(value.get("id"), str) and isinstance(value.get("object"), str):
            yield value
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def sent_values(request: dict) -> Iterator[str]:
    """Every path segment and parameter value a request sends (where an id it names can be)."""
    yield from (part for part in request["path"].split("/") if part)
    yield from (value for _, value in request["params"])


def shapes_of(story: dict) -> dict[str, tuple[dict, str]]:
    """Every object the recorded responses show, by id: (the first full shape seen, the request it came with)."""
    shapes: dict[str, tuple[dict, str]] = {}
    for step in story["steps"]:
        for request in step["requests"]:
            for obj in _objects(request["response"]):
                shapes.setdefault(obj["id"], (obj, f"{request['method']} {request['path']}"))
    return shapes


def pre_existing(story: dict, shapes: dict[str, tuple[dict, str]]) -> tuple[dict[str, tuple[dict, str]], list[str]]:
    """Ids a request sends before any earlier response named them: {id: (its shape, where seen)} for those whose
    shape some response holds, and the Stripe-looking ids no response describes."""
    seen: set[str] = set()
    found: dict[str, tuple[dict, str]] = {}
    unknown: list[str] = []
    for step in story["steps"]:
        for request in step["requests"]:
            response = request["response"]
            made = response.get("id") if request["method"] == "POST" and isinstance(response, dict) else None
            for value in sent_values(request):
                if value in seen or value in found or value == made:  # `made`: this request creates it
                    continue
                if value in shapes and shapes[value][0]["object"] in ORDER:
                    found[value] = shapes[value]
                elif is_id(value) and value not in unknown:
                    unknown.append(value)
            seen.update(_strings(request["response"]))  # an id a response names, even as a reference
    return found, unknown


def _product_of(shape: dict) -> str | dict | None:
    return shape.get("product")


def params(shape: dict, mapping: dict[str, str]) -> tuple[str, dict]:
    """The create call that makes an object like `shape` on the fake (path, parameters)."""
    kind = shape["object"]
    keep = lambda *names: {k: shape[k] for k in names if shape.get(k) not in (None, "", {})}  # noqa: E731
    if kind == "product":
        return "/v1/products", {"id": shape["id"], "name": shape.get("name") or shape["id"],
                                **keep("description", "metadata")}
    if kind == "tax_rate":
        return "/v1/tax_rates", keep("display_name", "percentage", "inclusive", "country", "jurisdiction",
                                     "description", "tax_type", "metadata")
    if kind == "customer":
        return "/v1/customers", keep("email", "name", "description", "metadata")
    product = _product_of(shape)
    product_id = product["id"] if isinstance(product, dict) else product
    out = {"currency": shape["currency"], "product": mapping.get(product_id, product_id),
           **keep("nickname", "metadata", "tax_behavior", "lookup_key")}
    if kind == "plan":
        out["unit_amount"] = shape.get("amount")
        out["recurring"] = {"interval": shape["interval"], "interval_count": shape.get("interval_count", 1)}
    else:
        out["unit_amount"] = shape.get("unit_amount")
        if shape.get("recurring"):
            rec = shape["recurring"]
            out["recurring"] = {"interval": rec["interval"], "interval_count": rec.get("interval_count", 1)}
    return "/v1/prices", out


def plan(story: dict) -> tuple[list[tuple[dict, str]], list[str]]:
    """What to make before replaying a story (shapes in dependency order, products of prices included) and the
    ids that cannot be made (no response shows them)."""
    shapes = shapes_of(story)
    found, unknown = pre_existing(story, shapes)
    wanted = dict(found)
    for shape, source in list(found.values()):
        product = _product_of(shape) if shape["object"] in ("price", "plan") else None
        if isinstance(product, dict):
            wanted.setdefault(product["id"], (product, source))
        elif isinstance(product, str) and product not in wanted and not _created_in(story, product):
            # A price's product the recording never created: its recorded shape, or its id as its name.
            wanted[product] = shapes.get(product, ({"id": product, "object": "product", "name": product}, source))
    return sorted(wanted.values(), key=lambda item: ORDER.index(item[0]["object"])), unknown


def _created_in(story: dict, value: str) -> bool:
    """Whether one of the recording's own POSTs made the object `value`."""
    return any(request["method"] == "POST" and isinstance(request["response"], dict)
               and request["response"].get("id") == value
               for step in story["steps"] for request in step["requests"])


def seed(story: dict, create: Callable[[str, dict], dict], mapping: dict[str, str]) -> list[Seed]:
    """Make each pre-existing object on the fake with `create(path, params)`; learn recorded id -> fake id."""
    seeds = []
    shapes, unknown = plan(story)
    for shape, source in shapes:
        path, values = params(shape, mapping)
        try:
            made = create(path, values)
        except Exception as exc:  # the fake refused: reported, and the requests naming it will differ
            seeds.append(Seed(shape["object"], shape["id"], None, source, " ".join(str(exc).split())[:160]))
            continue
        mapping[shape["id"]] = made["id"]
        seeds.append(Seed(shape["object"], shape["id"], made["id"], source))
    seeds.extend(Seed("?", value, None, "", "no recorded response shows this object") for value in unknown)
    return seeds
