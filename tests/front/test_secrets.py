"""Secrets (secret key, webhook signing secret, admin password) never reach a page, a JSON body or a log."""

import logging

import requests

from .support import ADMIN_PASSWORD, SECRET_KEY
from tests.support.sim import sim_auth


def test_no_secret_in_any_page_json_or_log(platform, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    web = platform.configure()
    bodies = [platform.probe("POST", "/catalogue/load").text]
    web.post("/admin/stripe/keys", {"stripe_publishable_key": "pk_test_x", "stripe_secret_key": "sk_live_mixed_1",
                                    "webhook_secret": "whsec_typo here"})  # refused: every message names no value
    web.post("/admin/stripe/keys", {"stripe_publishable_key": SECRET_KEY})  # a secret in the public field
    web.get("/admin/stripe")
    customer = platform.web()
    customer.customer_login("sam@example.com")
    price = platform.guide_prices()["professional_1m_recurring"]
    ref = platform.account("sam@example.com").ref
    bodies.append(platform.probe("POST", "/checkout", json={"account": ref, "price": price}).text)
    located = customer.post("/account/checkout", {"price": price, "currency": "usd"}, allow_redirects=False)
    session = located.headers["Location"].rsplit("/", 1)[1]
    requests.post(f"{platform.stripe_base}/_sim/checkout/sessions/{session}/complete",
                  headers=sim_auth(SECRET_KEY), timeout=10)
    assert platform.fake.wait_for_deliveries(10)
    customer.get("/account")
    customer.post("/account/auto-renewal/stop")
    assert platform.fake.wait_for_deliveries(10)
    bodies.append(platform.probe("GET", "/events").text)
    bodies.append(platform.probe("GET", f"/accounts/{ref}").text)
    web.post("/admin/stripe/keys", {"stripe_secret_key": "sk_test_refused_key_5555"})
    web.post("/admin/stripe/products")
    bodies.append(platform.probe("POST", "/catalogue/load").text)
    bodies.append(requests.post(platform.base + "/api/v6/integrations/stripe/web-hooks", data=b"{}", timeout=10).text)
    out, err = capfd.readouterr()
    everything = "\n".join([*web.pages, *customer.pages, *bodies, caplog.text, out, err,
                            *(repr(r.args) for r in caplog.records)])
    assert len(web.pages) >= 6 and "Stripe refused the secret key sk_test_…5555" in everything
    for secret in (SECRET_KEY, platform.webhook_secret, ADMIN_PASSWORD, "sk_test_refused_key_5555",
                   "sk_live_mixed_1", "whsec_typo"):
        assert secret not in everything, secret
    assert repr(platform.state.settings).count("sk_test") == 0
