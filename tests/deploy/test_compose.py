"""docker-compose.yml and the Dockerfile, checked offline (no Docker engine on this machine).

Schema-valid against check-jsonschema's vendored compose-spec; every command exists in the package and
parses; ports, environment and volumes agree with the code and with docs/deploy.md and the README.
"""

import importlib.util
import os
import subprocess
import sys

import click
import pytest

from platform_adapter.config import ENVIRONMENT
from simplex_stripe.cli import main
from tests.support.required import need

from .support import (COMPOSE, ROOT, dockerfile_instructions, exec_form, interpolate, load_compose,
                      published)

SERVICES = ("platform", "postgres", "fake-stripe", "stripe-mock")
# Read by gunicorn (workers, bind) rather than by Settings.
GUNICORN_ENVIRONMENT = ("WEB_CONCURRENCY", "PORT", "GUNICORN_CMD_ARGS")


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose()


@pytest.fixture(scope="module")
def deploy_doc() -> str:
    return (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


def check_jsonschema(path) -> subprocess.CompletedProcess:
    need(importlib.util.find_spec("check_jsonschema") is not None,
         "check-jsonschema is not installed (pip install '.[test]')")
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
                           str(path)], capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_compose_file_is_valid_against_the_compose_spec():
    done = check_jsonschema(COMPOSE)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_the_schema_check_catches_a_misspelt_key(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("    healthcheck:", "    healthchek:", 1))
    done = check_jsonschema(broken)
    assert done.returncode == 1 and "healthchek" in done.stdout


def test_services_health_checks_and_named_volumes(compose):
    services = compose["services"]
    assert tuple(services) == SERVICES
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    declared = set(compose["volumes"])
    used = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])}
    assert used == declared == {"platform-data", "postgres-data", "fake-stripe-data"}
    assert services["platform"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["stripe-mock"]["image"].startswith("stripe/stripe-mock")
    assert services["stripe-mock"]["profiles"] == ["contract"]
    assert all("profiles" not in services[name] for name in ("platform", "postgres", "fake-stripe"))


def test_every_simplex_stripe_command_exists_and_its_options_parse(compose):
    commands = [s["command"] for s in compose["services"].values()
                if isinstance(s.get("command"), list) and s["command"][0] == "simplex-stripe"]
    assert commands, "no service runs simplex-stripe"
    for program, name, *args in commands:
        command = main.get_command(click.Context(main), name)
        assert command is not None, f"simplex-stripe has no subcommand {name!r}"
        command.make_context(name, list(args))  # unknown options or bad values raise here


def test_platform_environment_is_what_the_platform_reads(compose):
    env = compose["services"]["platform"]["environment"]
    unknown = set(env) - set(ENVIRONMENT) - set(GUNICORN_ENVIRONMENT)
    assert not unknown, f"the platform reads no {sorted(unknown)}"
    assert {"STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE",
            "SIMPLEX_DATABASE_URL", "SIMPLEX_PROBE_TOKEN", "SIMPLEX_ADMIN_PASSWORD"} <= set(env)
    postgres = compose["services"]["postgres"]["environment"]
    url = interpolate(env["SIMPLEX_DATABASE_URL"])
    assert url == (f"postgresql+psycopg://{postgres['POSTGRES_USER']}:{interpolate(postgres['POSTGRES_PASSWORD'])}"
                   f"@postgres:5432/{postgres['POSTGRES_DB']}")
    fake_port = compose["services"]["fake-stripe"]["command"][compose["services"]["fake-stripe"]["command"]
                                                             .index("--port") + 1]
    assert interpolate(env["STRIPE_API_BASE"]) == f"http://fake-stripe:{fake_port}"
    assert interpolate(env["STRIPE_API_BASE"], {"STRIPE_API_BASE": ""}) == ""  # empty means Stripe itself


def test_ports_match_what_each_service_listens_on_and_stay_on_localhost(compose):
    services = compose["services"]
    fake = services["fake-stripe"]["command"]
    expose = [args for word, args in dockerfile_instructions() if word == "EXPOSE"]
    listening = {"platform": {int(expose[0])}, "fake-stripe": {int(fake[fake.index("--port") + 1])},
                 "stripe-mock": {12111, 12112}, "postgres": set()}
    for name, service in services.items():
        ports = published(service)
        assert {container for _, _, container in ports} == listening[name], name
        assert all(host_ip == "127.0.0.1" for host_ip, _, _ in ports), f"{name} publishes beyond 127.0.0.1"
    hosts = [host for s in services.values() for _, host, _ in published(s)]
    assert len(hosts) == len(set(hosts)), "two services publish the same host port (profiles included)"


def test_deploy_doc_names_every_variable_port_and_profile(compose, deploy_doc):
    services = compose["services"]
    for name in services["platform"]["environment"]:
        assert f"`{name}`" in deploy_doc, f"docs/deploy.md does not document {name}"
    for variable in ("POSTGRES_PASSWORD", "STRIPE_MOCK_PORT", "STRIPE_MOCK_HTTPS_PORT"):
        assert f"`{variable}`" in deploy_doc
    for service in services.values():
        for _, host, _ in published(service):
            assert str(host) in deploy_doc, f"docs/deploy.md does not mention host port {host}"
    assert "--profile contract" in deploy_doc and "stripe-mock up" in deploy_doc
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("simplex-stripe load`", "simplex-stripe stripe-mock up"):
        assert f"\n| `{command}" in readme, f"README's Commands table lacks {command}"


def test_dockerfile_shape():
    instructions = dockerfile_instructions()
    words = [w for w, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")
    user = [args for w, args in instructions if w == "USER"]
    assert user and user[-1] not in ("root", "0") and words.index("USER") < words.index("CMD")
    run = " ".join(args for w, args in instructions if w == "RUN")
    assert "pip install '.[postgres]' gunicorn" in run
    for w, args in instructions:
        if w == "COPY":
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: no such path"
    healthcheck = next(args for w, args in instructions if w == "HEALTHCHECK")
    assert "CMD" in healthcheck and "urlopen" in healthcheck
    assert exec_form(next(args for w, args in instructions if w == "CMD")) == ["gunicorn", "--preload", "platform_adapter.wsgi:app"]
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    assert {".git", "simplex-data", "tests"} <= set(ignored) and "README.md" not in ignored


@pytest.mark.slow
def test_the_cmd_module_builds_the_app_under_the_compose_environment(compose, tmp_path):
    """`platform_adapter.wsgi:app` imports with the compose defaults (SQLite standing in for PostgreSQL)."""
    env = {name: interpolate(str(value)) for name, value in compose["services"]["platform"]["environment"].items()}
    env.update(SIMPLEX_DATABASE_URL="", SIMPLEX_DATA_DIR=str(tmp_path), PATH=os.environ.get("PATH", ""))
    probe = "import platform_adapter.wsgi as w, flask; assert isinstance(w.app, flask.Flask); print('ok')"
    done = subprocess.run([sys.executable, "-c", probe], env={k: v for k, v in env.items()}, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
