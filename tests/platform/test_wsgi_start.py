"""gunicorn with a configuration it cannot use: one log line and gunicorn stops, instead of 500s later."""

import os
import subprocess
import sys
from importlib.util import find_spec

import pytest
from cryptography.fernet import Fernet

from platform_adapter import create_app
from platform_adapter.config import Settings
from tests.support.processes import stop_process
from tests.support.required import need

pytestmark = pytest.mark.slow  # starts gunicorn


@pytest.mark.parametrize("preload", [False, True], ids=["workers", "preload"])
def test_gunicorn_with_the_wrong_encryption_key_stops_with_one_line(tmp_path, preload):
    need(find_spec("gunicorn") is not None, "gunicorn is not installed (pip install gunicorn)")
    data, saved_with = tmp_path / "data", Fernet.generate_key().decode()
    app = create_app(Settings(admin_password="admin-password", data_dir=str(data), encryption_key=saved_with))
    app.extensions["platform_adapter"].config.save_keys({"stripe_secret_key": "sk_test_sealed_4242"}, 0)
    app.extensions["platform_adapter"].store.close()
    wrong = Fernet.generate_key().decode()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "SIMPLEX_"))},
           "SIMPLEX_ADMIN_PASSWORD": "admin-password", "SIMPLEX_DATA_DIR": str(data), "SIMPLEX_ENCRYPTION_KEY": wrong}
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", "127.0.0.1:0",
                                 *(["--preload"] if preload else []), "platform_adapter.wsgi:app"],
                                env=env, cwd=tmp_path, stdout=sink,
                                stderr=subprocess.STDOUT)
    try:
        status = proc.wait(timeout=90)
    finally:
        stop_process(proc)
    text = log.read_text()
    assert status != 0, text
    lines = [line for line in text.splitlines() if "cannot start" in line]
    assert lines and "the encryption key(s) from SIMPLEX_ENCRYPTION_KEY do not open the secrets" in lines[0], text
    # No traceback of ours (gunicorn may print its own HaltServer one, depending on when the worker exits).
    assert "CRITICAL" in lines[0] and "ConfigError" not in text and "platform_adapter/" not in text, text
    if preload:  # the master built the app: it stops, once
        assert status == 3 and len(lines) == 1, text
    else:
        assert "Worker failed to boot" in text, text
    for secret in (wrong, saved_with, "sk_test_sealed_4242"):
        assert secret not in text
