"""Hypothesis fuzzing of the loaders: for any bytes or text, only CausalCoreError may escape."""

from __future__ import annotations

import gzip

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import causal_core as cc

_EXTS = ["csv", "tsv", "txt", "xlsx", "parquet", "csv.gz"]
_SETTINGS = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


def _load(raw: bytes, ext: str) -> None:
    try:
        cc.load_table(raw, f"f.{ext}")
    except cc.CausalCoreError:
        pass


@_SETTINGS
@given(st.binary(max_size=2_000), st.sampled_from(_EXTS))
def test_load_table_random_bytes(raw, ext):
    _load(raw, ext)


_CELL = st.one_of(st.text(max_size=6), st.sampled_from(
    ["inf", "-Infinity", "NaN", "NA", "1,5", "1.234,5", "1e400", '"', '""', ",", ";", "\t",
     "\n", "\r", "true", "2024-01-02", "01/02/2024", "\u202e", "\x00"]),
    st.integers().map(str), st.floats().map(str))


@_SETTINGS
@given(st.lists(st.lists(_CELL, min_size=1, max_size=5), min_size=1, max_size=8),
       st.sampled_from([",", ";", "\t", "|"]), st.sampled_from(["utf-8", "utf-16", "cp932", "cp1252"]),
       st.booleans())
def test_load_table_structured_tables(rows, delim, encoding, compress):
    text = "\n".join(delim.join(r) for r in rows)
    raw = text.encode(encoding, errors="replace")
    if compress:
        _load(gzip.compress(raw), "csv.gz")
    else:
        _load(raw, "csv")


_GRAPH_BITS = st.sampled_from(
    ["dag", "digraph", "graph", "{", "}", "[", "]", "->", "<-", "<->", "--", ";", ",", "=",
     '"', "x", "y", "pos", "exposure", "\n", " ", "subgraph", "#", "/*", "*/", "+", "directed 1",
     "node", "id", "label", "source", "target", "edge", '{"format": "causal-explorer-graph"',
     '"version": 1', '"nodes": [', '"edges": [', ":"])


@_SETTINGS
@given(st.one_of(st.text(max_size=300), st.lists(_GRAPH_BITS, max_size=60).map("".join)))
def test_graph_parse_random_text(text):
    try:
        cc.CausalGraph.parse(text)
    except cc.CausalCoreError:
        pass


@_SETTINGS
@given(st.binary(max_size=500))
def test_graph_file_import_random_bytes(raw):
    # what the Model page does with an uploaded graph file
    try:
        cc.CausalGraph.parse(cc.decode_text(raw, "g.txt"))
    except cc.CausalCoreError:
        pass
