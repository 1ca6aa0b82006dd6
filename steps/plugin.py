"""The pytest plugin of the conformance harness: options, the target, tags and applicability."""

import os

import pytest

from .guide_catalogue import GuidePlan, ensure_guide_catalogue
from .target import DEFAULT_FACTORY, TargetOptions, deployed_target, embedded_target

pytest_plugins = [
    "steps.common_steps", "steps.catalogue_steps", "steps.lifecycle_steps", "steps.signature_steps",
    "steps.delivery_steps", "steps.endpoint_steps", "steps.checkout_steps",
]

TAG_MARKERS = {
    "guide": "a rule stated in the integration guide",
    "reference": "behaviour the guide implies and the reference platform defines",
    "stripe_api": "needs a Stripe API (the fake Stripe, stripe-mock or test mode)",
    "clock": "needs to control the platform's clock",
}
NOT_APPLICABLE = "not applicable: "


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("simplex-conformance", "simplex-stripe conformance target")
    group.addoption("--target", default=os.environ.get("SIMPLEX_TARGET", "embedded"),
                    help="'embedded' (default) or a deployed platform's base URL")
    group.addoption("--webhook-secret", default=None, help="the deployed platform's webhook signing secret")
    group.addoption("--probe-token", default=None, help="the deployed platform's probe token")
    group.addoption("--stripe-api-base", default=None, help="Stripe API base the platform uses (fake/stripe-mock)")
    group.addoption("--stripe-api-key", default=None, help="secret key of the platform's Stripe account")
    group.addoption("--platform-factory", default=DEFAULT_FACTORY,
                    help="embedded only: module:function building the platform's WSGI app from Settings")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in TAG_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function):
    """Gherkin tags become markers; `@stripe-api` is the marker `stripe_api`."""
    return getattr(pytest.mark, tag.replace("-", "_"))(function)


@pytest.fixture(scope="session")
def target_options(pytestconfig: pytest.Config) -> TargetOptions:
    """The target chosen on the command line."""
    get = pytestconfig.getoption
    return TargetOptions(target=get("--target"), webhook_secret=get("--webhook-secret"),
                         probe_token=get("--probe-token"), stripe_api_base=get("--stripe-api-base"),
                         stripe_api_key=get("--stripe-api-key"), platform_factory=get("--platform-factory"))


@pytest.fixture(scope="session")
def deployed(target_options: TargetOptions):
    """The deployed platform, shared by every scenario (each scenario makes its own account)."""
    return None if target_options.embedded else deployed_target(target_options)


@pytest.fixture
def target(request: pytest.FixtureRequest, target_options: TargetOptions, deployed):
    """The platform under test: a fresh embedded platform and fake Stripe per scenario, or the deployed one."""
    if deployed is None:
        with embedded_target(target_options.platform_factory) as fresh:
            _check_applicable(request, fresh)
            yield fresh
        return
    _check_applicable(request, deployed)
    yield deployed


def _check_applicable(request: pytest.FixtureRequest, target) -> None:
    node = request.node
    if node.get_closest_marker("stripe_api") and target.stripe_client is None:
        pytest.skip(NOT_APPLICABLE + "needs a Stripe API: pass --stripe-api-key (and --stripe-api-base) "
                    "for the Stripe account the platform uses")
    if node.get_closest_marker("clock") and not target.controls_clock:
        pytest.skip(NOT_APPLICABLE + "needs to control the platform's clock, which only the embedded target allows")


@pytest.fixture
def guide_plans(target) -> dict:
    """The guide's products and prices in the target's Stripe account."""
    return ensure_guide_catalogue(target.stripe_client)


@pytest.fixture
def any_plan(target) -> GuidePlan:
    """A plan for events whose prices never get looked up: the guide's when a Stripe API is given."""
    if target.stripe_client is not None:
        return ensure_guide_catalogue(target.stripe_client)["professional_1m"]
    return GuidePlan("professional_1m", "1-month Professional Account", "professional", 1,
                     "prod_conformance0001", "price_1Conformance0000000000001", "price_1Conformance0000000000002", 2900)
