"""The sandbox's own test-mode account: a Standard account, fully onboarded."""

from .state import State

ACCOUNT_CREATED = 1704067200  # 2024-01-01: a fixed date keeps responses stable between runs


def account_object(state: State) -> dict:
    """The sandbox's own Standard account, fully onboarded."""
    return {
        "id": state.account_id, "object": "account",
        "business_profile": {"annual_revenue": None, "estimated_worker_count": None, "mcc": "5734",
                             "minority_owned_business_designation": None,
                             "name": "simplex Meeting", "product_description": "Online meeting rooms",
                             "support_address": None, "support_email": "billing@simplex.example",
                             "support_phone": None, "support_url": None, "url": "https://simplex.example"},
        "business_type": "company", "capabilities": {"card_payments": "active", "transfers": "active"},
        "charges_enabled": True, "controller": {"type": "account"}, "country": "CH", "created": ACCOUNT_CREATED,
        "default_currency": "usd", "details_submitted": True, "email": "billing@simplex.example",
        "metadata": {}, "payouts_enabled": True, "type": "standard",
        "settings": {
            "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
            "card_payments": {"decline_on": {"avs_failure": False, "cvc_failure": False},
                              "statement_descriptor_prefix": "SIMPLEX", "statement_descriptor_prefix_kana": None,
                              "statement_descriptor_prefix_kanji": None},
            "dashboard": {"display_name": "simplex Meeting", "timezone": "Europe/Zurich"},
            "payments": {"statement_descriptor": "SIMPLEX MEETING", "statement_descriptor_kana": None,
                         "statement_descriptor_kanji": None},
            "payouts": {"debit_negative_balances": True,
                        "schedule": {"delay_days": 7, "interval": "daily"}, "statement_descriptor": None},
        },
        "tos_acceptance": {"date": ACCOUNT_CREATED},
    }
