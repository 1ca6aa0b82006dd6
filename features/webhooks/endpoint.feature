@stripe-api
Feature: Stripe's webhook endpoint points at the platform with the four events
  The guide: add the endpoint https://<YOUR-WEBMEETING-DOMAIN>/api/v6/integrations/stripe/web-hooks
  and select at least checkout.session.completed, invoice.paid, customer.subscription.updated and
  customer.subscription.deleted.

  @guide
  Scenario: The guide's endpoint passes the check
    Given a webhook endpoint for the platform subscribed to the four events
    When the Stripe account is checked against the guide
    Then the webhook endpoint passes

  @guide
  Scenario Outline: A missing event is flagged
    Given a webhook endpoint for the platform subscribed to the four events except "<event>"
    When the Stripe account is checked against the guide
    Then the webhook endpoint is flagged for missing "<event>"

    Examples:
      | event                         |
      | checkout.session.completed    |
      | invoice.paid                  |
      | customer.subscription.updated |
      | customer.subscription.deleted |

  @guide
  Scenario: An endpoint on another path is not the platform's
    Given a webhook endpoint at "/api/v5/stripe/hooks" subscribed to the four events
    When the Stripe account is checked against the guide
    Then no webhook endpoint for the platform is found

  @reference
  Scenario: An endpoint without a pinned API version is accepted with a warning
    Given a webhook endpoint for the platform subscribed to the four events without an API version
    When the Stripe account is checked against the guide
    Then the webhook endpoint passes with the warning "api_version is unset"
