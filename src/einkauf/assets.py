"""Versioned URLs of the static files (issue 17 part 4): every static and KERN asset URL carries
`v=` with the first 12 hex digits of the file's SHA-256, so that browsers may keep a file for a
year (Cache-Control: immutable) and still fetch a changed one at once — a new content is a new
URL. The hash is worked out once per file and change (path, size and modification time)."""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache

LONG_CACHE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=512)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def asset_version(folder: str, filename: str) -> str | None:
    """The version of folder/filename, or None when there is no such file (or it lies outside)."""
    root = os.path.realpath(folder)
    path = os.path.realpath(os.path.join(root, filename))
    if not path.startswith(root + os.sep) or not os.path.isfile(path):
        return None
    stat = os.stat(path)
    return _digest(path, stat.st_size, stat.st_mtime_ns)
