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

  @guide
  Scenario: The platform's endpoint on another path is flagged
    Given a webhook endpoint named as the platform's at "/api/v6/integrations/stripe/webhooks" subscribed to the four events
    When the Stripe account is checked against the guide
    Then the webhook endpoint is flagged for its path

  @guide
  Scenario: Any endpoint on another path is not taken for the platform's
    Given a webhook endpoint at "/api/v6/integrations/stripe/webhooks" subscribed to the four events
    When the Stripe account is checked against the guide without naming the platform's URL
    Then that endpoint is not taken for the platform's

  @guide
  Scenario: A disabled endpoint is flagged
    Given a disabled webhook endpoint for the platform subscribed to the four events
    When the Stripe account is checked against the guide
    Then the webhook endpoint is flagged as disabled

  @guide
  Scenario: An endpoint subscribed to every event passes
    Given a webhook endpoint for the platform subscribed to "*"
    When the Stripe account is checked against the guide
    Then the webhook endpoint passes

  @guide
  Scenario Outline: The endpoint's URL is https
    Given a webhook endpoint for the platform over <scheme> subscribed to the four events
    When the Stripe account is checked against the guide
    Then the webhook endpoint passes <warning>

    Examples:
      | scheme | warning                          |
      | https  | without warnings                 |
      | http   | with the warning "is not https"  |
