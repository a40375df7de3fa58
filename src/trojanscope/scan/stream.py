"""A buffered, bounded reader over any binary stream, for parsers that must never load a whole
file: small reads come from a buffer, large payloads are skipped (seek when possible, else read
and discard in chunks), lines are length-limited."""

from __future__ import annotations

import io
from typing import BinaryIO

CHUNK = 1 << 16


class Truncated(EOFError):
    """The stream ended inside a structure."""


class Reader:
    """Sequential reader with ``peek``, ``read_exact``, ``readline`` and ``skip``.

    ``pos`` is the offset from where the reader started (relative to ``base``), so findings can
    point at a byte offset even in decompressed or nested streams.
    """

    def __init__(self, raw: BinaryIO, base: int = 0, limit: int | None = None) -> None:
        self.raw = raw
        self.base = base
        self.limit = limit  # bytes this reader may consume at most (None: until EOF)
        self.buf = b""
        self.i = 0
        self.consumed = 0  # bytes taken from raw into buf or skipped
        self.eof = False
        # pickle FRAME emulation: where the C unpickler's buffer ends (None: no buffer), and
        # the offsets where a read crossed it (the C unpickler then drops the rest)
        self.buf_end: int | None = None
        self.crossed: list[int] = []
        try:
            self._seekable = bool(raw.seekable())
        except (AttributeError, ValueError, OSError):
            self._seekable = False

    @property
    def pos(self) -> int:
        return self.base + self.consumed - (len(self.buf) - self.i)

    def _room(self, want: int) -> int:
        if self.limit is None:
            return want
        return max(0, min(want, self.limit - self.consumed))

    def _fill(self, need: int) -> bool:
        """Make at least ``need`` bytes available in the buffer; False at end of stream."""
        while len(self.buf) - self.i < need and not self.eof:
            want = self._room(max(CHUNK, need - (len(self.buf) - self.i)))
            data = self.raw.read(want) if want else b""
            if not data:
                self.eof = True
                break
            self.consumed += len(data)
            self.buf = self.buf[self.i:] + data
            self.i = 0
        return len(self.buf) - self.i >= need

    def at_eof(self) -> bool:
        return not self._fill(1)

    def peek(self, n: int) -> bytes:
        self._fill(n)
        return self.buf[self.i:self.i + n]

    def read_byte(self) -> int:
        if self.i >= len(self.buf) and not self._fill(1):
            raise Truncated("unexpected end of data")
        b = self.buf[self.i]
        self.i += 1
        return b

    def _cross(self, n: int) -> None:
        """Before reading ``n`` bytes inside a frame: a read past the frame's end makes the
        C unpickler drop the frame's rest and read ``n`` fresh bytes after it."""
        end, here = self.buf_end, self.pos
        if end is None or here + n <= end:
            return
        self.buf_end = None
        if here < end:
            self.crossed.append(here)
            self.skip(end - here)

    def enter_frame(self, length: int) -> None:
        """A FRAME of ``length`` bytes starts here: the C unpickler reads it into its buffer
        (unless the buffer already holds it)."""
        if self.buf_end is None or self.pos + length > self.buf_end:
            self._cross(length)
            self.buf_end = self.pos + length

    def read_exact(self, n: int) -> bytes:
        if n < 0:
            raise ValueError("negative length")
        if self.buf_end is not None:
            self._cross(n)
        if len(self.buf) - self.i < n and not self._fill(n):
            raise Truncated(f"needed {n} bytes, stream ended")
        data = self.buf[self.i:self.i + n]
        self.i += n
        return data

    def readline(self, max_len: int = 1 << 16) -> bytes:
        """Bytes up to and including ``\\n``; ValueError past ``max_len``, Truncated at EOF."""
        while True:
            j = self.buf.find(b"\n", self.i, self.i + max_len + 1)
            if j >= 0:
                line = self.buf[self.i:j + 1]
                self.i = j + 1
                return line
            if len(self.buf) - self.i > max_len:
                raise ValueError(f"line longer than {max_len} bytes")
            if not self._fill(len(self.buf) - self.i + 1):
                raise Truncated("unexpected end of data in a line")

    def readline_capped(self, keep: int) -> tuple[bytes, int]:
        """A line of any length, as the unpickler reads it: ``(first keep bytes, full length)``
        including the ``\\n``; the rest of a long line is read and dropped (bounded memory).
        Truncated at EOF without a newline. Inside a frame, a line with no newline before
        the frame's end is read afresh after it (the C unpickler drops the frame's rest)."""
        if self.buf_end is not None and self.pos >= self.buf_end:
            self.buf_end = None
        if self.buf_end is None:
            try:
                line = self.readline(keep)
                return line, len(line)
            except ValueError:
                pass
        head, total, start = b"", 0, self.pos
        while True:
            if self.i >= len(self.buf) and not self._fill(1):
                raise Truncated("unexpected end of data in a line")
            window = len(self.buf) - self.i
            if self.buf_end is not None:
                window = min(window, self.buf_end - self.pos)
            j = self.buf.find(b"\n", self.i, self.i + window)
            stop = j + 1 if j >= 0 else self.i + window
            if len(head) < keep:
                head += self.buf[self.i:min(stop, self.i + keep - len(head))]
            total += stop - self.i
            self.i = stop
            if j >= 0:
                return head, total
            if self.buf_end is not None and self.pos >= self.buf_end:
                self.crossed.append(start)
                self.buf_end = None
                head, total, start = b"", 0, self.pos

    def skip(self, n: int) -> None:
        """Advance ``n`` bytes without keeping them; Truncated if the stream is shorter."""
        if self.buf_end is not None:
            self._cross(n)
        avail = len(self.buf) - self.i
        if n <= avail:
            self.i += n
            return
        n -= avail
        self.buf, self.i = b"", 0
        if self.limit is not None and self.consumed + n > self.limit:
            self.consumed = self.limit
            self.eof = True
            raise Truncated("skip past the end of the stream")
        if self._seekable:
            try:
                here = self.raw.tell()
                end = self.raw.seek(0, io.SEEK_END)
                if here + n > end:
                    self.raw.seek(end)
                    self.consumed += end - here
                    self.eof = True
                    raise Truncated("skip past the end of the stream")
                self.raw.seek(here + n)
                self.consumed += n
                return
            except (OSError, ValueError):
                self._seekable = False
        while n > 0:
            data = self.raw.read(min(CHUNK, n))
            if not data:
                self.eof = True
                raise Truncated("skip past the end of the stream")
            self.consumed += len(data)
            n -= len(data)


class SliceFile(io.RawIOBase):
    """A read-only window ``[start, start+length)`` of a seekable binary file."""

    def __init__(self, raw: BinaryIO, start: int, length: int) -> None:
        self.raw, self.start, self.length, self.at = raw, start, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.at, io.SEEK_END: self.length}[whence]
        self.at = max(0, min(self.length, base + offset))
        return self.at

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        n = min(len(b), self.length - self.at)
        if n <= 0:
            return 0
        self.raw.seek(self.start + self.at)
        data = self.raw.read(n)
        b[:len(data)] = data
        self.at += len(data)
        return len(data)


class ReaderFile(io.RawIOBase):
    """A file-like view of the rest of a :class:`Reader` (its buffer first, then its source)."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        r = self.r
        if r.i >= len(r.buf) and not r._fill(1):
            return 0
        n = min(len(b), len(r.buf) - r.i)
        b[:n] = r.buf[r.i:r.i + n]
        r.i += n
        return n
