"""Checkout Sessions and their line items."""

from ..tax import LineTax
from ..versions import hosted_ui_mode

CHECKOUT_HOST = "https://checkout.stripe.com"


def session_object(*, id: str, mode: str, created: int, currency: str, tax: LineTax,
                   success_url: str, cancel_url: str | None, version: str, status: str = "open",
                   payment_status: str = "unpaid", customer: str | None = None,
                   customer_email: str | None = None, customer_details: dict | None = None,
                   client_reference_id: str | None = None, metadata: dict | None = None,
                   subscription: str | None = None, payment_intent: str | None = None,
                   invoice: str | None = None, invoice_creation: bool = False,
                   url: str | None = None, expires_at: int | None = None,
                   customer_creation: str | None = None, discounts: list[dict] | None = None,
                   discount: int = 0) -> dict:
    """A `checkout.session` (hosted page) with its totals (`discount`: what its `discounts` took off)."""
    complete = status == "complete"
    return {
        "id": id, "object": "checkout.session", "adaptive_pricing": {"enabled": False},
        "after_expiration": None, "allow_promotion_codes": None,
        "amount_subtotal": tax.subtotal, "amount_total": tax.total,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None,
        # A test account's default Checkout branding (Dashboard → Settings → Branding left as it is).
        "branding_settings": {"background_color": "#ffffff", "border_style": "rounded", "button_color": "#0074d4",
                              "display_name": "simplex Meeting", "font_family": "default", "icon": None,
                              "logo": None},
        "cancel_url": cancel_url,
        "client_reference_id": client_reference_id, "client_secret": None,
        "collected_information": None if not complete else {
            "business_name": None, "individual_name": None, "shipping_details": None},
        "consent": None, "consent_collection": None, "created": created, "currency": currency,
        "currency_conversion": None, "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": customer, "customer_account": None,
        "customer_creation": customer_creation or ("if_required" if mode == "payment" else "always"),
        "customer_details": customer_details if complete else None,
        "customer_email": customer_email, "discounts": list(discounts or []),
        "expires_at": expires_at if expires_at is not None else created + 86400,
        "integration_identifier": None, "invoice": invoice,
        "invoice_creation": None if mode != "payment" else {
            "enabled": invoice_creation,
            "invoice_data": {"account_tax_ids": None, "custom_fields": None, "description": None,
                             "footer": None, "issuer": None, "metadata": {}, "rendering_options": None}},
        "livemode": False, "locale": None, "metadata": dict(metadata or {}), "mode": mode,
        "origin_context": None, "payment_intent": payment_intent, "payment_link": None,
        "payment_method_collection": "always" if mode == "subscription" else None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"], "payment_status": payment_status,
        "permissions": None, "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None if customer is None else {
            "allow_redisplay_filters": ["always"], "payment_method_remove": None, "payment_method_save": None},
        "setup_intent": None,
        "shipping_address_collection": None, "shipping_cost": None, "shipping_options": [],
        "status": status, "submit_type": None, "subscription": subscription,
        "success_url": success_url,
        "total_details": {"amount_discount": discount, "amount_shipping": 0, "amount_tax": tax.tax},
        "ui_mode": hosted_ui_mode(version),
        "url": None if complete else (url or f"{CHECKOUT_HOST}/c/pay/{id}"),
        "wallet_options": None,
    }


def line_item_object(*, id: str, price: dict, description: str, quantity: int, tax: LineTax,
                     tax_rate: dict | None, discounts: list[dict] | None = None) -> dict:
    """A Checkout line `item` (what `line_items` lists), with its tax and `discounts` ({amount, discount})."""
    taxes = [] if tax_rate is None else [{
        "amount": tax.tax, "rate": tax_rate,
        "taxability_reason": None, "taxable_amount": tax.taxable_amount}]
    return {
        "id": id, "object": "item", "adjustable_quantity": None,
        "amount_discount": sum(d["amount"] for d in discounts or []),
        "amount_subtotal": tax.subtotal, "amount_tax": tax.tax, "amount_total": tax.total,
        "currency": price["currency"], "description": description, "discounts": list(discounts or []), "metadata": {},
        "price": price, "quantity": quantity, "taxes": taxes,
    }
