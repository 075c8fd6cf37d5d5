"""Starts moto_server with a movable clock.

moto has no clock API, and its backends bind `from moto.core.utils import utcnow` at import time, so
the patch must land before moto.server imports them. The offset (milliseconds, may be negative) is read
from KEYWARDEN_MOTO_CLOCK_FILE whenever moto asks for the time; the test helper rewrites that file.
"""
import datetime
import os
import sys

import moto.core.utils as moto_utils

_real_utcnow = moto_utils.utcnow
_clock_file = os.environ.get("KEYWARDEN_MOTO_CLOCK_FILE", "")
_cache = {"mtime": None, "offset": 0}


def _offset_ms() -> int:
    try:
        mtime = os.stat(_clock_file).st_mtime_ns
    except (FileNotFoundError, OSError):
        return 0
    if mtime != _cache["mtime"]:
        with open(_clock_file, encoding="utf-8") as handle:
            text = handle.read().strip()
        _cache["offset"] = int(text or 0)
        _cache["mtime"] = mtime
    return _cache["offset"]


def shifted_utcnow() -> datetime.datetime:
    return _real_utcnow() + datetime.timedelta(milliseconds=_offset_ms())


moto_utils.utcnow = shifted_utcnow


def _serialise_s3_puts() -> None:
    """moto checks `If-None-Match: *` and then writes, in a threaded server: two racing PUTs can both win.
    S3 makes the check and the write one atomic step; one lock around PutObject gives moto the same guarantee,
    so that tests of concurrent trail writers test keywarden, not the emulator's race."""
    import threading

    from moto.s3.responses import S3Response

    lock = threading.Lock()
    unlocked_put = S3Response.put_object

    def put_object(self):  # type: ignore[no-untyped-def]
        with lock:
            return unlocked_put(self)

    S3Response.put_object = put_object


_serialise_s3_puts()

# CloudTrail event history from the requests moto receives (moto has no LookupEvents): see moto_cloudtrail.py.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_cloudtrail  # noqa: E402

moto_cloudtrail.install(shifted_utcnow)

from moto.server import main  # noqa: E402  (must come after the patch)

if __name__ == "__main__":
    sys.exit(main())
