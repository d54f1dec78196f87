"""Hostile and large inputs: time and peak memory of each, one fresh process per case.

Each case is generated here, written to a temporary file, then loaded in a child process that
first warms up (imports, one tiny load of each format: a server imports pyarrow and openpyxl
once, not per upload) and then measures the wall time and the growth of its
peak RSS while ``load_table`` or ``CausalGraph.parse`` runs: the kernel's peak (``VmHWM``) is
reset through ``/proc/self/clear_refs`` and compared with the resident size (``VmRSS``) at the
start. (``ru_maxrss`` alone is not enough: a child starts with its parent's peak, and the
parent here holds the generated inputs, so growth below that peak read as zero.) Prints a markdown
table: input, size, outcome, seconds, peak RSS growth, and that growth over the input's size.

    python benchmarks/bench_hostile.py            # every case
    python benchmarks/bench_hostile.py parquet    # the cases whose label contains "parquet"
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parents[1]

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
import causal_core as cc
import io, pandas as pd
cc.load_table(b"a,b\n1,2\n", "warm.csv"); cc.CausalGraph.parse("a -> b")
for suffix, write in ((".parquet", "to_parquet"), (".xlsx", "to_excel")):  # their imports, once
    buf = io.BytesIO(); getattr(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), write)(buf, index=False)
    cc.load_table(buf.getvalue(), "warm" + suffix)
raw = open(sys.argv[1], "rb").read()
name = sys.argv[2]
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])  # kB
try:  # reset this process's peak RSS: ru_maxrss starts at the parent's peak at fork time
    open("/proc/self/clear_refs", "w").write("5")
    base, peak_of = status("VmRSS"), lambda: status("VmHWM")
except OSError:
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_of = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    if name.endswith(".dag"):
        g = cc.CausalGraph.parse(raw.decode()); outcome = f"read: {len(g.edges):,} edges"
    else:
        df, _ = cc.load_table(raw, name); outcome = f"read: {df.shape[0]:,} x {df.shape[1]:,}"
except cc.CausalCoreError as err:
    outcome = "refused: " + str(err)[:70]
took = time.perf_counter() - t0
peak = peak_of()
print(json.dumps({"outcome": outcome, "seconds": took, "rss_mb": (peak - base) / 1024}))
"""


#: The child allocates as the app's server does: pyarrow through the C allocator
#: (``ui/memory.py``; set there for the server and its workers).
SERVER_ENV = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "system"}


def _xlsx(sheet: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("xl/worksheets/sheet1.xml", "w") as f:
        for _ in range(200):
            f.write(b" " * 2**20)
    return buf.getvalue()


def _gzip_bomb(n_mb: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [c.compress(b"x\n")]
    block = b"1\n" * 2**19
    out += [c.compress(block) for _ in range(n_mb)]
    return b"".join(out) + c.flush()


def _parquet(table) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def cases():
    import pandas as pd
    import pyarrow as pa

    rng = np.random.default_rng(0)
    yield "xlsx, last cell XFD1048576", "bomb.xlsx", _xlsx(
        '<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">'
        '<c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>')
    yield "xlsx zip bomb (200 MB declared)", "zip.xlsx", _zip_bomb()
    yield "parquet, 20M rows in the footer", "rows.parquet", _parquet(
        pa.table({"x": np.zeros(20_000_000, dtype=np.int8)}))
    text = pa.DictionaryArray.from_arrays(pa.array(np.zeros(2_000, dtype=np.int32)),
                                          pa.array(["x" * 1_000_000]))
    yield "parquet, 1 MB text x 2,000 rows", "text.parquet", _parquet(pa.table({"t": text}))
    yield "gzip bomb (300 MB of short rows)", "bomb.csv.gz", _gzip_bomb(300)
    yield "CSV, 100 MB of short rows", "short.csv", b"x\n" + b"1\n" * (50 * 2**20)
    frame = pd.DataFrame(rng.normal(size=(1_000_000, 5)).round(4), columns=list("abcde"))
    yield "CSV, 1M x 5 numbers (legit)", "legit.csv", frame.to_csv(index=False).encode()
    frame["g"] = rng.choice(["north", "south", "east"], 1_000_000)
    yield "CSV, 1M x 6 with a text column", "text.csv", frame.to_csv(index=False).encode()
    yield "parquet, 1M x 6 (legit)", "legit.parquet", _parquet(pa.Table.from_pandas(frame))
    ids = frame.assign(g=[f"id{i:07d}" for i in range(1_000_000)])
    yield "parquet, 1M x 6, unique texts", "ids.parquet", _parquet(pa.Table.from_pandas(ids))
    del ids
    small = pd.DataFrame(rng.integers(0, 5, size=(1_000_000, 6)), columns=list("abcdef"))
    yield "parquet, 1M x 6 small integers", "ints.parquet", _parquet(pa.Table.from_pandas(small))
    small = frame.head(20_000)
    buf = io.BytesIO()
    small.to_excel(buf, index=False)
    yield "xlsx, 20k x 6 (legit)", "legit.xlsx", buf.getvalue()
    for label, sheet in (("unique texts", small.assign(g=[f"id{i:07d}" for i in range(20_000)])),
                         ("small integers", pd.DataFrame(rng.integers(0, 5, size=(20_000, 6))))):
        buf = io.BytesIO()
        sheet.to_excel(buf, index=False)
        yield f"xlsx, 20k x 6, {label}", label.replace(" ", "_") + ".xlsx", buf.getvalue()
    wide = 100_000
    yield "CSV, 100,000 columns x 5 rows", "wide.csv", (
        ",".join(f"c{i}" for i in range(wide)) + "\n"
        + "\n".join(",".join(str((i * j) % 7) for i in range(wide)) for j in range(5))).encode()
    yield "gzip CSV 1M x 6 with a text column", "text.csv.gz", gzip.compress(
        frame.to_csv(index=False).encode(), 6)
    numbers = frame.drop(columns="g").to_csv(index=False)
    yield "gzip CSV 1M x 5 (legit)", "legit.csv.gz", gzip.compress(numbers.encode(), 6)
    yield "gzip CSV 1M x 5, CRLF (legit)", "crlf.csv.gz", gzip.compress(
        numbers.replace("\n", "\r\n").encode(), 6)
    del numbers
    yield "DAG text nested 10,000 deep", "deep.dag", (
        "dag { a -> " + "{" * 10_000 + "b" + "}" * 10_000 + " }").encode()
    yield "JSON graph nested 10,000 deep", "deep.dag", (
        '{"format": ' + "[" * 10_000 + "]" * 10_000 + "}").encode()
    yield "DAG text, 50,000 edges", "edges.dag", "\n".join(
        f"n{i} -> n{i + 1}" for i in range(50_000)).encode()
    yield "DAG text, 19,999 edges (20,000 nodes: the limits)", "limit.dag", "\n".join(
        f"n{i} -> n{i + 1}" for i in range(19_999)).encode()
    yield "DAG groups {1,000} -> {1,000} (10^6 edges)", "groups.dag", (
        "dag { {" + " ".join(f"a{i}" for i in range(1000)) + "} -> {"
        + " ".join(f"b{i}" for i in range(1000)) + "} }").encode()


def main(only: str = "") -> None:
    print("| input | size | outcome | seconds | peak RSS growth | growth / size |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, name, raw in cases():
            if only.lower() not in label.lower():
                continue
            path = os.path.join(tmp, name)
            Path(path).write_bytes(raw)
            del raw
            size = os.path.getsize(path)
            out = subprocess.run([sys.executable, "-c", CHILD, path, name, str(ROOT)],
                                 capture_output=True, text=True, timeout=900, env=SERVER_ENV)
            if out.returncode:
                print(f"| {label} | {size / 2**20:,.2f} MB | CRASH {out.stderr[-200:]!r} | | | |")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            ratio = r["rss_mb"] * 2**20 / size
            print(f"| {label} | {size / 2**20:,.3f} MB | {r['outcome'].replace('|', '/')} | "
                  f"{r['seconds']:.2f} | {r['rss_mb']:,.1f} MB | {ratio:,.1f}× |", flush=True)
            os.remove(path)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]))
