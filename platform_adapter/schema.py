"""The database schema: accounts, their Stripe links and facts, every event received, the catalogue, settings."""

from sqlalchemy import (BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        literal_column)

metadata = MetaData()

accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(200), nullable=False, unique=True),
    Column("email", String(320), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("account_type", String(40)),
    Column("paid_until", BigInteger),
    Column("auto_renew", Boolean, nullable=False, default=False),
    Column("subscription_id", String(255)),
    Column("updated_at", Float))
links = Table(
    "stripe_links", metadata,
    Column("kind", String(20), primary_key=True),  # "customer" | "subscription"
    Column("stripe_id", String(255), primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("event_created", BigInteger, nullable=False),
    Column("linked_at", Float, nullable=False))
events = Table(
    "stripe_events", metadata,
    Column("id", String(255), primary_key=True),
    Column("type", String(100), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("api_version", String(40)),
    Column("received_at", Float, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("reason", Text),
    Column("reason_code", String(40)),  # added after the first release: `migrations.upgrade` adds it
    Column("account_id", Integer, ForeignKey("accounts.id")),
    Column("account_ref", String(200), index=True),
    Column("customer_id", String(255)),
    Column("subscription_id", String(255)),
    Column("facts", Text),  # a pending event's facts, applied once its customer or subscription is linked
    Column("payload", Text, nullable=False))
# Only pending events are ever looked up by customer or subscription, and few are pending at a time:
# partial indexes stay tiny, and a query naming the same literal predicate can always use them.
PENDING = literal_column("'pending'")
PENDING_INDEXES = tuple(
    Index(f"ix_stripe_events_pending_{column}", events.c[column], postgresql_where=events.c.outcome == PENDING,
          sqlite_where=events.c.outcome == PENDING) for column in ("customer_id", "subscription_id"))
# Indexes earlier versions made that no query uses (every insert paid for them): dropped on start.
RETIRED_INDEXES = ("ix_stripe_events_customer_id", "ix_stripe_events_subscription_id", "ix_stripe_events_account_id")
# The first delivery of an event is its row in stripe_events; every later one is logged here.
redeliveries = Table(
    "stripe_redeliveries", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(255), ForeignKey("stripe_events.id"), nullable=False, index=True),
    Column("received_at", Float, nullable=False))
facts_table = Table(
    "account_facts", metadata,
    Column("account_id", Integer, ForeignKey("accounts.id"), primary_key=True),
    Column("key", String(400), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("data", Text, nullable=False),
    Column("event_id", String(255), nullable=False))
catalogue = Table(
    "stripe_catalogue", metadata,
    Column("price_id", String(255), primary_key=True),
    Column("product_id", String(255), nullable=False),
    Column("metadata", Text, nullable=False),
    Column("fetched_at", Float, nullable=False))
# The product loader's last result: every active product with its verdict and prices (JSON), in order.
products_table = Table(
    "stripe_products", metadata,
    Column("product_id", String(255), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("valid", Boolean, nullable=False),
    Column("data", Text, nullable=False),
    Column("loaded_at", Float, nullable=False))
tax_rates_table = Table(
    "stripe_tax_rates", metadata,
    Column("id", String(255), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("percentage", Float, nullable=False),
    Column("inclusive", Boolean, nullable=False))
# What the admin page saved (Stripe keys), the session-signing secret and when products were loaded.
config_table = Table(
    "platform_config", metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", Float, nullable=False))
# Deliveries that stored no event, for the operator: refused ones (bad signature, not configured, …)
# and verified test pings. Bounded: only the latest `delivery_log.KEEP` rows are kept.
attempts_table = Table(
    "webhook_attempts", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("received_at", Float, nullable=False),
    Column("status", Integer, nullable=False),
    Column("code", String(60), nullable=False),
    Column("reason", String(60)),
    Column("event_id", String(255), index=True),  # as the body claims it: unverified when refused
    Column("event_type", String(100)),
    Column("account_ref", String(200)))
# Refusals no valid signature vouches for (unsigned, wrongly signed, too large, before a secret was saved), counted
# per hour and reason instead of kept row by row: anyone can send them, so they must not push signed rows out.
refusal_counts_table = Table(
    "webhook_refusal_counts", metadata,
    Column("hour", BigInteger, primary_key=True),  # Unix time // 3600
    Column("code", String(60), primary_key=True),
    Column("reason", String(60), primary_key=True),  # "" when the refusal has no reason code
    Column("count", Integer, nullable=False),
    Column("last_at", Float, nullable=False))
# Sign-in sessions (`sessions.py`): the cookie carries a random id, this row (keyed by its SHA-256) whether it holds.
web_sessions_table = Table(
    "web_sessions", metadata,
    Column("id", String(64), primary_key=True),
    Column("role", String(20), nullable=False),  # "admin" | "account"
    Column("account_ref", String(200)),
    Column("mark", String(64), nullable=False),  # admin: fingerprint of the password it signed in with
    Column("created_at", Float, nullable=False),
    Column("seen_at", Float, nullable=False, index=True))
# Failed admin sign-ins per client address ("address:<ip>") and overall ("overall"): the throttle's
# counters live here, not in a worker's memory, so every worker and process counts the same attempts.
throttle_table = Table(
    "login_throttle", metadata,
    Column("scope", String(100), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure", Float, nullable=False, index=True),
    Column("blocked_until", Float, nullable=False))
