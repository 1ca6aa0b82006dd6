"""The Locust user: each one lives several accounts' lifecycles and POSTs every signed delivery.

Run through `simplex-stripe load`, or with Locust directly:
    locust -f simulator/load/locustfile.py --headless -u 10 -r 10 -t 30s \
        --host http://127.0.0.1:8000 --sim-webhook-path /api/v6/integrations/stripe/web-hooks \
        --sim-secrets whsec_...
Importing this module imports Locust, which patches the process with gevent: never import it elsewhere.
"""

import itertools
import json
import logging
import os

import gevent
from locust import FastHttpUser, constant, events, task
from locust.runners import WorkerRunner

from simulator.errors import SimulatorError
from simulator.load.lifecycle import UserStories, warm_up
from simulator.load.options import add_arguments, from_namespace

log = logging.getLogger(__name__)
PROBE_ACCOUNTS = "/api/v6/integrations/stripe/conformance/accounts"
PROBE_NAME = "(probe) create account"
FAILURES_FILE = "SIMPLEX_LOAD_FAILURES_FILE"  # where `simplex-stripe load` wants the failure reasons
_user_numbers = itertools.count()
warm_up()  # the engine's first start-up costs more than the later ones: pay it before the run time counts
# gevent caches its loop's clock: without this, the time spent importing the engine above would count as run
# time (--run-time 1s would end before the first user had started).
gevent.get_hub().loop.update_now()


@events.init_command_line_parser.add_listener
def _(parser) -> None:
    add_arguments(parser)


@events.test_start.add_listener
def _(environment, **kwargs) -> None:
    """Refuse bad options once, up front, instead of failing in every user (direct Locust use)."""
    try:
        from_namespace(environment.parsed_options)
    except SimulatorError as exc:
        log.error("simplex-stripe load: %s", exc)
        environment.process_exit_code = 2
        environment.runner.quit()


@events.quitting.add_listener
def _(environment, **kwargs) -> None:
    """Write the failure reasons at shutdown (Locust's CSV of them is up to a second old by then)."""
    path = os.environ.get(FAILURES_FILE)
    if path and not isinstance(environment.runner, WorkerRunner):
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(list(environment.runner.stats.serialize_errors().values()), fh)


class WebhookLifecycleUser(FastHttpUser):
    """A simulated Stripe account's worth of customers: one delivery per task, no pause between them."""

    wait_time = constant(0)
    max_redirects = 0  # Stripe does not follow redirects: a 3xx is a failed delivery

    def __init__(self, environment) -> None:
        self.options = from_namespace(environment.parsed_options)
        self.network_timeout = self.connection_timeout = self.options.timeout  # read by FastHttpUser.__init__
        super().__init__(environment)

    def on_start(self) -> None:
        """Set up this user's accounts; with a probe token, create them on the platform first."""
        worker = getattr(self.environment.runner, "worker_index", 0)
        self.stories = UserStories(self.options, f"w{worker}/u{next(_user_numbers)}")
        if self.options.probe_token:
            for ref in self.stories.refs:
                self._create_account(ref)

    def _create_account(self, ref: str) -> None:
        headers = {"Authorization": f"Bearer {self.options.probe_token}"}
        with self.client.post(PROBE_ACCOUNTS, json={"id": ref, "email": f"{ref}@example.com"}, headers=headers,
                              name=PROBE_NAME, catch_response=True) as response:
            if response.status_code in (201, 409):  # 409: made by an earlier run with the same seed
                response.success()
            else:
                response.failure(f"probe answered {response.status_code}: {(response.text or '')[:200]}")

    @task
    def deliver(self) -> None:
        """POST the next signed delivery; Stripe counts only a 2xx as delivered."""
        delivery = self.stories.next_delivery()
        with self.client.post(self.options.webhook_path, data=delivery.body, headers=delivery.headers,
                              name=delivery.event["type"], catch_response=True) as response:
            if 200 <= response.status_code < 300:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
