@stripe-api
Feature: Tax and Checkout
  The guide adds a tax rate (VAT 7.7 %, exclusive) that is applied to every purchase; a one-time
  price is paid once, a recurring price starts a subscription.

  Background:
    Given a customer account on the platform

  @guide
  Scenario: The 29.00 USD Professional price with VAT 7.7 % exclusive totals 31.23
    When the customer starts buying the "1-month Professional" recurring price
    Then the Checkout Session totals USD 31.23 with USD 2.23 tax

  @guide
  Scenario Outline: The price type chooses the Checkout mode
    When the customer starts buying the "1-month Professional" <kind> price
    Then the Checkout Session is in "<mode>" mode

    Examples:
      | kind      | mode         |
      | one-time  | payment      |
      | recurring | subscription |

  @guide
  Scenario: A one-time purchase is taxed too
    When the customer starts buying the "1-month Professional" one-time price
    Then the Checkout Session totals USD 31.23 with USD 2.23 tax

  @guide
  Scenario: An inclusive rate is part of the price
    Given the account's only active tax rate is VAT 7.7 % inclusive
    When the customer starts buying the "1-month Professional" recurring price
    Then the Checkout Session totals USD 29.00 with USD 2.07 tax

  @guide
  Scenario: The subscription carries the tax rate, so renewals are taxed too
    When the customer starts buying the "1-month Professional" recurring price
    Then every line of the Checkout Session carries the active tax rate

  @guide
  Scenario: A second active tax rate breaks the account
    Given a second active tax rate VAT 7.7 % exclusive
    When the Stripe account is checked against the guide without naming the platform's URL
    Then the account is flagged for "active tax rates"

  @guide
  Scenario: No active tax rate breaks the account
    Given no tax rate is active
    When the Stripe account is checked against the guide without naming the platform's URL
    Then the account is flagged for "no active tax rate"
