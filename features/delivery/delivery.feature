@stripe-api
Feature: Stripe's delivery: duplicates, any order, other events, broken products
  Stripe delivers at least once and in no guaranteed order; it sends other event types too.

  Background:
    Given a customer account on the platform
    And it is 2026-03-10 09:00

  @reference
  Scenario: Duplicates change nothing
    When the customer subscribes to "1-month Professional" and every event is delivered 3 times
    Then the account is "professional", active, auto-renewing, paid until 2026-04-10 09:00
    And the platform recorded each event once, the rest as duplicates

  @reference
  Scenario: A redelivered one-time purchase grants once
    When the customer pays once for "1-month Professional" and every event is delivered 3 times
    Then the account is "professional", active, not auto-renewing, paid until 2026-04-10 09:00

  @reference
  Scenario: A delivery that fails midway is answered 5xx, and Stripe's retry applies it exactly once
    Given the platform fails the next delivery of one of the four events midway
    When the customer pays once for "1-month Professional" and Stripe retries what failed
    Then the Checkout Session's event was answered 500 first, then 200 applied
    And the account is "professional", active, not auto-renewing, paid until 2026-04-10 09:00
    And the platform recorded the Checkout Session as "applied"

  @reference
  Scenario Outline: Every delivery order ends in the same state
    When the story "<story>" is delivered <order>
    Then the account ends as the story delivered in order would leave it

    Examples:
      | story                                              | order                 |
      | first-purchase, renewal                            | in reverse            |
      | first-purchase, renewal                            | shuffled with seed 1  |
      | first-purchase, renewal, plan-change, cancellation | in reverse            |
      | first-purchase, renewal, plan-change, cancellation | shuffled with seed 7  |
      | first-purchase, cancel-undo                        | shuffled with seed 3  |
      | first-purchase, failed-renewal                     | in reverse            |

  @guide
  Scenario: Other event types are acknowledged and ignored
    When Stripe sends events the platform does not handle
    Then the platform answers 200 to every delivery
    And the platform recorded those events as "ignored" with the code "event_type_not_handled"
    And the account has no paid time

  @guide
  Scenario Outline: Events for a product with broken metadata grant nothing
    Given a product with metadata "<metadata>" and a price billed monthly
    When the customer subscribes to that product
    Then the platform answers 200 to every delivery
    And the account has no paid time
    And the platform recorded the invoice as "rejected" with the code "product_invalid"

    Examples:
      | metadata                             |
      | AccountType=professional; interval=1 |
      | accountType=Professional; interval=1 |
      | accountType=professional; interval=x |
