"""`python -m simplex_stripe` runs the command line."""

from .cli import main

main()
