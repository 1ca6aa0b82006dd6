"""docs/fidelity.md's examples against the fake, run as written in one bash shell on 127.0.0.1: record every
story, compare, and replay a story at the reference platform (only the ports 12111 and 8000 become free ones)."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sh_blocks(doc: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", (ROOT / doc).read_text(encoding="utf-8"), flags=re.S)


def test_the_fidelity_examples_run_as_written(tmp_path):
    blocks = sh_blocks("docs/fidelity.md")
    assert ["fake-stripe --port 12111 &" in b for b in blocks] == [True, False, False]
    assert "compare stories.json --story renewal" in blocks[1] and "fire --cassette stories.json" in blocks[2]
    fake, platform = free_port(), free_port()
    script = "\n".join(blocks).replace("12111", str(fake)).replace("8000", str(platform))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "simplex-stripe").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m simplex_stripe "$@"\n')
    (bin_dir / "simplex-stripe").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "SIMPLEX_"))}
    env.update(PATH=f"{bin_dir}:{env.get('PATH', '')}", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
               SIMPLEX_DATA_DIR=str(tmp_path / "data"))
    with open(tmp_path / "out.log", "w") as log:
        process = subprocess.Popen(["bash", "-e", "-c", script], cwd=tmp_path, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = process.wait(timeout=240)
        finally:
            try:
                os.killpg(process.pid, signal.SIGTERM)  # the fake and serve, if a step failed before `kill`
            except ProcessLookupError:
                pass
    out = (tmp_path / "out.log").read_text()
    assert code == 0, out
    assert "cassette written to stories.json" in out and out.count("  ok\n") == 7, out
    assert "fidelity score: 100.00% of event fields" in out
    assert json.loads((tmp_path / "fidelity.json").read_text())["passed"] is True
    assert "✅ applied 5 · duplicate 0 · rejected 0 · ignored 40 · failed 0 (45 deliveries, 0 retries)" in out
    account = json.loads(re.search(r'^\{"accountType".*\}$', out, flags=re.M).group(0))
    assert (account["accountType"], account["autoRenew"], account["id"]) == ("business", True, "acct-record")
