"""One link per state: a JSON-plain state dict <-> compact, URL-safe text.

A link carries what a teacher wants to put on a slide (the DAG, the example or the generator
seed, the exercise, the page, the analysis plan) with no server state behind it: every student
who opens it decodes their own copy. The text is ``ce1.`` + base64url(zlib(JSON)).

Decoding trusts nothing: the text length is checked before base64 is decoded, the inflated size
is capped *while* inflating (a few kilobytes cannot expand into gigabytes), the nesting depth is
checked before the JSON parser runs, and the parsed value must obey the same rules that
:func:`encode_state` enforces, so ``decode_state(encode_state(s)) == s`` for every state that can
be encoded, and every other text raises :class:`~causal_core.exceptions.DataError`.

Examples
--------
>>> text = encode_state({"page": "exercises", "exercise": "adjust-03", "seed": 7})
>>> text.startswith("ce1.")
True
>>> decode_state(text)
{'page': 'exercises', 'exercise': 'adjust-03', 'seed': 7}
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from typing import Any

from .exceptions import DataError

__all__ = [
    "LINK_PREFIX",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_LINK_CHARS",
    "MAX_STATE_BYTES",
    "decode_state",
    "encode_state",
]

LINK_PREFIX = "ce1."
"""Version tag of the link format; a future format gets ``ce2.``."""
MAX_LINK_CHARS = 16_000
"""Longest link text accepted (browsers and proxies start refusing URLs around 16-64 KB)."""
MAX_STATE_BYTES = 200_000
"""Largest state, as UTF-8 JSON, that a link may inflate to."""
MAX_DEPTH = 24
"""Deepest nesting of lists and dicts in a state."""
MAX_INT_DIGITS = 20
"""Longest integer (in decimal digits) a state may hold."""

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")
_OTHER_VERSION = re.compile(r"ce(\d{1,6})\.")


def encode_state(state: dict[str, Any]) -> str:
    """Encode a JSON-plain state as compact URL-safe text.

    Parameters
    ----------
    state : dict[str, Any]
        A dict whose values are ``None``, ``bool``, ``int`` (at most 20 digits), finite
        ``float``, ``str`` (valid Unicode), lists of these and dicts with ``str`` keys, nested at
        most 24 deep.

    Returns
    -------
    str
        ``"ce1."`` followed by base64url text (``A-Z a-z 0-9 - _``), at most 16,000 characters.

    Raises
    ------
    DataError
        If the state is not JSON-plain (naming where and what was found) or too large.

    Examples
    --------
    >>> encode_state({"dag": "x -> y"})[:4]
    'ce1.'
    """
    if not isinstance(state, dict):
        raise DataError(f"A link state must be a dict; got {type(state).__name__}. "
                        "Pass a dict such as {'page': 'exercises'}.")
    _check_plain(state, "state", 1)
    raw = json.dumps(dict(state), ensure_ascii=False, separators=(",", ":"),
                     allow_nan=False).encode("utf-8")
    if len(raw) > MAX_STATE_BYTES:
        raise DataError(f"This state is {len(raw):,} bytes as JSON; a link carries at most "
                        f"{MAX_STATE_BYTES:,}. Share an example name or seed instead of the data.")
    packed = base64.urlsafe_b64encode(zlib.compress(raw, 9)).rstrip(b"=").decode("ascii")
    text = LINK_PREFIX + packed
    if len(text) > MAX_LINK_CHARS:
        raise DataError(f"This state makes a link of {len(text):,} characters; the limit is "
                        f"{MAX_LINK_CHARS:,}. Share an example name or seed instead of the data, "
                        "or a smaller graph.")
    return text


def decode_state(text: str) -> dict[str, Any]:
    """Decode the text made by :func:`encode_state`, refusing anything else.

    Parameters
    ----------
    text : str
        A link's state text (``ce1.`` + base64url). Surrounding spaces are ignored.

    Returns
    -------
    dict[str, Any]
        The state, equal to the one encoded.

    Raises
    ------
    DataError
        If the text is not a Causal Explorer link, comes from another format version, is
        damaged, too long, inflates beyond 200,000 bytes, or holds something a state cannot.

    Examples
    --------
    >>> decode_state(encode_state({"seed": 3, "page": "playground"}))
    {'seed': 3, 'page': 'playground'}
    >>> decode_state("hello")
    Traceback (most recent call last):
    ...
    causal_core.exceptions.DataError: This link text does not start with 'ce1.' ...
    """
    if not isinstance(text, str):
        raise DataError(f"A link state must be text; got {type(text).__name__}.")
    text = text.strip()
    if len(text) > MAX_LINK_CHARS:
        raise DataError(f"This link text is {len(text):,} characters; the limit is "
                        f"{MAX_LINK_CHARS:,}. Ask for a fresh link.")
    if not text.startswith(LINK_PREFIX):
        other = _OTHER_VERSION.match(text)
        if other:
            raise DataError(f"This link uses format version {other.group(1)}; this app reads "
                            f"version 1 ('{LINK_PREFIX}'). Ask for a link made by this app.")
        raise DataError(f"This link text does not start with '{LINK_PREFIX}' (seen "
                        f"{text[:12]!r}...), so it was not made by Causal Explorer. "
                        "Copy the whole link again.")
    raw = _inflate(_unbase64(text[len(LINK_PREFIX):]))
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"This link's content is not UTF-8 text (byte {exc.start}). "
                        "Copy the whole link again.") from None
    _check_depth(body)
    state = _parse(body)
    if not isinstance(state, dict):
        raise DataError(f"This link holds a {type(state).__name__}, not a state dict. "
                        "Ask for a link made by this app.")
    _check_plain(state, "state", 1)
    return state


def _unbase64(packed: str) -> bytes:
    if not packed or not _ALPHABET.fullmatch(packed):
        bad = next((c for c in packed if not _ALPHABET.fullmatch(c)), "")
        seen = f"the character {bad!r}" if bad else "nothing after the prefix"
        raise DataError(f"This link text holds {seen}; a link uses only A-Z, a-z, 0-9, '-' "
                        "and '_'. Copy the whole link again.")
    if len(packed) % 4 == 1:
        raise DataError("This link text is cut off (its length is impossible for base64). "
                        "Copy the whole link again.")
    try:
        return base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
    except (binascii.Error, ValueError):
        raise DataError("This link text is damaged (not valid base64). "
                        "Copy the whole link again.") from None


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, MAX_STATE_BYTES + 1)
    except zlib.error:
        raise DataError("This link text is damaged (its compressed content does not inflate). "
                        "Copy the whole link again.") from None
    if len(raw) > MAX_STATE_BYTES or inflater.unconsumed_tail:
        raise DataError(f"This link inflates to more than {MAX_STATE_BYTES:,} bytes; a link "
                        "carries at most that much. It was not made by this app.")
    if not inflater.eof:
        raise DataError("This link text is cut off (its compressed content ends early). "
                        "Copy the whole link again.")
    if inflater.unused_data:
        raise DataError("This link text has extra bytes after its content. "
                        "Copy the whole link again.")
    return raw


def _check_depth(body: str) -> None:
    """Refuse deep nesting before the JSON parser recurses into it."""
    depth, in_string, escaped = 0, False, False
    for ch in body:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise DataError(f"This link's state is nested more than {MAX_DEPTH} deep; "
                                "a state is not. It was not made by this app.")
        elif ch in "]}":
            depth -= 1


def _parse(body: str) -> Any:
    def no_constant(name: str) -> Any:
        raise DataError(f"This link's state holds {name}; a state holds only finite numbers.")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise DataError(f"This link's state has the key {key[:40]!r} twice; "
                                "it was not made by this app.")
            out[key] = value
        return out

    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:
            raise DataError(f"This link's state holds an integer of {len(digits):,} digits; "
                            f"the limit is {MAX_INT_DIGITS}.")
        return int(digits)

    try:
        return json.loads(body, parse_constant=no_constant, object_pairs_hook=no_duplicates,
                          parse_int=bounded_int)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f" at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        raise DataError(f"This link's content is not valid JSON{where}. "
                        "Copy the whole link again.") from None


def _check_plain(value: Any, where: str, depth: int) -> None:
    """The rules a state obeys, the same on the way in and on the way out."""
    if depth > MAX_DEPTH:
        raise DataError(f"{where} is nested more than {MAX_DEPTH} deep; flatten the state.")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if len(str(abs(value))) > MAX_INT_DIGITS:
            raise DataError(f"{where} is an integer of more than {MAX_INT_DIGITS} digits; "
                            "store it as text.")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataError(f"{where} is {value}; a state holds only finite numbers. "
                            "Use None for a missing value.")
        return
    if isinstance(value, str):
        _check_text(value, where)
        return
    if isinstance(value, list | tuple):
        if isinstance(value, tuple):
            raise DataError(f"{where} is a tuple; use a list (a link gives lists back).")
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]", depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise DataError(f"{where} has the key {key!r} of type {type(key).__name__}; "
                                "keys must be text.")
            _check_text(key, f"a key of {where}")
            _check_plain(item, f"{where}[{key[:40]!r}]", depth + 1)
        return
    raise DataError(f"{where} is a {type(value).__name__}; a state holds only None, booleans, "
                    "numbers, text, lists and dicts. Convert it first.")


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise DataError(f"{where} holds a lone surrogate character, which is not valid "
                        "Unicode text; remove it.") from None
