"""Payment intents and charges of a card payment."""

CARD_BRANDS = {"4242": "visa", "0002": "visa"}


def _card_details(last4: str, authorized: int | None) -> dict:
    return {
        "card": {
            "amount_authorized": authorized, "authorization_code": None, "brand": CARD_BRANDS.get(last4, "visa"),
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
            "country": "US", "exp_month": 12, "exp_year": 2034, "extended_authorization": {"status": "disabled"},
            "fingerprint": "Zsimplex0card4242", "funding": "credit", "incremental_authorization": {"status": "unavailable"},
            "installments": None, "last4": last4, "mandate": None, "multicapture": {"status": "unavailable"},
            "network": "visa", "network_token": {"used": False}, "network_transaction_id": "104557651805572",
            "overcapture": {"maximum_amount_capturable": 0, "status": "unavailable"},
            "regulated_status": "unregulated", "three_d_secure": None, "wallet": None,
        },
        "type": "card",
    }


def payment_intent_object(*, id: str, amount: int, currency: str, created: int, customer: str | None,
                          latest_charge: str | None, payment_method: str | None, status: str = "succeeded",
                          metadata: dict | None = None, description: str | None = None,
                          receipt_email: str | None = None, last_payment_error: dict | None = None) -> dict:
    """A `payment_intent`."""
    succeeded = status == "succeeded"
    return {
        "id": id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": amount if succeeded else 0,
        "application": None, "application_fee_amount": None, "automatic_payment_methods": None,
        "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic",
        "client_secret": f"{id}_secret_simplex", "confirmation_method": "automatic", "created": created,
        "currency": currency, "customer": customer, "customer_account": None, "description": description,
        "excluded_payment_method_types": None, "last_payment_error": last_payment_error,
        "latest_charge": latest_charge, "livemode": False, "metadata": dict(metadata or {}),
        "next_action": None, "on_behalf_of": None,
        "payment_details": {"customer_reference": None, "order_reference": None}, "payment_method": payment_method,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"installments": None, "mandate_options": None, "network": None,
                                            "request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"], "processing": None, "receipt_email": receipt_email,
        "review": None, "setup_future_usage": None, "shipping": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None, "status": status,
        "transfer_data": None, "transfer_group": None,
    }


def charge_object(*, id: str, amount: int, currency: str, created: int, customer: str | None,
                  payment_intent: str, payment_method: str, email: str | None, last4: str = "4242",
                  succeeded: bool = True, metadata: dict | None = None, description: str | None = None) -> dict:
    """A `charge` (succeeded, or failed with a generic decline)."""
    return {
        "id": id, "object": "charge", "amount": amount, "amount_captured": amount if succeeded else 0,
        "amount_refunded": 0, "application": None, "application_fee": None, "application_fee_amount": None,
        "balance_transaction": None, "billing_details": {
            "address": {"city": None, "country": "CH", "line1": None, "line2": None,
                        "postal_code": None, "state": None},
            "email": email, "name": None, "phone": None, "tax_id": None},
        "calculated_statement_descriptor": "SIMPLEX MEETING", "captured": succeeded, "created": created,
        "currency": currency, "customer": customer, "description": description, "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None if succeeded else "card_declined",
        "failure_message": None if succeeded else "Your card was declined.",
        "fraud_details": {}, "livemode": False, "metadata": dict(metadata or {}), "on_behalf_of": None,
        "outcome": {
            "advice_code": None, "network_advice_code": None, "network_decline_code": None,
            "network_status": "approved_by_network" if succeeded else "declined_by_network",
            "reason": None if succeeded else "generic_decline", "risk_level": "normal", "risk_score": 32,
            "seller_message": "Payment complete." if succeeded else "The bank did not return any further details with this decline.",
            "type": "authorized" if succeeded else "issuer_declined",
        },
        "paid": succeeded, "payment_intent": payment_intent, "payment_method": payment_method,
        "payment_method_details": _card_details(last4, amount if succeeded else None), "radar_options": {},
        "receipt_email": email,
        "receipt_number": None, "receipt_url": f"https://pay.stripe.com/receipts/payment/{id}",
        "refunded": False, "review": None, "shipping": None, "source_transfer": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None,
        "status": "succeeded" if succeeded else "failed", "transfer_data": None, "transfer_group": None,
    }
