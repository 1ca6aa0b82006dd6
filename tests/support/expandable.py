"""Every `expand[]` path the packaged spec allows on an operation's response, found from its `x-expandableFields`:
references (an id or the object, `x-expansionResources`) and the nested fields one may expand through or include."""

from dataclasses import dataclass

from simulator.spec import load_schema

MAX_PARTS = 3


@dataclass(frozen=True)
class ExpandPath:
    """`data.invoice_settings.default_payment_method`: its steps, and whether the last one is a reference."""

    path: str
    reference: bool


def response_schema(method: str, template: str) -> dict:
    """The 200 JSON schema of one operation."""
    op = load_schema()["paths"][template][method.lower()]
    return op["responses"]["200"]["content"]["application/json"]["schema"]


def _resolve(node: dict) -> dict:
    if "$ref" in node:
        return load_schema()["components"]["schemas"][node["$ref"].rpartition("/")[2]]
    return node


def objects(node: dict) -> list[dict]:
    """The object schemas a node can be (through $ref, anyOf/oneOf and array items); ids are no object."""
    node = _resolve(node)
    if node.get("type") == "array":
        return objects(node.get("items", {}))
    branches = node.get("anyOf") or node.get("oneOf")
    if branches:
        return [obj for branch in branches for obj in objects(branch)]
    return [node] if "properties" in node else []


def is_reference(node: dict) -> bool:
    """An id that expands into an object: anyOf a string and objects (the spec's `x-expansionResources`)."""
    node = _resolve(node)
    return "x-expansionResources" in node or any(
        _resolve(b).get("type") == "string" for b in node.get("anyOf", ()))


def expand_paths(schema: dict, prefix: str = "", depth: int = 0) -> list[ExpandPath]:
    """Every expandable path under a response schema, walking through nested (non-reference) fields."""
    found: dict[str, ExpandPath] = {}
    for node in objects(schema):
        for field in node.get("x-expandableFields", ()):
            prop = node.get("properties", {}).get(field)
            if prop is None:
                continue
            path = f"{prefix}{field}"
            reference = is_reference(prop)
            found.setdefault(path, ExpandPath(path, reference))
            if not reference and depth + 1 < MAX_PARTS:
                for deeper in expand_paths(prop, path + ".", depth + 1):
                    found.setdefault(deeper.path, deeper)
    return list(found.values())
