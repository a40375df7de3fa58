""".npy headers parsed without the compiler's warnings and without touching the process-wide
warnings filters (stop 41: ``catch_warnings`` around ``literal_eval`` was not thread-safe)."""

from __future__ import annotations

import ast
import io
import random
import threading
import warnings

import pytest

from trojanscope.scan.literal import literal, quiet_source
from trojanscope.scan.numpy_fmt import NpyError, read_npy_header
from trojanscope.scan.stream import Reader


def _npy(header: str) -> bytes:
    raw = header.encode("latin-1")
    return b"\x93NUMPY\x01\x00" + len(raw).to_bytes(2, "little") + raw


WARNS = [  # each gives a DeprecationWarning or SyntaxWarning from Python's tokenizer
    r"{'descr': [('a\d', '|O')], 'fortran_order': False, 'shape': (1,), }",
    r"{'descr': [('\777', '<f4')], 'fortran_order': False, 'shape': (2,), }",
    r"{'descr': [(b'\N', '<f4')], 'fortran_order': False, 'shape': (2,), }",
]


@pytest.mark.parametrize("header", WARNS)
def test_header_that_makes_python_warn_is_read_with_warnings_as_errors(header):
    """With every warning an error (as ``-W error`` makes it), a header numpy reads (with a
    warning) is read all the same: nothing was emitted. The old filter covered SyntaxWarning
    only; Python 3.11 reports a bad escape as a DeprecationWarning (then a SyntaxError)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = read_npy_header(Reader(io.BytesIO(_npy(header))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert got == ast.literal_eval(header)


def test_bad_number_is_still_no_literal_and_warns_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NpyError):
            read_npy_header(Reader(io.BytesIO(_npy("(1or 2,)"))))


def test_headers_in_threads_leave_the_filters_alone():
    """Eight threads reading warning headers while the main thread's filters are fixed: the
    filter list is the same object with the same entries after, and nothing was recorded."""
    before = list(warnings.filters)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                for header in WARNS:
                    read_npy_header(Reader(io.BytesIO(_npy(header))))
        except BaseException as exc:
            errors.append(exc)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inside = list(warnings.filters)
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert list(warnings.filters) == inside
    assert errors == [] and caught == []
    assert list(warnings.filters) == before


def _random_literal(r: random.Random) -> str:
    """Text near a numpy header: strings with escapes, numbers touching names."""
    parts = ["{", "}", "(", ")", "[", "]", ",", ":", " ", "1", "0x1f", "1e5", "or", "if",
             "else", "in", "True", "None", "-", "L", "\n"]
    escapes = [r"\d", r"\777", r"\101", r"\x41", r"\x4", r"\N{DIGIT ONE}", r"\N", r"\u0041",
               r"\U0001F600", r"\u12", "\\\n", r"\\", r"\'", "a", "\\"]
    out = []
    for _ in range(r.randint(1, 12)):
        if r.random() < 0.4:
            quote = r.choice(["'", '"'])
            prefix = r.choice(["", "b", "r", "rb", "u", "B"])
            body = "".join(r.choice(escapes) for _ in range(r.randint(0, 4)))
            out.append(f"{prefix}{quote}{body}{quote}")
        else:
            out.append(r.choice(parts))
    return "".join(out)


def test_rewrite_keeps_every_value_and_every_error():
    """2,000 seeded random texts: ``literal`` gives what ``ast.literal_eval`` gives (value or
    failure) and never warns, where ``literal_eval`` often does."""
    r = random.Random(41)
    warned = 0
    for _ in range(2000):
        text = _random_literal(r)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                want: object = ast.literal_eval(text.lstrip(" \t"))
            except Exception as exc:
                want = type(exc)
        warned += bool(caught)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                got: object = literal(text)
            except Exception as exc:
                got = type(exc)
        if isinstance(want, type):
            assert isinstance(got, type), (text, quiet_source(text), got)
        else:
            assert got == want, (text, quiet_source(text))
    assert warned > 50  # the texts do reach the warnings


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_backslash_before_a_carriage_return_continues_the_string_as_numpy_reads_it(newline):
    """compile() reads \\r\\n and \\r as \\n, so ``'|\\<CR><LF>O'`` is ``'|O'`` to numpy: an object
    array whose pickle must be scanned, not an unreadable header (review hR1, stop 41)."""
    header = "{'descr': '|\\" + newline + "O', 'fortran_order': False, 'shape': (1,), }"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = ast.literal_eval(header)
    assert want["descr"] == "|O"
    assert literal(header) == want
    assert read_npy_header(Reader(io.BytesIO(_npy(header))))["descr"] == "|O"


@pytest.mark.parametrize("sep", ["\x85", "\u2028", "\x0c", "\x1c"])
def test_unicode_line_separator_does_not_shift_the_rewrite(sep):
    """str.splitlines also splits at these, tokenize does not: the rewrite's offsets must come
    from tokenize's lines, or a later edit lands in the wrong place (review hR1, stop 41)."""
    header = "{'descr': '" + sep + "|O',\n 'x': 1, 'y': '\\q'}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = ast.literal_eval(header)
    assert literal(header) == want
