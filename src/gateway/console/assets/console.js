// The console page: signs in with the API's login, then polls /console/api and redraws. Every value
// from the system goes in as text (textContent), never as markup: event names and errors are data.
"use strict";

const SYSTEM_EVERY_MS = 2_000;
const TRACES_EVERY_MS = 4_000;
const TOKEN_KEY = "bazaar-console-token";
const COLORS = ["#3056d3", "#12805c", "#b54708", "#9e77ed", "#c11574", "#0e7090", "#667085"];

const $ = (selector) => document.querySelector(selector);
let timers = [];
let selectedTrace = null;
let lastTraces = [];

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token()}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 401 || response.status === 403) {
    signOut(response.status === 403 ? "This account is not an admin." : "Your session ended; sign in again.");
    throw new Error("signed out");
  }
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.detail || `HTTP ${response.status}`);
  return answer;
}

function since(iso) {
  if (!iso) return "–";
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 90 ? `${s.toFixed(0)} s ago` : s < 5400 ? `${(s / 60).toFixed(0)} min ago` : `${(s / 3600).toFixed(1)} h ago`;
}

const duration = (s) => (s === null ? "–" : s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const percent = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`);

function renderModules(modules) {
  $("#modules tbody").replaceChildren(...modules.map((m) => el("tr", { "data-module": m.name },
    el("td", {}, m.name),
    el("td", {}, el("span", { class: `badge ${m.health}` }, m.health)),
    el("td", { class: "number" }, m.nodes.length),
    el("td", { class: "number", "data-field": "rate" }, m.rates ? m.rates.requestsPerS.toFixed(1) : "–"),
    el("td", { class: "number" }, m.rates ? percent(m.rates.failureRate) : "–"),
    el("td", { class: "number" }, m.rates && m.rates.p99Ms !== null ? `≤ ${m.rates.p99Ms} ms` : "–"),
    el("td", { class: "number", "data-field": "pending" }, m.outbox ? m.outbox.pending : "–"),
    el("td", {}, m.outbox ? since(m.outbox.oldestPendingAt) : "–"),
    el("td", { class: "number", "data-field": "retrying" }, m.retries ? m.retries.waiting : "–"),
    el("td", { class: "number", "data-field": "dead" }, m.outbox && m.retries ? m.outbox.dead + m.retries.dead : "–"),
  )));
}

function renderNodes(nodes) {
  $("#nodes tbody").replaceChildren(...nodes.map((n) => el("tr", { "data-node": n.id },
    el("td", {}, n.id),
    el("td", {}, n.hostname),
    el("td", { class: "number" }, n.pid ?? "–"),
    el("td", {}, [...n.modules, ...(n.gateway ? ["gateway"] : [])].join(", ") || "–", n.unanswered ? ` (no answer: ${n.unanswered})` : ""),
    el("td", {}, duration(n.uptimeS)),
    el("td", { class: "number" }, n.rssBytes === null ? "–" : `${Math.round(n.rssBytes / 1048576)} MB`),
    el("td", { class: "number" }, percent(n.cpuShare)),
  )));
}

function redriveButton(body) {
  const button = el("button", { type: "button" }, "Redrive");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", "/console/api/redrive", body);
      button.textContent = "Redriven";
      await refreshSystem();
    } catch (error) {
      button.textContent = error.message === "signed out" ? "Redrive" : `Failed: ${error.message}`;
    }
  });
  return button;
}

function renderDeadLetters({ modules, stream }) {
  const rows = [
    ...modules.map((d) => el("tr", { "data-dead-letter": d.id },
      el("td", {}, d.kind === "outbox" ? `${d.module}'s outbox` : `handled by ${d.module}`), el("td", {}, d.name), el("td", {}, d.id), el("td", {}, since(d.occurredAt)), el("td", { class: "error" }, d.error),
      el("td", {}, redriveButton({ module: d.module, kind: d.kind, id: d.id })))),
    ...(stream && stream.letters ? stream.letters.map((d) => el("tr", { "data-dead-letter": d.id },
      el("td", {}, `stream #${d.sequence} (${d.consumer})`), el("td", {}, d.name), el("td", {}, d.id), el("td", {}, since(d.occurredAt)), el("td", { class: "error" }, d.error),
      el("td", {}, d.genuine ? redriveButton({ sequence: d.sequence }) : "not sealed by this deployment: not redriven"))) : []),
  ];
  $("#dead-letters tbody").replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: 6 }, "None: every event was handled."))]));
  $("#dead-letters-note").textContent = stream === null
    ? "Events travel inside this process: each module keeps and retries what it could not handle, and keeps it here after 10 attempts."
    : stream.unavailable ? `The dead-letter stream could not be read: ${stream.unavailable}` : `${stream.total} in the JetStream dead-letter stream.`;
}

function renderGraph({ modules, edges }, health) {
  const graph = $("#graph");
  const cx = 210, cy = 180, r = 135;
  const at = new Map(modules.map((m, i) => [m, { x: cx + r * Math.sin((2 * Math.PI * i) / modules.length), y: cy - r * Math.cos((2 * Math.PI * i) / modules.length) }]));
  const defs = svg("defs");
  for (const kind of ["calls", "events"]) {
    const marker = svg("marker", { id: `arrow-${kind}`, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: kind === "calls" ? "#3056d3" : "#9e77ed" }));
    defs.append(marker);
  }
  const parts = [defs];
  for (const edge of edges) {
    const a = at.get(edge.from), b = at.get(edge.to);
    if (!a || !b || a === b) continue;
    // Two modules linked both ways get two lines side by side, not one on top of the other.
    const dx = b.x - a.x, dy = b.y - a.y, length = Math.hypot(dx, dy);
    const ox = (-dy / length) * (edge.kind === "calls" ? 5 : -5), oy = (dx / length) * (edge.kind === "calls" ? 5 : -5);
    const shrink = 34 / length;
    const x1 = a.x + dx * shrink + ox, y1 = a.y + dy * shrink + oy, x2 = b.x - dx * shrink + ox, y2 = b.y - dy * shrink + oy;
    const line = svg("line", { x1, y1, x2, y2, class: edge.kind, "marker-end": `url(#arrow-${edge.kind})`, "data-edge": `${edge.from}>${edge.to}:${edge.kind}` });
    line.append(svg("title", {}, edge.kind === "calls" ? `${edge.from} calls ${edge.to} (${edge.count} so far)` : `${edge.to} handles ${edge.from}'s events`));
    parts.push(line);
  }
  for (const [name, p] of at) {
    const group = svg("g", { class: `node ${health.get(name) ?? ""}`, "data-graph-module": name });
    group.append(svg("circle", { cx: p.x, cy: p.y, r: 32 }), svg("text", { x: p.x, y: p.y }, name));
    parts.push(group);
  }
  graph.replaceChildren(...parts);
}

function renderTraces(traces, keepsSpans) {
  lastTraces = traces;
  $("#traces-note").textContent = keepsSpans
    ? traces.length ? "The last traces the processes kept; click one for its waterfall." : "No trace yet: make a request."
    : "No process keeps traces here. Start them with OTEL_TRACES_EXPORTER=memory to see the last ones, or open your OTLP collector's UI when OTEL_EXPORTER_OTLP_ENDPOINT is set.";
  $("#traces").replaceChildren(...traces.map((t) => el("li", {
    class: `${t.error ? "failed" : ""} ${t.traceId === selectedTrace ? "selected" : ""}`,
    "data-trace": t.traceId,
    onclick: () => { selectedTrace = t.traceId; renderTraces(lastTraces, keepsSpans); },
  }, `${t.name} · ${t.durationMs.toFixed(1)} ms · ${t.spans.length} spans · ${t.services.join(", ")}`)));
  const trace = traces.find((t) => t.traceId === selectedTrace);
  $("#waterfall-section").hidden = !trace;
  if (trace) renderWaterfall(trace);
}

function renderWaterfall(trace) {
  $("#waterfall-id").textContent = trace.traceId;
  const depth = new Map();
  const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
  const depthOf = (span) => {
    if (depth.has(span.spanId)) return depth.get(span.spanId);
    const parent = span.parentSpanId && byId.get(span.parentSpanId);
    const d = parent ? depthOf(parent) + 1 : 0;
    depth.set(span.spanId, d);
    return d;
  };
  const services = [...new Set(trace.spans.map((s) => s.service))];
  const total = Math.max(trace.durationMs, 0.001);
  $("#waterfall").replaceChildren(...trace.spans.map((span) => {
    const left = ((span.startMs - trace.startMs) / total) * 100;
    const width = (span.durationMs / total) * 100;
    const bar = el("div", { class: `bar ${span.error ? "failed" : ""}`, title: `${span.durationMs.toFixed(2)} ms` });
    bar.style.left = `${left}%`;
    bar.style.width = `${width}%`;
    bar.style.background = COLORS[services.indexOf(span.service) % COLORS.length];
    const label = el("div", { class: "label", title: `${span.service}: ${span.name}` }, `${span.service} · ${span.name} (${span.durationMs.toFixed(1)} ms)`);
    label.style.paddingLeft = `${depthOf(span) * 0.9}rem`;
    return el("div", { class: "row", "data-span": span.spanId }, label, el("div", { class: "track" }, bar));
  }));
}

let keepsSpans = false;

async function refreshSystem() {
  const system = await api("GET", "/console/api/system");
  keepsSpans = system.keepsSpans;
  renderModules(system.modules);
  renderNodes(system.nodes);
  renderDeadLetters(system.deadLetters);
  renderGraph(system.graph, new Map(system.modules.map((m) => [m.name, m.health])));
  $("#updated").textContent = `Live · updated ${new Date(system.at).toLocaleTimeString()}`;
}

async function refreshTraces() {
  const { traces } = await api("GET", "/console/api/traces");
  renderTraces(traces, keepsSpans);
}

function every(ms, work) {
  const run = () => work().catch((error) => {
    if (error.message !== "signed out") $("#updated").textContent = `Update failed: ${error.message}`;
  });
  run();
  timers.push(setInterval(run, ms));
}

function start() {
  $("#sign-in").hidden = true;
  $("#live").hidden = false;
  $("#sign-out").hidden = false;
  every(SYSTEM_EVERY_MS, refreshSystem);
  every(TRACES_EVERY_MS, refreshTraces);
}

function signOut(message = "") {
  sessionStorage.removeItem(TOKEN_KEY);
  timers.forEach(clearInterval);
  timers = [];
  $("#live").hidden = true;
  $("#sign-out").hidden = true;
  $("#sign-in").hidden = false;
  $("#sign-in-error").textContent = message;
  $("#updated").textContent = "";
}

$("#sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch("/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: form.get("email"), password: form.get("password") }),
  });
  const answer = await response.json();
  if (!response.ok) {
    $("#sign-in-error").textContent = answer.detail || "Sign-in failed.";
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, answer.accessToken);
  start();
});
$("#sign-out").addEventListener("click", () => signOut());

if (token()) start();
else signOut();
