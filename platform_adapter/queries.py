"""The statements the platform runs, built once with bound parameters (building them per request costs more
than running them), and the builders of those whose shape depends on the dialect or the row."""

from functools import lru_cache

from sqlalchemy import bindparam, func, or_, select, text

from .schema import (PENDING, accounts, catalogue, config_table, events, facts_table, links, metadata, redeliveries,
                     refusal_counts_table)

ACCOUNT_BY_REF = select(accounts).where(accounts.c.ref == bindparam("ref"))
ACCOUNT_BY_REF_LOCKED = ACCOUNT_BY_REF.with_for_update()
ACCOUNT_BY_ID_LOCKED = select(accounts).where(accounts.c.id == bindparam("id")).with_for_update()
EVENT_EXISTS = select(events.c.id).where(events.c.id == bindparam("id"))
LINKS_OF = select(links.c.kind, links.c.stripe_id, links.c.account_id).where(
    ((links.c.kind == "customer") & (links.c.stripe_id == bindparam("customer")))
    | ((links.c.kind == "subscription") & (links.c.stripe_id == bindparam("subscription"))))
FACTS_OF = select(facts_table.c.kind, facts_table.c.key, facts_table.c.data).where(
    facts_table.c.account_id == bindparam("account_id"))
SAVE_STATE = accounts.update().where(accounts.c.id == bindparam("account_id")).values(
    account_type=bindparam("account_type"), paid_until=bindparam("paid_until"),
    auto_renew=bindparam("auto_renew"), subscription_id=bindparam("subscription"), updated_at=bindparam("now"))
CATALOGUE_ENTRY = select(catalogue).where(catalogue.c.price_id == bindparam("price_id"))
# A delivery's reads, by reference or by the account its subscription (else customer) is linked to.
LINKED_ACCOUNT = func.coalesce(
    select(links.c.account_id).where(links.c.kind == "subscription", links.c.stripe_id == bindparam("subscription"))
    .scalar_subquery(),
    select(links.c.account_id).where(links.c.kind == "customer", links.c.stripe_id == bindparam("customer"))
    .scalar_subquery())
ACCOUNT_BY_LINK_LOCKED = select(accounts).where(accounts.c.id == LINKED_ACCOUNT).with_for_update(of=accounts)
FACTS_BY_REF = select(facts_table.c.kind, facts_table.c.key, facts_table.c.data).where(
    facts_table.c.account_id == select(accounts.c.id).where(accounts.c.ref == bindparam("ref")).scalar_subquery())
FACTS_BY_LINK = select(facts_table.c.kind, facts_table.c.key, facts_table.c.data).where(
    facts_table.c.account_id == LINKED_ACCOUNT)
PENDING_OF = select(events).where(events.c.outcome == PENDING, or_(
    events.c.customer_id == bindparam("customer"), events.c.subscription_id == bindparam("subscription"))).order_by(
    events.c.created, events.c.id)
SETTLE_PENDING = events.update().where(events.c.id == bindparam("event_id")).values(
    outcome="applied", reason=bindparam("reason"), reason_code="was_pending", account_id=bindparam("account_id"),
    account_ref=bindparam("account_ref"), facts=None)
ADD_REDELIVERY = redeliveries.insert().values(event_id=bindparam("event_id"), received_at=bindparam("received_at"))
BEGIN, COMMIT = text("BEGIN"), text("COMMIT")


@lru_cache(maxsize=None)
def upserts(dialect: str) -> dict:
    """INSERT … ON CONFLICT statements in the dialect's own syntax."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    price = insert(catalogue)
    refusal = insert(refusal_counts_table)
    return {
        "refusal": refusal.on_conflict_do_update(index_elements=["hour", "code", "reason"], set_={
            "count": refusal_counts_table.c.count + 1, "last_at": refusal.excluded.last_at}),
        "config": insert(config_table).on_conflict_do_update(index_elements=["name"], set_={
            "value": insert(config_table).excluded.value, "updated_at": insert(config_table).excluded.updated_at}),
        "config_once": insert(config_table).on_conflict_do_nothing(index_elements=["name"]),
        "price": price.on_conflict_do_update(index_elements=["price_id"], set_={
            "product_id": price.excluded.product_id, "metadata": price.excluded.metadata,
            "fetched_at": price.excluded.fetched_at}),
    }


@lru_cache(maxsize=None)
def insert_row(table_name: str, columns: tuple[str, ...]):
    """INSERT of exactly these columns."""
    return metadata.tables[table_name].insert().values({c: bindparam(c) for c in columns})


@lru_cache(maxsize=None)
def insert_new(dialect: str, table_name: str, columns: tuple[str, ...], unique: tuple[str, ...]):
    """INSERT of exactly these columns that does nothing when a row with the same `unique` columns exists."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # SQLAlchemy closes an INSERT's cursor before `rowcount` is read unless asked to keep it: sqlite3
    # still answers, psycopg says -1, and every event would look like a duplicate.
    return insert(metadata.tables[table_name]).values({c: bindparam(c) for c in columns}).on_conflict_do_nothing(
        index_elements=list(unique)).execution_options(preserve_rowcount=True)


@lru_cache(maxsize=None)
def advisory_locks(count: int, *, and_stored: bool = False):
    """One statement for `count` transaction locks, taken left to right as PostgreSQL evaluates a select list.

    `and_stored` adds whether event `:event_id` is stored, as the statement's snapshot (taken before the
    locks) sees it: a delivery that held them and stored it meanwhile is caught by the insert instead.
    """
    stored = [f"EXISTS (SELECT 1 FROM {events.name} WHERE id = :event_id) AS stored"] if and_stored else []
    return text("SELECT " + ", ".join([f"pg_advisory_xact_lock(:k{i}) AS k{i}" for i in range(count)] + stored))
