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
