"""Tokenizer for the DOT family (DAGitty ``dag { }``, DOT ``digraph { }``, ``a -> b`` lines).

Tokens carry their 1-based line and column so that every syntax error can point at its place;
the parser is :mod:`causal_core.graph_dot`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import NamedTuple, NoReturn

from .exceptions import GraphError

__all__ = ["Token", "fail", "describe", "is_name_char", "tokenize", "tokens", "EDGE_OPS"]

EDGE_OPS = ("<->", "<-@", "@->", "--@", "@-@", "@--", "->", "<-", "--")
_PUNCT = "{}[]=,;+"
# The common tokens in one regex (a text of 50,000 edges lexes in C, not char by char);
# ``\w`` is exactly ``str.isalnum()`` plus ``_``, as :func:`is_name_char` says.
_FAST = re.compile(r"(?P<ws>[\s\ufeff]+)|(?P<edge>" + "|".join(map(re.escape, EDGE_OPS))
                   + r")|(?P<punct>[{}\[\]=,;+])|(?P<id>[\w.]+)")


class Token(NamedTuple):
    """One token: ``kind`` is ``id``, ``edge``, a punctuation character, ``other`` or ``eof``."""

    kind: str
    text: str
    line: int
    column: int
    quoted: bool = False


def fail(tok: Token, message: str) -> NoReturn:
    raise GraphError(f"Line {tok.line}, column {tok.column}: {message}",
                     line=tok.line, column=tok.column)


def describe(tok: Token) -> str:
    if tok.kind == "eof":
        return "the end of the text"
    if tok.kind == "id":
        return f'the name "{tok.text}"' if tok.quoted else f"'{tok.text}'"
    return f"'{tok.text}'"


def is_name_char(c: str) -> bool:
    """True for the characters of a bare name: letters (any script), digits, ``_`` and ``.``."""
    return c.isalnum() or c in "_."


# ---------------------------------------------------------------------------------- lexer
class _Lexer:
    """Turns text into :class:`Token` objects, skipping whitespace and comments."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.starts = [0] + [k + 1 for k, c in enumerate(text) if c == "\n"]
        self.ready: list[Token] = []  # made by the last step, not yet handed out
        self.prev: Token | None = None

    def at(self, i: int) -> tuple[int, int]:
        line = bisect_right(self.starts, i)
        return line, i - self.starts[line - 1] + 1

    def token(self, kind: str, text: str, start: int, quoted: bool = False) -> None:
        self.prev = Token(kind, text, *self.at(start), quoted=quoted)
        self.ready.append(self.prev)

    def run(self) -> Iterator[Token]:
        """The tokens one at a time, as they are read: never all of them at once."""
        text, ready = self.text, self.ready
        while self.i < len(text):
            c = text[self.i]
            fast = _FAST.match(text, self.i)
            if fast is not None and (fast.lastgroup != "id" or self.i == 0
                                     or text[self.i - 1] != "-"):
                kind = fast.lastgroup
                if kind != "ws":
                    word = fast.group()
                    self.token(word if kind == "punct" else kind, word, self.i)
                self.i = fast.end()
            elif c == "#" or text.startswith("//", self.i):
                end = text.find("\n", self.i)
                self.i = len(text) if end < 0 else end
            elif text.startswith("/*", self.i):
                self.block_comment()
            elif c == '"':
                self.string()
            else:
                self.symbol()
            if ready:
                yield from ready
                ready.clear()
        self.token("eof", "", len(text))
        yield from ready

    def block_comment(self) -> None:
        end = self.text.find("*/", self.i + 2)
        if end < 0:
            line, col = self.at(self.i)
            fail(Token("other", "/*", line, col),
                  "this comment '/*' is never closed; expected '*/' before the end of the text.")
        self.i = end + 2

    def symbol(self) -> None:
        text, start = self.text, self.i
        op = next((o for o in EDGE_OPS if text.startswith(o, start)), None)
        if op:
            self.i += len(op)
            self.token("edge", op, start)
        elif text[start] in _PUNCT:
            self.i += 1
            self.token(text[start], text[start], start)
        elif is_name_char(text[start]) or (
                text[start] == "-" and start + 1 < len(text) and is_name_char(text[start + 1])):
            self.bareword()
        else:
            self.i += 1
            self.token("other", text[start], start)

    def bareword(self) -> None:
        text, start = self.text, self.i
        self.i += 1
        while self.i < len(text) and is_name_char(text[self.i]):
            self.i += 1
        prev = self.prev
        if text[start] == "-" and prev is not None and prev.kind == "id" and start > 0 \
                and is_name_char(text[start - 1]):
            word = prev.text + text[start:self.i]
            fail(prev, f"'-' inside the name '{word}'. Hint: quote names that contain '-' or "
                        f'spaces, e.g. "{word}".')
        self.token("id", text[start:self.i], start)

    def string(self) -> None:
        text, start = self.text, self.i
        out: list[str] = []
        self.i += 1
        while self.i < len(text) and text[self.i] != '"':
            c = text[self.i]
            nxt = text[self.i + 1] if self.i + 1 < len(text) else ""
            if c == "\\" and nxt in ('"', "\\"):
                out.append(nxt)
                self.i += 2
            elif c == "\\" and nxt in ("\n", "\r"):
                self.i += 1
                while self.i < len(text) and text[self.i] in "\r\n":
                    self.i += 1
            else:
                out.append(c)
                self.i += 1
        if self.i >= len(text):
            line, col = self.at(start)
            fail(Token("other", '"', line, col),
                  "this quoted name is never closed; expected a closing '\"'. "
                  'Hint: write a quote inside a name as \\" and a backslash as \\\\.')
        self.i += 1
        self.token("id", "".join(out), start, quoted=True)


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``eof`` token."""
    return list(_Lexer(text).run())


def tokens(text: str) -> Iterator[Token]:
    """:func:`tokenize` one token at a time (a parser holds only the few it looks at)."""
    return _Lexer(text).run()
