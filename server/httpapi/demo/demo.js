// The speller demo: asks POST /v1/correct and shows what a search page would. Everything from the user or the
// server goes into the page as text (textContent), never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);

// api calls the JSON API and returns the decoded response, or throws an Error with the server's message.
async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    throw new Error(`${resp.status} ${data.message || resp.statusText}`);
  }
  return data;
}

// link returns a link that searches for text when clicked.
function link(text) {
  const a = document.createElement("a");
  a.href = "#";
  a.textContent = text;
  a.addEventListener("click", (ev) => {
    ev.preventDefault();
    $("q").value = text;
    $("zero").checked = false;
    search();
  });
  return a;
}

// bold returns text in <b>.
function bold(text) {
  const b = document.createElement("b");
  b.textContent = text;
  return b;
}

// show renders the answer for query.
function show(query, r) {
  const msg = $("message");
  msg.replaceChildren();
  switch (r.action) {
    case "ACTION_AUTO_CORRECT":
      msg.append("Showing results for ", bold(r.correction), " — Search instead for ", link(query));
      break;
    case "ACTION_DID_YOU_MEAN":
      msg.append("Did you mean ", link(r.correction), "?");
      break;
  }
  $("decision").textContent =
    `${r.action} · log odds ${r.logOdds.toFixed(2)} · confidence ${r.confidence.toFixed(3)} · ` +
    `offer above ${r.threshold.toFixed(2)}, apply above ${r.autoThreshold.toFixed(2)}`;
  const rows = (r.alternatives || []).map((alt) => {
    const tr = document.createElement("tr");
    for (const [v, num] of [[alt.text, false], [alt.score.toFixed(2), true], [alt.logOdds.toFixed(2), true]]) {
      const td = document.createElement("td");
      td.textContent = v;
      if (num) td.className = "num";
      tr.append(td);
    }
    return tr;
  });
  $("alternatives").tBodies[0].replaceChildren(...rows);
  $("alternatives").hidden = rows.length === 0;
  $("details").hidden = false;
  $("model").textContent = r.modelVersion;
}

// search asks for the correction of the query in the box.
async function search() {
  const query = $("q").value;
  const results = $("results");
  results.dataset.state = "loading";
  $("error").textContent = "";
  const req = { query };
  if ($("zero").checked) {
    req.originalResultCount = 0;
  }
  try {
    show(query, await api("POST", "v1/correct", req));
  } catch (err) {
    $("message").replaceChildren();
    $("details").hidden = true;
    $("error").textContent = err.message;
  }
  results.dataset.query = query;
  results.dataset.state = "done";
}

$("search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  search();
});

// A link can carry a query: /?q=jewlery+box&zero=1.
const params = new URLSearchParams(location.search);
if (params.has("q")) {
  $("q").value = params.get("q");
  $("zero").checked = params.get("zero") === "1";
  search();
}

api("GET", "v1/model")
  .then((info) => { $("model").textContent = info.model.version; })
  .catch((err) => { $("model").textContent = `unknown (${err.message})`; });
