"""The delivery log's rows in an open transaction: deliveries in order, logged attempts, unverified refusals.

`DeliveryRows` is part of `transaction.Tx`: it needs only the Tx's connection (`conn`) and upserts (`upsert`).
"""

from sqlalchemy import func, literal, select, tuple_, union_all

from .schema import attempts_table, events, redeliveries, refusal_counts_table


class DeliveryRows:
    """Reads and writes of the delivery log (mixed into `Tx`)."""

    def list_deliveries(self, account_ref: str | None = None, limit: int = 1000, *, ids: list[str] | None = None,
                        newest_first: bool = False, after: tuple | None = None) -> list:
        """Deliveries in arrival order (or newest first): each event's first (with its outcome), then redeliveries.

        Rows carry their sort key (`delivered_at`, `duplicate`, `id`, `seq`); `after` is the key of the
        last row of the previous page, so pages stay exact while new deliveries arrive.
        """
        fields = (events.c.id, events.c.type, events.c.created, events.c.api_version, events.c.outcome,
                  events.c.reason, events.c.reason_code, events.c.account_ref)
        first = select(*fields, events.c.received_at.label("delivered_at"), literal(False).label("duplicate"),
                       literal(0).label("seq"))
        again = select(*fields, redeliveries.c.received_at.label("delivered_at"), literal(True).label("duplicate"),
                       redeliveries.c.seq.label("seq")).join(events, events.c.id == redeliveries.c.event_id)
        if account_ref is not None:
            first, again = first.where(events.c.account_ref == account_ref), again.where(events.c.account_ref == account_ref)
        if ids is not None:
            first, again = first.where(events.c.id.in_(ids)), again.where(events.c.id.in_(ids))
        both = union_all(first, again).subquery()
        key = (both.c.delivered_at, both.c.duplicate, both.c.id, both.c.seq)
        query = select(both)
        if after is not None:
            query = query.where(tuple_(*key) < tuple_(*after) if newest_first else tuple_(*key) > tuple_(*after))
        order = [k.desc() for k in key] if newest_first else list(key)
        return list(self.conn.execute(query.order_by(*order).limit(limit)))

    def add_attempt(self, row: dict, keep: int) -> None:
        """Log a delivery that stored no event; only the latest `keep` are kept."""
        seq = self.conn.execute(attempts_table.insert().values(**row)).inserted_primary_key[0]
        self.conn.execute(attempts_table.delete().where(attempts_table.c.seq <= seq - keep))

    def attempt_for(self, event_id: str):
        """The latest logged attempt of an event id, or None."""
        return self.conn.execute(select(attempts_table).where(attempts_table.c.event_id == event_id)
                                 .order_by(attempts_table.c.seq.desc()).limit(1)).first()

    def recent_deliveries(self, limit: int) -> list:
        """The latest deliveries, newest first: events (first delivery and redeliveries) and logged attempts."""
        first = select(events.c.received_at.label("at"), literal(200).label("status"), events.c.outcome.label("code"),
                       events.c.reason, events.c.id.label("event_id"), events.c.type.label("event_type"),
                       events.c.account_ref)
        again = select(redeliveries.c.received_at.label("at"), literal(200).label("status"),
                       literal("duplicate").label("code"), literal("already received; nothing changed").label("reason"),
                       events.c.id.label("event_id"), events.c.type.label("event_type"), events.c.account_ref
                       ).join(events, events.c.id == redeliveries.c.event_id)
        other = select(attempts_table.c.received_at.label("at"), attempts_table.c.status, attempts_table.c.code,
                       attempts_table.c.reason, attempts_table.c.event_id, attempts_table.c.event_type,
                       attempts_table.c.account_ref)
        # Each part keeps its own latest rows first (SQLite allows ORDER BY/LIMIT only in a subquery).
        parts = [select(part.order_by(column.desc()).limit(limit).subquery()) for part, column in (
            (first, events.c.received_at), (again, redeliveries.c.received_at), (other, attempts_table.c.received_at))]
        both = union_all(*parts).subquery()
        return list(self.conn.execute(select(both).order_by(both.c.at.desc()).limit(limit)))

    def count_refusal(self, code: str, reason: str | None, at: float, keep_hours: int) -> None:
        """One more unverified refusal of this kind in this hour; hours older than `keep_hours` are dropped."""
        hour = int(at // 3600)
        self.conn.execute(self.upsert["refusal"], {"hour": hour, "code": code, "reason": reason or "", "count": 1,
                                                   "last_at": at})
        self.conn.execute(refusal_counts_table.delete().where(refusal_counts_table.c.hour < hour - keep_hours))

    def refusal_counts(self, since: float) -> dict[tuple[str, str], tuple[int, float]]:
        """(code, reason) -> (count, latest time) of unverified refusals in the hours from `since` on."""
        t = refusal_counts_table
        rows = self.conn.execute(select(t.c.code, t.c.reason, func.sum(t.c.count), func.max(t.c.last_at))
                                 .where(t.c.hour >= int(since // 3600)).group_by(t.c.code, t.c.reason))
        return {(code, reason): (int(n), float(last)) for code, reason, n, last in rows}

    def latest_received_at(self) -> float | None:
        """When the last event was stored (first deliveries only)."""
        return self.conn.execute(select(func.max(events.c.received_at))).scalar()
