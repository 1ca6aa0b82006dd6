"""The platform's catalogue, in one place: the guide's rules and what a product grants (`rules`), loading the
products and tax rates from Stripe (`loader`), and the price -> product metadata cache the webhook reads (`cache`)."""
