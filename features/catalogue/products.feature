@stripe-api
Feature: Products follow the guide's metadata and pricing rules
  The guide: create a separate product for each account type and each payment interval; add the
  metadata "accountType" (standard, boardroom, classroom, boardroomClassroom, business,
  professional, school) and "interval" (the duration in months) to every product, spelled exactly
  so; choose Standard pricing and the billing period given by "interval". When the platform loads
  the products, only those that follow the rules are offered to customers.

  @guide
  Scenario Outline: Metadata keys are case-sensitive
    Given a product with metadata "<metadata>" and a price billed every 11 months
    When the platform loads the products
    Then that product is refused with the problem "<code>"

    Examples:
      | metadata                              | code                 |
      | AccountType=professional; interval=11 | metadata_key_case    |
      | accounttype=professional; interval=11 | metadata_key_case    |
      | accountType=professional; Interval=11 | metadata_key_case    |
      | interval=11                           | account_type_missing |
      | accountType=professional              | interval_missing     |

  @guide
  Scenario Outline: Each of the seven account types is accepted
    Given a product with metadata "accountType=<type>; interval=7" and a price billed every 7 months
    When the platform loads the products
    Then that product is offered

    Examples:
      | type               |
      | standard           |
      | boardroom          |
      | classroom          |
      | boardroomClassroom |
      | business           |
      | professional       |
      | school             |

  @guide
  Scenario Outline: Account types are spelled exactly
    Given a product with metadata "accountType=<type>; interval=7" and a price billed every 7 months
    When the platform loads the products
    Then that product is refused with the problem "<code>"

    Examples:
      | type         | code                 |
      | Professional | account_type_case    |
      | SCHOOL       | account_type_case    |
      | enterprise   | account_type_unknown |

  @guide
  Scenario Outline: The interval is a positive whole number of months
    Given a product with metadata "accountType=school; interval=<interval>" and a price billed monthly
    When the platform loads the products
    Then that product is refused with the problem "interval_not_whole"

    Examples:
      | interval |
      | 0        |
      | -1       |
      | 1.5      |
      | one      |
      | ␠1       |
    # ␠ stands for a space: " 1" with a leading space is not a number of months.

  @reference
  Scenario: The interval has no upper bound
    The contract decides: any positive whole number of months; paid time past 9999 stops at its last second.

    Given a product with metadata "accountType=school; interval=1200" and a price billed one-time
    When the platform loads the products
    Then that product is offered

  @guide
  Scenario: One product per account type and interval
    The contract decides which one is the duplicate: the later by `created` (then the larger id).
    The second product is made in a later second, so only one answer follows the contract.

    Given a product with metadata "accountType=classroom; interval=5" and a price billed every 5 months
    And a second later, another product with metadata "accountType=classroom; interval=5" and a price billed every 5 months
    When the platform loads the products
    Then the first product is offered
    And that product is refused with the problem "duplicate_product"

  @guide
  Scenario Outline: A recurring price's billing period equals the interval
    Given a product with metadata "accountType=boardroom; interval=<interval>" and a price billed <period>
    When the platform loads the products
    Then that product is <verdict>

    Examples:
      | interval | period          | verdict                                             |
      | 12       | every 12 months | offered                                             |
      | 12       | yearly          | offered                                             |
      | 12       | monthly         | refused with the problem "billing_period_mismatch"  |
      | 1        | yearly          | refused with the problem "billing_period_mismatch"  |
      | 3        | every 3 months  | offered                                             |

  @guide
  Scenario Outline: Only Standard pricing
    Given a product with metadata "accountType=business; interval=9" and a <pricing> price billed <period>
    When the platform loads the products
    Then that product is refused with the problem "<code>"

    Examples:
      | pricing       | period         | code                 |
      | tiered        | every 9 months | pricing_not_standard |
      | metered       | every 9 months | usage_metered        |
      | package       | every 9 months | package_pricing      |
      | package       | one-time       | package_pricing      |
      | custom-amount | one-time       | custom_amount        |
    # Stripe lets the customer choose the amount (custom_unit_amount) on one-time prices only.

  @guide
  Scenario Outline: A product needs an active price
    Given a product with metadata "accountType=school; interval=4" and <prices>
    When the platform loads the products
    Then that product is refused with the problem "no_active_price"

    Examples:
      | prices                                       |
      | no price                                     |
      | only an archived price billed every 4 months |

  @guide
  Scenario: One-time and recurring prices in several currencies
    Given a product with metadata "accountType=standard; interval=2" and these prices:
      | currency | amount | kind           |
      | usd      | 1900   | every 2 months |
      | usd      | 2100   | one-time       |
      | eur      | 1800   | every 2 months |
      | chf      | 2000   | one-time       |
    When the platform loads the products
    Then that product is offered with 4 prices
