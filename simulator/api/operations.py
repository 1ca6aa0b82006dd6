"""The spec's operations, as the fake sees them: which route serves which operation, families, coverage."""

import functools
from dataclasses import dataclass

from ..spec import load_schema

METHODS = ("get", "post", "delete")


@dataclass(frozen=True)
class Operation:
    """One operation of the derived schema: `GET /v1/customers/{customer}` (GetCustomersCustomer)."""

    method: str
    template: str
    id: str

    @property
    def spec(self) -> dict:
        """The operation's schema (parameters, requestBody, responses)."""
        return load_schema()["paths"][self.template][self.method.lower()]

    @property
    def family(self) -> str:
        """The resource family the operation belongs to (`customers`, `checkout/sessions`, …)."""
        return family_of(self.template)

    def __str__(self) -> str:
        return f"{self.id} ({self.method} {self.template})"


@functools.lru_cache(maxsize=1)
def all_operations() -> tuple[Operation, ...]:
    """Every operation of the derived schema, in path order."""
    return tuple(Operation(method.upper(), template, op["operationId"])
                 for template, ops in sorted(load_schema()["paths"].items())
                 for method, op in ops.items() if method in METHODS)


@functools.lru_cache(maxsize=1)
def _paths() -> frozenset[str]:
    return frozenset(load_schema()["paths"])


@functools.lru_cache(maxsize=4096)
def family_of(template: str) -> str:
    """`/v1/customers/{customer}/sources` → `customers`; namespaced resources keep two segments."""
    parts = template.split("/")[2:]
    first = parts[0]
    if len(parts) == 1 or parts[1].startswith("{"):
        return first
    own = f"/v1/{first}"
    if own in _paths() or any(p.startswith(own + "/{") for p in _paths()):
        return first
    return f"{first}/{parts[1]}"


class SpecMatcher:
    """Concrete paths → spec templates; literal segments win over `{param}` ones (`/products/search`)."""

    def __init__(self, operations: tuple[Operation, ...]) -> None:
        self.by_shape: dict[int, list[tuple[list[str], str]]] = {}
        for template in sorted({op.template for op in operations}):
            parts = template.strip("/").split("/")
            self.by_shape.setdefault(len(parts), []).append((parts, template))
        for candidates in self.by_shape.values():
            # Most literal segments first, leftmost literals breaking ties.
            candidates.sort(key=lambda item: [part.startswith("{") for part in item[0]])
        self.operations = {(op.method, op.template): op for op in operations}

    def template(self, path: str) -> str | None:
        """The spec template a concrete path instantiates, or None."""
        parts = path.strip("/").split("/")
        for pattern, template in self.by_shape.get(len(parts), ()):
            if all(p == actual or (p.startswith("{") and actual) for p, actual in zip(pattern, parts)):
                return template
        return None

    def operation(self, method: str, path: str) -> Operation | None:
        """The spec operation a request names, or None when the spec has no such method on the path."""
        template = self.template(path)
        return self.operations.get((method, template)) if template else None


@functools.lru_cache(maxsize=1)
def matcher() -> SpecMatcher:
    """The shared matcher over every operation of the schema."""
    return SpecMatcher(all_operations())


@functools.lru_cache(maxsize=1024)
def spec_template_of_route(path: str) -> str | None:
    """A route's spec template: `/v1/customers/<id>/payment_methods` → `/v1/customers/{customer}/payment_methods`
    (cached: every FakeStripe, one per in-process story, builds its router from the same routes)."""
    concrete = "/".join("x" if part.startswith("<") else part for part in path.split("/"))
    return matcher().template(concrete)


def coverage(served: set[tuple[str, str]]) -> list[dict]:
    """Per family with at least one served operation: the spec's operations and the ones served."""
    families: dict[str, dict] = {}
    for op in all_operations():
        entry = families.setdefault(op.family, {"family": op.family, "served": [], "not_served": []})
        entry["served" if (op.method, op.template) in served else "not_served"].append(op)
    return [entry for entry in families.values() if entry["served"]]
