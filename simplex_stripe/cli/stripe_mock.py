"""`simplex-stripe stripe-mock up|down`: the official stripe/stripe-mock image through the Docker SDK."""

import time

import click
import requests

from .errors import UsageProblem

IMAGE = "stripe/stripe-mock:latest"
NAME = "simplex-stripe-mock"
LABEL = "org.simplex-stripe.role"
READY_TIMEOUT_S = 30.0
TEST_KEY = "sk_test_123"  # stripe-mock accepts any test key
MANUAL = "docker run --rm -p 12111-12112:12111-12112 stripe/stripe-mock"


def sdk():
    """The Docker SDK (`docker` package), imported only when this command runs."""
    try:
        import docker
    except ImportError:
        raise UsageProblem("the Docker SDK is not installed: pip install 'simplex-stripe[docker]'") from None
    return docker


def engine():
    """A Docker client that has answered a ping; one line and exit 2 when no engine is reachable."""
    docker = sdk()
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        raise UsageProblem(f"no Docker engine reachable ({_one_line(exc)}); start Docker or run stripe-mock yourself: "
                           f"{MANUAL}") from None
    return client


def _one_line(exc: Exception, limit: int = 160) -> str:
    return " ".join(str(exc).split())[:limit]


def find(client, name: str):
    """The container called `name`, or None."""
    found = client.containers.list(all=True, filters={"name": f"^/{name}$"})
    return found[0] if found else None


def start(client, *, name: str, image: str, host: str, port: int, https_port: int):
    """Run stripe-mock (pulling the image if needed), or reuse a running container of that name."""
    container = find(client, name)
    if container is not None and container.status == "running":
        return container, False
    if container is not None:
        container.remove(force=True)  # an exited leftover: start afresh with the requested ports
    container = client.containers.run(image, name=name, detach=True, labels={LABEL: "stripe-mock"},
                                      ports={"12111/tcp": (host, port), "12112/tcp": (host, https_port)})
    return container, True


def stop(client, name: str) -> bool:
    """Stop and remove the container; False when there was none."""
    container = find(client, name)
    if container is None:
        return False
    container.stop(timeout=5)
    container.remove(force=True)
    return True


def wait_ready(base: str, timeout: float | None = None, sleep=time.sleep) -> bool:
    """Poll the API until it answers a list call (stripe-mock validates the key, so send one)."""
    deadline = time.monotonic() + (READY_TIMEOUT_S if timeout is None else timeout)
    while True:
        try:
            if requests.get(base + "/v1/products", auth=(TEST_KEY, ""), timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        if time.monotonic() >= deadline:
            return False
        sleep(0.25)


@click.group("stripe-mock")
def stripe_mock() -> None:
    """Start or stop the official stripe-mock (Docker) for contract checks against Stripe's OpenAPI spec."""


@stripe_mock.command()
@click.option("--port", type=click.IntRange(1, 65535), default=12111, show_default=True, help="HTTP port.")
@click.option("--https-port", type=click.IntRange(1, 65535), default=12112, show_default=True, help="HTTPS port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the ports are published on.")
@click.option("--image", default=IMAGE, show_default=True)
@click.option("--name", default=NAME, show_default=True, help="Container name.")
def up(port: int, https_port: int, host: str, image: str, name: str) -> None:
    """Start stripe-mock and print the API base to use (STRIPE_MOCK_URL, STRIPE_API_BASE)."""
    docker, client = sdk(), engine()
    try:
        container, created = start(client, name=name, image=image, host=host, port=port, https_port=https_port)
    except docker.errors.DockerException as exc:
        raise UsageProblem(f"cannot start {image}: {_one_line(exc)}") from None
    base = f"http://{host}:{port}"
    if created and not wait_ready(base):
        raise UsageProblem(f"stripe-mock ({name}) did not answer on {base} within {READY_TIMEOUT_S:.0f} s; "
                           f"see: docker logs {name}")
    click.echo(f"stripe-mock {'started' if created else 'already running'} ({name}): API base {base}")
    click.echo(f"  export STRIPE_MOCK_URL={base}   # contract tests: pytest -m stripe_mock")
    click.echo(f"  simplex-stripe stripe-mock down{'' if name == NAME else f' --name {name}'}   # when done")


@stripe_mock.command()
@click.option("--name", default=NAME, show_default=True, help="Container name.")
def down(name: str) -> None:
    """Stop and remove the stripe-mock container."""
    docker, client = sdk(), engine()
    try:
        removed = stop(client, name)
    except docker.errors.DockerException as exc:
        raise UsageProblem(f"cannot stop {name}: {_one_line(exc)}") from None
    click.echo(f"stripe-mock ({name}) stopped and removed" if removed else f"no container named {name}; nothing to do")
