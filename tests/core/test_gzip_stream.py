"""GunzipStream: a gzip file inflated a block at a time, with the same bytes and refusals as
gunzip."""

from __future__ import annotations

import gzip
import io

import pytest

from causal_core.data_container import CarriageReturn, GunzipStream, gunzip
from causal_core.exceptions import DataError


@pytest.mark.parametrize("raw", [
    gzip.compress(b""), gzip.compress(b"a,b\n1,2\n"), gzip.compress(bytes(range(256)) * 5_000),
    gzip.compress(b"a,b\n" * 100_000)[:-100],  # truncated: gunzip returns what it inflated
    gzip.compress(b"x") + b"\x00" * 10,  # zero padding after the member is allowed
], ids=["empty", "table", "binary", "truncated", "padded"])
def test_the_stream_gives_gunzips_bytes(raw):
    stream = io.BufferedReader(GunzipStream(raw, "t.gz", max_bytes=2**32))
    assert stream.read() == gunzip(raw, "t.gz", max_bytes=2**32)


@pytest.mark.parametrize(("raw", "max_bytes"), [
    (gzip.compress(b"a" * 100) + gzip.compress(b"b"), 1_000),
    (b"not gzip at all, just text", 1_000),
    (gzip.compress(b"a" * 5_000), 4_999),
    (gzip.compress(b"a" * 5_000)[:-4] + (9).to_bytes(4, "little"), 4_000),
], ids=["members", "not gzip", "over the limit", "lying trailer"])
def test_the_stream_refuses_as_gunzip_does(raw, max_bytes):
    with pytest.raises(DataError) as whole:
        gunzip(raw, "t.gz", max_bytes=max_bytes)
    with pytest.raises(DataError) as streamed:
        io.BufferedReader(GunzipStream(raw, "t.gz", max_bytes=max_bytes)).read()
    assert str(streamed.value) == str(whole.value)


def test_the_stream_stops_at_a_carriage_return_only_when_asked():
    raw = gzip.compress(b"a" * 100_000 + b"\r\n")
    assert io.BufferedReader(GunzipStream(raw, "t.gz", max_bytes=10**6)).read().endswith(b"\r\n")
    with pytest.raises(CarriageReturn):
        io.BufferedReader(GunzipStream(raw, "t.gz", max_bytes=10**6, stop_at_cr=True)).read()
