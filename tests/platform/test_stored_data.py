"""What older versions stored can never break a page, and `simplex-stripe repair` removes it."""

import json
import stat

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from platform_adapter import create_app
from platform_adapter.config import Settings
from platform_adapter.repair import repair
from platform_adapter.schema import accounts, facts_table
from simplex_stripe.cli import main
from simulator.delivery.receiver import serving
from tests.front.support import Web

from .support import SECRET, TOKEN, DictGateway, Probe, story

FAR = 2**62  # what an older version stored from an invoice line ending at 2**62


@pytest.fixture
def served(tmp_path):
    # Stripe is unreachable (a closed port): Account Settings must still show, as it does when Stripe is down.
    settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, probe_token=TOKEN,
                        stripe_api_base="http://127.0.0.1:9", stripe_max_retries=0, stripe_timeout_s=2,
                        data_dir=str(tmp_path / "data"), customer_email_signin=True)
    app = create_app(settings, gateway=DictGateway())
    with serving(app) as base:
        yield app.extensions["platform_adapter"].store, Probe(base), base
    app.extensions["platform_adapter"].store.close()


def corrupt(store, ref: str) -> None:
    """Write what an older version could store: facts with times past 9999 or of the wrong type, and their state."""
    with store.write() as tx:
        account_id = tx.account_by_ref(ref).id
        sub = tx.conn.execute(select(facts_table.c.data).where(facts_table.c.account_id == account_id,
                                                              facts_table.c.kind == "period")).scalar()
        sub = json.loads(sub)["sub"]
        tx.conn.execute(facts_table.insert(), [
            {"account_id": account_id, "key": f"period:{sub}:1:{FAR}", "kind": "period", "event_id": "evt_old",
             "data": json.dumps({"sub": sub, "start": 1, "end": FAR, "type": "professional", "at": 1})},
            {"account_id": account_id, "key": "grant:cs_old:0", "kind": "grant", "event_id": "evt_old2",
             "data": json.dumps({"session": "cs_old", "at": "abc", "type": "professional", "months": 1})},
            {"account_id": account_id, "key": "broken", "kind": "period", "event_id": "evt_old3", "data": "{"}])
        tx.conn.execute(accounts.update().where(accounts.c.id == account_id).values(paid_until=FAR))


def test_an_account_stored_past_9999_still_reads_everywhere_and_repair_fixes_it(served, tmp_path):
    store, probe, base = served
    ref = probe.create_account("old@example.com")
    events, _ = story(["first-purchase"], account=ref)
    for event in events:
        assert probe.post_event(event).status_code == 200
    good = probe.account(ref)
    corrupt(store, ref)

    assert probe.account(ref)["paidUntil"] == "9999-12-31T23:59:59Z"  # the probe reads it, clamped
    web = Web(base)
    assert web.customer_login("old@example.com").status_code == 200
    page = web.get("/account")
    assert page.status_code == 200 and "Account Settings" in page.text

    done = repair(store, 0)
    assert (done.facts_removed, done.accounts_rederived) == (3, 1)
    assert probe.account(ref) == good
    assert repair(store, 0).facts_removed == 0  # safe to run again


def test_a_later_valid_event_repairs_the_account_too(served):
    store, probe, _ = served
    ref = probe.create_account()
    events, _ = story(["first-purchase", "renewal"], account=ref)
    renewal = [e for e in events if e["type"] == "invoice.paid"][-1]
    for event in events:
        if event is not renewal:
            probe.post_event(event)
    corrupt(store, ref)
    probe.post_event(renewal)
    assert probe.account(ref)["paidUntil"] < "9999"


def test_the_repair_command(tmp_path):
    settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, probe_token=TOKEN,
                        data_dir=str(tmp_path / "data"))
    app = create_app(settings, gateway=DictGateway())
    store = app.extensions["platform_adapter"].store
    with serving(app) as base:
        probe = Probe(base)
        ref = probe.create_account()
        for event in story(["first-purchase"], account=ref)[0]:
            probe.post_event(event)
        corrupt(store, ref)
    store.close()
    result = CliRunner().invoke(main, ["repair", "--data-dir", str(tmp_path / "data")], env={})
    assert result.exit_code == 0, result.output
    assert "facts removed 3" in result.output and "accounts re-derived 1" in result.output
    again = CliRunner().invoke(main, ["repair", "--data-dir", str(tmp_path / "data")], env={})
    assert "facts removed 0" in again.output


def test_repair_of_a_mistyped_folder_creates_nothing_and_exits_2(tmp_path):
    mistyped = tmp_path / "simplex-dta"
    result = CliRunner().invoke(main, ["repair", "--data-dir", str(mistyped)], env={})
    assert result.exit_code == 2 and "no database at" in result.output and str(mistyped) in result.output
    assert not mistyped.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    url = f"sqlite:///{empty / 'platform.sqlite3'}"
    result = CliRunner().invoke(main, ["repair", "--database-url", url], env={})
    assert result.exit_code == 2 and list(empty.iterdir()) == []


def test_database_files_are_readable_by_their_owner_only(tmp_path):
    settings = Settings(stripe_secret_key="sk_test_platform", webhook_secret=SECRET, data_dir=str(tmp_path / "data"))
    app = create_app(settings, gateway=DictGateway())
    try:
        with serving(app) as base:
            Probe(base).post_event(b"{}", header=None)  # a write, so the WAL exists
    finally:
        app.extensions["platform_adapter"].store.close()
    files = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "data").iterdir()}
    assert "platform.sqlite3" in files and "platform.sqlite3.lock" in files
    assert {name: mode for name, mode in files.items() if mode != 0o600} == {}, files
