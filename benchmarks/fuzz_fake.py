"""Fuzz the fake Stripe's API, `/_sim/` helpers and hosted pages over HTTP on 127.0.0.1, and report the counts.

Cases (`tests/support/fuzz_http.py`): every served route and helper with real ids or hostile path segments,
Stripe's bracket syntax and broken brackets, hostile values, raw bodies, odd methods and headers; `forged`
ones carry no key, a live, publishable or wrong key (the fake pins its key): each must be a 401 that changes
nothing (objects, newest event, clock, delivery options). Routes that would make the fake send HTTP to a URL
the input chose (webhook endpoints, event retry) are left out.

    python benchmarks/fuzz_fake.py [--cases 10000] [--seed 13] [--json]

Exit status 1 when any case got a 5xx, no answer within 5 s, a closed connection without an answer, a leak,
or a state change while forged.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.fuzz_runs import command, run_fake  # noqa: E402

if __name__ == "__main__":
    sys.exit(command(run_fake, __doc__.splitlines()[0]))
