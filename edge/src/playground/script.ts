/**
 * The playground's behaviour, served as the ES module /playground/app.js. Vanilla DOM, no build step.
 * It asks for a streamed generation (server-sent stage events: preview → verdict → final → done) and, when
 * the edge answers plain JSON instead (no streaming there, or refused), shows the final image from that.
 */
export const script = String.raw`
const KEY = "understudy.key";
const HISTORY = "understudy.history";
const HISTORY_MAX = 8;
const $ = (id) => document.getElementById(id);
const tiers = JSON.parse($("tiers").textContent);
let streamRefused = false;

// ── the key: pasted once, kept in localStorage, sent only as a header ─────────────────────────────
const savedKey = () => localStorage.getItem(KEY);

function askForKey(message) {
  $("key-error").textContent = message || "";
  $("key-panel").hidden = false;
  $("main").hidden = true;
  $("account").hidden = true;
  $("key").focus();
}

function api(path, init) {
  const headers = Object.assign({ Authorization: "Bearer " + savedKey() }, init && init.body ? { "Content-Type": "application/json" } : {});
  return fetch(path, Object.assign({}, init, { headers }));
}

async function errorMessage(response) {
  const body = await response.json().catch(() => null);
  const error = body && body.error;
  return error ? error.message + " (" + error.code + ")" : "HTTP " + response.status;
}

async function loadAccount() {
  const response = await api("/v1/usage");
  if (response.status === 401) return askForKey("That key was refused: " + (await errorMessage(response)));
  if (!response.ok) return askForKey(await errorMessage(response));
  const usage = await response.json();
  $("key-panel").hidden = true;
  $("main").hidden = false;
  $("account").hidden = false;
  $("tier-badge").textContent = usage.tier;
  $("credits").textContent = usage.credits.remaining.toLocaleString() + " credits left";
  applyTier(tiers[usage.tier]);
  $("prompt").focus();
}

// ── what the tier allows ──────────────────────────────────────────────────────────────────────────
function fillOptions(select, values, keepFirst) {
  while (select.options.length > keepFirst) select.remove(keepFirst);
  for (const value of values) select.add(new Option(value, value));
}

function applyTier(tier) {
  $("advanced").hidden = true;
  if (!tier) return;
  const describeQuality = () => {
    const policy = tier.quality[$("quality").value];
    $("quality-hint").textContent = policy.mode === "adaptive" ? "Adaptive: the teacher reworks the " + policy.k + "% of images the oracle likes least." : "The " + policy.mode + " draws every image.";
  };
  $("quality").onchange = describeQuality;
  describeQuality();
  const canChoose = tier.allowed_modes.length > 1 || tier.allowed_strategies.length > 1;
  if (!canChoose) return;
  $("advanced").hidden = false;
  fillOptions($("mode"), tier.allowed_modes, 1);
  fillOptions($("strategy"), tier.allowed_strategies.filter((s) => s !== "refine"), 1);
  $("strategy-field").hidden = tier.allowed_strategies.length < 2;
}

// ── the request ───────────────────────────────────────────────────────────────────────────────────
function requestBody() {
  const body = { prompt: $("prompt").value.trim(), quality: $("quality").value, response_format: "b64_json" };
  if ($("seed").value !== "") body.seed = Number($("seed").value);
  if (!$("advanced").hidden) {
    if ($("mode").value) body.mode = $("mode").value;
    if ($("strategy").value) body.strategy = $("strategy").value;
    if ($("strength-on").checked) body.strength = Number($("strength").value);
  }
  return body;
}

/** Streams when the edge can; detects which it got by the response's content type. */
async function generate(body, show) {
  const stream = !streamRefused;
  const response = await api("/v1/images/generations", { method: "POST", body: JSON.stringify(Object.assign({}, body, { stream })) });
  const type = response.headers.get("content-type") || "";
  if (response.ok && type.startsWith("text/event-stream")) return readEvents(response, show);
  if (!response.ok) {
    const payload = await response.clone().json().catch(() => null);
    if (stream && payload && payload.error && payload.error.param === "stream") {
      streamRefused = true;
      return generate(body, show);
    }
    throw new Error(await errorMessage(response));
  }
  show.plain(await response.json());
}

async function readEvents(response, show) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let finished = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      finished = dispatch(buffer.slice(0, end), show) || finished;
      buffer = buffer.slice(end + 2);
    }
  }
  if (!finished) throw new Error("The stream ended before the final image arrived; try again.");
}

/** One server-sent event block → its handler. Returns true once the stream is complete. */
function dispatch(block, show) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (data.length === 0) return false;
  const event = JSON.parse(data.join("\n"));
  const kind = event.event || name;
  if (kind === "error") throw new Error(event.message + " (" + event.code + ")");
  if (show[kind]) show[kind](event);
  return kind === "done";
}

// ── showing it ────────────────────────────────────────────────────────────────────────────────────
const pngSrc = (b64) => "data:image/png;base64," + b64;
const fixed = (value) => (value === null || value === undefined ? "–" : Number(value).toFixed(3));

function setImage(which, src, note) {
  $(which).src = src;
  $(which).hidden = false;
  $(which + "-placeholder").hidden = true;
  $(which + "-note").textContent = note || "";
}

function resetResult() {
  const result = $("result");
  result.dataset.state = "working";
  delete result.dataset.route;
  for (const which of ["preview", "final"]) {
    $(which).hidden = true;
    $(which).removeAttribute("src");
    $(which + "-placeholder").hidden = false;
    $(which + "-note").textContent = "";
  }
  $("preview-placeholder").textContent = "the student is drawing…";
  $("final-placeholder").textContent = "waiting for the oracle…";
  for (const id of ["verdict", "facts", "timings"]) $(id).hidden = true;
}

const OUTCOMES = {
  keep: "keep the student's image",
  refine: "the teacher refines it",
  regenerate: "the teacher draws it again",
  degraded: "keep the student's image (no teacher available)",
};

function showVerdict(score, threshold, decision) {
  $("verdict").hidden = false;
  const outcome = OUTCOMES[decision] || decision;
  $("verdict-text").textContent = threshold === null || threshold === undefined
    ? "Oracle score " + fixed(score) + " (no τ: not adaptive) → " + outcome
    : "Oracle score " + fixed(score) + (score < threshold ? " < " : " ≥ ") + "τ " + fixed(threshold) + " → " + outcome;
  // Scores are not bounded to [0, 1]: the scale spans both values with a margin, so neither sits on an end.
  const low = Math.min(0, score, threshold ?? score);
  const high = Math.max(1, score, threshold ?? score);
  const margin = (high - low) * 0.08;
  const at = (v) => ((v - low + margin) / (high - low + 2 * margin)) * 100 + "%";
  $("gauge-score").style.left = at(score);
  $("gauge-tau").hidden = threshold === null || threshold === undefined;
  $("verdict").querySelector(".gauge").style.setProperty("--tau", threshold === null || threshold === undefined ? "0%" : at(threshold));
  if (threshold !== null && threshold !== undefined) $("gauge-tau").style.left = at(threshold);
}

/** The final image's explanation, whichever shape carried it (public ImageData or the internal image). */
function explanationOf(image) {
  return image.understudy || image;
}

function showFinal(src, explanation, extra) {
  const result = $("result");
  result.dataset.state = "done";
  result.dataset.route = explanation.route;
  setImage("final", src, explanation.cache === "hit" ? "(from the cache)" : "");
  if (explanation.oracle_score !== null && explanation.oracle_score !== undefined && $("verdict").hidden) {
    const decision = explanation.route !== "student" ? explanation.route.replace(/d$/, "") : explanation.degraded ? "degraded" : "keep";
    showVerdict(explanation.oracle_score, explanation.threshold, decision);
  }
  const route = document.createElement("span");
  route.className = "route " + explanation.route;
  route.textContent = explanation.route + (explanation.degraded ? " (degraded: " + explanation.degraded_reason + ")" : "");
  $("route").replaceChildren(route);
  $("score").textContent = explanation.oracle_score === null ? "teacher only" : fixed(explanation.oracle_score) + " vs τ " + fixed(explanation.threshold);
  const evaluations = explanation.unet_evaluations;
  $("evaluations").textContent = evaluations.student + " student + " + evaluations.teacher + " teacher";
  $("charged").textContent = extra.charged === undefined ? "…" : String(extra.charged);
  $("used-seed").textContent = String(explanation.seed);
  $("delivery").textContent = extra.delivery;
  result.dataset.delivery = extra.delivery;
  $("facts").hidden = false;
  const rows = Object.entries(explanation.timings_ms || {}).map(([stage, ms]) => {
    const row = document.createElement("tr");
    for (const text of [stage.replace(/_/g, " "), Number(ms).toFixed(1) + " ms"]) row.insertCell().textContent = text;
    return row;
  });
  $("timings-body").replaceChildren(...rows);
  $("timings").hidden = rows.length === 0;
}

function handlers(body) {
  let finalShown = null;
  return {
    preview(event) {
      $("result").dataset.state = "preview";
      setImage("preview", pngSrc(event.png_b64 || event.b64_json), "");
      $("final-placeholder").textContent = "the oracle is scoring it…";
    },
    verdict(event) {
      showVerdict(event.oracle_score, event.threshold, event.decision);
      $("final-placeholder").textContent = event.decision === "keep" ? "keeping the student's image" : "the teacher is at work…";
    },
    final(event) {
      const image = event.image || event.data || event;
      const explanation = explanationOf(image);
      finalShown = { src: pngSrc(image.png_b64 || image.b64_json), explanation };
      if (!image.png_b64 && !image.b64_json && image.url) finalShown.src = image.url;
      showFinal(finalShown.src, explanation, { delivery: "streamed" });
    },
    done(event) {
      const summary = (event.response && event.response.understudy) || event.understudy || {};
      $("charged").textContent = summary.credits_charged === undefined ? "–" : String(summary.credits_charged);
      if (finalShown) remember(body, finalShown.src, finalShown.explanation);
    },
    plain(response) {
      const image = response.data[0];
      const explanation = image.understudy;
      const src = pngSrc(image.b64_json);
      $("preview-placeholder").textContent = "no preview: this edge answered without streaming";
      if (explanation.route === "student") setImage("preview", src, "(the final image)");
      showFinal(src, explanation, { delivery: "plain JSON", charged: response.understudy.credits_charged });
      remember(body, src, explanation);
    },
  };
}

// ── history: this browser's recent images ─────────────────────────────────────────────────────────
const history = () => JSON.parse(localStorage.getItem(HISTORY) || "[]");

function remember(body, src, explanation) {
  let entries = [{ prompt: body.prompt, seed: explanation.seed, quality: body.quality, route: explanation.route, src }].concat(history()).slice(0, HISTORY_MAX);
  // Images are small, but localStorage is too: drop the oldest until it fits.
  while (entries.length > 0) {
    try {
      localStorage.setItem(HISTORY, JSON.stringify(entries));
      break;
    } catch {
      entries = entries.slice(0, -1);
    }
  }
  renderHistory();
}

function renderHistory() {
  const items = history().map((entry) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.title = "Use this prompt and seed again";
    const img = document.createElement("img");
    img.src = entry.src;
    img.alt = entry.prompt;
    const caption = document.createElement("span");
    caption.className = "caption";
    caption.textContent = entry.prompt;
    const meta = document.createElement("span");
    meta.className = "caption";
    meta.textContent = entry.route + " · seed " + entry.seed;
    button.append(img, caption, meta);
    button.onclick = () => {
      $("prompt").value = entry.prompt;
      $("seed").value = entry.seed;
      $("quality").value = entry.quality;
      $("quality").onchange && $("quality").onchange();
    };
    item.append(button);
    return item;
  });
  $("history").replaceChildren(...items);
  $("history-empty").hidden = items.length > 0;
}

// ── wiring ────────────────────────────────────────────────────────────────────────────────────────
$("key-form").onsubmit = (event) => {
  event.preventDefault();
  localStorage.setItem(KEY, $("key").value.trim());
  $("key").value = "";
  loadAccount();
};
$("forget-key").onclick = () => {
  localStorage.removeItem(KEY);
  askForKey("");
};
$("dice").onclick = () => {
  $("seed").value = String(crypto.getRandomValues(new Uint32Array(1))[0]);
};
$("strength-on").onchange = () => {
  $("strength").disabled = !$("strength-on").checked;
  $("strength-value").textContent = $("strength-on").checked ? $("strength").value : "bundle default";
};
$("strength").oninput = () => {
  $("strength-value").textContent = $("strength").value;
};
$("clear-history").onclick = () => {
  localStorage.removeItem(HISTORY);
  renderHistory();
};
$("generate-form").onsubmit = async (event) => {
  event.preventDefault();
  const body = requestBody();
  $("error").textContent = "";
  $("go").disabled = true;
  resetResult();
  try {
    await generate(body, handlers(body));
  } catch (error) {
    $("result").dataset.state = "failed";
    $("error").textContent = error.message;
  } finally {
    $("go").disabled = false;
  }
};

renderHistory();
if (savedKey()) loadAccount();
else askForKey("");
`;
