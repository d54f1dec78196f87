"""Tokenizer and parser for the DOT family: DAGitty ``dag { }``, DOT ``digraph { }`` and plain
``a -> b`` lines.

DAGitty's syntax is a dialect of Graphviz DOT, so one parser reads both; the header word only
changes the hints in error messages. Plain edge lines are the statements of a ``dag { }`` body
without the wrapper. Every syntax error is a :class:`~causal_core.exceptions.GraphError` with a
1-based ``line`` and ``column``.

Supported statements: node statements with attribute lists, edges ``->``, ``<-``, ``<->`` in
chains (``a -> b <- c``), groups and subgraphs on either side (``a -> {b c}``), global options
(``bb="0,0,1,1"``, ``rankdir=LR``), default statements (``node [shape=box]``), comments
(``//``, ``#``, ``/* */``) and ``;`` or whitespace as separators.
"""

from __future__ import annotations

import difflib
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from .graph import MAX_EDGES, MAX_NODES, TOO_BIG_HINT, CausalGraph, over_limit
from .graph_lexer import Token, describe, fail, is_name_char, tokenize, tokens

__all__ = ["ROLE_WORDS", "SUPPORTED_FORMATS", "Token", "format_name", "is_name_char",
           "join_attributes", "parse_statements", "quote", "tokenize"]

#: Attribute words that give a node a role, as DAGitty reads them (and their long names).
ROLE_WORDS: dict[str, str] = {
    "exposure": "exposure", "e": "exposure", "source": "exposure",
    "outcome": "outcome", "o": "outcome", "target": "outcome",
    "latent": "latent", "l": "latent", "unobserved": "latent", "u": "latent",
    "adjusted": "adjusted", "a": "adjusted",
    "selected": "selected", "s": "selected",
}
#: Shown whenever the format of a text is not recognised.
SUPPORTED_FORMATS = (
    "DAGitty 'dag { ... }', DOT 'digraph { ... }', GML 'graph [ ... ]' as networkx writes it, "
    "our JSON ('{\"format\": \"causal-explorer-graph\", ...}') or plain 'a -> b' lines"
)

_HEADERS = ("dag", "digraph", "pdag", "graph")
_RESERVED = frozenset(_HEADERS + ("strict", "node", "edge", "subgraph", "mag", "pag"))
_FALSE = frozenset({"0", "false", "no", "off"})
_EXAMPLES = {"pos": "1.5,-2", "label": "Age", "role": "exposure", "roles": "exposure",
             "observed": "no"}
_ARROW_HINT = "Hint: an arrow needs a node on both sides, e.g. a -> b."
#: Deepest nesting of groups ``{ }`` and subgraphs the parser follows (it recurses per level).
MAX_NESTING = 100
_ROLE_LIST = ("exposure (e), outcome (o), latent (l, unobserved, u), adjusted (a), "
              "selected (s); source and target also mean exposure and outcome")


# ---------------------------------------------------------------------------------- builder
@dataclass
class _Builder:
    """Collects what the statements say, in the order they say it."""

    order: dict[str, None] = field(default_factory=dict)
    edges: dict[tuple[str, str], None] = field(default_factory=dict)  # distinct, in order
    bidirected: dict[tuple[str, str], None] = field(default_factory=dict)
    written: int = 0  # edges the statements write, repeats included
    roles: dict[str, set[str]] = field(default_factory=dict)
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def build(self) -> CausalGraph:
        return CausalGraph(nodes=self.order, edges=self.edges, bidirected=self.bidirected,
                           roles=self.roles, positions=self.positions, labels=self.labels)


Attr = tuple[Token, Token | None]


# ---------------------------------------------------------------------------------- parser
class _Parser:
    """Recursive-descent parser over the tokens as they are read; fills a :class:`_Builder`.

    It looks at most two tokens ahead, so only those are held (a text of 20,000 edges was
    10 MB of tokens held at once); past the end every token is the ``eof`` one.
    """

    def __init__(self, tokens: Iterable[Token], kind: str = "") -> None:
        self.stream = iter(tokens)
        self.ahead: deque[Token] = deque()
        self.kind = kind
        self.out = _Builder()
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token:
        buf = self.ahead
        while len(buf) <= ahead:
            if buf and buf[-1].kind == "eof":
                return buf[-1]
            buf.append(next(self.stream))
        return buf[ahead]

    def next(self) -> Token:
        tok = self.peek()
        if tok.kind != "eof":
            self.ahead.popleft()
        return tok

    def expect(self, kind: str, after: str) -> Token:
        tok = self.peek()
        if tok.kind != kind:
            fail(tok, f"expected '{kind}' after {after}, found {describe(tok)}.")
        return self.next()

    # ------------------------------------------------------------ whole texts
    def graph(self) -> None:
        if self.peek().text.lower() == "strict":
            self.next()
        head = self.next()
        self.kind = head.text.lower()
        after = f"'{head.text}'"
        if self.peek().kind == "id":
            after = f"'{head.text} {self.next().text}'"
        opener = self.expect("{", after)
        self.statements(opener)
        tail = self.peek()
        if tail.kind != "eof":
            fail(tail, f"expected the end of the text after the closing '}}', found "
                        f"{describe(tail)}. Hint: put every statement inside the braces.")

    def statements(self, opener: Token | None) -> list[str]:
        """Parse statements up to the ``}`` closing ``opener`` (or the end); return the nodes."""
        if opener is not None and self.depth >= MAX_NESTING:
            fail(opener, f"groups are nested more than {MAX_NESTING} levels deep here. Rule: "
                          f"at most {MAX_NESTING} levels of '{{ }}'. Hint: write the edges of "
                          "a deep group as separate lines, e.g. a -> b; a -> c.")
        self.depth += opener is not None
        try:
            return self._statements(opener)
        finally:
            self.depth -= opener is not None

    def _statements(self, opener: Token | None) -> list[str]:
        members: dict[str, None] = {}
        while True:
            tok = self.peek()
            if tok.kind == "eof" and opener is not None:
                fail(opener, "this '{' is never closed; expected '}' before the end of the text.")
            if tok.kind == "eof":
                return list(members)
            if tok.kind == "}" and opener is None:
                fail(tok, "found '}' without a matching '{'.")
            if tok.kind == "}":
                self.next()
                return list(members)
            if tok.kind == ";":
                self.next()
                continue
            members.update(dict.fromkeys(self.statement()))

    def statement(self) -> list[str]:
        tok, ahead = self.peek(), self.peek(1)
        if tok.kind == "id" and ahead.kind == "=":
            self.next()
            self.next()
            self.value(tok)
            return []
        if tok.kind == "id" and not tok.quoted and ahead.kind == "[" \
                and tok.text.lower() in ("node", "edge", "graph"):
            self.next()
            self.attr_lists()
            return []
        if tok.kind == "edge":
            fail(tok, f"expected a node name before '{tok.text}', found nothing. {_ARROW_HINT}")
        members = self.operand("a statement (a node name, an edge such as a -> b, or '}')", "")
        if self.peek().kind == "edge":
            return self.edge_chain(members)
        attrs = self.attr_lists()
        if tok.kind == "id" and (tok.quoted or tok.text.lower() != "subgraph"):
            self.node_attributes(members[0], attrs)
        return members

    # ------------------------------------------------------------ pieces
    def operand(self, expected: str, hint: str) -> list[str]:
        tok = self.peek()
        if tok.kind == "id" and not tok.quoted and tok.text.lower() == "subgraph":
            self.next()
            if self.peek().kind == "id":
                self.next()
            return self.statements(self.expect("{", "'subgraph'"))
        if tok.kind == "{":
            return self.statements(self.next())
        if tok.kind == "id":
            return [self.name()]
        fail(tok, f"expected {expected}, found {describe(tok)}.{hint}")

    def text_value(self) -> tuple[Token, str]:
        """Read an id, joining DAGitty's ``"a" + "b"`` string concatenation."""
        tok = self.next()
        text = tok.text
        while tok.quoted and self.peek().kind == "+" and self.peek(1).quoted:
            self.next()
            text += self.next().text
        return tok, text

    def name(self) -> str:
        tok, text = self.text_value()
        if text.strip() == "":
            fail(tok, "a node name is empty. Hint: give every node a non-blank name.")
        bad = [c for c in text if ord(c) < 32 or ord(c) == 127]
        if bad:
            fail(tok, f"the node name {text!r} contains the control character {bad[0]!r}. "
                       "Hint: use a name without line breaks or tabs.")
        self.out.order.setdefault(text, None)
        if len(self.out.order) > MAX_NODES:
            fail(tok, over_limit("nodes", MAX_NODES))
        return text

    def value(self, key: Token) -> Token:
        tok = self.peek()
        if tok.kind != "id":
            fail(tok, f"expected a value after '{key.text}=', found {describe(tok)}. "
                       'Hint: quote values, e.g. pos="1,2".')
        start, text = self.text_value()
        return start._replace(text=text)

    def attr_lists(self) -> list[Attr]:
        attrs: list[Attr] = []
        while self.peek().kind == "[":
            opener = self.next()
            while (tok := self.peek()).kind != "]":
                if tok.kind in (",", ";"):
                    self.next()
                elif tok.kind == "id":
                    key = self.next()
                    val = None
                    if self.peek().kind == "=":
                        self.next()
                        val = self.value(key)
                    attrs.append((key, val))
                elif tok.kind in ("eof", "edge", "{", "}", "["):
                    fail(opener, f"this '[' is never closed; expected ']' before "
                                  f"{describe(tok)} at line {tok.line}, column {tok.column}.")
                else:
                    fail(tok, f"expected an attribute (such as exposure or pos=\"1,2\") or ']' "
                               f"in the list opened at line {opener.line}, column "
                               f"{opener.column}, found {describe(tok)}.")
            self.next()
        return attrs

    def edge_chain(self, left: list[str]) -> list[str]:
        members = dict.fromkeys(left)
        segments: list[tuple[Token, list[str], list[str]]] = []
        while self.peek().kind == "edge":
            op = self.next()
            right = self.operand(f"a node name or '{{' after '{op.text}'", " " + _ARROW_HINT)
            self.check_direction(op, left, right)
            segments.append((op, left, right))
            members.update(dict.fromkeys(right))
            left = right
        both = self.edge_direction(self.attr_lists())
        for op, lhs, rhs in segments:
            self.add_edges(op, lhs, rhs, both)
        return list(members)

    def check_direction(self, op: Token, left: list[str], right: list[str]) -> None:
        if op.text in ("->", "<-", "<->"):
            return
        shown = f"{_show_operand(left)} {op.text} {_show_operand(right)}"
        what = ("is undirected" if op.text == "--"
                else "has a PAG circle mark '@', which is not an edge of a causal DAG")
        extra = (" A DOT 'graph { }' is undirected: write 'digraph { a -> b }' instead."
                 if self.kind == "graph" else "")
        fail(op, f"the edge {shown} {what}. Hint: orient it as -> or use <-> for a latent "
                  f"common cause.{extra}")

    def edge_direction(self, attrs: list[Attr]) -> bool:
        """True when the edge attributes say ``dir=both``; ``dir=none`` is an error."""
        both = False
        for key, val in attrs:
            if key.text.lower() == "dir" and val is not None:
                if val.text.lower() == "none":
                    fail(val, "'dir=none' makes the edge undirected. Hint: orient it as -> or "
                               "use <-> for a latent common cause.")
                both = val.text.lower() == "both"
        return both

    def add_edges(self, op: Token, left: list[str], right: list[str], both: bool) -> None:
        # Checked before the groups are multiplied out: {a b ...} -> {c d ...} writes
        # len(left) * len(right) edges from a few characters each. Repeats are bounded too
        # (they cost the work of an edge each), at four times the limit.
        out = self.out
        out.written += len(left) * len(right)
        if out.written > 4 * MAX_EDGES:
            fail(op, f"with this statement the text writes {out.written:,} edges (repeats "
                     f"included), more than {4 * MAX_EDGES:,}. {TOO_BIG_HINT}")
        for a in left:
            for b in right:
                if a == b:
                    fail(op, f"the edge {_show_operand([a])} {op.text} {_show_operand([b])} "
                              "joins a node to itself: a variable cannot cause itself. "
                              "Hint: remove that edge.")
                if both or op.text == "<->":
                    out.bidirected.setdefault((a, b), None)
                else:
                    out.edges.setdefault((a, b) if op.text == "->" else (b, a), None)
        total = len(out.edges) + len(out.bidirected)
        if total > MAX_EDGES:
            fail(op, f"with this statement the graph has {total:,} edges, more than the limit "
                     f"of {MAX_EDGES:,}. {TOO_BIG_HINT}")

    # ------------------------------------------------------------ node attributes
    def node_attributes(self, node: str, attrs: list[Attr]) -> None:
        for key, val in attrs:
            word = key.text.lower()
            if word in ROLE_WORDS:
                if val is None or val.text.lower() not in _FALSE:
                    self.add_role(node, ROLE_WORDS[word])
            elif word in ("role", "roles") and val is not None:
                for part in val.text.replace(",", " ").split():
                    self.add_role(node, self.role_word(val, part))
            elif word == "observed" and val is not None and val.text.lower() in _FALSE:
                self.add_role(node, "latent")
            elif word == "pos" and val is not None:
                self.out.positions[node] = parse_position(val, node)
            elif word == "label" and val is not None:
                self.out.labels[node] = val.text
            elif word in ("pos", "label", "role", "roles", "observed"):
                fail(key, f"the attribute '{key.text}' of node '{node}' needs a value, "
                           f'e.g. {word}="{_EXAMPLES[word]}".')
            elif val is None:
                fail(key, _unknown_word(key.text, f"attribute word '{key.text}' for node "
                                                   f"'{node}'"))

    def role_word(self, tok: Token, word: str) -> str:
        if word.lower() not in ROLE_WORDS:
            fail(tok, _unknown_word(word, f"role '{word}' in role=\"{tok.text}\""))
        return ROLE_WORDS[word.lower()]

    def add_role(self, node: str, role: str) -> None:
        self.out.roles.setdefault(node, set()).add(role)


def _unknown_word(word: str, what: str) -> str:
    close = difflib.get_close_matches(word.lower(), list(ROLE_WORDS), n=1)
    guess = f" Did you mean '{close[0]}'?" if close else ""
    return (f"unknown {what}.{guess} Valid role words: {_ROLE_LIST}. "
            'Other attributes need a value, e.g. pos="1,2" or label="Age".')


def _show_operand(names: list[str]) -> str:
    shown = [format_name(n) for n in names]
    return shown[0] if len(shown) == 1 else "{" + " ".join(shown) + "}"


def parse_position(tok: Token, node: str) -> tuple[float, float]:
    """Read ``"x,y"`` (Graphviz's ``"x,y!"`` too) from the value token ``tok``."""
    parts = tok.text.strip().rstrip("!").split(",")
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y)):
        fail(tok, f"the position {tok.text!r} of node '{node}' is not two finite numbers. "
                   'Hint: write pos="x,y", e.g. pos="1.5,-2".')
    return x, y


# ---------------------------------------------------------------------------------- entry
def _is_header(parser: _Parser) -> bool:
    first = parser.peek()
    k = 1 if first.kind == "id" and first.text.lower() == "strict" else 0
    head, after = parser.peek(k), parser.peek(k + 1)
    return (head.kind == "id" and not head.quoted and head.text.lower() in _HEADERS
            and (after.kind in ("{", "id") or k == 1))


def _check_foreign(parser: _Parser) -> None:
    head, second, third = parser.peek(), parser.peek(1), parser.peek(2)
    if head.kind != "id" or head.quoted or third is second:  # fewer than three tokens
        return
    if second.kind == "{" or (second.kind == "id" and third.kind == "{"):
        fail(head, f"this text starts with '{head.text} {{', which is not a supported graph "
                    f"type. Supported formats: {SUPPORTED_FORMATS}. DAGitty's 'mag' and 'pag' "
                    "graphs are not causal DAGs; write the model as 'dag { ... }'.")


def parse_statements(text: str) -> CausalGraph:
    """Parse a DAGitty/DOT graph (``dag``, ``digraph``, ``pdag``, ``graph``) or plain edge lines.

    Parameters
    ----------
    text : str
        ``dag { x [exposure]; x -> y }``, ``digraph { "a" -> "b" }`` or lines like ``a -> b``.

    Returns
    -------
    CausalGraph

    Raises
    ------
    GraphError
        On a syntax error (with ``line`` and ``column``), an unknown attribute word, a bad
        position, an undirected edge, or a cycle.
    """
    parser = _Parser(tokens(text))
    if _is_header(parser):
        parser.graph()
    else:
        _check_foreign(parser)
        parser.statements(None)
    return parser.out.build()


# ---------------------------------------------------------------------------------- writing
def quote(text: str) -> str:
    """``text`` as a double-quoted string, escaping ``\\`` and ``"``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_name(name: str) -> str:
    """``name`` as written in DAGitty: bare when that reads back the same, quoted otherwise."""
    body = name[1:] if name.startswith("-") else name
    safe = body != "" and all(is_name_char(c) for c in body)
    return name if safe and name.lower() not in _RESERVED else quote(name)


def join_attributes(items: Iterable[str]) -> str:
    """`` [a,b]`` from the attribute texts, or ``""`` when there are none."""
    items = list(items)
    return f" [{','.join(items)}]" if items else ""
