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
const codes = new Map();  // the projector's QR code figures, by seat
let codeScale = 1;

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

const RESULTS = {silence_held: "silence held", broken: "silence broken",
                 reworded: "silence broken, then reworded"};

// A closed round's result in words. The rules close a round that is open when the
// Secretary General declares deadlock as "broken", even if nobody broke its silence.
function resultText(round) {
  if (round.result === "broken" && !round.objections.length) return "ended by deadlock";
  return RESULTS[round.result] || round.result;
}

function render() {
  const pub = state.public;
  $("title").textContent = pub.card.title;
  $("question").textContent = pub.card.question + " (" + pub.card.scale + ")";
  const round = current();
  $("round").textContent = round
    ? "Round " + round.number + " of at most " + pub.card.rounds_allowed
      + (round.result === "open" ? "" : ": " + resultText(round))
    : "";
  $("draft").textContent = round ? round.text : "No draft yet.";
  $("position").textContent = round ? "Position on the policy scale: " + round.position.toFixed(2) : "";
  $("outcome").textContent = pub.outcome
    ? "Outcome: " + pub.outcome_text + " (final text at " + pub.final_position.toFixed(2) + ")." : "";
  const broke = new Set(round ? round.objections.map((o) => o.seat) : []);
  if (role === "projector") {
    renderProjector(round, broke);
  } else {
    const list = $("objections");
    list.replaceChildren();
    for (const r of pub.rounds) {
      for (const o of r.objections) {
        list.append(element("li", "Round " + r.number + ": " + o.name + ": " + o.reason));
      }
    }
    const allies = $("allies");
    allies.replaceChildren();
    for (const seat of pub.seats) {
      const label = seat.seat + ". " + seat.name + (broke.has(seat.seat) ? " (broke silence)" : "")
        + (seat.online ? "" : " (offline)");
      allies.append(element("li", label, (broke.has(seat.seat) ? "broke" : "") + (seat.online ? "" : " offline")));
    }
  }
  if (role === "seat") renderSeat(round, broke);
  if (role === "sg") renderSg(round);
  tick();
}

// "HH:MM" on this device's clock for a time of the server's clock (seconds).
function clock(seconds) {
  const at = new Date(seconds * 1000 - offset);
  return String(at.getHours()).padStart(2, "0") + ":" + String(at.getMinutes()).padStart(2, "0");
}

function alliesHave(count) {
  return count + (count === 1 ? " ally has" : " allies have");
}

// One sentence on where the session stands now, true at this moment for this reader: it is
// recomputed every tick, since a deadline passes without any message from the server.
function situation() {
  const pub = state.public;
  const round = current();
  if (pub.outcome) return "The council has decided: " + pub.outcome_text + ".";
  if (!round) {
    return role === "sg"
      ? "Write your first draft: choose a wording and a silence below, then circulate it."
      : "Waiting for the Secretary General's first draft.";
  }
  const count = round.objections.length;
  if (round.result === "open") {
    if (round.deadline * 1000 <= Date.now() + offset) {
      return "Round " + round.number + ": the silence deadline (" + clock(round.deadline)
        + ") has passed; the result is being recorded.";
    }
    const said = "Round " + round.number + " open: silence until " + clock(round.deadline) + "; "
      + (count ? alliesHave(count) + " broken it." : "nobody has broken it yet.");
    return said + (role === "sg" && count ? " You may reword now: circulate a new draft." : "");
  }
  const closed = "Round " + round.number + " closed: " + alliesHave(count) + " broken silence. ";
  return closed + (role === "sg" ? "Circulate a new draft, or declare deadlock."
    : "Waiting for the Secretary General's next draft.");
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

// What a seat can do now, in words true at this moment (recomputed every tick).
function advice() {
  const round = current();
  const you = state.you.brief;
  if (state.public.outcome) {
    return "The council has decided: " + state.public.outcome_text + ". There is nothing more to do.";
  }
  if (!round) {
    return "When a draft is circulated, stay silent to consent, or break silence with a reason.";
  }
  if (round.result !== "open") {
    return "This draft is no longer under silence. Wait for the Secretary General's next draft.";
  }
  if (round.deadline * 1000 <= Date.now() + offset) return "The silence deadline has passed.";
  const until = clock(round.deadline);
  if (you && round.objections.some((o) => o.seat === you.seat)) {
    return "You broke silence on this draft: it will not pass as it stands.";
  }
  if (round.objections.length) {
    return "Silence is already broken: this draft will not pass as it stands. You may break "
      + "silence too, until " + until + ".";
  }
  return "Silence is consent: if nobody breaks silence by " + until + ", this draft passes.";
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

function renderProjector(round, broke) {
  const pub = state.public;
  document.body.classList.toggle("lobby", !pub.rounds.length);
  $("chart-box").hidden = !pub.rounds.length;  // no empty image before the first draft
  if (pub.chart !== chartVersion && pub.rounds.length) {
    chartVersion = pub.chart;
    $("chart").src = "/chart.svg?t=" + encodeURIComponent(token) + "&v=" + chartVersion;
    $("chart-text").textContent = "Drafts: " + pub.rounds
      .map((r) => r.position.toFixed(2) + " (" + roundLabel(r) + ")").join(", ");
    $("chart").alt = "The draft round by round. " + $("chart-text").textContent;
  }
  $("full-chart-line").hidden = !pub.outcome;
  $("full-chart").href = "/chart.svg?t=" + encodeURIComponent(token) + "&full=1&v=" + pub.chart;

  // Who broke silence: this round's allies with their reasons in full; earlier rounds by
  // name only (their reasons were on the screen while they were open).
  const list = $("objections");
  list.replaceChildren();
  for (const r of pub.rounds.slice().reverse()) {
    if (!r.objections.length) continue;
    if (r === round) {
      for (const o of r.objections) {
        const item = element("li", ": " + o.reason, "reason");
        item.prepend(element("strong", o.name));
        item.dataset.name = o.name;
        list.append(item);
      }
    } else {
      list.append(element("li", "Round " + r.number + ": "
        + r.objections.map((o) => o.name).join(", "), "earlier"));
    }
  }
  $("nobody").textContent = !round ? "" : round.objections.length ? "Round " + round.number + ":"
    : "Round " + round.number + ": nobody" + (round.result === "open" ? " so far." : ".");
  fitObjections();

  const allies = $("allies");
  allies.replaceChildren();
  for (const seat of pub.seats) {
    const gone = !seat.joined || !seat.online;
    allies.append(element("li", seat.name + (broke.has(seat.seat) ? " (broke silence)" : ""),
      (broke.has(seat.seat) ? "broke" : "") + (gone ? " offline" : "")));
  }

  const free = Object.entries(state.you.join || {});
  const box = $("qr");
  $("join-box").hidden = Boolean(pub.outcome) || !free.length;
  $("join-title").textContent = pub.rounds.length
    ? "Still free: scan your seat's code to join"
    : "Join: scan your seat's code (" + (pub.seats.length - free.length) + " of "
      + pub.seats.length + " seats taken)";
  // Before the first draft the codes have the screen to themselves: fewer codes, larger.
  const scale = pub.rounds.length || free.length > 24 ? 1 : free.length > 12 ? 1.5 : 2;
  const shown = [];
  for (const [seat, url] of free) {
    if (!codes.has(seat)) {  // each code is fetched once, not at every change of state
      const figure = document.createElement("figure");
      figure.dataset.seat = seat;
      const image = document.createElement("img");
      image.onload = () => { sizeCode(image); fitCodes(); };
      image.src = "/qr/" + seat + ".svg?t=" + encodeURIComponent(token);
      image.alt = "QR code of the join link for seat " + seat + " (" + url + ")";
      const caption = element("figcaption", "Seat " + seat);
      caption.append(document.createElement("br"), pub.seats[Number(seat) - 1].name);
      figure.append(image, caption);
      codes.set(seat, figure);
    }
    shown.push(codes.get(seat));
  }
  codeScale = scale;
  shown.forEach((figure) => sizeCode(figure.querySelector("img")));
  box.replaceChildren(...shown);
  fitCodes();
}

// A code drawn at a whole number of pixels a module (its SVG has 2): sharp for a camera.
function sizeCode(image) {
  if (image.complete && image.naturalWidth) {
    image.style.width = image.naturalWidth * codeScale + "px";
  }
}

function roundLabel(r) {
  const broke = r.objections.length + " broke silence";
  if (r.result === "open") return r.objections.length ? "open: " + broke : "open";
  if (r.result === "broken" && !r.objections.length) return "ended by deadlock";
  return r.objections.length ? broke : "silence held";
}

// The projector never scrolls: when this round's reasons are more than their box holds,
// each is cut to two lines; if that is still too much, the last are named only. The page
// says so above the list, where it is always seen.
function fitObjections() {
  const list = $("objections");
  const items = [...list.children];
  list.classList.remove("clamped");
  $("objections-note").textContent = "";
  const box = $("broke-box");
  const over = () => box.scrollHeight > box.clientHeight + 1;
  if (!over()) return;
  list.classList.add("clamped");
  $("objections-note").textContent = "Reasons cut short to fit: each seat's page shows them in full.";
  const named = [];
  for (let i = items.length - 1; i > 0 && over(); i--) {
    items[i].hidden = true;
    named.unshift(items[i].dataset.name || items[i].textContent);
    $("objections-note").textContent = "Reasons cut short to fit (each seat's page shows them "
      + "in full). Also: " + named.join("; ") + ".";
  }
}

// While rounds run, the free seats' codes get one strip; those that do not fit are named.
function fitCodes() {
  const figures = [...$("qr").children];
  figures.forEach((f) => { f.hidden = false; });
  $("qr-note").textContent = "";
  if (!state.public.rounds.length || !figures.length) return;
  const box = $("join-box");
  const hidden = [];
  while (box.scrollHeight > box.clientHeight + 1 && hidden.length < figures.length) {
    const last = figures[figures.length - 1 - hidden.length];
    last.hidden = true;
    hidden.unshift(last.dataset.seat);
    $("qr-note").textContent = "Also free: seat" + (hidden.length > 1 ? "s " : " ")
      + hidden.join(", ") + " (links on the Secretary General's page).";
  }
}

function tick() {
  if (!state) return;
  $("situation").textContent = situation();
  if (role === "seat") $("advice").textContent = advice();
  const round = current();
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
