"""Secrets masked in everything the provider says: diagnostics and log lines (a leaf module).

The last line of defence, as terraform-plugin-log's `MaskMessageStrings`: the code never puts a
password, a session token or a URL's user info in a message, and what it registers here is
replaced by `***` wherever it would appear anyway (an array that echoes a request, a library
that prints a URL). The user info of any URL (`https://user:secret@host`) is masked without
registration.
"""

from __future__ import annotations

import re
import threading

MASK = "***"
# shorter values would mask ordinary words in messages; no DSM password is that short
MIN_LENGTH = 4
# `scheme://user:password@` (also `//user@`): everything between `//` and the last `@` of the
# authority
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*:)?//[^/?#\s@'\"]*@")

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()


def register(*values: str | None) -> None:
    """Mask these values (passwords, tokens) in every later diagnostic and log line."""
    global _secrets
    fresh = {v for v in values if v and len(v) >= MIN_LENGTH}
    if not fresh - set(_secrets):
        return
    with _lock:
        # longest first, so a secret containing another is masked whole
        _secrets = tuple(sorted(set(_secrets) | fresh, key=len, reverse=True))


def mask(text: str) -> str:
    """`text` with every registered secret and every URL's user info replaced by `***`."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    if "@" in text:
        text = _USERINFO.sub(lambda m: f"{m.group(1) or ''}//{MASK}@", text)
    return text


def display_url(url: str) -> str:
    """A URL as it may be shown: anything up to its last `@` masked (user info, even with
    unescaped `/` or `#` in a password; with or without a scheme), its query left out."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    if "@" in rest:
        rest = MASK + rest[rest.rindex("@") :]
    cut = min((i for i in map(rest.find, "?#") if i >= 0), default=-1)
    if cut >= 0:
        rest = rest[:cut] + "?" + MASK
    return mask(scheme + sep + rest)
