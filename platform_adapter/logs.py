"""Log lines no request can shape: control characters escaped, one line per record; text or JSON lines."""

import json
import logging
import re
from datetime import datetime, timezone

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: all could start a new line in a
# terminal, a log file or a log shipper, so a forged value could write a line of its own.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


def escape(text: str) -> str:
    """`text` with every control character as a visible escape (`\\x0a`, `\\u2028`): always one line."""
    return CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def has_control(text: str) -> bool:
    """Whether a string holds a character `escape` would rewrite."""
    return CONTROL.search(text) is not None


class SafeFormatter(logging.Formatter):
    """The usual text format with the message escaped; a traceback's lines are indented so none starts a record."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(_escaped(record))
        head, sep, rest = line.partition("\n")  # only a traceback (the platform's own) gets here
        return head + sep + "\n".join("    " + escape(part) for part in rest.split("\n")) if sep else head


class JsonFormatter(logging.Formatter):
    """One JSON object per record: `at`, `level`, `logger`, `process`, `message` (and `exception`)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"at": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds")
                 .replace("+00:00", "Z"), "level": record.levelname, "logger": record.name,
                 "process": record.process, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # json.dumps escapes every control character and U+2028/9 are escaped by ensure_ascii.
        return json.dumps(entry, ensure_ascii=True)


def _escaped(record: logging.LogRecord) -> logging.LogRecord:
    """A copy of the record whose message is formatted and escaped (other handlers still see the original)."""
    copy = logging.makeLogRecord(record.__dict__)
    copy.msg, copy.args = escape(record.getMessage()), None
    return copy


def formatter(kind: str = "text", fmt: str = TEXT_FORMAT) -> logging.Formatter:
    """The formatter for `kind` (`text` or `json`)."""
    if kind not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {kind!r}")
    return JsonFormatter() if kind == "json" else SafeFormatter(fmt)


def install(kind: str = "text", level: str | int | None = None, fmt: str = TEXT_FORMAT) -> None:
    """Put the formatter on every root handler (adding one on stderr if there is none)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(formatter(kind, fmt))
    if level is not None:
        root.setLevel(level.upper() if isinstance(level, str) else level)
