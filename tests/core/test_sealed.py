"""Sealed files: uploads are encrypted at rest, readable only with the PII key and their own
context, and any change to them is noticed."""

from __future__ import annotations

import io
import os
import stat

import pytest

from shequ.core.sealed import CHUNK, SealedFileDamaged, TooLarge, open_sealed, seal


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5])
def test_a_sealed_file_reads_back_whole_and_from_anywhere(tmp_path, size):
    data = os.urandom(size)
    path = tmp_path / "f.upload"
    assert seal(path, io.BytesIO(data), context="import 1 upload", limit=10 * CHUNK) == size
    with open_sealed(path, context="import 1 upload") as fh:
        assert fh.read() == data
        fh.seek(size // 2)
        assert fh.read(CHUNK + 7) == data[size // 2 : size // 2 + CHUNK + 7]
        assert fh.seek(0, io.SEEK_END) == size


def test_the_file_on_disk_is_private_and_holds_no_plaintext(tmp_path):
    secret = "张三,629999198005170133,10000000001\n".encode() * 100
    path = tmp_path / "f.upload"
    seal(path, io.BytesIO(secret), context="c", limit=10**6)
    on_disk = path.read_bytes()
    assert b"629999198005170133" not in on_disk
    assert "张三".encode() not in on_disk
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_another_context_or_a_changed_byte_is_refused(tmp_path):
    path = tmp_path / "f.upload"
    seal(path, io.BytesIO(b"x" * (2 * CHUNK)), context="import 1 upload", limit=10**6)
    with pytest.raises(SealedFileDamaged):
        open_sealed(path, context="import 2 upload").read()
    data = bytearray(path.read_bytes())
    data[100] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(SealedFileDamaged):
        open_sealed(path, context="import 1 upload").read()


def test_a_file_cut_short_at_a_chunk_boundary_is_refused(tmp_path):
    path = tmp_path / "f.upload"
    seal(path, io.BytesIO(b"x" * (3 * CHUNK)), context="c", limit=10**6)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - (CHUNK + 16)])  # the last whole chunk dropped
    with pytest.raises(SealedFileDamaged):
        open_sealed(path, context="c").read()


def test_a_stream_past_the_limit_leaves_nothing_on_disk(tmp_path):
    path = tmp_path / "f.upload"
    with pytest.raises(TooLarge) as refused:
        seal(path, io.BytesIO(b"x" * 3_000_000), context="c", limit=2_000_000)
    assert refused.value.size > 2_000_000
    assert not path.exists()


def test_an_existing_file_is_never_written_through(tmp_path):
    path = tmp_path / "f.upload"
    path.write_bytes(b"someone else's")
    with pytest.raises(FileExistsError):
        seal(path, io.BytesIO(b"x"), context="c", limit=10)
    assert path.read_bytes() == b"someone else's"
