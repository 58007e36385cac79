// The Zendo board: shows the server's view of the game and sends the player's moves.
// Everything the game knows lives on the server (a reload asks for it again); the page
// keeps only the scene being built, in sessionStorage.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { universe: null, view: null, brush: null, cells: [], rejecting: false, busy: false, creating: false };

// -- talking to the server -----------------------------------------------------------------

async function api(method, path, body) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const data = await resp.json().catch(() => ({ text: `${resp.status} ${resp.statusText}` }));
  if (!resp.ok) throw Object.assign(new Error(data.text || resp.statusText), { data });
  return data;
}

async function act(fn) {
  if (state.busy) return;
  state.busy = true;
  showError(null);
  setStatus("thinking…");
  render();
  try {
    const view = await fn();
    if (view) { state.view = view; state.rejecting = false; setStatus(describe(view)); }
  } catch (err) {
    showError(err.data ? err.data.text : String(err));
    setStatus("");
  } finally {
    state.busy = false;
    render();
  }
}

const move = (action, body = {}) => act(() => api("POST", `/api/games/${state.view.id}/${action}`, body));

// -- the scene being built ------------------------------------------------------------------

const sceneText = () => state.cells.join("");
const words = (glyph) => glyph === state.universe.empty ? "empty"
  : state.universe.pieces.find((p) => p.glyph === glyph).words;
const pieceSvg = (glyph) => glyph === state.universe.empty ? ""
  : state.universe.pieces.find((p) => p.glyph === glyph).svg;

function keepScene() {
  if (state.view) sessionStorage.setItem(`rulelang-scene-${state.view.id}`, sceneText());
}

function loadScene() {
  const u = state.universe;
  const kept = state.view && sessionStorage.getItem(`rulelang-scene-${state.view.id}`);
  const ok = kept && kept.length === u.length && [...kept].every((c) => c === u.empty || u.pieces.some((p) => p.glyph === c));
  state.cells = ok ? [...kept] : Array(u.length).fill(u.empty);
}

function buildPalette() {
  const u = state.universe;
  const pal = $("palette");
  pal.replaceChildren();
  for (const glyph of [...u.pieces.map((p) => p.glyph), u.empty]) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.glyph = glyph;
    b.setAttribute("aria-label", glyph === u.empty ? "empty cell" : words(glyph));
    b.title = `${b.getAttribute("aria-label")} (${glyph})`;
    b.innerHTML = glyph === u.empty ? '<span class="empty-piece" aria-hidden="true">·</span>' : pieceSvg(glyph);
    b.addEventListener("click", () => { state.brush = glyph; render(); });
    pal.append(b);
  }
  state.brush = u.pieces[0].glyph;
  const cells = $("cells");
  cells.replaceChildren();
  for (let i = 0; i < u.length; i++) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.cell = i;
    b.addEventListener("click", () => {
      state.cells[i] = state.cells[i] === state.brush ? u.empty : state.brush;
      keepScene();
      render();
    });
    cells.append(b);
  }
}

// -- what the page says ---------------------------------------------------------------------

const tf = (v) => (v ? "true" : "false");
const stone = (v) => (v ? "a white stone" : "a black stone");
const plural = (n, one, many) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

function describe(view) {
  const last = view.log[view.log.length - 1];
  if (view.over) return ending(view);
  if (view.role === "master") {
    if (!last || last.kind === "example") return "Build a scene and ask for its label, or guess the rule.";
    if (last.kind === "scene") return `${last.scene} is ${tf(last.label)}: ${stone(last.label)}.`;
    if (last.kind === "guess") return `No. Counterexample: ${last.counterexample} is ${tf(last.truth)} under my rule (yours says ${tf(!last.truth)}).`;
  }
  const p = view.pending;
  if (p && p.kind === "ask") return `Question ${view.asked + 1}: does ${p.scene} follow your rule?`;
  if (p && p.kind === "guess") return `I think the rule is: ${p.rule}`;
  return "";
}

function ending(view) {
  const scenes = plural(view.asked, "scene", "scenes"), guesses = plural(view.guesses, "guess", "guesses");
  if (view.role === "master") {
    if (view.outcome === "solved") return `Correct! The rule is: ${view.rule} (${scenes}, ${guesses}).`;
    return `The rule was: ${view.rule}.`;
  }
  if (view.outcome === "solved") return `Solved: the machine named your rule, ${view.rule}, after ${scenes}.`;
  if (view.outcome === "gave-up") return view.pending ? view.pending.reason : "The machine gave up.";
  return "Game over.";
}

function setStatus(text) { $("status").textContent = text; }

function showError(text) {
  $("error").hidden = !text;
  $("error").querySelector("pre").textContent = text || "";
}

// -- drawing the view -----------------------------------------------------------------------

function render() {
  const v = state.view;
  $("new-game").hidden = Boolean(v) && !v.over && !state.creating;
  $("game").hidden = !v;
  if (!v) return;
  const master = v.role === "master", p = v.pending;
  const guessing = !master && !v.over && p && p.kind === "guess";
  if (!guessing) state.rejecting = false;
  $("game-title").textContent = master ? "You guess the machine's rule"
    : `The machine (${v.student === "crn" ? "the neural CRN" : "the exact search"}) guesses your rule`;

  $("builder").hidden = !((master && !v.over) || (guessing && state.rejecting));
  for (const b of $("palette").children) b.setAttribute("aria-pressed", String(b.dataset.glyph === state.brush));
  [...$("cells").children].forEach((b, i) => {
    b.innerHTML = pieceSvg(state.cells[i]);
    b.setAttribute("aria-label", `cell ${i + 1}: ${words(state.cells[i])}`);
  });
  $("scene-text").textContent = sceneText();

  $("master-controls").hidden = !master || v.over;
  $("student-controls").hidden = master;
  if (!master) renderStudent(v, p, guessing);

  $("ending").hidden = !v.over;
  if (v.over) {
    $("ending-text").textContent = ending(v);
    $("ending-picture").innerHTML = (master ? v.rule_svg : (p && p.kind === "guess" && v.outcome === "solved" ? p.svg : "")) || "";
  }
  $("quit").hidden = v.over;

  const hist = $("history");
  hist.replaceChildren(...v.history.map((h, i) => {
    const li = document.createElement("li");
    li.value = i + 1;
    li.innerHTML = h.svg;
    const t = document.createElement("span");
    t.textContent = `${h.scene} ${tf(h.label)}`;
    const by = document.createElement("span");
    by.className = "by";
    by.textContent = { example: "(example)", scene: "(you asked)", answer: "(asked by the machine)", counterexample: "(counterexample)" }[h.by] || "";
    li.append(t, by);
    return li;
  }).reverse());
  const guesses = v.log.filter((e) => e.kind === "guess");
  $("moves").replaceChildren(...guesses.map((e) => {
    const li = document.createElement("li");
    const t = document.createElement("p");
    t.textContent = e.correct ? `${e.rule}: correct` : `${e.rule}: wrong — ${e.counterexample} is ${tf(e.truth)} under the hidden rule`;
    li.append(t);
    if (e.svg) { const d = document.createElement("div"); d.className = "picture"; d.innerHTML = e.svg; li.append(d); }
    return li;
  }));
  for (const b of document.querySelectorAll("#game button")) b.disabled = state.busy;
}

function renderStudent(v, p, guessing) {
  $("question").hidden = v.over || !p || p.kind !== "ask";
  if (p && p.kind === "ask") $("question-picture").innerHTML = p.svg;
  $("student-guess").hidden = !guessing;
  if (guessing) {
    $("student-rule").textContent = p.rule;
    $("student-confidence").textContent = `(confidence ${Math.round(p.confidence * 100)}%)`;
    $("student-rule-picture").innerHTML = p.svg || "";
    $("counterexample").hidden = !state.rejecting;
    $("reject").hidden = state.rejecting;
  }
  const asks = v.log.filter((e) => e.kind === "answer");
  const leading = p && p.kind === "ask" ? p.leading : (asks.length ? asks[asks.length - 1].leading : []);
  const left = v.progress.length ? v.progress[v.progress.length - 1] : null;
  $("remaining").textContent = left === null || left === undefined
    ? (v.student === "crn" ? "The CRN does not count its candidates; it keeps the conjectures that fit your answers." : "")
    : `${plural(left, "phenomenon", "phenomena")} left.`;
  $("progress").replaceChildren(...v.progress.filter((n) => n !== null).map((n) => {
    const li = document.createElement("li");
    li.textContent = n.toLocaleString("en");
    return li;
  }));
  $("leading").replaceChildren(...leading.map((r) => {
    const li = document.createElement("li");
    li.textContent = r;
    return li;
  }));
}

// -- the controls ---------------------------------------------------------------------------

function wire() {
  const form = $("new-form");
  form.addEventListener("change", () => {
    const student = form.elements.role.value === "student";
    form.querySelector(".for-master").hidden = student;
    form.querySelector(".for-student").hidden = !student;
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const role = form.elements.role.value, seed = form.elements.seed.value;
    const spec = { role };
    if (seed !== "") spec.seed = Number(seed);
    if (role === "master") spec.secret = form.elements.secret.value;
    else spec.student = form.elements.student.value;
    state.creating = false;
    act(async () => {
      const view = await api("POST", "/api/games", spec);
      state.view = view;
      loadScene();
      return view;
    });
  });
  $("clear-scene").addEventListener("click", () => {
    state.cells.fill(state.universe.empty);
    keepScene();
    render();
  });
  $("label-scene").addEventListener("click", () => move("scene", { scene: sceneText() }));
  $("guess-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    move("guess", { rule: $("guess").value });
  });
  $("reveal").addEventListener("click", () => move("reveal"));
  $("answer-true").addEventListener("click", () => move("answer", { label: true }));
  $("answer-false").addEventListener("click", () => move("answer", { label: false }));
  $("accept").addEventListener("click", () => move("verdict", { correct: true }));
  $("reject").addEventListener("click", () => { state.rejecting = true; render(); });
  $("ce-true").addEventListener("click", () => move("verdict", { correct: false, scene: sceneText(), label: true }));
  $("ce-false").addEventListener("click", () => move("verdict", { correct: false, scene: sceneText(), label: false }));
  $("quit").addEventListener("click", () => move("quit"));
  $("new").addEventListener("click", () => { state.creating = true; render(); $("new-title").scrollIntoView(); });
}

async function start() {
  wire();
  try {
    state.universe = await api("GET", "/api/universe");
    buildPalette();
    const { game } = await api("GET", "/api/session");
    state.view = game;
    loadScene();
    if (game) setStatus(describe(game));
  } catch (err) {
    showError(err.data ? err.data.text : String(err));
  }
  render();
  document.body.dataset.ready = "true";  // for tests: the first view is drawn
}

start();
