// The three pages of the live council (Secretary General, projector, seat).
// Every text from the server is shown with textContent, never as HTML.
"use strict";

const role = document.body.dataset.role;
const token = new URLSearchParams(location.search).get("t") || "";
const $ = (id) => document.getElementById(id);
let socket = null;
let state = null;
let offset = 0;          // server clock minus this clock, in ms
let retry = 1000;
let stopped = false;
let chartVersion = -1;

function deviceKey() {
  const name = "council-device-" + token;
  let key = localStorage.getItem(name);
  if (!key) {
    const bytes = new Uint8Array(24);
    crypto.getRandomValues(bytes);
    key = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
      .replace(/=+$/, "");
    localStorage.setItem(name, key);
  }
  return key;
}

function status(text, error) {
  const element = $("status");
  element.textContent = text;
  element.className = error ? "error" : "";
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  else status("Not connected: reconnecting…", true);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  socket = new WebSocket(scheme + location.host + "/ws?t=" + encodeURIComponent(token));
  socket.onopen = () => {
    retry = 1000;
    status("Connected.");
    if (role === "seat") send({type: "hello", device: deviceKey()});
  };
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = (event) => {
    if (stopped) return;  // a "replaced" message already said why
    if (event.code === 4001 || event.code === 4003) {
      stopped = true;
      status(event.reason || "Disconnected.", true);
      return;
    }
    status("Connection lost: reconnecting…", true);
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 5000);
  };
}

function receive(message) {
  if (message.type === "state") {
    state = message;
    offset = message.public.now * 1000 - Date.now();
    render();
  } else if (message.type === "refused") {
    status(message.message, true);
  } else if (message.type === "replaced") {
    stopped = true;
    status(message.message, true);
  } else if (message.type === "ok") {
    status("Done.");
  }
}

function current() {
  const rounds = state.public.rounds;
  return rounds.length ? rounds[rounds.length - 1] : null;
}

function render() {
  const pub = state.public;
  $("title").textContent = pub.card.title;
  $("question").textContent = pub.card.question + " (" + pub.card.scale + ")";
  const round = current();
  $("round").textContent = round
    ? "Round " + round.number + " of at most " + pub.card.rounds_allowed + (round.result === "open" ? ": under silence" : ": " + round.result.replace("_", " "))
    : "Waiting for the Secretary General's first draft.";
  $("draft").textContent = round ? round.text : "No draft yet.";
  $("position").textContent = round ? "Position on the policy scale: " + round.position.toFixed(2) : "";
  $("outcome").textContent = pub.outcome
    ? "Outcome: " + pub.outcome_text + " (final text at " + pub.final_position.toFixed(2) + ")." : "";
  const list = $("objections");
  list.replaceChildren();
  for (const r of pub.rounds) {
    for (const o of r.objections) {
      list.append(element("li", "Round " + r.number + ": " + o.name + ": " + o.reason));
    }
  }
  const broke = new Set(round ? round.objections.map((o) => o.seat) : []);
  const allies = $("allies");
  allies.replaceChildren();
  for (const seat of pub.seats) {
    const label = seat.seat + ". " + seat.name + (broke.has(seat.seat) ? " (broke silence)" : "")
      + (seat.online ? "" : " (offline)");
    allies.append(element("li", label, (broke.has(seat.seat) ? "broke" : "") + (seat.online ? "" : " offline")));
  }
  if (role === "seat") renderSeat(round, broke);
  if (role === "sg") renderSg(round);
  if (role === "projector") renderProjector();
  tick();
}

function renderSeat(round, broke) {
  const you = state.you.brief;
  const open = round && round.result === "open" && !state.public.outcome;
  $("break").disabled = !open || !you || broke.has(you && you.seat);
  if (!you) {
    $("ally").textContent = "(waiting for your seat)";
    return;
  }
  $("ally").textContent = you.name + " (seat " + you.seat + ")";
  $("numbers").textContent = "Your ideal text sits at " + you.ideal.toFixed(2)
    + "; you can live with drafts from " + you.accepts[0].toFixed(2) + " to "
    + you.accepts[1].toFixed(2) + " (tolerance " + you.tolerance.toFixed(2)
    + ", cost of breaking silence " + you.cost.toFixed(2) + ").";
  const list = $("sentences");
  list.replaceChildren();
  for (const s of you.sentences) {
    const item = element("li", s.text + " ");
    item.append(element("cite", "(" + s.source + ", " + s.url + ")"));
    list.append(item);
  }
  $("mine").textContent = broke.has(you.seat) ? "You broke silence on this draft." : "";
}

function renderSg(round) {
  const select = $("wording");
  if (!select.options.length) {
    state.you.wordings.forEach((w, i) => {
      select.append(new Option(w.position.toFixed(2) + ": " + w.text, String(i)));
    });
  }
  $("export").href = "/export.csv?t=" + encodeURIComponent(token);
  $("projector-link").href = state.you.projector;
  const body = $("seat-table").tBodies[0];
  body.replaceChildren();
  for (const seat of state.public.seats) {
    const row = document.createElement("tr");
    row.append(element("td", String(seat.seat)), element("td", seat.name),
      element("td", (seat.joined ? "taken" : "free") + (seat.online ? ", online" : "")),
      element("td", state.you.links[String(seat.seat)], "link"));
    const cell = document.createElement("td");
    if (seat.joined) {
      const button = element("button", "Release");
      button.type = "button";
      button.title = "Let this seat join again from another device";
      button.onclick = () => send({type: "release", seat: seat.seat});
      cell.append(button);
    }
    row.append(cell);
    body.append(row);
  }
  const over = Boolean(state.public.outcome);
  $("circulate").disabled = over;
  $("deadlock").disabled = over;
}

function renderProjector() {
  if (state.public.chart !== chartVersion && state.public.rounds.length) {
    chartVersion = state.public.chart;
    $("chart").src = "/chart.svg?t=" + encodeURIComponent(token) + "&v=" + chartVersion;
    $("chart-text").textContent = "Drafts: " + state.public.rounds
      .map((r) => r.position.toFixed(2) + (r.objections.length ? " (" + r.objections.length + " broke silence)" : " (silence held)"))
      .join(", ");
  }
  const box = $("qr");
  box.replaceChildren();
  for (const [seat, url] of Object.entries(state.you.join || {})) {
    const name = state.public.seats[Number(seat) - 1].name;
    const figure = document.createElement("figure");
    const image = document.createElement("img");
    image.src = "/qr/" + seat + ".svg?t=" + encodeURIComponent(token);
    image.alt = "QR code of the join link for seat " + seat;
    figure.append(image, element("figcaption", "Seat " + seat + ": " + name));
    box.append(figure);
  }
}

function tick() {
  const round = state && current();
  const box = $("countdown");
  if (!round || round.result !== "open" || state.public.outcome) {
    box.textContent = "";
    return;
  }
  const left = Math.max(0, round.deadline * 1000 - (Date.now() + offset));
  const seconds = Math.ceil(left / 1000);
  box.textContent = left > 0
    ? "Silence ends in " + Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0")
    : "Silence deadline passed";
}

if (role === "seat") {
  $("break").onclick = () => {
    send({type: "break", reason: $("reason").value});
  };
}
if (role === "sg") {
  $("circulate").onclick = () => {
    send({type: "circulate", wording: Number($("wording").value),
          seconds: Math.round(Number($("seconds").value))});
  };
  $("deadlock").onclick = () => send({type: "deadlock"});
}
setInterval(tick, 250);
connect();
