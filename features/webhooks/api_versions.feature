@stripe-api
Feature: Both payload shapes
  A webhook payload follows the endpoint's API version. Since 2025-03-31.basil the subscription of
  an invoice, the price of an invoice line and the subscription's period moved; endpoints created
  earlier still receive the old shape.

  Background:
    Given a customer account on the platform
    And it is 2026-01-31 10:00

  @reference
  Scenario Outline: The lifecycle holds in either shape
    Given Stripe sends payloads in the <shape> shape
    When the customer subscribes to "1-month Professional"
    Then the account is "professional", active, auto-renewing, paid until 2026-02-28 10:00
    When the subscription renews
    Then the account is "professional", active, auto-renewing, paid until 2026-03-31 10:00
    When it is 2026-03-05 10:00
    And the customer switches to "1-month Business"
    Then the account is "business", active, auto-renewing, paid until 2026-03-31 10:00
    When it is 2026-03-10 10:00
    And the customer cancels the subscription now
    Then the account is "business", not active, not auto-renewing, paid until 2026-03-10 10:00

    Examples:
      | shape     |
      | current   |
      | pre-basil |
