@stripe-api
Feature: Every configured product is offered, in each of its currencies
  The guide: all Stripe products that you have configured are available to your customers on their
  Account Settings page (§1); a product can be paid in various currencies, once or with
  auto-renewal (§2). A price's other currencies are its `currency_options`; the customer pays in
  the currency they choose, so the Checkout Session is in that currency.

  Background:
    Given a customer account on the platform

  @guide
  Scenario: Every configured product is offered with each of its prices
    Given these products, each with a one-time and a recurring price:
      | metadata                                    | period          |
      | accountType=boardroomClassroom; interval=6  | every 6 months  |
      | accountType=boardroomClassroom; interval=24 | every 24 months |
      | accountType=school; interval=6              | every 6 months  |
    When the platform loads the products
    Then every one of those products is offered
    And the customer can start buying each of their prices

  @guide
  Scenario Outline: A price is bought in another of its currencies
    Given a product with metadata "accountType=classroom; interval=6" and a <kind> price of USD 29.00, also EUR 27.00 and CHF 26.00
    When the platform loads the products
    And the customer starts buying that price in <currency>
    Then the Checkout Session is in <currency>, <amount> before tax

    Examples:
      | kind           | currency | amount |
      | one-time       | EUR      | 27.00  |
      | every 6 months | EUR      | 27.00  |
      | every 6 months | CHF      | 26.00  |
      | every 6 months | USD      | 29.00  |

  @guide
  Scenario: A currency the price does not have is not offered
    Given a product with metadata "accountType=classroom; interval=6" and a one-time price of USD 29.00, also EUR 27.00 and CHF 26.00
    When the platform loads the products
    Then buying that price in GBP is refused as not offered
