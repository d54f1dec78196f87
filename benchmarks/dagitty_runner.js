// Side-by-side timing with DAGitty's own engine (never a runtime dependency of the app).
// Usage: node dagitty_runner.js path/to/dagitty-alg.js < cases.json > results.json
// cases.json: [{"dag": "dag { ... }", "x": "a", "y": "b", "what": ["sets", "instruments"]}]
// The bundle is DAGitty's prebuilt algorithm file (r/inst/js/dagitty-alg.js in jtextor/dagitty).
"use strict";
const fs = require("fs");
const vm = require("vm");
const ctx = { console };
vm.createContext(ctx);
vm.runInContext(fs.readFileSync(process.argv[2], "utf8") + "\nthis.DAGitty = DAGitty;", ctx);
const D = ctx.DAGitty;
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
const out = [];
for (const c of cases) {
  const g = D.GraphParser.parseGuess(c.dag);
  g.removeAllSources().addSource(g.getVertex(c.x));
  g.removeAllTargets().addTarget(g.getVertex(c.y));
  const r = { x: c.x, y: c.y };
  if (c.what.includes("sets")) {
    const t0 = process.hrtime.bigint();
    const sets = D.GraphAnalyzer.listMsasTotalEffect(g);
    r.sets_seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    r.sets = sets.map((s) => s.map((v) => v.id).sort());
  }
  if (c.what.includes("instruments")) {
    const t0 = process.hrtime.bigint();
    const iv = D.GraphAnalyzer.conditionalInstruments(g, g.getVertex(c.x), g.getVertex(c.y));
    r.instruments_seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    r.instruments = (iv || []).map((p) => [p[0].id, p[1].map((v) => v.id).sort()]);
  }
  out.push(r);
}
process.stdout.write(JSON.stringify(out));
