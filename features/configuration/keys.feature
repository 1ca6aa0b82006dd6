@stripe-api
Feature: The platform is configured with three keys, and loading the products verifies them
  The guide (§6): the platform needs the publishable key, the secret key and the webhook signing
  secret; once they are saved, loading the Stripe products verifies that all the configuration was
  correct. The probe's configuration check runs the checks of Save (and tries the secret key with
  Stripe, as loading does) without storing anything, so a platform in use keeps its keys.

  @guide
  Scenario: The three keys of the platform's Stripe account are accepted
    When the platform checks the secret key, a publishable key and the signing secret of its Stripe account
    Then the keys are accepted

  @guide
  Scenario Outline: A wrong key is refused
    When the platform checks the three keys with <mistake>
    Then the keys are refused for "<field>" with the code "<code>"

    Examples:
      | mistake                                       | field          | code            |
      | no publishable key                            | publishableKey | missing         |
      | the secret key in the publishable key's place | publishableKey | wrong_prefix    |
      | the publishable key in the secret key's place | secretKey      | wrong_prefix    |
      | a secret key Stripe does not know             | secretKey      | stripe_refused  |
      | a live publishable key and a test secret key  | secretKey      | test_live_mixed |
      | a signing secret without whsec_               | webhookSecret  | wrong_prefix    |
      | a signing secret with a space in it           | webhookSecret  | malformed       |

  @guide
  Scenario: Loading the products verifies the configuration
    When the platform loads the products
    Then the guide's products are offered with their one-time and recurring prices
