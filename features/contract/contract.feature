@contract
Feature: The conformance contract's own clauses
  docs/conformance-contract.md states how the webhook endpoint answers and how the probe behaves;
  these scenarios hold a platform to exactly what it states, codes included.

  Background:
    Given a customer account on the platform
    And it is 2026-03-10 09:00

  Scenario: A processed event is answered 200 with its id, outcome and reason code
    When an event the platform does not handle is delivered
    Then the platform answers 200 with the event's id, outcome "ignored" and reason code "event_type_not_handled"

  @stripe-api
  Scenario: An event destination's ping is acknowledged, with its own code, and never listed
    When Stripe pings an event destination and the ping reaches the platform
    Then the platform answers 200 with the event's id, outcome "ignored" and reason code "test_event"
    And the platform lists no delivery of it

  Scenario: A redelivery is answered as a duplicate
    When an event the platform does not handle is delivered twice
    Then the last answer has outcome "duplicate" and reason code "already_received"

  Scenario Outline: A delivery Stripe did not sign is refused with its reason
    When a first purchase is delivered with <forgery>
    Then the platform answers 400 with the error "signature_verification_failed" and the reason "<reason>"

    Examples:
      | forgery                    | reason                      |
      | no signature header        | missing_header              |
      | a header without t=        | malformed_header            |
      | only a v0 signature        | no_v1_signature             |
      | the wrong secret           | signature_mismatch          |
      | upper-case hex             | signature_mismatch          |
      | a timestamp 10 minutes old | timestamp_outside_tolerance |

  Scenario: A signed body that is not an event is refused
    When a signed body that is not JSON is delivered
    Then the platform answers 400 with the error "malformed_event"

  Scenario Outline: Only POST is allowed
    When the webhook URL is asked with <method>
    Then the platform answers 405 with the error "method_not_allowed"

    Examples:
      | method  |
      | GET     |
      | OPTIONS |
      | PUT     |

  Scenario Outline: A body over 1 MiB is refused
    When a signed body of 1.5 MiB is delivered <how>
    Then the platform answers 413 with the error "request_entity_too_large"

    Examples:
      | how                     |
      | with its length         |
      | chunked                 |

  Scenario: A signed body nested too deeply is not an event
    When a signed body nested 100,000 deep is delivered
    Then the platform answers 400 with the error "malformed_event"

  Scenario: A signature header that is not ASCII never matches
    When a first purchase's invoice is delivered with the signature header "t=1,v1=é"
    Then the answer is 400 with the error "signature_verification_failed" and the reason "signature_mismatch"

  Scenario Outline: A signed event with one field of the wrong type or range is rejected, naming the field
    When a first purchase's invoice is delivered signed, with <field> set to <value>
    Then the last answer has outcome "rejected" and reason code "<code>"

    Examples:
      | field               | value                 | code                |
      | created             | 10000000000000        | invalid_created     |
      | created             | 9223372036854775808   | invalid_created     |
      | api_version         | {}                    | invalid_api_version |
      | status              | {}                    | invalid_status      |
      | lines               | {"data": 5}           | invalid_lines       |
      | the first line's amount | "abc"             | invalid_amount      |
      | the first line's period end | 4611686018427387904 | invalid_period |

  Scenario Outline: The probe needs the token
    When the probe is asked <how>
    Then the probe answers 401 with "WWW-Authenticate: Bearer"

    Examples:
      | how                  |
      | without a token      |
      | with a wrong token   |

  Scenario: A chosen account reference is kept and cannot be taken twice
    When an account is created with a chosen reference
    Then the probe shows the account under that reference
    And creating another account with that reference answers 409

  @stripe-api
  Scenario: The event list pages by limit
    When the customer subscribes to "1-month Professional"
    Then the account's events listed one per page are the same as listed at once

  @stripe-api
  Scenario Outline: Reading an account at a time
    When the customer subscribes to "1-month Professional"
    Then the account read at "<at>" is <state>

    Examples:
      | at                        | state        |
      | 2026-04-10T08:59:59Z      | active       |
      | 2026-04-10T09:00:01Z      | not active   |
      | 2026-04-10T08:59:59       | active       |
      | 2026-04-10T10:30:00+02:00 | active       |
      | 2026-04-10T11:30:00+02:00 | not active   |
      | yesterday                 | refused: 400 |
