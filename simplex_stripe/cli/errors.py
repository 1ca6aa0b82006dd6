"""How the command line reports errors: one line, no traceback, exit 2."""

import click


class UsageProblem(click.ClickException):
    """A bad option, an unreachable target, an unknown name: exit status 2."""

    exit_code = 2


def one_line(exc: BaseException) -> str:
    """An exception as one short line (the stripe SDK's connection errors run to a paragraph)."""
    if type(exc).__name__ == "APIConnectionError":
        return "cannot connect (connection refused, reset or timed out)"
    text = " ".join((getattr(exc, "user_message", None) or str(exc) or type(exc).__name__).split())
    return text if len(text) <= 200 else text[:197] + "..."
