"""How the command line reports errors: one line, no traceback, exit 2."""

import click


class UsageProblem(click.ClickException):
    """A bad option, an unreachable target, an unknown name: exit status 2."""

    exit_code = 2
