"""Turning uploaded bytes into text: byte-order marks, binary content refused by its magic
bytes and control characters, UTF-8, else a legacy code page recognised by its statistics
(Shift-JIS, GB18030, Big5, EUC-KR, Windows-1250/1251/1252), never guessed into garbled
characters. :mod:`causal_core.data_read` calls it for text tables; graph files use
:func:`decode_text`.

Examples
--------
>>> decode("café,crème\\n".encode("cp1252"), "x.csv")
('café,crème\\n', 'cp1252')
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from typing import Any

from .exceptions import DataError

__all__ = ["LEGACY_ENCODINGS", "SAMPLE_CHARS", "binary_kind", "decode", "decode_text", "legacy_warning",
           "plain_utf8_start", "utf8_bytes", "valid_utf8"]

#: Legacy code pages a text that is not UTF-8 may be in, and how they are named to people.
LEGACY_ENCODINGS: dict[str, str] = {
    "cp932": "Shift-JIS (Japanese)",
    "gb18030": "GB18030 (Chinese, simplified; includes GBK/GB2312)",
    "big5": "Big5 (Chinese, traditional)",
    "euc_kr": "EUC-KR (Korean)",
    "cp1252": "Windows-1252 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
}
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one: if this is an Excel file, name it .xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc)"),
    (b"PAR1", "a Parquet file (name it .parquet)"),
    (b"\x1f\x8b", "gzip-compressed data (decompress it first)"),
    (b"BZh", "bzip2-compressed data (decompress it first)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x93NUMPY", "a NumPy array file"),
)
#: Characters (or bytes) of a file sampled to recognise its encoding and delimiter.
SAMPLE_CHARS = 65_536
_MIN_SCORE = 0.6  # a reading whose script share less its mess ratio is lower is refused
_SINGLE_BYTE = ("cp1252", "cp1250", "cp1251")


def legacy_warning(used: str) -> str:
    """The warning a table decoded with the legacy code page ``used`` carries."""
    return (f"The file is not UTF-8 text; it was decoded as {LEGACY_ENCODINGS[used]}, codec "
            f"{used}, the code page its bytes fit best. Check the column names and labels "
            "below: if they look wrong, choose the file's encoding, or save the file as UTF-8 "
            "and upload it again.")


def binary_kind(raw: bytes) -> str | None:
    """What binary content ``raw`` looks like by its first bytes (None: none known)."""
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            return what
    if len(raw) > 1 and raw[0] == 0x80 and 2 <= raw[1] <= 5:
        return ("Python pickle data (causal_core never opens pickles: they can run code; "
                "export the table to CSV or Parquet instead)")
    return None


def decode(raw: bytes, filename: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode text bytes; return the text and the name of the encoding used.

    Examples
    --------
    >>> decode("café,crème\\n".encode("cp1252"), "x.csv")
    ('café,crème\\n', 'cp1252')
    """
    if encoding is not None:
        text = _strict(raw, encoding, filename, why=f"the encoding you chose ({encoding})")
        _check_controls(text, filename)
        return text, encoding
    for bom, name in _BOMS:
        if raw.startswith(bom):
            text = _strict(raw, name, filename, why=f"its byte-order mark says {name}")
            _check_controls(text, filename)
            return text, name
    _refuse_binary(raw, filename)
    try:
        text, name = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        text, name = _legacy(raw, filename, exc)
    _check_controls(text, filename)
    return text, name


def utf8_bytes(raw: bytes, filename: str, encoding: str | None = None) -> tuple[bytes, str]:
    """The text of ``raw`` as UTF-8 bytes, and the encoding it was read in (as :func:`decode`).

    A UTF-8 file is checked a slice at a time and returned itself, not copied: the text
    readers take bytes, so a 35 MB upload never costs a 35 MB ``str`` beside it. Any other
    encoding is decoded as :func:`decode` does and encoded once.

    Examples
    --------
    >>> utf8_bytes("a,b\\n1,2\\n".encode("utf-8"), "x.csv")
    (b'a,b\\n1,2\\n', 'utf-8')
    >>> utf8_bytes("café,crème\\n".encode("cp1252"), "x.csv")[0].decode("utf-8")
    'café,crème\\n'
    >>> utf8_bytes("café,crème\\n".encode("cp1252"), "x.csv")[1]
    'cp1252'
    """
    if encoding is None and not any(raw.startswith(bom) for bom, _ in _BOMS):
        _refuse_binary(raw, filename)
        if _is_utf8(raw):
            _check_controls(raw[: 4 * SAMPLE_CHARS].decode("utf-8", "ignore"), filename)
            return raw, "utf-8"
    text, used = decode(raw, filename, encoding)
    return text.encode("utf-8"), used


def plain_utf8_start(head: bytes, filename: str) -> bool:
    """Whether a text that starts with ``head`` may be read as UTF-8 a block at a time.

    True when :func:`utf8_bytes` would pass the text on as it is, as far as ``head`` (at least
    ``4 * SAMPLE_CHARS`` bytes, or the whole text) shows: no byte-order mark, nothing that
    looks binary, valid UTF-8 (a character cut at the end of ``head`` allowed). The rest is
    checked while it is read; anything else is read whole, as :func:`utf8_bytes` does.

    Examples
    --------
    >>> plain_utf8_start("a,é\\n1,2".encode("utf-8")[:5], "x.csv")
    True
    >>> plain_utf8_start("a,é\\n1,2".encode("cp1252"), "x.csv")
    False
    """
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    try:
        _refuse_binary(head, filename)
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        _check_controls(head[: 4 * SAMPLE_CHARS].decode("utf-8", "ignore"), filename)
    except (DataError, UnicodeDecodeError):
        return False
    return True


def _is_utf8(raw: bytes, step: int = 1 << 22) -> bool:
    """Whether ``raw`` is valid UTF-8, checked ``step`` bytes at a time (no full copy)."""
    view = memoryview(raw)
    return valid_utf8(view[start:start + step] for start in range(0, len(raw), step))


def valid_utf8(blocks: Iterable[bytes | memoryview]) -> bool:
    """Whether the bytes of ``blocks``, one after another, are valid UTF-8 (checked in turn).

    Examples
    --------
    >>> valid_utf8([b"caf\\xc3", b"\\xa9"]), valid_utf8([b"caf\\xc3"])
    (True, False)
    """
    check = codecs.getincrementaldecoder("utf-8")()
    try:
        for block in blocks:
            check.decode(block)
        check.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _refuse_binary(raw: bytes, filename: str) -> None:
    what = binary_kind(raw)
    if what is None and b"\x00" in raw[:SAMPLE_CHARS]:
        what = ("binary data (it contains NUL bytes; UTF-16 text without a byte-order mark looks "
                "like this too)")
    if what is not None:
        raise DataError(
            f"{filename!r} is not a text table: its content looks like {what}. "
            "Upload a CSV/TSV text file, an .xlsx workbook or a .parquet file."
        )


def decode_text(raw: bytes, filename: str, encoding: str | None = None) -> str:
    """The text of an uploaded text file (a graph file, say), decoded as :func:`decode` does.

    Examples
    --------
    >>> decode_text("x -> y".encode("utf-16"), "g.txt")
    'x -> y'
    """
    return decode(bytes(raw), filename, encoding)[0]


def _legacy(raw: bytes, filename: str, exc: UnicodeDecodeError) -> tuple[str, str]:
    """Recognise a legacy code page (statistically, on a sample), then decode all strictly."""
    from charset_normalizer import from_bytes

    sample = raw[:SAMPLE_CHARS]
    if len(raw) > SAMPLE_CHARS and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]
    fits = [c for c in LEGACY_ENCODINGS if _decodes(sample, c)]
    name = _pick(sample, fits, from_bytes(sample, cp_isolation=fits) if fits else [])
    if name is None or not _decodes(raw, name):
        tried = ", ".join(LEGACY_ENCODINGS.values())
        raise DataError(
            f"{filename!r} is not UTF-8 text (invalid byte at position {exc.start}) and no "
            f"code page reads it cleanly (tried {tried}). Rule: text is read as UTF-8 or a "
            "recognised code page, never guessed into garbled characters. Save the file as "
            "UTF-8 (in Excel: 'CSV UTF-8'), or choose its encoding, and upload it again.")
    return raw.decode(name), name


def _pick(sample: bytes, fits: list[str], matches: Any) -> str | None:
    """The code page among ``fits`` whose reading looks most like its own script, less
    charset_normalizer's mess ratio; None when none reads cleanly.

    A short table rarely has enough text for frequency statistics alone: the bytes of a Chinese
    name are valid EUC-KR too, but read as Korean they give Hanja instead of Hangul, and
    Cyrillic read as Windows-1250 gives words made only of accented letters.
    """
    chaos = {}
    for m in matches:
        name = codecs.lookup(m.encoding).name
        name = {"shift_jis": "cp932", "gbk": "gb18030", "gb2312": "gb18030"}.get(name, name)
        chaos[name] = min(chaos.get(name, 1.0), m.chaos)
    scored = [(_script_score(sample.decode(n), n) - chaos.get(n, 0.5), -i, n)
              for i, n in enumerate(fits)]
    if not scored:
        return None
    score, _, best = max(scored)
    if score < _MIN_SCORE:
        return None
    if best != "cp1252" and best in _SINGLE_BYTE and "cp1252" in fits \
            and sample.decode("cp1252") == sample.decode(best):
        return "cp1252"  # the same text either way: name the usual one
    return best


_SCRIPTS = {
    "euc_kr": (("\uac00", "\ud7a3"),),
    "cp932": (("\u3040", "\u30ff"), ("\u4e00", "\u9fff"), ("\u3000", "\u303f"),
              ("\uff01", "\uff5e")),
    "gb18030": (("\u4e00", "\u9fff"), ("\u3000", "\u303f"), ("\uff01", "\uff5e")),
    "big5": (("\u4e00", "\u9fff"), ("\u3000", "\u303f"), ("\uff01", "\uff5e")),
    "cp1251": (("\u0400", "\u04ff"),),
}


def _script_score(text: str, name: str) -> float:
    """The share of non-ASCII characters that belong to the code page's own script."""
    high = [c for c in text if ord(c) > 127]
    if not high:
        return 1.0
    if name in _SCRIPTS:
        ranges = _SCRIPTS[name]
        share = sum(any(lo <= c <= hi for lo, hi in ranges) for c in high) / len(high)
        words = [w for w in re.findall(r"[^\W\d_]+", text) if not w.isascii()]
        mixed = sum(any(c.isascii() for c in w) for w in words)
        return share * (0.3 if mixed > 0.3 * len(words) else 1.0)  # "cafй" is not Russian
    letters = sum(c.isalpha() for c in text)
    accented = sum(c.isalpha() for c in high)
    plausible = 1.0 if accented <= 0.5 * max(letters, 1) else 0.3  # Latin: accents are sparse
    return accented / len(high) * plausible


def _decodes(raw: bytes, name: str) -> bool:
    try:
        raw.decode(name)
    except UnicodeDecodeError:
        return False
    return True


def _strict(raw: bytes, name: str, filename: str, why: str) -> str:
    try:
        return raw.decode(name)
    except (UnicodeDecodeError, LookupError) as exc:
        where = f"at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        raise DataError(
            f"{filename!r} cannot be decoded as {name} ({why}): invalid data {where} ({exc}). "
            "Re-save the file as UTF-8 text (in Excel: 'CSV UTF-8') and upload it again."
        ) from None


def _check_controls(text: str, filename: str) -> None:
    sample = text[:SAMPLE_CHARS]
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f") or ord(c) == 127)
    if "\x00" in sample or bad > max(2, len(sample) // 100):
        raise DataError(
            f"{filename!r} does not look like text: {bad} control characters in its first "
            f"{len(sample)} characters. It is probably a binary file renamed to a text extension; "
            "upload a CSV/TSV text file, an .xlsx workbook or a .parquet file."
        )
