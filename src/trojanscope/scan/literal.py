"""``ast.literal_eval`` of hostile text (a ``.npy`` header) that never warns.

Python's tokenizer reports some constructs as warnings, not errors: a number touching a name
(``1or 2``: "invalid decimal literal") and an escape that is not one (``'\\d'``, ``'\\777'``).
Suppressing them with ``warnings.catch_warnings`` swaps the process-wide filter list, which is
not thread-safe: scans run in threads, and two of them (or a scan and the host program) can
leave the other's filters in place for good. Instead the text is first rewritten, token by
token with the pure-Python ``tokenize`` (which never warns), into text of the same value that
the compiler accepts silently: a space after such a number, and each such escape spelled out."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Any

# One backslash escape inside a string literal's body. Group "ok": valid everywhere; "octal":
# may be over 0o377 (a warning); "uni": valid in str only; "other": not an escape (a warning).
_ESCAPE = re.compile(r"""\\(?:(?P<ok>\n|[\\'"abfnrtv]|x[0-9a-fA-F]{2})|(?P<octal>[0-7]{1,3})
    |(?P<uni>N\{[^}\n]*\}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})|(?P<other>[\s\S]))""", re.X)


def _quiet_string(token: str) -> str:
    """A string literal token with the escapes that warn rewritten to ones of the same value."""
    prefix = re.match(r"[A-Za-z]*", token).group(0)  # type: ignore[union-attr]
    lowered = prefix.lower()
    if "r" in lowered or "f" in lowered or "\\" not in token:
        return token  # raw strings have no escapes; f-strings are no literal anyway
    is_bytes = "b" in lowered

    def fix(m: re.Match[str]) -> str:
        if m.group("ok"):
            return m.group(0)
        if m.group("octal"):
            value = int(m.group("octal"), 8)
            if value <= 0o377:
                return m.group(0)
            return f"\\x{value & 0xFF:02x}" if is_bytes else f"\\u{value:04x}"
        if m.group("uni") and not is_bytes:
            return m.group(0)
        other = m.group("other")
        if other == "x" or (other in ("N", "u", "U") and not is_bytes):
            return m.group(0)  # an incomplete \x, \N{…}, \u: an error, kept as it is
        return "\\" + m.group(0)

    return prefix + _ESCAPE.sub(fix, token[len(prefix):])


def quiet_source(text: str) -> str:
    """``text`` rewritten so that compiling it gives no warning and the same value."""
    starts = [0]
    for line in io.StringIO(text):  # the lines tokenize reads: split at \n only (splitlines
        # also splits at \x85, \u2028 and such, which would shift every later offset)
        starts.append(starts[-1] + len(line))
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in text offsets
    prev: tokenize.TokenInfo | None = None
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.STRING:
            fixed = _quiet_string(tok.string)
            if fixed != tok.string:
                a = starts[tok.start[0] - 1] + tok.start[1]
                edits.append((a, a + len(tok.string), fixed))
        if prev is not None and prev.type == tokenize.NUMBER and tok.type == tokenize.NAME \
                and prev.end == tok.start:
            a = starts[tok.start[0] - 1] + tok.start[1]
            edits.append((a, a, " "))
        prev = tok
    for a, b, replacement in reversed(edits):
        text = text[:a] + replacement + text[b:]
    return text


def literal(text: str) -> Any:
    """``ast.literal_eval(text)`` without warnings; its errors (and tokenize's) as they are."""
    text = text.lstrip(" \t")  # as literal_eval strips
    # compile() reads \r\n and a lone \r as \n everywhere, inside strings too (a backslash
    # before one continues the string); tokenize does not, so translate first, as it does
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return ast.literal_eval(quiet_source(text))
