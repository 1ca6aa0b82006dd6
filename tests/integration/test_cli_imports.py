"""The CLI starts without what it does not use: which modules `--help`, `sequences` and `fire --dry-run` import."""

import json
import subprocess
import sys
import textwrap

import click
import pytest

from simplex_stripe.cli import COMMANDS, main

# Runs the command in a fresh interpreter, then writes the names in sys.modules to the file named in argv[1].
CHILD = textwrap.dedent("""
    import json, sys
    out, args = sys.argv[1], sys.argv[2:]
    from simplex_stripe.cli import main
    try:
        main(args, prog_name="simplex-stripe")
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    with open(out, "w") as f:
        json.dump({"code": code, "modules": sorted(sys.modules)}, f)
""")

SECRET = "whsec_cli_imports_0123456789"

CASES = {
    "--help": (["--help"], {"stripe", "flask", "sqlalchemy"}),
    "sequences": (["sequences"], {"flask", "sqlalchemy"}),
    "sequences --json": (["sequences", "--json"], {"flask", "sqlalchemy"}),
    "fire --dry-run": (["fire", "first-purchase", "renewal", "plan-change", "--secret", SECRET, "--dry-run"],
                       {"flask", "sqlalchemy"}),
}


def imported_by(args: list[str], tmp_path) -> tuple[int, set[str], str]:
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(out), *args], capture_output=True, text=True,
                          timeout=120)
    report = json.loads(out.read_text())
    return report["code"], {name.split(".")[0] for name in report["modules"]}, proc.stdout


@pytest.mark.parametrize("case", list(CASES))
def test_command_does_not_import_what_it_does_not_use(case, tmp_path):
    args, forbidden = CASES[case]
    code, top_level, stdout = imported_by(args, tmp_path)
    assert code == 0, stdout
    assert stdout.strip(), "the command printed nothing"
    leaked = sorted(forbidden & top_level)
    assert not leaked, (
        f"`simplex-stripe {case}` imported {', '.join(leaked)}. The CLI must start without them (issue #16): "
        "import heavy packages inside the function that needs them, not at the top of simplex_stripe/cli/* or "
        "of the simulator modules these commands use (simulator.sequences, scene, world, sender, events, "
        "objects/…); the fake Stripe's engine (Flask, SQLAlchemy) must not load on the `sequences` or "
        "`fire --dry-run` path. Find the importer with: "
        f"python -X importtime -m simplex_stripe {' '.join(args)} 2>&1 >/dev/null | grep -B30 -E '{leaked[0]}$'")


def test_help_lists_every_command_with_its_own_summary():
    """The table's summary is each command's docstring, so `--help` says what `COMMAND --help` says."""
    ctx = click.Context(main)
    for name, entry in COMMANDS.items():
        assert isinstance(entry, tuple), (
            f"COMMANDS[{name!r}] has no summary, so `--help` imports its module: write it as "
            f"({entry!r}, \"<the command's docstring's first sentence>\")")
        target, summary = entry
        command = main.get_command(ctx, name)
        assert command is not None, f"{name}: {target} does not resolve"
        assert command.get_short_help_str(limit=10_000) == summary, (
            f"COMMANDS[{name!r}]'s summary differs from the command's docstring; update the table")


def test_help_shows_the_commands_and_an_unknown_command_is_usage_error(tmp_path):
    code, _, stdout = imported_by(["--help"], tmp_path)
    assert code == 0
    for name in COMMANDS:
        assert f"  {name} " in stdout
    proc = subprocess.run([sys.executable, "-m", "simplex_stripe", "no-such-command"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and "No such command 'no-such-command'" in proc.stderr


def test_an_entry_without_a_summary_still_lists_its_command(monkeypatch):
    """A bare "module:function" (as a rebase may leave it) still works; it only costs `--help` an import."""
    from click.testing import CliRunner

    monkeypatch.setitem(COMMANDS, "sequences", "simplex_stripe.cli.fire:sequences")
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "sequences    List the sequences and the events the engine makes for each." in result.output
    assert CliRunner().invoke(main, ["sequences", "--json"]).exit_code == 0
