/* Causal Explorer DAG editor: vis-network (from the installed pyvis package) inside a
 * bidirectional Streamlit component, written without a build step.
 *
 * Python sends (args): nodes and edges styled by pyvis, options, height, readonly, and a
 * highlight map (node -> edge ids of its open biasing paths). The editor keeps its own model
 * {nodes: {id: {roles, x, y}}, edges: [[a, b]], bidirected: [[a, b]]} and sends it back after
 * every edit with a sequence number. Node names are untrusted text: they only ever reach the
 * DOM through textContent or vis-network's canvas labels and plain-text titles.
 */
(function () {
  "use strict";

  const ROLE_KEYS = { e: "exposure", o: "outcome", u: "latent", a: "adjusted" };
  const EXCLUSIVE = { exposure: "outcome", outcome: "exposure" };

  let network = null;
  let nodesDS = null;
  let edgesDS = null;
  let model = { nodes: {}, edges: [], bidirected: [] };
  let undoStack = [];
  let redoStack = [];
  let seq = 0;
  let lastArgsKey = null;
  let highlight = {};
  let baseEdgeStyle = {};
  let readonly = false;

  // ---------------------------------------------------------------- Streamlit protocol
  function post(type, extra) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, extra), "*");
  }
  function setHeight() {
    post("streamlit:setFrameHeight", { height: document.body.scrollHeight + 4 });
  }
  function send(action) {
    seq += 1;
    const value = {
      seq: seq,
      action: action,
      nodes: Object.keys(model.nodes).map(function (id) {
        const n = model.nodes[id];
        return { id: id, roles: n.roles.slice().sort(), x: n.x, y: n.y };
      }),
      edges: model.edges.slice(),
      bidirected: model.bidirected.slice(),
    };
    post("streamlit:setComponentValue", { value: value, dataType: "json" });
  }

  // ---------------------------------------------------------------- status line
  function say(text, isError) {
    const el = document.getElementById("status");
    el.textContent = text;  // never innerHTML: names are user text
    el.className = isError ? "error" : "";
  }

  // ---------------------------------------------------------------- model helpers
  function clone(m) { return JSON.parse(JSON.stringify(m)); }
  function edgeId(a, b) { return JSON.stringify([a, b]); }
  function biId(a, b) { return JSON.stringify(["<->"].concat([a, b].sort())); }
  function snapshot() {
    undoStack.push(clone(model));
    if (undoStack.length > 100) undoStack.shift();
    redoStack = [];
    updateButtons();
  }
  function pathBetween(from, to) {
    // a directed path from -> ... -> to in the current model, or null (for cycle messages)
    const children = {};
    model.edges.forEach(function (e) { (children[e[0]] = children[e[0]] || []).push(e[1]); });
    const prev = {}; const seen = {}; const queue = [from]; seen[from] = true;
    while (queue.length) {
      const v = queue.shift();
      if (v === to) {
        const path = [to]; let w = to;
        while (w !== from) { w = prev[w]; path.unshift(w); }
        return path;
      }
      (children[v] || []).forEach(function (c) { if (!seen[c]) { seen[c] = true; prev[c] = v; queue.push(c); } });
    }
    return null;
  }
  function validName(name) {
    if (name === null) return null;
    const trimmed = name.trim();
    if (!trimmed) { say("A node needs a name that is not blank.", true); return null; }
    if (/[\u0000-\u001f\u007f]/.test(trimmed)) { say("Names cannot contain line breaks or control characters.", true); return null; }
    if (Object.prototype.hasOwnProperty.call(model.nodes, trimmed)) {
      say("There is already a node named \u201c" + trimmed + "\u201d. Pick another name.", true);
      return null;
    }
    return trimmed;
  }

  // ---------------------------------------------------------------- drawing
  function visNode(id, styled) {
    const n = model.nodes[id];
    const base = styled || {};
    return Object.assign({}, base, { id: id, label: base.label || id, x: n.x, y: n.y,
      title: base.title || id, physics: false });
  }
  function redrawFromModel(styledNodes, styledEdges) {
    const styledById = {};
    (styledNodes || []).forEach(function (n) { styledById[n.id] = n; });
    const wanted = Object.keys(model.nodes).map(function (id) {
      return visNode(id, styledById[id] || nodesDS.get(id) || { label: id, title: id });
    });
    const keep = {};
    wanted.forEach(function (n) { keep[n.id] = true; });
    nodesDS.remove(nodesDS.getIds().filter(function (id) { return !keep[id]; }));
    nodesDS.update(wanted);
    const edgeStyle = {};
    (styledEdges || []).forEach(function (e) { edgeStyle[e.id] = e; });
    const want = [];
    model.edges.forEach(function (e) {
      const id = edgeId(e[0], e[1]);
      want.push(Object.assign({ arrows: "to" }, baseEdgeStyle[id] || {}, edgeStyle[id] || {},
        { id: id, from: e[0], to: e[1] }));
    });
    model.bidirected.forEach(function (e) {
      const id = biId(e[0], e[1]);
      want.push(Object.assign({ arrows: "to, from", dashes: true }, baseEdgeStyle[id] || {}, edgeStyle[id] || {},
        { id: id, from: e[0], to: e[1] }));
    });
    const keepE = {};
    want.forEach(function (e) { keepE[e.id] = true; });
    edgesDS.remove(edgesDS.getIds().filter(function (id) { return !keepE[id]; }));
    edgesDS.update(want);
  }

  // ---------------------------------------------------------------- edits
  function commit(action, message) {
    redrawFromModel();
    send(action);
    if (message) say(message, false);
  }
  function addNodeAt(x, y) {
    const name = validName(window.prompt("Name of the new variable (a column name to match the data):", ""));
    if (name === null) return;
    snapshot();
    model.nodes[name] = { roles: [], x: Math.round(x), y: Math.round(y) };
    commit("add-node", "Added \u201c" + name + "\u201d.");
  }
  function tryAddEdge(from, to) {
    if (from === to) { say("An arrow from a variable to itself is a self-loop: refused.", true); return false; }
    if (model.edges.some(function (e) { return e[0] === from && e[1] === to; })) {
      say("That arrow is already there.", true); return false;
    }
    const back = pathBetween(to, from);
    if (back) {
      say("Refused: " + from + " \u2192 " + to + " would close the cycle " + back.concat([to]).join(" \u2192 ") +
          ". A causal DAG cannot loop back.", true);
      return false;
    }
    snapshot();
    model.edges.push([from, to]);
    commit("add-edge", "Added " + from + " \u2192 " + to + ".");
    return true;
  }
  function deleteSelection() {
    const sel = network.getSelection();
    if (!sel.nodes.length && !sel.edges.length) { say("Select a node or an arrow first.", true); return; }
    snapshot();
    const gone = {};
    sel.nodes.forEach(function (id) { gone[id] = true; delete model.nodes[id]; });
    const goneE = {};
    sel.edges.forEach(function (id) { goneE[id] = true; });
    model.edges = model.edges.filter(function (e) {
      return !gone[e[0]] && !gone[e[1]] && !goneE[edgeId(e[0], e[1])];
    });
    model.bidirected = model.bidirected.filter(function (e) {
      return !gone[e[0]] && !gone[e[1]] && !goneE[biId(e[0], e[1])];
    });
    network.unselectAll();
    commit("delete", "Deleted " + (sel.nodes.length ? sel.nodes.length + " node(s)" : sel.edges.length + " arrow(s)") + ".");
  }
  function renameSelected() {
    const sel = network.getSelectedNodes();
    if (sel.length !== 1) { say("Select one node to rename.", true); return; }
    const old = sel[0];
    const name = validName(window.prompt("New name for \u201c" + old + "\u201d:", old));
    if (name === null) return;
    snapshot();
    model.nodes[name] = model.nodes[old];
    delete model.nodes[old];
    model.edges = model.edges.map(function (e) { return e.map(function (v) { return v === old ? name : v; }); });
    model.bidirected = model.bidirected.map(function (e) { return e.map(function (v) { return v === old ? name : v; }); });
    nodesDS.remove(old);
    commit("rename", "Renamed \u201c" + old + "\u201d to \u201c" + name + "\u201d.");
  }
  function toggleRole(role) {
    const sel = network.getSelectedNodes();
    if (sel.length !== 1) { say("Select one node, then press e, o, u or a.", true); return; }
    const id = sel[0];
    snapshot();
    const roles = model.nodes[id].roles;
    const at = roles.indexOf(role);
    if (at >= 0) {
      roles.splice(at, 1);
    } else {
      if (role === "exposure" || role === "outcome") {  // one exposure and one outcome, like DAGitty's keys
        Object.keys(model.nodes).forEach(function (k) {
          const r = model.nodes[k].roles; const i = r.indexOf(role); if (i >= 0) r.splice(i, 1);
        });
        const other = roles.indexOf(EXCLUSIVE[role]); if (other >= 0) roles.splice(other, 1);
      }
      roles.push(role);
    }
    commit("role", (at >= 0 ? "Removed " : "Marked ") + "\u201c" + id + "\u201d " + (at >= 0 ? "from " : "as ") + role + ".");
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
  function showHighlight(nodeId) {
    const ids = highlight[nodeId] || [];
    const on = {}; ids.forEach(function (id) { on[id] = true; });
    edgesDS.update(edgesDS.getIds().map(function (id) {
      const base = baseEdgeStyle[id] || {};
      return on[id] ? { id: id, color: { color: "#d53f8c" }, width: 4 } : { id: id, color: base.color || null, width: base.width || 1.5 };
    }));
    if (nodeId && ids.length) say("Highlighted: the open biasing paths through \u201c" + nodeId + "\u201d.", false);
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
        tryAddEdge(String(data.from), String(data.to));
        stayInArrowMode();
      },
    };
    network = new vis.Network(container, { nodes: nodesDS, edges: edgesDS }, options);
    network.on("dragEnd", function (params) {
      if (!params.nodes.length || readonly) return;
      const pos = network.getPositions(params.nodes);
      let moved = false;
      params.nodes.forEach(function (id) {
        const p = pos[id]; const n = model.nodes[id];
        if (n && (Math.round(p.x) !== n.x || Math.round(p.y) !== n.y)) {
          if (!moved) { snapshot(); moved = true; }
          n.x = Math.round(p.x); n.y = Math.round(p.y);
        }
      });
      if (moved) send("move");
    });
    network.on("doubleClick", function (params) {
      if (readonly) return;
      if (params.nodes.length === 1) { renameSelected(); } else if (!params.nodes.length && !params.edges.length) {
        addNodeAt(params.pointer.canvas.x, params.pointer.canvas.y);
      }
    });
    network.on("selectNode", function (p) { showHighlight(p.nodes[0]); });
    network.on("deselectNode", function () { showHighlight(null); });
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
      if (readonly || ev.target.tagName === "INPUT" || ev.target.tagName === "TEXTAREA") return;
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "z") { ev.preventDefault(); undo(); return; }
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "y") { ev.preventDefault(); redo(); return; }
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const k = ev.key.toLowerCase();
      if (ROLE_KEYS[k]) { ev.preventDefault(); toggleRole(ROLE_KEYS[k]); }
      else if (k === "delete" || k === "backspace") { ev.preventDefault(); deleteSelection(); }
      else if (k === "n") { ev.preventDefault(); const c = network.getViewPosition(); addNodeAt(c.x, c.y); }
      else if (k === "r") { ev.preventDefault(); renameSelected(); }
      else if (k === "f") { ev.preventDefault(); network.fit(); }
    });
    updateButtons();
    // read-only handle for tests and debugging (the model is user data, nothing executable)
    window.__dagEditor = { network: network, nodes: nodesDS, edges: edgesDS,
      model: function () { return clone(model); } };
  }
  function arrowModeOn() {
    const btn = document.querySelector('[data-act="add-edge"]');
    return btn && btn.classList.contains("active");
  }
  function stayInArrowMode() {
    // vis-network leaves edit mode after each added edge; go back in once it has finished
    window.setTimeout(function () { if (arrowModeOn()) network.addEdgeMode(); }, 0);
  }
  function handle(act) {
    if (act === "add-node") { const c = network.getViewPosition(); addNodeAt(c.x, c.y); }
    else if (act === "rename") renameSelected();
    else if (act === "delete") deleteSelection();
    else if (act.indexOf("role-") === 0) toggleRole(act.slice(5));
    else if (act === "undo") undo();
    else if (act === "redo") redo();
    else if (act === "fit") network.fit();
    else if (act === "relayout") { snapshot(); send("relayout"); say("Laid out again.", false); }
  }

  function drawLegend(items) {
    const box = document.getElementById("legend");
    while (box.firstChild) box.removeChild(box.firstChild);
    (items || []).forEach(function (it) {
      const item = document.createElement("span"); item.className = "item";
      const sw = document.createElement("span"); sw.className = "swatch" + (it.style ? " " + it.style : "");
      sw.style.background = it.colour;
      const label = document.createElement("span"); label.textContent = it.label;
      item.appendChild(sw); item.appendChild(label); box.appendChild(item);
    });
  }

  function onRender(args) {
    window.__dagEditorArgs = args;
    readonly = !!args.readonly;
    document.body.classList.toggle("readonly", readonly);
    if (!network) setup(args);
    const key = JSON.stringify([args.nodes, args.edges, args.highlight, args.version]);
    if (key === lastArgsKey) { setHeight(); return; }
    const first = lastArgsKey === null;
    lastArgsKey = key;
    // Python's graph is the truth after every rerun: adopt it (positions included).
    const m = { nodes: {}, edges: [], bidirected: [] };
    (args.nodes || []).forEach(function (n) { m.nodes[n.id] = { roles: (n.roles || []).slice(), x: n.x, y: n.y }; });
    baseEdgeStyle = {};
    (args.edges || []).forEach(function (e) {
      if (e.bidirected) { m.bidirected.push([e.from, e.to]); baseEdgeStyle[biId(e.from, e.to)] = e; }
      else { m.edges.push([e.from, e.to]); baseEdgeStyle[edgeId(e.from, e.to)] = e; }
    });
    if (!first && JSON.stringify(m) !== JSON.stringify(model) && args.external) { snapshot(); }
    model = m;
    highlight = args.highlight || {};
    drawLegend(args.legend);
    redrawFromModel(args.nodes, args.edges);
    if (first) { network.fit({ animation: false }); }
    if (arrowModeOn()) stayInArrowMode();
    if (args.message) say(args.message, !!args.message_is_error);
    setHeight();
  }

  window.addEventListener("message", function (event) {
    const data = event.data || {};
    if (data.type === "streamlit:render") onRender(data.args || {});
  });
  post("streamlit:componentReady", { apiVersion: 1 });
  window.addEventListener("load", setHeight);
})();
