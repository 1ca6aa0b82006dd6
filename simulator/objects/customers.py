"""Customers."""


def customer_object(*, id: str, email: str | None, created: int, name: str | None = None,
                    metadata: dict | None = None, test_clock: str | None = None,
                    invoice_prefix: str = "SIMPLEX1", description: str | None = None) -> dict:
    """A `customer`."""
    return {
        "id": id, "object": "customer", "address": None, "balance": 0,
        "created": created, "currency": None, "customer_account": None, "default_source": None,
        "delinquent": False, "description": description, "discount": None, "email": email,
        "invoice_prefix": invoice_prefix,
        "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                             "rendering_options": None},
        "livemode": False, "metadata": dict(metadata or {}), "name": name, "next_invoice_sequence": 1,
        "phone": None, "preferred_locales": [], "shipping": None, "tax_exempt": "none",
        "test_clock": test_clock,
    }


def customer_details(email: str | None, name: str | None = None, country: str = "CH") -> dict:
    """What a buyer typed into Checkout (`customer_details`)."""
    return {
        "address": {"city": None, "country": country, "line1": None, "line2": None,
                    "postal_code": None, "state": None},
        "business_name": None, "email": email, "individual_name": None, "name": name,
        "phone": None, "tax_exempt": "none", "tax_ids": [],
    }
