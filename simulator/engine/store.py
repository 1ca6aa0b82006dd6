"""Objects by id with per-type insertion-ordered indexes: create is O(1), a list page is O(page)."""

from typing import Callable, Iterator

from .errors import ResourceMissing

# Fields that never change after creation and that lists filter on; each gets its own ordered index.
INDEXED: dict[str, tuple[str, ...]] = {
    "price": ("product",), "subscription": ("customer",), "invoice": ("customer", "subscription"),
    "payment_intent": ("customer",), "charge": ("customer",), "invoiceitem": ("customer",),
}


# How Stripe names each kind in `No such …` messages.
WORDS = {"checkout.session": "checkout.session", "test_helpers.test_clock": "test clock"}


def word_for(kind: str) -> str:
    """The noun in `No such <noun>: 'id'`."""
    return WORDS.get(kind, kind.replace("_", " "))


class OrderedIds:
    """Ids in insertion order; removal leaves a hole so positions stay valid."""

    def __init__(self) -> None:
        self.ids: list[str | None] = []
        self.pos: dict[str, int] = {}

    def add(self, id: str) -> None:
        """Append `id`."""
        self.pos[id] = len(self.ids)
        self.ids.append(id)

    def discard(self, id: str) -> None:
        """Forget `id`, keeping everybody else's position."""
        index = self.pos.pop(id, None)
        if index is not None:
            self.ids[index] = None

    def walk(self, start: int, step: int) -> Iterator[str]:
        """Ids from position `start` towards older (-1) or newer (+1) ones."""
        index = start
        while 0 <= index < len(self.ids):
            id = self.ids[index]
            if id is not None:
                yield id
            index += step


class Store:
    """Every object of one fake Stripe account, keyed by id."""

    def __init__(self) -> None:
        self.objects: dict[str, dict] = {}
        self._kinds: dict[str, OrderedIds] = {}
        self._indexes: dict[tuple[str, str, str], OrderedIds] = {}

    def __contains__(self, id: str) -> bool:
        return id in self.objects

    def count(self, kind: str) -> int:
        """How many objects of `kind` the store holds."""
        ids = self._kinds.get(kind)
        return len(ids.pos) if ids is not None else 0

    def __len__(self) -> int:
        return len(self.objects)

    def get(self, id: str) -> dict | None:
        """The object with `id`, or None."""
        return self.objects.get(id)

    def require(self, kind: str, id: str, param: str = "id", *, in_body: bool = False, word: str | None = None) -> dict:
        """The `kind` object with `id`, or Stripe's `No such …` error."""
        obj = self.objects.get(id) if isinstance(id, str) else None
        if obj is None or obj["object"] != kind:
            raise ResourceMissing(word or word_for(kind), id, param, in_body=in_body)
        return obj

    def add(self, obj: dict) -> dict:
        """Store a new object (its `id` and `object` keys say where)."""
        kind, id = obj["object"], obj["id"]
        self.objects[id] = obj
        self._kinds.setdefault(kind, OrderedIds()).add(id)
        for field in INDEXED.get(kind, ()):
            value = obj.get(field)
            if isinstance(value, str):
                self._indexes.setdefault((kind, field, value), OrderedIds()).add(id)
        return obj

    def remove(self, id: str) -> dict | None:
        """Delete an object; lists skip it from now on."""
        obj = self.objects.pop(id, None)
        if obj is not None:
            kind = obj["object"]
            self._kinds[kind].discard(id)
            for field in INDEXED.get(kind, ()):
                index = self._indexes.get((kind, field, obj.get(field)))
                if index is not None:
                    index.discard(id)
        return obj

    def position(self, kind: str, after: str | None = None) -> int:
        """A mark after the newest `kind` object (or after `after`): `since(kind, mark)` yields what follows."""
        ids = self._kinds.get(kind, OrderedIds())
        if after is not None:
            if after not in ids.pos:
                raise ResourceMissing(word_for(kind), after, "after")
            return ids.pos[after] + 1
        return len(ids.ids)

    def newest(self, kind: str) -> str | None:
        """The id of the newest `kind` object still stored."""
        return next(self._kinds.get(kind, OrderedIds()).walk(len(self._kinds.get(kind, OrderedIds()).ids) - 1, -1),
                    None)

    def since(self, kind: str, mark: int) -> Iterator[dict]:
        """Every `kind` object added after `mark` (see `position`), oldest first."""
        for id in self._kinds.get(kind, OrderedIds()).walk(mark, 1):
            yield self.objects[id]

    def all(self, kind: str) -> Iterator[dict]:
        """Every `kind` object, oldest first."""
        for id in self._kinds.get(kind, OrderedIds()).walk(0, 1):
            yield self.objects[id]

    def page(self, kind: str, *, limit: int = 10, starting_after: str | None = None,
             ending_before: str | None = None, where: dict[str, str] | None = None,
             accept: Callable[[dict], bool] | None = None) -> tuple[list[dict], bool]:
        """One page, newest first, as Stripe lists; returns (objects, has_more)."""
        ids = self._ids_for(kind, where or {}, starting_after or ending_before)
        cursor = starting_after or ending_before
        if cursor is not None and cursor not in ids.pos:
            param = "starting_after" if starting_after else "ending_before"
            raise ResourceMissing(word_for(kind), cursor, param, in_body=True)
        if ending_before is not None:
            found = self._collect(ids.walk(ids.pos[ending_before] + 1, 1), limit, where, accept)
            return found[:limit][::-1], len(found) > limit
        start = ids.pos[starting_after] - 1 if starting_after is not None else len(ids.ids) - 1
        found = self._collect(ids.walk(start, -1), limit, where, accept)
        return found[:limit], len(found) > limit

    def _ids_for(self, kind: str, where: dict[str, str], cursor: str | None) -> OrderedIds:
        """The narrowest ordered index for a filter that still holds the cursor."""
        for field, value in where.items():
            index = self._indexes.get((kind, field, value))
            if field in INDEXED.get(kind, ()):
                index = index or OrderedIds()
                if cursor is None or cursor in index.pos:
                    return index
        return self._kinds.get(kind) or OrderedIds()

    def _collect(self, ids: Iterator[str], limit: int, where: dict[str, str] | None,
                 accept: Callable[[dict], bool] | None) -> list[dict]:
        found = []
        for id in ids:
            obj = self.objects[id]
            if where and any(obj.get(k) != v for k, v in where.items()):
                continue
            if accept is not None and not accept(obj):
                continue
            found.append(obj)
            if len(found) > limit:
                break
        return found

    def snapshot(self) -> list[dict]:
        """Every object in insertion order (what the state file keeps)."""
        return list(self.objects.values())

    def restore(self, objects: list[dict]) -> None:
        """Refill an empty store from `snapshot()` output."""
        for obj in objects:
            self.add(obj)
