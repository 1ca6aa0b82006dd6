"""The pytest plugin of the conformance harness: options, the target, tags and applicability."""

import os

import pytest

from .errors import TargetError
from .guide_catalogue import GuidePlan, ensure_guide_catalogue
from .preflight import PLACEHOLDER, preflight
from .target import DEFAULT_FACTORY, TargetOptions, embedded_target
from .timeline import NOT_APPLICABLE

pytest_plugins = [
    "steps.common_steps", "steps.catalogue_steps", "steps.lifecycle_steps", "steps.signature_steps",
    "steps.delivery_steps", "steps.endpoint_steps", "steps.checkout_steps", "steps.contract_steps",
    "steps.offer_steps", "steps.configuration_steps",
]

TAG_MARKERS = {
    "guide": "a rule stated in the integration guide",
    "reference": "behaviour the guide implies and the reference platform defines",
    "stripe_api": "needs a Stripe API (the fake Stripe, stripe-mock or test mode)",
    "clock": "needs the platform's clock at the scenario's date",
    "contract": "a clause of the conformance contract itself",
}
PREFLIGHT_FAILED = "preflight: "  # how a configuration mistake stops the run (pytest.exit's message)
DEPLOYED = pytest.StashKey()


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


def options_of(config: pytest.Config) -> TargetOptions:
    """The target chosen on the command line."""
    get = config.getoption
    return TargetOptions(target=get("--target"), webhook_secret=get("--webhook-secret"),
                         probe_token=get("--probe-token"), stripe_api_base=get("--stripe-api-base"),
                         stripe_api_key=get("--stripe-api-key"), platform_factory=get("--platform-factory"))


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected: only the scenarios that will run count
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    """Preflight: a configuration mistake stops the run before any scenario, with one line naming the option."""
    if not items or config.getoption("collectonly"):
        return
    needs_stripe = sum(1 for item in items if item.get_closest_marker("stripe_api"))
    try:
        config.stash[DEPLOYED] = preflight(options_of(config), needs_stripe)
    except TargetError as exc:
        pytest.exit(PREFLIGHT_FAILED + str(exc), returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="session")
def target_options(pytestconfig: pytest.Config) -> TargetOptions:
    """The target chosen on the command line."""
    return options_of(pytestconfig)


@pytest.fixture(scope="session")
def deployed(pytestconfig: pytest.Config):
    """The deployed platform (checked by the preflight), shared by every scenario; each makes its own account."""
    return pytestconfig.stash.get(DEPLOYED, None)


@pytest.fixture(scope="session")
def embedded(target_options: TargetOptions, deployed):
    """The embedded reference platform and fake Stripe, started once: each scenario makes its own account and
    cleans up what it changes in Stripe, exactly as against a deployed platform with history."""
    if deployed is not None:
        yield None
        return
    with embedded_target(target_options.platform_factory) as shared:
        yield shared


@pytest.fixture
def target(deployed, embedded):
    """The platform under test: the embedded one or the deployed one, shared by every scenario.

    Both have a Stripe API whenever `@stripe-api` scenarios are selected: the preflight requires the key.
    """
    return deployed or embedded


def guide_of(target) -> dict[str, GuidePlan]:
    """The guide's products and prices in the target's Stripe account, looked up once per run (no scenario
    changes them)."""
    if "guide_plans" not in target.details:
        target.details["guide_plans"] = ensure_guide_catalogue(target.stripe_client)
    return target.details["guide_plans"]


@pytest.fixture
def guide_plans(target) -> dict:
    """The guide's products and prices in the target's Stripe account."""
    return guide_of(target)


@pytest.fixture
def any_plan(target) -> GuidePlan:
    """A plan for events whose prices never get looked up: the guide's when a Stripe API is given."""
    if target.stripe_client is not None:
        return guide_of(target)["professional_1m"]
    return PLACEHOLDER
