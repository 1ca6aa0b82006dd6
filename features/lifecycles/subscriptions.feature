@stripe-api
Feature: Subscriptions: first purchase, renewal, plan change and cancellation
  A customer who chooses auto-renewal subscribes through Stripe Checkout. Stripe sends
  checkout.session.completed, invoice.paid, customer.subscription.updated and
  customer.subscription.deleted; the account follows them. Dates are UTC; a month is Stripe's month
  (January 31 + 1 month = February 28).

  Background:
    Given a customer account on the platform

  @guide
  Scenario: A first purchase makes the account active with auto-renewal until the period end
    Given it is 2026-03-10 09:00
    When the customer subscribes to "1-month Professional"
    Then the account is "professional", active, auto-renewing, paid until 2026-04-10 09:00

  @guide
  Scenario: A renewal moves the end of the paid period
    Given it is 2026-03-10 09:00
    And the customer subscribes to "1-month Professional"
    When the subscription renews
    Then the account is "professional", active, auto-renewing, paid until 2026-05-10 09:00

  @reference
  Scenario: A purchase at the end of a month follows Stripe's month arithmetic
    Given it is 2026-01-31 10:00
    When the customer subscribes to "1-month Professional"
    Then the account is "professional", active, auto-renewing, paid until 2026-02-28 10:00
    When the subscription renews
    Then the account is "professional", active, auto-renewing, paid until 2026-03-31 10:00

  @reference
  Scenario: A subscription's Checkout grants only through its invoice
    Given it is 2026-03-10 09:00
    When the customer subscribes to "1-month Professional" and only the Checkout Session's event arrives
    Then the account has no paid time
    And the platform recorded the Checkout Session as "applied" with the code "linked_only"
    And the account is linked to the customer and the subscription

  @reference
  Scenario: The day after an unrenewed period end the account is no longer active
    Given it is 2026-03-10 09:00
    And the customer subscribes to "1-month Professional"
    When it is 2026-04-11 09:00
    Then the account is not active
    And the account is paid until 2026-04-10 09:00

  @reference @clock
  Scenario: Expiry needs no event: the platform's own clock ends access
    Given it is 2026-03-10 09:00
    And the customer subscribes to "1-month Professional"
    When the platform's clock reaches 2026-04-11 09:00
    Then by the platform's own clock the account is not active

  @reference
  Scenario: A failed renewal does not extend the paid period
    Given it is 2026-03-10 09:00
    And the customer subscribes to "1-month Professional"
    When the renewal payment fails
    Then the account is not active
    And the account is paid until 2026-04-10 09:00

  @guide
  Scenario: A plan change switches the account type at once
    Given it is 2026-03-10 09:00
    And the customer subscribes to "1-month Professional"
    When it is 2026-03-20 09:00
    And the customer switches to "1-month Business"
    Then the account is "business", active, auto-renewing, paid until 2026-04-10 09:00

  @reference
  Scenario: A change to another interval starts a new period at once
    Given it is 2026-03-10 09:00
    And the customer subscribes to "1-month Professional"
    When it is 2026-03-20 09:00
    And the customer switches to "12-month Professional"
    Then the account is "professional", active, auto-renewing, paid until 2027-03-20 09:00

  @guide
  Scenario: Cancelling at the period end keeps access until the end, then closes it
    Given it is 2026-03-10 09:00
    And the customer subscribes to "1-month Professional"
    When it is 2026-03-15 12:00
    And the customer stops auto-renewal
    Then the account is "professional", active, not auto-renewing, paid until 2026-04-10 09:00
    When it is 2026-04-10 09:00
    Then the account is not active
    And the account is "professional", not active, not auto-renewing, paid until 2026-04-10 09:00

  @reference
  Scenario: Undoing the cancellation restores auto-renewal
    Given it is 2026-03-10 09:00
    And the customer subscribes to "1-month Professional"
    When it is 2026-03-15 12:00
    And the customer stops auto-renewal and changes their mind
    Then the account is "professional", active, auto-renewing, paid until 2026-04-10 09:00

  @guide
  Scenario: Cancelling now ends access at once
    Given it is 2026-03-10 09:00
    And the customer subscribes to "1-month Professional"
    When it is 2026-03-20 09:00
    And the customer cancels the subscription now
    Then the account is "professional", not active, not auto-renewing, paid until 2026-03-20 09:00
