"""Fuzz the platform's pages and conformance probe over HTTP on 127.0.0.1 (werkzeug, as `serve` runs it).

Cases (`tests/support/fuzz_http.py`): every route of the app (start page, Account Settings, admin pages,
favicon, webhook endpoint, probe) with hostile path segments, query strings, forms, JSON bodies, `Accept`
headers and forged session cookies. `forged` ones carry no or a wrong probe token, a forged cookie, no CSRF
token: the stored accounts, links, facts, events, products, saved keys and sessions must not change.
`authorized` ones carry the probe token (creating accounts and Checkout Sessions is then allowed). Stripe is
the fake Stripe (guide seed) on 127.0.0.1; e-mail-only customer sign-in is off, as by default.

    python benchmarks/fuzz_platform.py [--cases 10000] [--seed 13] [--json]

Exit status 1 when any case got a 5xx, no answer within 5 s, a closed connection without an answer, a leak,
or a state change while forged.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.fuzz_runs import command, run_platform  # noqa: E402

if __name__ == "__main__":
    sys.exit(command(run_platform, __doc__.splitlines()[0]))
