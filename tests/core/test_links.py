"""State links: exact round trip (property test), strict decoding, fuzz, size caps."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from causal_core.exceptions import CausalCoreError, DataError
from causal_core.links import (
    LINK_PREFIX,
    MAX_DEPTH,
    MAX_LINK_CHARS,
    MAX_STATE_BYTES,
    decode_state,
    encode_state,
)

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
_scalar = (st.none() | st.booleans() | st.integers(-10**19, 10**19)
           | st.floats(allow_nan=False, allow_infinity=False) | _text)
_value = st.recursive(_scalar, lambda inner: st.lists(inner, max_size=5)
                      | st.dictionaries(_text, inner, max_size=5), max_leaves=40)
_state = st.dictionaries(_text, _value, max_size=8)


def _pack(raw: bytes) -> str:
    return LINK_PREFIX + base64.urlsafe_b64encode(zlib.compress(raw)).rstrip(b"=").decode()


def _exact(value) -> str:
    """A representation that tells 1 from 1.0 from True, and keeps key order."""
    return json.dumps(value, ensure_ascii=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_state)
def test_every_encodable_state_round_trips_exactly(state):
    text = encode_state(state)
    assert text.startswith(LINK_PREFIX)
    assert set(text[len(LINK_PREFIX):]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    back = decode_state(text)
    assert back == state
    assert _exact(back) == _exact(state)
    assert encode_state(back) == text


def test_a_classroom_state_round_trips():
    state = {"dag": "dag { x [exposure]; y [outcome]; z -> x -> y; z -> y }", "example": None,
             "seed": 12, "exercise": "adjust-03", "page": "exercises",
             "plan": {"treatment": "x", "outcome": "y", "adjustment_set": ["z"],
                      "estimator": {"name": "ipw", "params": {"clip": 0.01}}}}
    assert decode_state(encode_state(state)) == state
    assert len(encode_state(state)) < 250  # small enough for a slide's QR code


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_any_text_raises_only_data_error(text):
    try:
        out = decode_state(text)
    except CausalCoreError as exc:
        assert isinstance(exc, DataError)
        assert str(exc)
    else:
        assert isinstance(out, dict)


@settings(max_examples=150, deadline=None)
@given(_state, st.data())
def test_fuzz_damaged_links_raise_only_data_error(state, data):
    text = encode_state(state)
    pos = data.draw(st.integers(0, len(text) - 1))
    kind = data.draw(st.sampled_from(["flip", "cut", "insert"]))
    char = data.draw(st.characters(codec="ascii"))
    damaged = {"flip": text[:pos] + char + text[pos + 1:], "cut": text[:pos],
               "insert": text[:pos] + char + text[pos:]}[kind]
    try:
        out = decode_state(damaged)
    except CausalCoreError as exc:
        assert isinstance(exc, DataError)
    else:
        assert isinstance(out, dict)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_any_compressed_bytes_raise_only_data_error(raw):
    try:
        decode_state(_pack(raw))
    except CausalCoreError as exc:
        assert isinstance(exc, DataError)


def test_zip_bomb_is_refused_while_inflating():
    bomb = zlib.compress(b'{"a":"' + b"x" * 10_000_000 + b'"}', 9)
    text = LINK_PREFIX + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode()
    assert len(text) < MAX_LINK_CHARS  # small text, huge content
    with pytest.raises(DataError, match="inflates to more than"):
        decode_state(text)


@pytest.mark.parametrize(("text", "message"), [
    ("", "does not start with 'ce1.'"),
    ("https://example.org/?s=abc", "not made by Causal Explorer"),
    ("ce2.eJyrVgpLLMpUslIqzi"  , "format version 2"),
    ("ce1.", "nothing after the prefix"),
    ("ce1.ab+c", "the character '\\+'"),
    ("ce1.abcde", "cut off"),
    ("ce1." + "A" * 20, "does not inflate"),
    ("ce1." + "A" * (MAX_LINK_CHARS + 1), "the limit is 16,000"),
])
def test_malformed_or_foreign_text_gets_a_clear_message(text, message):
    with pytest.raises(DataError, match=message):
        decode_state(text)


@pytest.mark.parametrize(("body", "message"), [
    (b"[1, 2]", "holds a list, not a state dict"),
    (b'{"a": NaN}', "holds NaN"),
    (b'{"a": 1e999}', "finite numbers"),
    (b'{"a": 1, "a": 2}', "key 'a' twice"),
    (b'{"a": ' + b"9" * 5000 + b"}", "5,000 digits"),
    (b'{"a": ' + b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5) + b"}", "nested more than"),
    (b'{"a": ' + b"[" * 100_000 + b"}", "nested more than"),
    (b'{"a": 1', "not valid JSON"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_content_that_no_state_has_is_refused(body, message):
    with pytest.raises(DataError, match=message):
        decode_state(_pack(body))


def test_trailing_bytes_after_the_stream_are_refused():
    packed = zlib.compress(b'{"a": 1}') + b"junk"
    text = LINK_PREFIX + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()
    with pytest.raises(DataError, match="extra bytes"):
        decode_state(text)


@pytest.mark.parametrize(("state", "message"), [
    ("page=1", "must be a dict"),
    ({"a": float("nan")}, "finite numbers"),
    ({"a": {1, 2}}, "is a set"),
    ({"a": (1, 2)}, "tuple"),
    ({1: "x"}, "keys must be text"),
    ({"a": 10**30}, "more than 20 digits"),
    ({"a": "\ud800"}, "lone surrogate"),
])
def test_encode_refuses_what_would_not_come_back(state, message):
    with pytest.raises(DataError, match=message):
        encode_state(state)


def test_encode_refuses_states_too_large_for_a_link():
    with pytest.raises(DataError, match="bytes as JSON"):
        encode_state({"data": "x" * (MAX_STATE_BYTES + 1)})
    noise = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(20_000))
    with pytest.raises(DataError, match="makes a link of"):
        encode_state({"data": noise})
