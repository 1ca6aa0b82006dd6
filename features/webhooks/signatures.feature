Feature: Webhook signatures
  Stripe signs every delivery with the endpoint's signing secret (Stripe-Signature: t=…,v1=…).
  The platform must check the signature on the raw body and refuse anything else, so that nobody
  but Stripe can top up an account.

  Background:
    Given a customer account on the platform
    And it is 2026-03-10 09:00

  @guide
  Scenario Outline: Deliveries that Stripe did not sign are rejected and change nothing
    When a first purchase is delivered with <forgery>
    Then the platform answers 400 to every delivery
    And the account has no paid time
    And the platform recorded none of those events

    Examples:
      | forgery                  |
      | no signature header      |
      | the wrong secret         |
      | a tampered body          |
      | a timestamp 10 minutes old |
      | only a v0 signature      |

  @reference
  Scenario Outline: During secret rotation the platform's secret may sign any of several v1 signatures
    When an event is delivered with <count> v1 signatures, the platform's secret signing number <position>
    Then the platform answers 200 to every delivery

    Examples:
      | count | position |
      | 2     | 1        |
      | 2     | 2        |
      | 3     | 2        |
      | 3     | 3        |
