// The pages of the class poll (instructor, projector, phone, join).
// Every text from the server is shown with textContent, never as HTML.
"use strict";

const role = document.body.dataset.role;
const token = new URLSearchParams(location.search).get("t") || "";
const $ = (id) => document.getElementById(id);
let socket = null;
let state = null;
let retry = 1000;
let stopped = false;
let formKey = "";  // the open votes the phone's form was built for

function status(text, error) {
  const box = $("status");
  box.textContent = text;
  box.className = error ? "error" : "";
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function button(text, onclick, title) {
  const node = element("button", text);
  node.type = "button";
  node.onclick = onclick;
  if (title) node.title = title;
  return node;
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  else status("Not connected: reconnecting…", true);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  socket = new WebSocket(scheme + location.host + "/ws?t=" + encodeURIComponent(token));
  socket.onopen = () => { retry = 1000; status(""); };
  socket.onmessage = (event) => receive(JSON.parse(event.data));
  socket.onclose = (event) => {
    if (stopped) return;
    if (event.code === 4003) {
      stopped = true;
      $("situation").textContent = event.reason || "This link is not valid.";
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
    render();
  } else if (message.type === "refused") {
    status(message.message, true);
  } else if (message.type === "ok") {
    status(message.request === "answer" ? "Your answer is recorded." : "Done.");
  }
}

function phones(count) {
  return count + (count === 1 ? " phone" : " phones");
}

// One sentence on where the poll stands, true at this moment for this reader.
function situation() {
  const pub = state.public;
  const q = pub.question;
  if (pub.focus === "*forecasts") {
    const open = pub.forecasts.some((f) => f.open);
    const resolved = pub.forecasts.filter((f) => f.resolved !== null).length;
    if (role === "seat") {
      return open ? "Forecasts are open: give each question a probability; you can change them until they close."
        : "The forecasts are closed. Your scores appear below as questions resolve.";
    }
    const counted = Math.max(0, ...pub.forecasts.map((f) => f.count));
    return (open ? "Forecasts open: " + phones(counted) + " have forecast so far."
      : "Forecasts closed.") + " " + resolved + " of " + pub.forecasts.length
      + " questions resolved.";
  }
  if (!q) {
    if (role === "seat") return "You have joined. Waiting for the instructor's first question.";
    return (role === "host" ? "Open a question below. " : "Scan the code to join. ")
      + phones(pub.joined) + " joined so far.";
  }
  const last = q.votes[q.votes.length - 1];
  if (last.open) {
    if (role === "seat") {
      return "Vote " + last.vote + " is open: answer below. You can change your answer until the vote closes.";
    }
    return "Vote " + last.vote + " open: " + last.count + " of " + phones(pub.joined)
      + " answered." + (role === "host" ? " Close it when most have answered." : "");
  }
  if (q.revealed) {
    if (role === "seat") return "The vote is over and the answer is shown.";
    return "The answer is shown." + shift(q);
  }
  if (role === "seat") {
    return "Vote " + last.vote + " is closed. Discuss with your neighbour; the answer comes after.";
  }
  if (q.votes.length === 1) {
    return "Vote 1 closed: " + last.count + " answers." + (role === "host"
      ? " Let pairs discuss, then 'Vote again', or reveal the answer."
      : " Discuss with your neighbour: why did you answer as you did?");
  }
  return "Vote 2 closed: " + last.count + " answers, beside vote 1's " + q.votes[0].count + ".";
}

// How many chose the right answer (its band, for numbers) in each vote: the shift.
function shift(q) {
  const index = q.votes.length ? q.votes[0].bars.findIndex((b) => b.label === q.answer_band) : -1;
  if (index < 0) return "";
  return " Right: " + q.votes.map((v) => v.bars[index].count + " of " + v.count
    + " in vote " + v.vote).join(", ") + ".";
}

function render() {
  $("situation").textContent = situation();
  if (role === "seat") renderSeat();
  else renderBig();
}

// The class's answers: one row per option (or band of numbers), one column per vote
// (the second beside the first, so that the shift reads across a row).
function renderBars(q) {
  const list = $("bars");
  list.replaceChildren();
  $("legend").textContent = "";
  $("answer").textContent = "";
  $("why").textContent = "";
  if (!q) return;
  $("question").textContent = q.text;
  const most = Math.max(1, ...q.votes.flatMap((v) => v.bars.map((b) => b.count)));
  list.className = "bars votes-" + Math.max(1, q.votes.length);
  const two = q.votes.length > 1;
  if (two) {
    const head = element("li", null, "head");
    head.setAttribute("aria-hidden", "true");
    head.append(element("span", ""), element("span", "Vote 1", "vote1"),
      element("span", "Vote 2, after discussion", "vote2"));
    list.append(head);
  }
  $("legend").textContent = q.votes.map((v) => "vote " + v.vote + ": " + v.count + " answers"
    + (v.median !== undefined && v.median !== null ? ", median " + v.median : "")).join(" · ");
  const labels = q.votes.length ? q.votes[0].bars.map((b) => b.label) : q.options;
  labels.forEach((label, i) => {
    const right = q.revealed && label === q.answer_band;
    const item = element("li", null, right ? "right" : "");
    item.append(element("span", label + (right ? " ✓" : ""), "label"));
    for (const vote of q.votes) {
      const line = element("span", null, "line vote" + vote.vote);
      const bar = element("span", null, "bar");
      bar.style.width = (vote.bars[i].count / most * 80) + "%";
      line.append(bar, element("span", String(vote.bars[i].count), "count"));
      line.setAttribute("aria-label", "vote " + vote.vote + ": " + vote.bars[i].count);
      item.append(line);
    }
    list.append(item);
  });
  if (q.revealed) {
    $("answer").textContent = q.answer ? "The answer: " + q.answer
      : "The answer: run the notebook's cell.";
    $("why").textContent = q.why || "";
  }
}

function renderForecasts(withButtons) {
  const pub = state.public;
  const table = $("forecasts");
  table.hidden = pub.focus !== "*forecasts" && role === "projector" || !pub.forecasts.length;
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const f of pub.forecasts) {
    const row = document.createElement("tr");
    row.append(element("td", f.text), element("td", String(f.count)),
      element("td", f.mean === null ? "—" : f.mean + "%"),
      element("td", f.resolved === null ? (f.open ? "open" : "not yet")
        : f.resolved ? "yes" : "no"));
    if (withButtons) {
      const cell = document.createElement("td");
      if (f.resolved === null) {
        const known = state.you.questions.find((q) => q.id === f.id);
        cell.append(button("Yes", () => send({type: "resolve", question: f.id, outcome: true}),
          "It happened"), button("No", () => send({type: "resolve", question: f.id, outcome: false}),
          "It did not happen"));
        if (known && known.answer) cell.append(element("span", " record: " + known.answer, "hint"));
      }
      row.append(cell);
    }
    body.append(row);
  }
}

function renderBig() {
  const pub = state.public;
  const q = pub.focus === "*forecasts" ? null : pub.question;
  $("title").textContent = "Class poll · notebook " + pub.notebook + ": " + pub.title;
  $("bars").hidden = !q;
  if (q) renderBars(q);
  else {
    renderBars(null);
    $("question").textContent = pub.focus === "*forecasts" ? "The class's forecasts"
      : (role === "host" ? "No question yet: open one below." : "No question yet.");
  }
  if (role === "projector") {
    document.body.classList.toggle("lobby", !pub.focus);
    if (!$("qr").getAttribute("src")) $("qr").src = "/qr.svg?t=" + encodeURIComponent(token);
    $("qr").alt = "QR code of the join link: " + state.you.join;
    $("join-text").textContent = "Scan to join · " + phones(pub.joined) + " joined";
    renderForecasts(false);
    const box = $("league-box");
    box.hidden = !pub.league.length;
    const list = $("league");
    list.replaceChildren();
    for (const row of pub.league.slice(0, 8)) {
      list.append(element("li", row.rank + ". " + row.name + ": " + row.brier + " (log " + row.log + ")"));
    }
    if (pub.league.length > 8) list.append(element("li", "… and " + (pub.league.length - 8) + " more"));
    return;
  }
  // The instructor.
  const last = pub.question ? pub.question.votes[pub.question.votes.length - 1] : null;
  $("close").disabled = !pub.open;
  $("again").disabled = pub.open || !pub.question || pub.focus === "*forecasts"
    || pub.question.revealed || pub.question.votes.length >= 2;
  $("reveal").disabled = pub.open || !pub.question || pub.focus === "*forecasts"
    || pub.question.revealed || !last;
  $("projector-link").href = state.you.projector;
  $("export").href = "/export.csv?t=" + encodeURIComponent(token);
  $("join-link").textContent = state.you.join;
  const body = $("questions").tBodies[0];
  body.replaceChildren();
  for (const question of state.you.questions) {
    if (question.kind === "probability") continue;
    const row = document.createElement("tr");
    row.append(element("td", question.text), element("td", question.answer || "—"),
      element("td", String(question.votes)));
    const cell = document.createElement("td");
    if (!question.votes) {
      const open = button("Open", () => send({type: "open", question: question.id}));
      open.disabled = pub.open;
      cell.append(open);
    }
    row.append(cell);
    body.append(row);
  }
  const forecasting = pub.forecasts.length > 0;
  $("forecast-open-line").hidden = !forecasting;
  $("open-forecasts").disabled = pub.open;
  renderForecasts(true);
}

function shown(q, value) {
  if (value === null || value === undefined) return null;
  if (q.kind === "choice") return q.options[value];
  return q.kind === "probability" ? value + "%" : value + (q.unit ? " " + q.unit : "");
}

// The phone: what to do now first (the open questions), then the result and the scores.
function renderSeat() {
  const pub = state.public;
  const you = state.you;
  $("who").textContent = "You are " + you.name + " (seat " + you.seat + "). Only this phone "
    + "answers for you: keep this page's address to yourself.";
  const open = pub.open_questions;
  const key = open.map((q) => q.id + ":" + q.vote).join(",");
  const box = $("answer-box");
  if (key !== formKey) {
    formKey = key;
    status("");  // "Your answer is recorded" spoke of the votes that have just closed
    box.replaceChildren();
    for (const q of open) box.append(questionForm(q));
  }
  for (const q of open) {
    const mine = you.answers[q.id];
    const said = box.querySelector('[data-question="' + CSS.escape(q.id) + '"] .mine');
    if (said) {
      said.textContent = mine === null || mine === undefined ? "Not answered yet."
        : "Your answer: " + shown(q, mine) + ". You can change it until the vote closes.";
    }
    box.querySelectorAll('[data-question="' + CSS.escape(q.id) + '"] button.option')
      .forEach((b) => b.setAttribute("aria-pressed", String(Number(b.dataset.value) === mine)));
  }
  box.hidden = !open.length;
  const q = pub.question;
  const result = pub.focus !== "*forecasts" && q && !q.votes[q.votes.length - 1].open;
  $("result-box").hidden = !result;
  if (result) {
    $("question").textContent = q.text;
    $("answer").textContent = q.revealed ? (q.answer ? "The answer: " + q.answer
      : "The answer: run the notebook's cell.") : "The answer is not shown yet.";
    $("why").textContent = q.revealed ? q.why || "" : "";
    const said = Object.entries(you.mine).filter(([, v]) => v !== null)
      .map(([vote, v]) => "vote " + vote + ": " + shown(q, v));
    $("yours").textContent = said.length ? "You said: " + said.join("; ") + "."
      : "You did not answer this question.";
  }
  const scores = you.scores;
  $("scores-box").hidden = !scores.length;
  if (scores.length) {
    $("rank").textContent = you.rank
      ? "Your mean Brier score " + you.rank.brier + " (log " + you.rank.log + "): rank "
        + you.rank.rank + " of " + you.rank.of + ". Lower is better; always saying 50% scores 0.250."
      : "";
    const body = $("scores").tBodies[0];
    body.replaceChildren();
    for (const s of scores) {
      const row = document.createElement("tr");
      row.append(element("td", s.question),
        element("td", s.forecast === null ? "— (counts as 50%)" : s.forecast + "%"),
        element("td", s.happened ? "yes" : "no"), element("td", s.brier), element("td", s.log));
      body.append(row);
    }
    const bands = $("calibration").tBodies[0];
    bands.replaceChildren();
    for (const b of you.calibration) {
      const row = document.createElement("tr");
      row.append(element("td", b.band), element("td", Math.round(b.forecast * 100) + "%"),
        element("td", Math.round(b.happened * 100) + "%"), element("td", String(b.count)));
      bands.append(row);
    }
  }
}

function questionForm(q) {
  const form = element("div", null, "ask");
  form.dataset.question = q.id;
  const heading = element("h2", q.text);
  heading.id = "q-" + q.id;
  form.append(heading);
  if (q.kind === "choice") {
    const group = element("div", null, "options");
    group.setAttribute("role", "group");
    group.setAttribute("aria-labelledby", heading.id);
    q.options.forEach((option, i) => {
      const b = button(option, () => send({type: "answer", question: q.id, vote: q.vote, value: i}));
      b.className = "option";
      b.dataset.value = String(i);
      b.setAttribute("aria-pressed", "false");
      group.append(b);
    });
    form.append(group);
  } else {
    const low = q.kind === "probability" ? 0 : q.low;
    const high = q.kind === "probability" ? 100 : q.high;
    const unit = q.kind === "probability" ? "%" : q.unit;
    const input = element("input");
    input.type = "number";
    input.inputMode = "decimal";
    input.min = String(low);
    input.max = String(high);
    input.step = q.step ? String(q.step) : "any";
    input.id = "in-" + q.id;
    const label = element("label", (q.kind === "probability" ? "Your probability" : "Your answer")
      + " (" + low + " to " + high + (unit ? " " + unit : "") + ")");
    label.htmlFor = input.id;
    const go = button("Send", () => {
      const value = Number(input.value);
      if (input.value.trim() === "" || !Number.isFinite(value)) {
        status("Type a number from " + low + " to " + high + " first.", true);
        return;
      }
      send({type: "answer", question: q.id, vote: q.vote, value: value});
    });
    form.append(label, input, go);
  }
  form.append(element("p", "Not answered yet.", "mine"));
  return form;
}

function joinPage() {
  const remembered = localStorage.getItem("poll-seat-" + token);
  if (remembered) {  // this phone has joined before: back to its own seat
    location.replace(remembered);
    return;
  }
  $("name").onkeydown = (event) => {  // Enter on a phone's keyboard joins, as the button does
    if (event.key === "Enter") $("join-button").click();
  };
  $("join-button").onclick = async () => {
    status("Joining…");
    let reply;
    try {
      const response = await fetch("/join.json", {method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({t: token, name: $("name").value})});
      reply = await response.json();
    } catch (error) {
      status("Could not reach the poll: check the network and try again.", true);
      return;
    }
    if (!reply.url) {
      status(reply.message || "Could not join.", true);
      return;
    }
    localStorage.setItem("poll-seat-" + token, reply.url);
    location.replace(reply.url);
  };
}

if (role === "join") {
  joinPage();
} else {
  if (role === "host") {
    $("close").onclick = () => send({type: "close"});
    $("again").onclick = () => send({type: "again"});
    $("reveal").onclick = () => send({type: "reveal"});
    $("open-forecasts").onclick = () => send({type: "open", question: "*forecasts"});
  }
  connect();
}
