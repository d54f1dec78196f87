/* Causal Explorer DAG editor: vis-network (from the installed pyvis package) inside a
 * bidirectional Streamlit component, written without a build step.
 *
 * Python sends (args): nodes and edges styled by pyvis, options, height, readonly, the biasing
 * paths through each node (`paths`, a list of [node, [edge vis ids]]), a `mark` to draw distinctly
 * (e.g. a hedge), the data's `columns` (offered as nodes), `version` (bumped on every change
 * from outside the drawing) and `ack` (the last edit Python applied).
 *
 * Any name works: the model keeps nodes in a Map and vis-network only ever sees prefixed ids
 * ("n:" + name, "e:"/"b:" + JSON), so `__proto__`, `constructor` or `toString` are names like
 * any other. Names reach the DOM only through textContent or canvas labels, with bidirectional
 * control characters shown as visible tags so a name cannot reverse the text around it.
 *
 * Edits apply in the browser at once and are sent to Python in batches: after a short idle,
 * and at once when the pointer or focus leaves the editor (so a click on the app's navigation
 * never loses the last edit). A rerun that answers an older batch never overwrites newer
 * local edits.
 */
(function () {
  "use strict";

  const ROLE_KEYS = { e: "exposure", o: "outcome", u: "latent", a: "adjusted" };
  const EXCLUSIVE = { exposure: "outcome", outcome: "exposure" };
  const IDLE_MS = 400;
  const INST = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const MARK_COLOUR = "#6b46c1";
  const PATH_COLOUR = "#d53f8c";
  // bidirectional controls and invisible separators, shown as tags (e.g. "⟦U+202E⟧")
  const INVISIBLE = /[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;

  let network = null;
  let nodesDS = null;
  let edgesDS = null;
  const drawnNodes = new Map();  // vis id -> JSON of what the DataSet holds
  const drawnEdges = new Map();
  let model = emptyModel();
  let undoStack = [];
  let redoStack = [];
  let seq = 0;            // number of the last batch sent
  let dirty = 0;          // local edits not yet sent
  let actions = [];       // what the pending batch did
  let timer = null;
  let lastArgsKey = null;
  let lastVersion = null;
  let lastAck = {};
  let scope = "";         // which analysis this drawing belongs to (from Python)
  let gesture = false;    // a mouse button is down on the drawing
  let deferred = null;    // a render that arrived during the gesture
  let paths = new Map();  // node name -> edge vis ids of its open biasing paths
  let pathsOn = new Set();  // edge vis ids drawn as a biasing path now
  let mark = { nodes: new Set(), edges: new Set() };
  let styled = { nodes: new Map(), edges: new Map() };  // Python's styles by name / edge key
  let columns = [];
  let readonly = false;
  // the editor's own latencies, in ms: renders of Python's arguments; edits from the input
  // that made them (button release, key, or the name prompt closing) to the drawing updated
  const timing = { renders: [], lastRenderMs: 0, edits: [] };
  let lastInput = 0;

  // ---------------------------------------------------------------- ids and names
  function emptyModel() { return { nodes: new Map(), edges: [], bidirected: [] }; }
  function setNodes(m, nodes) {  // Python's nodes and a sent batch's have the same shape
    (nodes || []).forEach(function (n) { m.nodes.set(String(n.id), { roles: (n.roles || []).slice(), x: n.x, y: n.y }); });
  }
  function nid(name) { return "n:" + name; }
  function nameOf(visId) { return String(visId).slice(2); }
  function edgeKey(a, b) { return JSON.stringify([a, b]); }
  function biKey(a, b) { return JSON.stringify(["<->"].concat([a, b].sort())); }
  function eid(a, b) { return "e:" + edgeKey(a, b); }
  function bid(a, b) { return "b:" + biKey(a, b); }
  function shown(text) {
    return String(text).replace(INVISIBLE, function (c) {
      return "\u27e6U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "\u27e7";
    });
  }
  function q(name) { return "\u201c" + shown(name) + "\u201d"; }

  // ---------------------------------------------------------------- Streamlit protocol
  function post(type, extra) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, extra), "*");
  }
  function setHeight() {
    post("streamlit:setFrameHeight", { height: document.body.scrollHeight + 4 });
  }
  function modelValue() {
    const nodes = [];
    model.nodes.forEach(function (n, id) { nodes.push({ id: id, roles: n.roles.slice().sort(), x: n.x, y: n.y }); });
    return { nodes: nodes, edges: model.edges.map(function (e) { return e.slice(); }),
      bidirected: model.bidirected.map(function (e) { return e.slice(); }) };
  }
  function flush() {
    if (timer !== null) { window.clearTimeout(timer); timer = null; }
    if (!dirty || readonly) return;
    seq += 1;
    const value = Object.assign({ inst: INST, seq: seq, base: lastVersion,
      action: actions[actions.length - 1], actions: actions.slice(-50), edits: dirty }, modelValue());
    dirty = 0;
    actions = [];
    keepUnanswered(value);
    post("streamlit:setComponentValue", { value: value, dataType: "json" });
    showSync();
  }

  // ---------------------------------------------------------------- a batch the page change lost
  // A batch sent as the user clicks another page can be dropped: Streamlit unmounts this frame
  // and ignores a message it had not yet handled. Each batch is a whole drawing, so the last
  // one is kept in this tab's sessionStorage until Python acknowledges it; the next editor of
  // the same analysis sends it again if Python's graph is still the one it was drawn on.
  const UNANSWERED = "causal-explorer.editor.unanswered";
  function keepUnanswered(value) {
    try { sessionStorage.setItem(UNANSWERED, JSON.stringify({ scope: scope, value: value })); }
    catch (e) { /* storage refused: nothing kept, as before */ }
  }
  function forgetUnanswered() {
    try { sessionStorage.removeItem(UNANSWERED); } catch (e) { /* nothing kept */ }
  }
  function lostBatch(args, ack) {
    // the kept batch, if Python never applied it and its graph has not changed since
    let kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(UNANSWERED) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.value) return null;
    const v = kept.value;
    const applied = ack.inst === v.inst && Number(ack.seq) >= Number(v.seq);
    if (applied || v.inst === INST || kept.scope !== scope || v.base !== args.version) {
      if (applied || kept.scope === scope) forgetUnanswered();
      return null;
    }
    return v;
  }
  function modelFromValue(v) {
    const m = emptyModel();
    setNodes(m, v.nodes);
    m.edges = (v.edges || []).map(function (e) { return [String(e[0]), String(e[1])]; });
    m.bidirected = (v.bidirected || []).map(function (e) { return [String(e[0]), String(e[1])]; });
    return m;
  }
  function changed(action, now) {
    dirty += 1;
    actions.push(action);
    if (timer !== null) window.clearTimeout(timer);
    if (now) { flush(); return; }
    timer = window.setTimeout(flush, IDLE_MS);
    showSync();
  }
  function showSync() {
    const el = document.getElementById("sync");
    el.textContent = dirty ? dirty + " edit(s) not yet sent" : "";
  }

  // ---------------------------------------------------------------- status line
  function say(text, isError) {
    const el = document.getElementById("status");
    el.textContent = text;  // never innerHTML: names are user text
    el.className = isError ? "error" : "";
  }

  // ---------------------------------------------------------------- model helpers
  function clone(m) {
    const nodes = new Map();
    m.nodes.forEach(function (n, id) { nodes.set(id, { roles: n.roles.slice(), x: n.x, y: n.y }); });
    return { nodes: nodes, edges: m.edges.map(function (e) { return e.slice(); }),
      bidirected: m.bidirected.map(function (e) { return e.slice(); }) };
  }
  function sameModel(a, b) {
    return JSON.stringify(plain(a)) === JSON.stringify(plain(b));
  }
  function plain(m) {
    return [Array.from(m.nodes.entries()), m.edges, m.bidirected];
  }
  function snapshot() {
    undoStack.push(clone(model));
    if (undoStack.length > 100) undoStack.shift();
    redoStack = [];
    updateButtons();
  }
  function pathBetween(from, to) {
    // a directed path from -> ... -> to in the current model, or null (for cycle messages)
    const children = new Map();
    model.edges.forEach(function (e) {
      if (!children.has(e[0])) children.set(e[0], []);
      children.get(e[0]).push(e[1]);
    });
    const prev = new Map(); const seen = new Set([from]); const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      const v = queue[i];
      if (v === to) {
        const path = [to]; let w = to;
        while (w !== from) { w = prev.get(w); path.unshift(w); }
        return path;
      }
      (children.get(v) || []).forEach(function (c) {
        if (!seen.has(c)) { seen.add(c); prev.set(c, v); queue.push(c); }
      });
    }
    return null;
  }
  function validName(name) {
    if (name === null || name === undefined) return null;
    const trimmed = String(name).trim();
    if (!trimmed) { say("A node needs a name that is not blank.", true); return null; }
    if (/[\u0000-\u001f\u007f]/.test(trimmed)) { say("Names cannot contain line breaks or control characters.", true); return null; }
    if (model.nodes.has(trimmed)) {
      say("There is already a node named " + q(trimmed) + ". Pick another name.", true);
      return null;
    }
    return trimmed;
  }

  // ---------------------------------------------------------------- drawing
  function visNode(id) {
    const n = model.nodes.get(id);
    const base = styled.nodes.get(id) || {};
    const out = Object.assign({}, base, { id: nid(id), label: shown(base.label || id), x: n.x, y: n.y,
      title: shown(base.title || id), physics: false });
    delete out.roles;
    if (mark.nodes.has(id)) {
      out.borderWidth = 5;
      out.color = Object.assign({}, base.color || {}, { border: MARK_COLOUR });
      out.shadow = { enabled: true, color: "rgba(107,70,193,0.55)", size: 12, x: 0, y: 0 };
      out.title = out.title + "\n" + (mark.label || "highlighted");
    }
    return out;
  }
  function visEdge(kind, a, b) {
    const key = kind === "e" ? edgeKey(a, b) : biKey(a, b);
    const base = styled.edges.get(kind + key) || {};
    const out = Object.assign(kind === "e" ? { arrows: "to" } : { arrows: "to, from", dashes: true },
      base, { id: kind + ":" + key, from: nid(a), to: nid(b) });
    delete out.bidirected;
    out.color = out.color || null;  // null: vis-network's default (an update then resets it)
    out.width = out.width || 1.5;
    if (mark.edges.has(out.id)) {
      out.color = { color: MARK_COLOUR };
      out.width = 4;
      out.title = (base.title ? base.title + "\n" : "") + (mark.label || "highlighted");
    }
    if (pathsOn.has(out.id)) { out.color = { color: PATH_COLOUR }; out.width = 4; }
    return out;
  }
  function sync(ds, drawn, want) {
    // update only what changed: a rerun's render mid-gesture must not disturb vis-network
    const keep = new Set();
    const changedItems = [];
    want.forEach(function (item) {
      keep.add(item.id);
      const text = JSON.stringify(item);
      if (drawn.get(item.id) !== text) { drawn.set(item.id, text); changedItems.push(item); }
    });
    const gone = [];
    drawn.forEach(function (_t, id) { if (!keep.has(id)) gone.push(id); });
    gone.forEach(function (id) { drawn.delete(id); });
    if (gone.length) ds.remove(gone);
    if (changedItems.length) ds.update(changedItems);
  }
  function redraw() {
    const wantN = [];
    model.nodes.forEach(function (_n, id) { wantN.push(visNode(id)); });
    sync(nodesDS, drawnNodes, wantN);
    const want = [];
    model.edges.forEach(function (e) { want.push(visEdge("e", e[0], e[1])); });
    model.bidirected.forEach(function (e) { want.push(visEdge("b", e[0], e[1])); });
    sync(edgesDS, drawnEdges, want);
    drawColumns();
  }

  // ---------------------------------------------------------------- edits
  function commit(action, message) {
    redraw();
    if (lastInput) timing.edits.push([action, performance.now() - lastInput]);
    changed(action, action === "relayout");
    if (message) say(message, false);
  }
  function addNodeAt(x, y) {
    const answer = window.prompt("Name of the new variable (a column name to match the data):", "");
    lastInput = performance.now();
    const name = validName(answer);
    if (name === null) return;
    snapshot();
    model.nodes.set(name, { roles: [], x: Math.round(x), y: Math.round(y) });
    commit("add-node", "Added " + q(name) + ".");
  }
  function freeSpot(i) {
    // below the drawing, in rows of eight
    let maxY = -Infinity; let minX = Infinity;
    model.nodes.forEach(function (n) { if (n.y > maxY) maxY = n.y; if (n.x < minX) minX = n.x; });
    if (maxY === -Infinity) { maxY = -120; minX = 0; }
    return { x: Math.round(minX + (i % 8) * 170), y: Math.round(maxY + 120 * (1 + Math.floor(i / 8))) };
  }
  function addColumns(names) {
    const fresh = names.filter(function (c) { return !model.nodes.has(c); });
    if (!fresh.length) return;
    snapshot();
    const spots = fresh.map(function (_c, i) { return freeSpot(i); });
    fresh.forEach(function (c, i) { model.nodes.set(c, { roles: [], x: spots[i].x, y: spots[i].y }); });
    commit("add-columns", "Added " + (fresh.length === 1 ? q(fresh[0]) : fresh.length + " columns") + " as nodes.");
    network.fit({ animation: false });
  }
  function tryAddEdge(from, to) {
    if (from === to) { say("An arrow from a variable to itself is a self-loop: refused.", true); return false; }
    if (model.edges.some(function (e) { return e[0] === from && e[1] === to; })) {
      say("That arrow is already there.", true); return false;
    }
    const back = pathBetween(to, from);
    if (back) {
      say("Refused: " + shown(from) + " \u2192 " + shown(to) + " would close the cycle " +
          back.concat([to]).map(shown).join(" \u2192 ") + ". A causal DAG cannot loop back.", true);
      return false;
    }
    snapshot();
    model.edges.push([from, to]);
    commit("add-edge", "Added " + shown(from) + " \u2192 " + shown(to) + ".");
    return true;
  }
  function deleteSelection() {
    const sel = network.getSelection();
    if (!sel.nodes.length && !sel.edges.length) { say("Select a node or an arrow first.", true); return; }
    snapshot();
    const gone = new Set(sel.nodes.map(nameOf));
    gone.forEach(function (id) { model.nodes.delete(id); });
    const goneE = new Set(sel.edges.map(String));
    model.edges = model.edges.filter(function (e) {
      return !gone.has(e[0]) && !gone.has(e[1]) && !goneE.has(eid(e[0], e[1]));
    });
    model.bidirected = model.bidirected.filter(function (e) {
      return !gone.has(e[0]) && !gone.has(e[1]) && !goneE.has(bid(e[0], e[1]));
    });
    network.unselectAll();
    commit("delete", "Deleted " + (sel.nodes.length ? sel.nodes.length + " node(s)" : sel.edges.length + " arrow(s)") + ".");
  }
  function selectedNames() { return network.getSelectedNodes().map(nameOf); }
  function renameSelected() {
    const sel = selectedNames();
    if (sel.length !== 1) { say("Select one node to rename.", true); return; }
    const old = sel[0];
    const answer = window.prompt("New name for " + q(old) + ":", old);
    lastInput = performance.now();
    const name = validName(answer);
    if (name === null) return;
    snapshot();
    const nodes = new Map();
    model.nodes.forEach(function (n, id) { nodes.set(id === old ? name : id, n); });  // keeps the order
    model.nodes = nodes;
    const swap = function (e) { return e.map(function (v) { return v === old ? name : v; }); };
    model.edges = model.edges.map(swap);
    model.bidirected = model.bidirected.map(swap);
    if (styled.nodes.has(old)) {
      const st = Object.assign({}, styled.nodes.get(old)); delete st.label; delete st.title;
      styled.nodes.set(name, st);
    }
    commit("rename", "Renamed " + q(old) + " to " + q(name) + ".");
    network.selectNodes([nid(name)]);
  }
  function toggleRole(role) {
    const sel = selectedNames();
    if (sel.length !== 1) { say("Select one node, then press e, o, u or a.", true); return; }
    const id = sel[0];
    snapshot();
    const roles = model.nodes.get(id).roles;
    const at = roles.indexOf(role);
    if (at >= 0) {
      roles.splice(at, 1);
    } else {
      if (role === "exposure" || role === "outcome") {  // one exposure and one outcome, like DAGitty's keys
        model.nodes.forEach(function (n) { const i = n.roles.indexOf(role); if (i >= 0) n.roles.splice(i, 1); });
        const other = roles.indexOf(EXCLUSIVE[role]); if (other >= 0) roles.splice(other, 1);
      }
      roles.push(role);
    }
    commit("role", (at >= 0 ? "Removed " : "Marked ") + q(id) + " " + (at >= 0 ? "from " : "as ") + role + ".");
  }
  function undo() {
    if (!undoStack.length) return;
    redoStack.push(clone(model)); model = undoStack.pop(); commit("undo", "Undone."); updateButtons();
  }
  function redo() {
    if (!redoStack.length) return;
    undoStack.push(clone(model)); model = redoStack.pop(); commit("redo", "Redone."); updateButtons();
  }
  function updateButtons() {
    document.querySelector('[data-act="undo"]').disabled = !undoStack.length;
    document.querySelector('[data-act="redo"]').disabled = !redoStack.length;
  }

  // ---------------------------------------------------------------- highlight biasing paths
  function edgeFromId(vid) {
    const kind = vid.charAt(0); const pair = JSON.parse(vid.slice(2));
    return kind === "e" ? visEdge("e", pair[0], pair[1]) : visEdge("b", pair[1], pair[2]);
  }
  function showPaths(name) {
    // touch only the edges whose state changes (a 1,000-edge graph stays quick to select in)
    const on = new Set(name === null ? [] : (paths.get(name) || []));
    const affected = new Set(Array.from(pathsOn).concat(Array.from(on)));
    pathsOn = on;
    const items = [];
    affected.forEach(function (id) {
      if (!drawnEdges.has(id)) return;
      const item = edgeFromId(id);
      drawnEdges.set(id, JSON.stringify(item));
      items.push(item);
    });
    if (items.length) edgesDS.update(items);
    if (name !== null && on.size) say("Highlighted: the open biasing paths through " + q(name) + ".", false);
  }

  // ---------------------------------------------------------------- the data's columns
  function drawColumns() {
    const box = document.getElementById("columns");
    while (box.firstChild) box.removeChild(box.firstChild);
    const missing = readonly ? [] : columns.filter(function (c) { return !model.nodes.has(c); });
    const wasHidden = box.hidden;
    box.hidden = !missing.length;
    if (!missing.length) { if (!wasHidden) setHeight(); return; }
    const lead = document.createElement("span"); lead.className = "lead";
    lead.textContent = "Columns not in the graph:";
    box.appendChild(lead);
    missing.slice(0, 60).forEach(function (c) {
      const b = document.createElement("button"); b.className = "chip"; b.type = "button";
      b.textContent = "+ " + shown(c); b.title = "Add " + shown(c) + " as a node";
      b.addEventListener("click", function () { addColumns([c]); });
      box.appendChild(b);
    });
    if (missing.length > 60) {
      const more = document.createElement("span"); more.textContent = "\u2026 and " + (missing.length - 60) + " more";
      box.appendChild(more);
    }
    const all = document.createElement("button"); all.className = "chip all"; all.type = "button";
    all.setAttribute("data-act", "add-columns");
    all.textContent = "Add these columns as nodes (" + missing.length + ")";
    all.addEventListener("click", function () { addColumns(missing); });
    box.appendChild(all);
    setHeight();
  }

  // ---------------------------------------------------------------- setup
  function setup(args) {
    const container = document.getElementById("net");
    container.style.height = (args.height || 480) + "px";
    nodesDS = new vis.DataSet();
    edgesDS = new vis.DataSet();
    const options = Object.assign({}, args.options || {});
    options.manipulation = {
      enabled: false,
      addNode: function (data, callback) { callback(null); addNodeAt(data.x, data.y); },
      addEdge: function (data, callback) {
        callback(null);
        tryAddEdge(nameOf(data.from), nameOf(data.to));
        stayInArrowMode();
      },
    };
    network = new vis.Network(container, { nodes: nodesDS, edges: edgesDS }, options);
    network.on("dragEnd", function (params) {
      if (!params.nodes.length || readonly) return;
      const pos = network.getPositions(params.nodes);
      let moved = false;
      params.nodes.forEach(function (vid) {
        const p = pos[vid]; const n = model.nodes.get(nameOf(vid));
        if (n && p && (Math.round(p.x) !== n.x || Math.round(p.y) !== n.y)) {
          if (!moved) { snapshot(); moved = true; }
          n.x = Math.round(p.x); n.y = Math.round(p.y);
        }
      });
      if (moved) changed("move", false);
    });
    network.on("doubleClick", function (params) {
      if (readonly) return;
      if (params.nodes.length === 1) { renameSelected(); } else if (!params.nodes.length && !params.edges.length) {
        addNodeAt(params.pointer.canvas.x, params.pointer.canvas.y);
      }
    });
    network.on("selectNode", function (p) { showPaths(nameOf(p.nodes[0])); });
    network.on("deselectNode", function () { showPaths(null); });
    document.getElementById("toolbar").addEventListener("click", function (ev) {
      const btn = ev.target.closest("button"); if (!btn) return;
      const act = btn.getAttribute("data-act");
      if (act === "add-edge") {
        const on = !btn.classList.contains("active");
        btn.classList.toggle("active", on);
        if (on) { network.addEdgeMode(); say("Drag from a cause to its effect. Click \u2192 Arrow again to stop.", false); }
        else { network.disableEditMode(); say("", false); }
        return;
      }
      handle(act);
      container.focus();
    });
    document.addEventListener("keydown", function (ev) {
      lastInput = performance.now();
      if (readonly || ev.target.tagName === "INPUT" || ev.target.tagName === "TEXTAREA") return;
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "z") { ev.preventDefault(); undo(); return; }
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "y") { ev.preventDefault(); redo(); return; }
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "s") { ev.preventDefault(); flush(); return; }
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const k = ev.key.toLowerCase();
      if (ROLE_KEYS[k]) { ev.preventDefault(); toggleRole(ROLE_KEYS[k]); }
      else if (k === "delete" || k === "backspace") { ev.preventDefault(); deleteSelection(); }
      else if (k === "n") { ev.preventDefault(); const c = network.getViewPosition(); addNodeAt(c.x, c.y); }
      else if (k === "r") { ev.preventDefault(); renameSelected(); }
      else if (k === "f") { ev.preventDefault(); network.fit(); }
    });
    container.addEventListener("pointerdown", function () { gesture = true; }, true);
    const release = function () {
      lastInput = performance.now();
      if (!gesture) return;
      gesture = false;
      // after vis-network has handled the release (the new arrow is in the model by then)
      window.setTimeout(function () { if (deferred && !gesture) { const a = deferred; deferred = null; onRender(a); } }, 0);
    };
    window.addEventListener("pointerup", release, true);
    window.addEventListener("pointercancel", release, true);
    // the last edit is sent before anything outside the editor can act on the page
    document.documentElement.addEventListener("mouseleave", flush);
    window.addEventListener("blur", flush);
    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", function () { if (document.hidden) flush(); });
    updateButtons();
    // a handle for tests and debugging (the model is user data, nothing executable)
    window.__dagEditor = { network: network, nodes: nodesDS, edges: edgesDS, nid: nid, timing: timing,
      model: function () {
        const v = modelValue(); const nodes = {};
        // Object.defineProperty: a node named "__proto__" is an own key like any other
        v.nodes.forEach(function (n) {
          Object.defineProperty(nodes, n.id, { value: { roles: n.roles, x: n.x, y: n.y }, enumerable: true });
        });
        return { nodes: nodes, names: v.nodes.map(function (n) { return n.id; }), edges: v.edges, bidirected: v.bidirected };
      },
      pending: function () { return dirty; }, sent: function () { return seq; }, inst: INST,
      // every edit made here has been sent and Python has answered the last batch
      synced: function () { return !dirty && (seq === 0 || (lastAck.inst === INST && lastAck.seq === seq)); },
      flush: flush, addColumns: addColumns };
  }
  function arrowModeOn() {
    const btn = document.querySelector('[data-act="add-edge"]');
    return btn && btn.classList.contains("active");
  }
  function stayInArrowMode() {
    // vis-network leaves edit mode after each added edge; go back in once it has finished
    // (only when it has left: entering again mid-drag would turn the drag into a pan)
    window.setTimeout(function () {
      if (arrowModeOn() && network.manipulation.inMode !== "addEdge") network.addEdgeMode();
    }, 0);
  }
  function handle(act) {
    if (act === "add-node") { const c = network.getViewPosition(); addNodeAt(c.x, c.y); }
    else if (act === "rename") renameSelected();
    else if (act === "delete") deleteSelection();
    else if (act.indexOf("role-") === 0) toggleRole(act.slice(5));
    else if (act === "undo") undo();
    else if (act === "redo") redo();
    else if (act === "fit") network.fit();
    else if (act === "relayout") { snapshot(); changed("relayout", true); say("Laid out again.", false); }
  }

  function drawLegend(items) {
    const box = document.getElementById("legend");
    while (box.firstChild) box.removeChild(box.firstChild);
    (items || []).forEach(function (it) {
      const item = document.createElement("span"); item.className = "item";
      const sw = document.createElement("span"); sw.className = "swatch" + (it.style ? " " + it.style : "");
      sw.style.background = it.colour;
      if (it.border) sw.style.borderColor = it.border;
      const label = document.createElement("span"); label.textContent = shown(it.label);
      item.appendChild(sw); item.appendChild(label); box.appendChild(item);
    });
  }

  function adoptStyles(args) {
    styled = { nodes: new Map(), edges: new Map() };
    (args.nodes || []).forEach(function (n) { styled.nodes.set(String(n.id), n); });
    (args.edges || []).forEach(function (e) {
      styled.edges.set(e.bidirected ? "b" + biKey(e.from, e.to) : "e" + edgeKey(e.from, e.to), e);
    });
    paths = new Map();
    (args.paths || []).forEach(function (p) { paths.set(String(p[0]), p[1].map(String)); });
    const m = args.mark || {};
    mark = { nodes: new Set((m.nodes || []).map(String)),
      edges: new Set((m.edges || []).map(function (e) { return eid(e[0], e[1]); })
        .concat((m.bidirected || []).map(function (e) { return bid(e[0], e[1]); }))),
      label: m.label || "" };
    columns = (args.columns || []).map(String);
  }
  function modelFromArgs(args) {
    const m = emptyModel();
    setNodes(m, args.nodes);
    (args.edges || []).forEach(function (e) {
      if (e.bidirected) m.bidirected.push([e.from, e.to]); else m.edges.push([e.from, e.to]);
    });
    return m;
  }

  function onRender(args) {
    if (gesture && network !== null) {
      // vis-network leaves edit mode on any data change, which would drop an arrow being
      // drawn: a render that arrives mid-gesture waits until the button is released
      deferred = args;
      return;
    }
    const t0 = performance.now();
    window.__dagEditorArgs = args;
    readonly = !!args.readonly;
    document.body.classList.toggle("readonly", readonly);
    const first = network === null;
    if (first) setup(args);
    const key = JSON.stringify([args.nodes, args.edges, args.paths, args.mark, args.columns,
      args.version, args.ack]);
    if (key === lastArgsKey) { setHeight(); return; }
    lastArgsKey = key;
    const external = args.version !== lastVersion;
    const ack = args.ack || {};
    const answered = ack.inst === INST && ack.seq === seq;
    lastAck = ack;
    scope = String(args.scope || "");
    const lost = first && !readonly ? lostBatch(args, ack) : null;
    if (answered && !dirty) forgetUnanswered();
    adoptStyles(args);
    // Python's graph is the truth when it changed from outside the drawing, or when it has
    // applied every batch this editor sent; otherwise this render answers an older batch and
    // the newer local edits stay (they are on their way).
    if (first || external || (answered && !dirty)) {
      const m = modelFromArgs(args);
      if (!first && external && !sameModel(m, model)) snapshot();
      model = m;
    }
    lastVersion = args.version;
    if (lost) {  // drawn and sent again as this editor's own first batch
      model = modelFromValue(lost);
      dirty = Math.max(1, Number(lost.edits) || 1);
      actions = (lost.actions || []).slice();
      flush();
      say("Your last edits had not reached the analysis when the page changed; they were sent again.", false);
    }
    drawLegend(args.legend);
    redraw();
    if (first) { network.fit({ animation: false }); }
    if (arrowModeOn()) stayInArrowMode();
    if (args.message) say(args.message, !!args.message_is_error);
    setHeight();
    timing.lastRenderMs = performance.now() - t0;
    timing.renders.push(timing.lastRenderMs);
  }

  window.addEventListener("message", function (event) {
    const data = event.data || {};
    if (data.type === "streamlit:render") onRender(data.args || {});
  });
  post("streamlit:componentReady", { apiVersion: 1 });
  window.addEventListener("load", setHeight);
})();
