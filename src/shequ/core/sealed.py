"""Files kept at rest encrypted: uploaded spreadsheets (full ID numbers and phones) and the
rows an import sets aside between its passes. Written and read as streams, in chunks, so a
50 MB upload is never held in memory, and read back with random access (a zip needs it).

Format: MAGIC, a random salt, then the plaintext in CHUNK-byte chunks (the last shorter,
possibly empty), each sealed with AES-GCM. The key is derived from SHEQU_PII_KEY and the
file's salt (HKDF), so every file has its own key; chunk i's nonce is i and a byte saying
whether it is the last, and the caller's `context` (the job and the file's role) is bound
in, so chunks cannot be reordered, dropped, cut short or swapped between files unnoticed.
Files are created 0600 in a 0700 folder; deleting them is the caller's job.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

MAGIC = b"SHQSEAL1"
SALT_BYTES = 16
HEADER = len(MAGIC) + SALT_BYTES
CHUNK = 64 * 1024
TAG = 16


class SealedFileDamaged(ValueError):
    """The file is not one of ours, was cut short or was changed."""


class TooLarge(ValueError):
    """The stream went past the limit it was copied under (nothing is left on disk)."""

    def __init__(self, size: int):
        self.size = size  # bytes read when it was refused: at least the limit plus one
        super().__init__(size)


def _cipher(salt: bytes) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"shequ sealed file v1"
    ).derive(settings.PII_KEY.encode())
    return AESGCM(key)


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class SealedWriter(io.RawIOBase):
    """Write a sealed file: `write()` what it holds, `close()` to seal its last chunk."""

    def __init__(self, path: Path, *, context: str):
        super().__init__()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL: never write through a file (or link) someone else put there.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb")
        salt = os.urandom(SALT_BYTES)
        self._file.write(MAGIC + salt)
        self._aead, self._context = _cipher(salt), context.encode()
        self._pending = bytearray()
        self._index = 0
        self.size = 0  # plaintext bytes written

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._pending += data
        self.size += len(data)
        # A chunk goes out only when more follows it: the last one must be marked so.
        while len(self._pending) > CHUNK:
            self._seal(bytes(self._pending[:CHUNK]), last=False)
            del self._pending[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        self._file.write(self._aead.encrypt(_nonce(self._index, last), plain, self._context))
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            try:
                self._seal(bytes(self._pending), last=True)
                self._file.flush()
                os.fsync(self._file.fileno())
            finally:
                self._file.close()
        super().close()


class SealedReader(io.RawIOBase):
    """Read a sealed file with random access; every chunk is checked as it is read."""

    def __init__(self, path: Path, *, context: str):
        super().__init__()
        self._file = path.open("rb")
        try:
            head = self._file.read(HEADER)
            body = os.fstat(self._file.fileno()).st_size - HEADER
            if len(head) != HEADER or not head.startswith(MAGIC) or body < TAG:
                raise SealedFileDamaged(path.name)
        except BaseException:
            self._file.close()
            raise
        self._aead, self._context = _cipher(head[len(MAGIC) :]), context.encode()
        self._chunks = -(-body // (CHUNK + TAG))
        last = body - (self._chunks - 1) * (CHUNK + TAG)
        if last < TAG:
            self._file.close()
            raise SealedFileDamaged(path.name)
        self.length = (self._chunks - 1) * CHUNK + last - TAG
        self._pos = 0
        self._cached: tuple[int, bytes] = (-1, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.length}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _chunk(self, index: int) -> bytes:
        if self._cached[0] != index:
            last = index == self._chunks - 1
            self._file.seek(HEADER + index * (CHUNK + TAG))
            sealed = self._file.read(CHUNK + TAG)
            try:
                plain = self._aead.decrypt(_nonce(index, last), sealed, self._context)
            except InvalidTag:
                raise SealedFileDamaged(index) from None
            self._cached = (index, plain)
        return self._cached[1]

    def readinto(self, buffer: bytearray | memoryview) -> int:
        if self._pos >= self.length:
            return 0
        index, offset = divmod(self._pos, CHUNK)
        plain = self._chunk(index)
        n = min(len(buffer), len(plain) - offset)
        buffer[:n] = plain[offset : offset + n]
        self._pos += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


def seal(path: Path, source: IO[bytes], *, context: str, limit: int) -> int:
    """Copy `source` into a new sealed file at `path`; its size. Past `limit` bytes the
    file is removed and TooLarge raised."""
    writer = SealedWriter(path, context=context)
    try:
        with writer:
            while block := source.read(1 << 20):
                writer.write(block)
                if writer.size > limit:
                    raise TooLarge(writer.size)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return writer.size


def open_sealed(path: Path, *, context: str) -> io.BufferedReader:
    """A seekable binary stream of a sealed file's plaintext."""
    return io.BufferedReader(SealedReader(path, context=context), buffer_size=CHUNK)


def write_sealed(path: Path, *, context: str) -> io.BufferedWriter:
    """A binary stream that writes a new sealed file (sealed when closed)."""
    return io.BufferedWriter(SealedWriter(path, context=context), buffer_size=CHUNK)
