"""`simplex-stripe stripe-mock up|down`: no engine (this machine) and the up/down logic on a fake Docker client."""

import os
from dataclasses import dataclass, field

import pytest
from click.testing import CliRunner

from simplex_stripe.cli import main
from simplex_stripe.cli import stripe_mock
from simulator.fake_stripe import FakeStripe

try:
    import docker
except ImportError:  # the docker and test extras install it
    docker = None


@pytest.fixture(autouse=True)
def need_docker_sdk():
    """Skip without the Docker SDK locally; fail under CI=true."""
    if docker is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the Docker SDK is required under CI (pip install '.[test]')")
        pytest.skip("the Docker SDK is not installed (pip install 'simplex-stripe[docker]')")


@dataclass
class FakeContainer:
    name: str
    status: str = "running"
    ports: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)

    def stop(self, timeout: int = 10) -> None:
        self.calls.append("stop")
        self.status = "exited"

    def remove(self, force: bool = False) -> None:
        self.calls.append("remove")
        self.removed = True


@dataclass
class FakeContainers:
    existing: list = field(default_factory=list)
    runs: list = field(default_factory=list)
    fail: Exception | None = None

    def list(self, all: bool = False, filters: dict | None = None) -> list:
        wanted = filters["name"].strip("^$/")
        return [c for c in self.existing if c.name == wanted and not getattr(c, "removed", False)]

    def run(self, image: str, **kwargs) -> FakeContainer:
        if self.fail:
            raise self.fail
        self.runs.append((image, kwargs))
        container = FakeContainer(kwargs["name"], ports=kwargs["ports"])
        self.existing.append(container)
        return container


@dataclass
class FakeDocker:
    containers: FakeContainers = field(default_factory=FakeContainers)

    def ping(self) -> bool:
        return True


@pytest.fixture
def fake_docker(monkeypatch):
    client = FakeDocker()
    monkeypatch.setattr(docker, "from_env", lambda **kwargs: client)
    return client


@pytest.fixture
def api_port():
    """A fake Stripe answering /v1/products, standing in for the container's published port."""
    with FakeStripe(seed="empty").serving() as base:
        yield base.rsplit(":", 1)[1]


def invoke(*args: str):
    return CliRunner().invoke(main, ["stripe-mock", *args])


def test_without_a_docker_engine_it_says_so_in_one_line_and_exits_2(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/simplex-stripe/docker.sock")
    for command in ("up", "down"):
        result = invoke(command)
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1
        assert "no Docker engine reachable" in result.output and "docker run" in result.output
        assert "Traceback" not in result.output


def test_up_runs_the_official_image_on_localhost_and_prints_the_api_base(fake_docker, api_port):
    result = invoke("up", "--port", api_port)
    assert result.exit_code == 0, result.output
    [(image, kwargs)] = fake_docker.containers.runs
    assert image == "stripe/stripe-mock:latest" and kwargs["detach"] and kwargs["name"] == "simplex-stripe-mock"
    assert kwargs["ports"] == {"12111/tcp": ("127.0.0.1", int(api_port)), "12112/tcp": ("127.0.0.1", 12112)}
    assert f"API base http://127.0.0.1:{api_port}" in result.output
    assert f"export STRIPE_MOCK_URL=http://127.0.0.1:{api_port}" in result.output


def test_up_reuses_a_running_container_and_replaces_an_exited_one(fake_docker, api_port):
    running = FakeContainer("simplex-stripe-mock")
    fake_docker.containers.existing.append(running)
    result = invoke("up", "--port", api_port)
    assert result.exit_code == 0 and "already running" in result.output and not fake_docker.containers.runs
    running.status = "exited"
    assert invoke("up", "--port", api_port).exit_code == 0
    assert running.calls == ["remove"] and len(fake_docker.containers.runs) == 1


def test_up_reports_a_container_that_never_answers(fake_docker, monkeypatch):
    monkeypatch.setattr(stripe_mock, "READY_TIMEOUT_S", 0.3)
    result = invoke("up", "--port", "9")
    assert result.exit_code == 2 and "did not answer" in result.output and "docker logs" in result.output


def test_up_reports_a_refused_run_in_one_line(fake_docker):
    fake_docker.containers.fail = docker.errors.APIError("port is already allocated")
    result = invoke("up")
    assert result.exit_code == 2 and "cannot start stripe/stripe-mock:latest" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_down_stops_and_removes_and_is_idempotent(fake_docker):
    container = FakeContainer("simplex-stripe-mock")
    fake_docker.containers.existing.append(container)
    result = invoke("down")
    assert result.exit_code == 0 and "stopped and removed" in result.output
    assert container.calls == ["stop", "remove"]
    again = invoke("down")
    assert again.exit_code == 0 and "nothing to do" in again.output
