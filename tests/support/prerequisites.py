"""What each served operation needs before it can succeed: the objects its path names, and its smallest valid form.

Data only. `MAKERS` says how one request makes an object (`"{customer}"` in a path or form is another maker's id,
made first); `OPERATIONS` gives, per served operation id, which maker fills each path parameter and the form that
makes the operation answer 200. `World` makes a fresh set of objects on demand over HTTP.
"""

import re
from typing import Callable

# name -> (method, path, form, field of the answer that is the id)
MAKERS: dict[str, tuple[str, str, dict, str]] = {
    "product": ("POST", "/v1/products", {"name": "Prerequisite"}, "id"),
    "price": ("POST", "/v1/prices", {"product": "{product}", "currency": "usd", "unit_amount": "900",
                                     "recurring[interval]": "month"}, "id"),
    "one_time_price": ("POST", "/v1/prices", {"product": "{product}", "currency": "usd", "unit_amount": "900"}, "id"),
    "tax_rate": ("POST", "/v1/tax_rates", {"display_name": "VAT", "percentage": "7.7", "inclusive": "false"}, "id"),
    "coupon": ("POST", "/v1/coupons", {"percent_off": "10", "duration": "once"}, "id"),
    "customer": ("POST", "/v1/customers", {"email": "pre@example.com", "payment_method": "pm_card_visa",
                                           "invoice_settings[default_payment_method]": "pm_card_visa"}, "id"),
    "payment_method": ("POST", "/v1/payment_methods", {"type": "card", "card[token]": "tok_visa"}, "id"),
    "customer_payment_method": ("GET", "/v1/customers/{customer}/payment_methods", {}, "data.0.id"),
    "source": ("POST", "/v1/customers/{customer}/sources", {"source": "tok_visa"}, "id"),
    "subscription": ("POST", "/v1/subscriptions", {"customer": "{customer}", "items[0][price]": "{price}"}, "id"),
    "subscription_item": ("GET", "/v1/subscriptions/{subscription}", {}, "items.data.0.id"),
    "paid_invoice": ("GET", "/v1/subscriptions/{subscription}", {}, "latest_invoice"),
    "invoiceitem": ("POST", "/v1/invoiceitems", {"customer": "{customer}", "amount": "500", "currency": "usd"}, "id"),
    "draft_invoice": ("POST", "/v1/invoices", {"customer": "{customer}", "pending_invoice_items_behavior": "include",
                                               "auto_advance": "false", "invoiceitem_marker": "{invoiceitem}"}, "id"),
    "open_invoice": ("POST", "/v1/invoices/{draft_invoice}/finalize", {"auto_advance": "false"}, "id"),
    "send_invoice": ("POST", "/v1/invoices", {"customer": "{customer}", "collection_method": "send_invoice",
                                              "days_until_due": "30", "pending_invoice_items_behavior": "include",
                                              "invoiceitem_marker": "{invoiceitem}"}, "id"),
    "open_send_invoice": ("POST", "/v1/invoices/{send_invoice}/finalize", {}, "id"),
    "credit_note": ("POST", "/v1/credit_notes", {"invoice": "{open_invoice}", "amount": "100"}, "id"),
    "payment_intent": ("POST", "/v1/payment_intents", {"amount": "1000", "currency": "usd",
                                                       "payment_method": "pm_card_visa"}, "id"),
    "held_payment_intent": ("POST", "/v1/payment_intents", {"amount": "1000", "currency": "usd", "confirm": "true",
                                                            "capture_method": "manual",
                                                            "payment_method": "pm_card_visa"}, "id"),
    "paid_payment_intent": ("POST", "/v1/payment_intents", {"amount": "1000", "currency": "usd", "confirm": "true",
                                                            "payment_method": "pm_card_visa"}, "id"),
    "charge": ("GET", "/v1/payment_intents/{paid_payment_intent}", {}, "latest_charge"),
    "refund": ("POST", "/v1/refunds", {"charge": "{charge}", "amount": "100"}, "id"),
    "disputed_payment_intent": ("POST", "/v1/payment_intents", {"amount": "1000", "currency": "usd",
                                                                "confirm": "true",
                                                                "payment_method": "pm_card_createDispute"}, "id"),
    "disputed_charge": ("GET", "/v1/payment_intents/{disputed_payment_intent}", {}, "latest_charge"),
    "dispute": ("GET", "/v1/disputes", {"charge": "{disputed_charge}"}, "data.0.id"),
    "setup_intent": ("POST", "/v1/setup_intents", {"customer": "{customer}", "payment_method": "pm_card_visa"}, "id"),
    "session": ("POST", "/v1/checkout/sessions", {"mode": "payment", "success_url": "https://a.example/ok",
                                                  "line_items[0][price]": "{one_time_price}",
                                                  "line_items[0][quantity]": "1"}, "id"),
    "portal_configuration": ("POST", "/v1/billing_portal/configurations",
                             {"features[invoice_history][enabled]": "true"}, "id"),
    "payment_link": ("POST", "/v1/payment_links", {"line_items[0][price]": "{one_time_price}",
                                                   "line_items[0][quantity]": "1"}, "id"),
    "quote": ("POST", "/v1/quotes", {"customer": "{customer}", "line_items[0][price]": "{price}"}, "id"),
    "open_quote": ("POST", "/v1/quotes/{quote}/finalize", {}, "id"),
    "schedule": ("POST", "/v1/subscription_schedules", {"customer": "{customer}", "start_date": "now",
                                                        "phases[0][items][0][price]": "{price}",
                                                        "phases[0][duration][interval]": "month"}, "id"),
    "test_clock": ("POST", "/v1/test_helpers/test_clocks", {"frozen_time": "{now}"}, "id"),
    "webhook_endpoint": ("POST", "/v1/webhook_endpoints", {"url": "http://127.0.0.1:9/prerequisite",
                                                           "enabled_events[0]": "*"}, "id"),
    "event": ("GET", "/v1/events", {"limit": "1"}, "data.0.id"),
    "account": ("GET", "/v1/account", {}, "id"),
    "subscription_session": ("POST", "/v1/checkout/sessions", {"mode": "subscription", "customer": "{customer}",
                                                               "success_url": "https://a.example/ok",
                                                               "line_items[0][price]": "{price}",
                                                               "line_items[0][quantity]": "1",
                                                               "line_items[0][tax_rates][0]": "{tax_rate}"}, "id"),
    "paid_session": ("POST", "/_sim/checkout/sessions/{subscription_session}/complete", {}, "id"),
    "invoice_payment": ("GET", "/v1/invoice_payments", {"invoice": "{paid_invoice}"}, "data.0.id"),
    "promotion_code": ("POST", "/v1/promotion_codes", {"promotion[type]": "coupon", "promotion[coupon]": "{coupon}"},
                       "id"),
    "bare_customer": ("POST", "/v1/customers", {"email": "bare@example.com"}, "id"),
    "trialing_subscription": ("POST", "/v1/subscriptions", {
        "customer": "{bare_customer}", "items[0][price]": "{price}", "trial_period_days": "7",
        "trial_settings[end_behavior][missing_payment_method]": "pause"}, "id"),
    "paused_subscription": ("POST", "/v1/subscriptions/{trialing_subscription}", {"trial_end": "now"}, "id"),
}

# Markers a maker's form may carry only to make another maker first (never sent): `invoiceitem_marker`.
MARKER = re.compile(r"_marker$")

# operation id -> ({path parameter: maker}, the smallest form that makes it answer 200)
OPERATIONS: dict[str, tuple[dict[str, str], dict]] = {
    "PostBillingPortalConfigurations": ({}, {"features[invoice_history][enabled]": "true"}),
    "PostBillingPortalConfigurationsConfiguration": ({"configuration": "portal_configuration"}, {}),
    "PostBillingPortalSessions": ({}, {"customer": "{customer}"}),
    "PostCheckoutSessions": ({}, {"mode": "payment", "success_url": "https://a.example/ok",
                                  "line_items[0][price]": "{one_time_price}", "line_items[0][quantity]": "1"}),
    "PostCheckoutSessionsSessionExpire": ({"session": "session"}, {}),
    "PostCoupons": ({}, {"percent_off": "10"}),
    "PostCouponsCoupon": ({"coupon": "coupon"}, {}),
    "PostCreditNotes": ({}, {"invoice": "{open_invoice}", "amount": "100"}),
    "PostCreditNotesId": ({"id": "credit_note"}, {}),
    "PostCreditNotesIdVoid": ({"id": "credit_note"}, {}),
    "PostCustomers": ({}, {}),
    "PostCustomersCustomer": ({"customer": "customer"}, {}),
    "PostCustomersCustomerSources": ({"customer": "customer"}, {"source": "tok_visa"}),
    "PostCustomersCustomerSourcesId": ({"customer": "customer", "id": "source"}, {}),
    "PostDisputesDispute": ({"dispute": "dispute"}, {}),
    "PostDisputesDisputeClose": ({"dispute": "dispute"}, {}),
    "PostInvoiceitems": ({}, {"customer": "{customer}", "amount": "500", "currency": "usd"}),
    "PostInvoiceitemsInvoiceitem": ({"invoiceitem": "invoiceitem"}, {}),
    "PostInvoices": ({}, {"customer": "{customer}"}),
    "PostInvoicesCreatePreview": ({}, {"subscription": "{subscription}"}),
    "PostInvoicesInvoice": ({"invoice": "draft_invoice"}, {}),
    "PostInvoicesInvoiceFinalize": ({"invoice": "draft_invoice"}, {}),
    "PostInvoicesInvoiceMarkUncollectible": ({"invoice": "open_invoice"}, {}),
    "PostInvoicesInvoicePay": ({"invoice": "open_invoice"}, {}),
    "PostInvoicesInvoiceSend": ({"invoice": "open_send_invoice"}, {}),
    "PostInvoicesInvoiceVoid": ({"invoice": "open_invoice"}, {}),
    "PostPaymentIntents": ({}, {"amount": "1000", "currency": "usd"}),
    "PostPaymentIntentsIntent": ({"intent": "payment_intent"}, {}),
    "PostPaymentIntentsIntentCancel": ({"intent": "payment_intent"}, {}),
    "PostPaymentIntentsIntentCapture": ({"intent": "held_payment_intent"}, {}),
    "PostPaymentIntentsIntentConfirm": ({"intent": "payment_intent"}, {}),
    "PostPaymentLinks": ({}, {"line_items[0][price]": "{one_time_price}", "line_items[0][quantity]": "1"}),
    "PostPaymentLinksPaymentLink": ({"payment_link": "payment_link"}, {}),
    "PostPaymentMethods": ({}, {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12",
                                "card[exp_year]": "2030"}),
    "PostPaymentMethodsPaymentMethod": ({"payment_method": "customer_payment_method"}, {}),
    "PostPaymentMethodsPaymentMethodAttach": ({"payment_method": "payment_method"}, {"customer": "{customer}"}),
    "PostPaymentMethodsPaymentMethodDetach": ({"payment_method": "customer_payment_method"}, {}),
    "PostPlans": ({}, {"currency": "usd", "interval": "month", "amount": "900", "product": "{product}"}),
    "PostPlansPlan": ({"plan": "price"}, {}),
    "PostPrices": ({}, {"currency": "usd", "unit_amount": "900", "product": "{product}"}),
    "PostPricesPrice": ({"price": "price"}, {}),
    "PostProducts": ({}, {"name": "Made"}),
    "PostProductsId": ({"id": "product"}, {}),
    "PostQuotes": ({}, {"customer": "{customer}", "line_items[0][price]": "{price}"}),
    "PostQuotesQuote": ({"quote": "quote"}, {}),
    "PostQuotesQuoteAccept": ({"quote": "open_quote"}, {}),
    "PostQuotesQuoteCancel": ({"quote": "quote"}, {}),
    "PostQuotesQuoteFinalize": ({"quote": "quote"}, {}),
    "PostRefunds": ({}, {"charge": "{charge}", "amount": "100"}),
    "PostRefundsRefund": ({"refund": "refund"}, {}),
    "PostSetupIntents": ({}, {}),
    "PostSetupIntentsIntent": ({"intent": "setup_intent"}, {}),
    "PostSetupIntentsIntentCancel": ({"intent": "setup_intent"}, {}),
    "PostSetupIntentsIntentConfirm": ({"intent": "setup_intent"}, {}),
    "PostSubscriptionSchedules": ({}, {"customer": "{customer}", "start_date": "now",
                                       "phases[0][items][0][price]": "{price}",
                                       "phases[0][duration][interval]": "month"}),
    "PostSubscriptionSchedulesSchedule": ({"schedule": "schedule"}, {}),
    "PostSubscriptionSchedulesScheduleCancel": ({"schedule": "schedule"}, {}),
    "PostSubscriptionSchedulesScheduleRelease": ({"schedule": "schedule"}, {}),
    "PostSubscriptions": ({}, {"customer": "{customer}", "items[0][price]": "{price}"}),
    "PostSubscriptionsSubscriptionExposedId": ({"subscription_exposed_id": "subscription"}, {}),
    "PostSubscriptionsSubscriptionResume": ({"subscription": "paused_subscription"}, {}),
    "PostPromotionCodes": ({}, {"promotion[type]": "coupon", "promotion[coupon]": "{coupon}"}),
    "PostPromotionCodesPromotionCode": ({"promotion_code": "promotion_code"}, {}),
    "PostTaxRates": ({}, {"display_name": "VAT", "percentage": "7.7", "inclusive": "false"}),
    "PostTaxRatesTaxRate": ({"tax_rate": "tax_rate"}, {}),
    "PostTestHelpersCustomersCustomerFundCashBalance": ({"customer": "customer"}, {"amount": "100", "currency": "usd"}),
    "PostTestHelpersTestClocks": ({}, {"frozen_time": "{now}"}),
    "PostTestHelpersTestClocksTestClockAdvance": ({"test_clock": "test_clock"}, {"frozen_time": "{later}"}),
    "PostWebhookEndpoints": ({}, {"url": "http://127.0.0.1:9/made", "enabled_events[0]": "*"}),
    "PostWebhookEndpointsWebhookEndpoint": ({"webhook_endpoint": "webhook_endpoint"}, {}),
}

# Ids of things no account of the fake has (its retrieves answer 404, as Stripe's do for a missing one).
NONE = "=none_1"
# operation id -> ({path parameter: maker, or "=literal"}, query) for the served reads that need either.
READS: dict[str, tuple[dict[str, str], dict]] = {
    "GetAccountsAccount": ({"account": "account"}, {}),
    "GetAccountsAccountBankAccountsId": ({"account": "account", "id": NONE}, {}),
    "GetAccountsAccountCapabilities": ({"account": "account"}, {}),
    "GetAccountsAccountCapabilitiesCapability": ({"account": "account", "capability": "=card_payments"}, {}),
    "GetAccountsAccountExternalAccounts": ({"account": "account"}, {}),
    "GetAccountsAccountExternalAccountsId": ({"account": "account", "id": NONE}, {}),
    "GetAccountsAccountPeople": ({"account": "account"}, {}),
    "GetAccountsAccountPeoplePerson": ({"account": "account", "person": NONE}, {}),
    "GetAccountsAccountPersons": ({"account": "account"}, {}),
    "GetAccountsAccountPersonsPerson": ({"account": "account", "person": NONE}, {}),
    "GetBalanceHistoryId": ({"id": NONE}, {}),
    "GetBillingPortalConfigurationsConfiguration": ({"configuration": "portal_configuration"}, {}),
    "GetChargesCharge": ({"charge": "charge"}, {}),
    "GetChargesChargeDispute": ({"charge": "disputed_charge"}, {}),
    "GetChargesChargeRefunds": ({"charge": "charge"}, {}),
    "GetChargesChargeRefundsRefund": ({"charge": "charge", "refund": "refund"}, {}),
    "GetChargesSearch": ({}, {"query": "amount>0"}),
    "GetCheckoutSessionsSession": ({"session": "paid_session"}, {}),
    "GetCheckoutSessionsSessionLineItems": ({"session": "paid_session"}, {}),
    "GetCouponsCoupon": ({"coupon": "coupon"}, {}),
    "GetPromotionCodesPromotionCode": ({"promotion_code": "promotion_code"}, {}),
    "GetCreditNotesCreditNoteLines": ({"credit_note": "credit_note"}, {}),
    "GetCreditNotesId": ({"id": "credit_note"}, {}),
    "GetCreditNotesPreview": ({}, {"invoice": "{open_invoice}", "amount": "100"}),
    "GetCreditNotesPreviewLines": ({}, {"invoice": "{open_invoice}", "amount": "100"}),
    "GetCustomersCustomer": ({"customer": "customer"}, {}),
    "GetCustomersCustomerBalanceTransactions": ({"customer": "customer"}, {}),
    "GetCustomersCustomerBalanceTransactionsTransaction": ({"customer": "customer", "transaction": NONE}, {}),
    "GetCustomersCustomerBankAccounts": ({"customer": "customer"}, {}),
    "GetCustomersCustomerBankAccountsId": ({"customer": "customer", "id": NONE}, {}),
    "GetCustomersCustomerCards": ({"customer": "customer"}, {}),
    "GetCustomersCustomerCardsId": ({"customer": "customer", "id": "source"}, {}),
    "GetCustomersCustomerCashBalance": ({"customer": "customer"}, {}),
    "GetCustomersCustomerCashBalanceTransactions": ({"customer": "customer"}, {}),
    "GetCustomersCustomerCashBalanceTransactionsTransaction": ({"customer": "customer", "transaction": NONE}, {}),
    "GetCustomersCustomerDiscount": ({"customer": "customer"}, {}),
    "GetCustomersCustomerPaymentMethods": ({"customer": "customer"}, {}),
    "GetCustomersCustomerPaymentMethodsPaymentMethod": ({"customer": "customer",
                                                         "payment_method": "customer_payment_method"}, {}),
    "GetCustomersCustomerSources": ({"customer": "customer"}, {}),
    "GetCustomersCustomerSourcesId": ({"customer": "customer", "id": "source"}, {}),
    "GetCustomersCustomerSubscriptions": ({"customer": "customer"}, {}),
    "GetCustomersCustomerSubscriptionsSubscriptionExposedId": ({"customer": "customer",
                                                                "subscription_exposed_id": "subscription"}, {}),
    "GetCustomersCustomerSubscriptionsSubscriptionExposedIdDiscount": ({"customer": "customer",
                                                                        "subscription_exposed_id": "subscription"},
                                                                       {}),
    "GetCustomersCustomerTaxIds": ({"customer": "customer"}, {}),
    "GetCustomersCustomerTaxIdsId": ({"customer": "customer", "id": NONE}, {}),
    "GetCustomersSearch": ({}, {"query": "created>0"}),
    "GetDisputesDispute": ({"dispute": "dispute"}, {}),
    "GetEventsId": ({"id": "event"}, {}),
    "GetInvoicePaymentsInvoicePayment": ({"invoice_payment": "invoice_payment"}, {}),
    "GetInvoiceitemsInvoiceitem": ({"invoiceitem": "invoiceitem"}, {}),
    "GetInvoicesInvoice": ({"invoice": "paid_invoice"}, {}),
    "GetInvoicesInvoiceLines": ({"invoice": "paid_invoice"}, {}),
    "GetInvoicesSearch": ({}, {"query": "total>=0"}),
    "GetPaymentIntentsIntent": ({"intent": "paid_payment_intent"}, {}),
    "GetPaymentIntentsIntentAmountDetailsLineItems": ({"intent": "paid_payment_intent"}, {}),
    "GetPaymentIntentsSearch": ({}, {"query": "amount>0"}),
    "GetPaymentLinksPaymentLink": ({"payment_link": "payment_link"}, {}),
    "GetPaymentLinksPaymentLinkLineItems": ({"payment_link": "payment_link"}, {}),
    "GetPaymentMethodsPaymentMethod": ({"payment_method": "customer_payment_method"}, {}),
    "GetPlansPlan": ({"plan": "price"}, {}),
    "GetPricesPrice": ({"price": "price"}, {}),
    "GetPricesSearch": ({}, {"query": "active:'true'"}),
    "GetProductsId": ({"id": "product"}, {}),
    "GetProductsProductFeatures": ({"product": "product"}, {}),
    "GetProductsProductFeaturesId": ({"product": "product", "id": NONE}, {}),
    "GetProductsSearch": ({}, {"query": "active:'true'"}),
    "GetQuotesQuote": ({"quote": "quote"}, {}),
    "GetQuotesQuoteComputedUpfrontLineItems": ({"quote": "quote"}, {}),
    "GetQuotesQuoteLineItems": ({"quote": "quote"}, {}),
    "GetQuotesQuotePdf": ({"quote": "quote"}, {}),
    "GetRefundsRefund": ({"refund": "refund"}, {}),
    "GetSetupIntentsIntent": ({"intent": "setup_intent"}, {}),
    "GetSubscriptionItems": ({}, {"subscription": "{subscription}"}),
    "GetSubscriptionItemsItem": ({"item": "subscription_item"}, {}),
    "GetSubscriptionSchedulesSchedule": ({"schedule": "schedule"}, {}),
    "GetSubscriptionsSearch": ({}, {"query": "created>0"}),
    "GetSubscriptionsSubscriptionExposedId": ({"subscription_exposed_id": "subscription"}, {}),
    "GetTaxRatesTaxRate": ({"tax_rate": "tax_rate"}, {}),
    "GetTestHelpersTestClocksTestClock": ({"test_clock": "test_clock"}, {}),
    "GetWebhookEndpointsWebhookEndpoint": ({"webhook_endpoint": "webhook_endpoint"}, {}),
}

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def dig(body, field: str):
    """`body["data"][0]["id"]` for `data.0.id`."""
    for part in field.split("."):
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


class World:
    """Objects made on demand for one example: each maker runs at most once, its prerequisites first."""

    def __init__(self, call: Callable, now: int) -> None:
        self.call, self.ids = call, {"now": str(now), "later": str(now + 3600)}
        self.made: list[str] = []

    def id(self, name: str) -> str:
        """The id `name` stands for, made (with what it needs) on first use; `=literal` stands for itself."""
        if name.startswith("="):
            return name[1:]
        if name not in self.ids:
            method, path, form, field = MAKERS[name]
            answer = self.call(method, self.fill(path), self.form(form))
            assert answer.status_code == 200, (name, answer.text)
            self.ids[name] = dig(answer.json(), field)
            self.made.append(self.ids[name])
        return self.ids[name]

    def fill(self, text: str) -> str:
        """`text` with every `{maker}` replaced by its id."""
        return PLACEHOLDER.sub(lambda m: self.id(m.group(1)), text)

    def form(self, form: dict) -> dict:
        """A form with its `{maker}` values filled; marker keys only make their maker."""
        filled = {key: self.fill(value) for key, value in form.items()}
        return {key: value for key, value in filled.items() if not MARKER.search(key)}

    def path(self, template: str, makers: dict[str, str]) -> str:
        """A concrete path for a spec template, each parameter filled by its maker's id."""
        return PLACEHOLDER.sub(lambda m: self.id(makers[m.group(1)]), template)
