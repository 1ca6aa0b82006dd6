"""The optional `--state` file: a JSON snapshot written atomically, off the request path, so writes stay O(1)."""

import json
import logging
import os
import tempfile
import threading
from pathlib import Path

from ..engine.state import Job, State
from ..engine.destinations import restore as restore_destinations
from ..engine.webhooks import restore_outbox

log = logging.getLogger(__name__)
FORMAT = 1  # one account's state
FILE_FORMAT = 2  # every sandbox: {"format": 2, "sandboxes": [{id, keys, created, state}]}
SAVE_INTERVAL = 0.5  # seconds between snapshots while changes keep coming


def snapshot(state: State) -> dict:
    """Everything a restart needs (call with the state lock held)."""
    return {
        "format": FORMAT, "objects": state.store.snapshot(), "ids": state.ids.counter,
        "request_ids": state.request_ids.counter, "clock_offset": state.clock.offset, "job_seq": state.job_seq,
        "jobs": {timeline or "": [[j.due, j.seq, j.kind, j.target] for j in heap]
                 for timeline, heap in state.jobs.items()},
        "lookup_keys": state.lookup_keys, "default_version": state.default_version,
    }


def restore(state: State, data: dict) -> None:
    """Refill a fresh state from `snapshot()` output."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unsupported state file format {data.get('format')!r}")
    state.store.restore(data["objects"])
    state.ids.counter, state.request_ids.counter = data["ids"], data["request_ids"]
    state.clock.offset, state.job_seq = data["clock_offset"], data["job_seq"]
    state.jobs = {timeline or None: [Job(*job) for job in heap] for timeline, heap in data["jobs"].items()}
    state.lookup_keys = dict(data["lookup_keys"])
    for clock in state.store.all("test_helpers.test_clock"):  # saved between two steps of a move that never ended
        if clock["status"] == "advancing":
            clock.update(status="ready", status_details={})
    state.default_version = data["default_version"]


def encode_all(sandboxes) -> str:
    """Every sandbox of a fake as the state file's JSON text (each sandbox's lock is taken in turn)."""
    parts = []
    for sandbox in sandboxes.all():
        head = json.dumps({"id": sandbox.id, "keys": sorted(sandbox.keys), "created": sandbox.created})
        # Encoded under the lock: the snapshot shares the live objects that requests keep changing.
        with sandbox.state.lock:
            state = json.dumps(snapshot(sandbox.state), separators=(",", ":"))
        parts.append(head[:-1] + ',"state":' + state + "}")
    return '{"format":%d,"sandboxes":[%s]}' % (FILE_FORMAT, ",".join(parts))


def restore_all(sandboxes, data: dict) -> None:
    """Refill a fake's sandboxes from `encode_all()` output (or a one-account file of format 1: the default)."""
    if data.get("format") == FORMAT:
        data = {"format": FILE_FORMAT, "sandboxes": [{"id": sandboxes.default.id, "keys": [], "state": data}]}
    if data.get("format") != FILE_FORMAT:
        raise ValueError(f"unsupported state file format {data.get('format')!r}")
    for index, saved in enumerate(data["sandboxes"]):
        sandbox = sandboxes.default if index == 0 else sandboxes.adopt(saved["id"], saved.get("created"))
        for key in saved["keys"]:
            sandboxes.bind(sandbox, key)
        restore(sandbox.state, saved["state"])
        restore_outbox(sandbox.state)
        restore_destinations(sandbox.state)


def read(path: str | os.PathLike) -> dict | None:
    """The saved snapshot, or None when there is no file yet."""
    p = Path(path)
    if not p.exists():
        return None
    with p.open(encoding="utf-8") as fh:
        return json.load(fh)


def write(path: str | os.PathLike, text: str) -> None:
    """Replace the file atomically: a crash leaves the old snapshot or the new one, never half a file."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent if str(p.parent) else ".", prefix=f".{p.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StateFile:
    """Saves the state in the background at most every SAVE_INTERVAL seconds after a change."""

    def __init__(self, path: str | os.PathLike, sandboxes) -> None:
        self.path, self.sandboxes = Path(path), sandboxes
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def changed(self) -> None:
        """Note a change; the saver thread writes it soon."""
        self._wake.set()
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, daemon=True, name="fake-stripe-state")
            self._thread.start()

    def flush(self) -> None:
        """Write now (on shutdown and in tests)."""
        text = encode_all(self.sandboxes)
        write(self.path, text)

    def close(self) -> None:
        """Stop the saver after a final write."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            try:
                self.flush()
            except OSError as exc:
                log.error("could not write state file %s: %s", self.path, exc)
            self._stop.wait(SAVE_INTERVAL)
