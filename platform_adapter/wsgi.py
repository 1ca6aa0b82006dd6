"""The WSGI entry point: `gunicorn -w 4 --preload 'platform_adapter.wsgi:app'` (configuration from the environment)."""

import gc
import logging
import sys

from . import create_app, logs
from .config import Settings
from .errors import PlatformError

FORMAT = logs.TEXT_FORMAT


def _load():
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper(), format=FORMAT)
    logs.install(settings.log_format)  # request values in log lines are escaped: always one line per record
    return create_app(settings)


try:
    app = _load()
    # The app's objects live as long as the process: the collector need not scan them again, and
    # under --preload it leaves the pages the workers share with the master unwritten (unshared).
    gc.freeze()
except PlatformError as exc:
    # One line, no traceback; exit status 3 is gunicorn's "worker failed to boot", which stops gunicorn
    # instead of starting the next worker into the same error.
    logging.basicConfig(format=FORMAT)  # nothing when _load configured logging already
    logs.install()
    logging.getLogger(__name__).critical("cannot start: %s", exc.message)
    sys.exit(3)
