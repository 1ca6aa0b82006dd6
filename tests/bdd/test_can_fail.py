"""A conformance suite that cannot fail is worthless: each broken variant must fail the scenarios meant to catch it."""

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each variant runs the conformance suite in a subprocess

ROOT = Path(__file__).resolve().parents[2]

# variant -> (-k expression selecting the scenarios to run, scenarios that must fail, scenarios that must pass)
VARIANTS = {
    "signature_not_checked": (
        "not_sign or secret_rotation",
        {f"test_deliveries_that_stripe_did_not_sign_are_rejected_and_change_nothing[{f}]" for f in (
            "no signature header", "the wrong secret", "a tampered body", "a timestamp 10 minutes old",
            "only a v0 signature")},
        {"test_during_secret_rotation_the_platforms_secret_may_sign_any_of_several_v1_signatures[2-2]"}),
    "storage_failure_acknowledged": (
        "fails_midway or redelivered",
        {"test_a_delivery_that_fails_midway_is_answered_5xx_and_stripes_retry_applies_it_exactly_once"},
        {"test_a_redelivered_onetime_purchase_grants_once"}),
    "ping_stored_as_an_event": (
        "ping or processed_event",
        {"test_an_event_destinations_ping_is_acknowledged_with_its_own_code_and_never_listed"},
        {"test_a_processed_event_is_answered_200_with_its_id_outcome_and_reason_code"}),
    "duplicates_applied_twice": (
        "redelivered or duplicates_change",
        {"test_a_redelivered_onetime_purchase_grants_once"}, set()),
    "reads_invoice_subscription": (
        "either_shape or first_purchase_makes",
        {"test_the_lifecycle_holds_in_either_shape[current]",
         "test_a_first_purchase_makes_the_account_active_with_autorenewal_until_the_period_end"},
        {"test_the_lifecycle_holds_in_either_shape[pre-basil]"}),
    "case_insensitive_metadata": (
        "casesensitive or spelled_exactly or broken_metadata",
        {"test_metadata_keys_are_casesensitive[AccountType=professional; interval=11-metadata_key_case]",
         "test_metadata_keys_are_casesensitive[accounttype=professional; interval=11-metadata_key_case]",
         "test_account_types_are_spelled_exactly[Professional-account_type_case]",
         "test_events_for_a_product_with_broken_metadata_grant_nothing[AccountType=professional; interval=1]"},
        {"test_account_types_are_spelled_exactly[enterprise-account_type_unknown]"}),
    "renewal_not_extending": (
        "renewal_moves or month_arithmetic",
        {"test_a_renewal_moves_the_end_of_the_paid_period",
         "test_a_purchase_at_the_end_of_a_month_follows_stripes_month_arithmetic"}, set()),
    "cancellation_ends_at_once": (
        "cancelling",
        {"test_cancelling_at_the_period_end_keeps_access_until_the_end_then_closes_it"},
        {"test_cancelling_now_ends_access_at_once"}),
    "path_not_checked": (
        "on_another_path",
        {"test_the_platforms_endpoint_on_another_path_is_flagged",
         "test_any_endpoint_on_another_path_is_not_taken_for_the_platforms"},
        {"test_an_endpoint_on_another_path_is_not_the_platforms"}),
    "one_tax_rate_counted": (
        "tax_rate_breaks",
        {"test_a_second_active_tax_rate_breaks_the_account"}, {"test_no_active_tax_rate_breaks_the_account"}),
    "untaxed_checkout": (
        "taxed or totals or carries or inclusive",
        {"test_the_2900_usd_professional_price_with_vat_77__exclusive_totals_3123", "test_a_onetime_purchase_is_taxed_too",
         "test_the_subscription_carries_the_tax_rate_so_renewals_are_taxed_too",
         "test_an_inclusive_rate_is_part_of_the_price"}, set()),
    "first_v1_only": (
        "secret_rotation",
        {"test_during_secret_rotation_the_platforms_secret_may_sign_any_of_several_v1_signatures[2-2]",
         "test_during_secret_rotation_the_platforms_secret_may_sign_any_of_several_v1_signatures[3-2]",
         "test_during_secret_rotation_the_platforms_secret_may_sign_any_of_several_v1_signatures[3-3]"},
        {"test_during_secret_rotation_the_platforms_secret_may_sign_any_of_several_v1_signatures[2-1]"}),
    "one_time_always_extends": (
        "onetime_purchase",
        {"test_a_onetime_purchase_after_the_previous_term_expired_counts_from_the_purchase"},
        {"test_a_second_onetime_purchase_extends_the_first"}),
    "one_time_type_ignored": (
        "onetime_purchase",
        {"test_a_onetime_purchase_of_another_account_type_while_one_runs_counts_from_the_purchase"},
        {"test_a_second_onetime_purchase_extends_the_first"}),
    "one_time_chained_from_the_end": (
        "chain_in or second_onetime",
        {"test_onetime_terms_chain_in_stripes_month_arithmetic_counted_from_the_first_purchase"
         "[2026-01-31 10:00-2026-02-28 10:00-2026-02-10 10:00-2026-03-31 10:00]",
         "test_onetime_terms_chain_in_stripes_month_arithmetic_counted_from_the_first_purchase"
         "[2028-01-31 10:00-2028-02-29 10:00-2028-02-10 10:00-2028-03-31 10:00]"},
        {"test_a_second_onetime_purchase_extends_the_first"}),
    "subscription_session_grants": (
        "grants_only_through or first_purchase_makes",
        {"test_a_subscriptions_checkout_grants_only_through_its_invoice"},
        {"test_a_first_purchase_makes_the_account_active_with_autorenewal_until_the_period_end"}),
    "interval_capped": (
        "no_upper_bound or positive_whole_number",
        {"test_the_interval_has_no_upper_bound"},
        {"test_the_interval_is_a_positive_whole_number_of_months[0]"}),
    "session_status_not_checked": (
        "not_complete_grants or grants_the_products_interval",
        {"test_a_session_that_is_not_complete_grants_nothing_whatever_its_payment_status_says"},
        {"test_a_onetime_purchase_grants_the_products_interval[1-month Professional-2026-04-10 09:00]"}),
    "package_and_custom_prices_accepted": (
        "only_standard_pricing",
        {"test_only_standard_pricing[package-every 9 months-package_pricing]",
         "test_only_standard_pricing[package-one-time-package_pricing]",
         "test_only_standard_pricing[custom-amount-one-time-custom_amount]"},
        {"test_only_standard_pricing[tiered-every 9 months-pricing_not_standard]"}),
    "product_without_price_offered": (
        "needs_an_active_price or several_currencies",
        {"test_a_product_needs_an_active_price[no price]",
         "test_a_product_needs_an_active_price[only an archived price billed every 4 months]"},
        {"test_onetime_and_recurring_prices_in_several_currencies"}),
    "one_product_per_account_type": (
        "every_configured_product or one_product_per",
        {"test_every_configured_product_is_offered_with_each_of_its_prices"},
        {"test_one_product_per_account_type_and_interval"}),
    "checkout_in_price_currency": (
        "another_of_its_currencies or does_not_have",
        {"test_a_price_is_bought_in_another_of_its_currencies[one-time-EUR-27.00]",
         "test_a_price_is_bought_in_another_of_its_currencies[every 6 months-EUR-27.00]",
         "test_a_price_is_bought_in_another_of_its_currencies[every 6 months-CHF-26.00]"},
        {"test_a_price_is_bought_in_another_of_its_currencies[every 6 months-USD-29.00]",
         "test_a_currency_the_price_does_not_have_is_not_offered"}),
    "key_tried_is_the_stored_one": (
        "wrong_key or three_keys",
        {"test_a_wrong_key_is_refused[a secret key Stripe does not know-secretKey-stripe_refused]"},
        {"test_the_three_keys_of_the_platforms_stripe_account_are_accepted",
         "test_a_wrong_key_is_refused[no publishable key-publishableKey-missing]"}),
    "key_fields_not_told_apart": (
        "wrong_key",
        {"test_a_wrong_key_is_refused[the secret key in the publishable key's place-publishableKey-wrong_prefix]",
         "test_a_wrong_key_is_refused[the publishable key in the secret key's place-secretKey-wrong_prefix]",
         "test_a_wrong_key_is_refused[a signing secret without whsec_-webhookSecret-wrong_prefix]",
         "test_a_wrong_key_is_refused[a signing secret with a space in it-webhookSecret-malformed]"},
        {"test_a_wrong_key_is_refused[a live publishable key and a test secret key-secretKey-test_live_mixed]"}),
    "disabled_endpoint_passes": (
        "disabled or guides_endpoint_passes",
        {"test_a_disabled_endpoint_is_flagged"}, {"test_the_guides_endpoint_passes_the_check"}),
    "wildcard_not_understood": (
        "every_event or guides_endpoint_passes",
        {"test_an_endpoint_subscribed_to_every_event_passes"}, {"test_the_guides_endpoint_passes_the_check"}),
    "http_not_warned": (
        "is_https",
        {'test_the_endpoints_url_is_https[http-with the warning "is not https"]'},
        {"test_the_endpoints_url_is_https[https-without warnings]"}),
    "no_tax_rate_accepted": (
        "tax_rate_breaks",
        {"test_no_active_tax_rate_breaks_the_account"}, {"test_a_second_active_tax_rate_breaks_the_account"}),
}


def run_variant(name: str, keyword: str, tmp_path: Path) -> tuple[set[str], set[str], int]:
    junit = tmp_path / f"{name}.xml"
    result = subprocess.run(
        [sys.executable, "-m", "simplex_stripe", "conformance", "--platform-factory", f"tests.bdd.variants:{name}",
         "-k", keyword, "--junit-xml", str(junit)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    cases = ET.parse(junit).getroot().iter("testcase")
    failed, passed = set(), set()
    for case in cases:
        (failed if case.find("failure") is not None or case.find("error") is not None else passed).add(case.get("name"))
    return failed, passed, result.returncode


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_each_broken_variant_fails_the_scenarios_that_catch_it(variant, tmp_path):
    keyword, must_fail, must_pass = VARIANTS[variant]
    failed, passed, code = run_variant(variant, keyword, tmp_path)
    assert code == 1, "a broken platform must make the conformance run exit 1"
    assert must_fail <= failed, f"not caught: {sorted(must_fail - failed)}"
    assert must_pass <= passed, f"should still pass: {sorted(must_pass - passed)}"


# Every scenario that delivers a story's events (the lifecycles, Stripe's delivery, both shapes, the probe's
# readings of a purchase): `-k` keywords selecting them, and how many there are.
LIFECYCLE_KEYWORDS = ("(lifecycle_holds or onetime or checkout_completed or duplicates or redelivered or "
                      "every_delivery_order or other_event_types or broken_metadata or first_purchase or "
                      "renewal or month_arithmetic or unrenewed or expiry or plan_change or another_interval or "
                      "cancelling or undoing or event_list_pages or reading_an_account or grants_only_through or "
                      "not_complete_grants or fails_midway) and not (taxed or currencies)")
LIFECYCLE_SCENARIOS = 46


def failures(junit: Path) -> dict[str, str | None]:
    """Scenario name -> its failure message (None: it passed)."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        failure = case.find("failure") if case.find("failure") is not None else case.find("error")
        found[case.get("name")] = None if failure is None else (failure.get("message") or "") + (failure.text or "")
    return found


@pytest.mark.parametrize("variant", ["answers_500", "applies_nothing"])
def test_a_platform_that_applies_nothing_fails_every_lifecycle_scenario_naming_the_event(variant, tmp_path):
    junit = tmp_path / f"{variant}.xml"
    result = subprocess.run(
        [sys.executable, "-m", "simplex_stripe", "conformance", "--platform-factory", f"tests.bdd.variants:{variant}",
         "-k", LIFECYCLE_KEYWORDS, "--junit-xml", str(junit)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    found = failures(junit)
    assert len(found) == LIFECYCLE_SCENARIOS, sorted(found)
    passed = sorted(name for name, message in found.items() if message is None)
    assert not passed, f"passed on a platform that applies nothing: {passed}"
    unnamed = sorted(name for name, message in found.items() if "evt_" not in message)
    assert not unnamed, f"failed without naming the event: {unnamed}"
