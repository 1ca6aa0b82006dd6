@stripe-api
Feature: One-time purchases
  A customer who does not want auto-renewal pays once through Stripe Checkout (payment mode). The
  account gets the product's account type for "interval" months from the purchase.

  Background:
    Given a customer account on the platform

  @guide
  Scenario Outline: A one-time purchase grants the product's interval
    Given it is 2026-03-10 09:00
    When the customer pays once for "<plan>"
    Then the account is "professional", active, not auto-renewing, paid until <until>

    Examples:
      | plan                  | until            |
      | 1-month Professional  | 2026-04-10 09:00 |
      | 12-month Professional | 2027-03-10 09:00 |

  @guide
  Scenario: A second one-time purchase extends the first
    Given it is 2026-03-10 09:00
    And the customer pays once for "1-month Professional"
    When it is 2026-03-25 09:00
    And the customer pays once for "1-month Professional"
    Then the account is "professional", active, not auto-renewing, paid until 2026-05-10 09:00

  @guide
  Scenario: A one-time purchase after the previous term expired counts from the purchase
    Given it is 2026-03-10 09:00
    And the customer pays once for "1-month Professional"
    When it is 2026-05-01 09:00
    And the customer pays once for "1-month Professional"
    Then the account is "professional", active, not auto-renewing, paid until 2026-06-01 09:00

  @guide
  Scenario: A one-time purchase of another account type while one runs counts from the purchase
    Given it is 2026-03-10 09:00
    And the customer pays once for "1-month Professional"
    When it is 2026-03-20 09:00
    And the customer pays once for "1-month Business"
    Then the account is "business", active, not auto-renewing, paid until 2026-04-20 09:00

  @reference
  Scenario: A Checkout completed but not paid yet grants nothing
    Given it is 2026-03-10 09:00
    When the customer pays once for "1-month Professional" with a delayed payment method
    Then the account has no paid time
    And the platform recorded the Checkout Session as "ignored" with the code "session_not_paid"

  @reference
  Scenario: A session that is not complete grants nothing, whatever its payment status says
    Given it is 2026-03-10 09:00
    When the event of a Checkout Session still open arrives, saying it is paid
    Then the account has no paid time
    And the platform recorded the Checkout Session as "ignored" with the code "session_not_complete"

  @reference
  Scenario: The invoice of a one-time Checkout does not grant a second time
    Given it is 2026-03-10 09:00
    When the customer pays once for "1-month Professional" and Stripe also sends its invoice
    Then the account is "professional", active, not auto-renewing, paid until 2026-04-10 09:00

  @reference
  Scenario Outline: One-time terms chain in Stripe's month arithmetic, counted from the first purchase
    Given it is <first>
    And the customer pays once for "1-month Professional"
    Then the account is paid until <first until>
    When it is <second>
    And the customer pays once for "1-month Professional"
    Then the account is "professional", active, not auto-renewing, paid until <until>

    Examples:
      | first            | first until      | second           | until            |
      | 2026-01-31 10:00 | 2026-02-28 10:00 | 2026-02-10 10:00 | 2026-03-31 10:00 |
      | 2028-01-31 10:00 | 2028-02-29 10:00 | 2028-02-10 10:00 | 2028-03-31 10:00 |
      | 2028-02-29 10:00 | 2028-03-29 10:00 | 2028-03-10 10:00 | 2028-04-29 10:00 |
      | 2026-12-31 10:00 | 2027-01-31 10:00 | 2027-01-15 10:00 | 2027-02-28 10:00 |
