"""The WSGI entry point: `gunicorn -w 4 'platform_adapter.wsgi:app'` (configuration from the environment)."""

import logging

from . import create_app
from .config import Settings

settings = Settings.from_env()
logging.basicConfig(level=settings.log_level.upper(),
                    format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
app = create_app(settings)
