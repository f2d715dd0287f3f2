import { html, raw } from "hono/html";
import { TIERS, type Tier, type TierName } from "@understudy/shared";

/**
 * The playground's one page. Markup only: behaviour is /playground/app.js, looks are /playground/app.css,
 * both from 'self' so the page's CSP needs no inline script or style. What each tier allows is embedded as
 * data (from shared/tiers.json), so the page can show mode, strategy and σ only where GET /v1/usage says
 * the key's tier may use them.
 */
export type TierCapabilities = Record<TierName, Pick<Tier, "description" | "quality" | "allowed_modes" | "allowed_strategies">>;

export const tierCapabilities = (): TierCapabilities =>
  Object.fromEntries(
    Object.entries(TIERS).map(([name, { description, quality, allowed_modes, allowed_strategies }]) => [name, { description, quality, allowed_modes, allowed_strategies }]),
  ) as TierCapabilities;

/** A die for the seed button, drawn inline so it never depends on an emoji font. */
const DIE = raw(
  '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><rect x="3" y="3" width="18" height="18" rx="4" fill="none" stroke="currentColor" stroke-width="2"/><g fill="currentColor"><circle cx="8" cy="8" r="1.6"/><circle cx="16" cy="8" r="1.6"/><circle cx="12" cy="12" r="1.6"/><circle cx="8" cy="16" r="1.6"/><circle cx="16" cy="16" r="1.6"/></g></svg>',
);

/** JSON inside <script type="application/json">: `<` escaped so no string can close the element. */
const jsonData = (value: unknown) => raw(JSON.stringify(value).replace(/</g, "\\u003c"));

export const page = () => html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>understudy playground</title>
  <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%237aa2ff'/%3E%3Cpath d='M8 1a7 7 0 0 0 0 14z' fill='%230e1014'/%3E%3C/svg%3E">
  <link rel="stylesheet" href="/playground/app.css">
  <script type="module" src="/playground/app.js"></script>
</head>
<body>
  <header class="top">
    <div class="brand">
      <span class="logo" aria-hidden="true">◐</span>
      <div><h1>understudy</h1><p class="tagline">The student draws first; the teacher steps in only when the oracle asks.</p></div>
    </div>
    <div class="account" id="account" hidden>
      <span class="badge" id="tier-badge"></span>
      <span id="credits"></span>
      <button type="button" class="link" id="forget-key">Change key</button>
    </div>
  </header>

  <section class="card key-panel" id="key-panel" hidden>
    <h2>Paste your API key</h2>
    <p>It stays in this browser (localStorage) and is only ever sent as an <code>Authorization</code> header, never in a URL.</p>
    <form id="key-form" class="row">
      <input id="key" type="password" autocomplete="off" spellcheck="false" placeholder="us_…" aria-label="API key" required>
      <button type="submit" class="primary">Use this key</button>
    </form>
    <p class="error" id="key-error" role="alert"></p>
  </section>

  <main class="layout" id="main" hidden>
    <form class="card controls" id="generate-form">
      <label for="prompt">Prompt</label>
      <textarea id="prompt" rows="3" maxlength="1000" placeholder="a red circle on a blue background" required></textarea>
      <div class="grid seed-quality">
        <div>
          <label for="seed">Seed</label>
          <div class="row">
            <input id="seed" type="number" min="0" max="4294967295" step="1" placeholder="random">
            <button type="button" id="dice" class="icon" title="Roll a random seed" aria-label="Roll a random seed">${DIE}</button>
          </div>
        </div>
        <div>
          <label for="quality">Quality</label>
          <select id="quality"><option value="fast">fast</option><option value="balanced" selected>balanced</option><option value="best">best</option></select>
        </div>
      </div>
      <p class="hint" id="quality-hint"></p>
      <fieldset class="advanced" id="advanced" hidden>
        <legend>Your tier also allows</legend>
        <div class="grid">
          <div><label for="mode">Mode</label><select id="mode"><option value="">from quality</option></select></div>
          <div id="strategy-field"><label for="strategy">Strategy</label><select id="strategy"><option value="">refine</option></select></div>
        </div>
        <label for="strength">σ (how far the teacher re-noises the student's image) <output id="strength-value">bundle default</output></label>
        <div class="row"><input id="strength" type="range" min="0.05" max="1" step="0.05" value="0.5" disabled><label class="inline"><input type="checkbox" id="strength-on"> set σ</label></div>
      </fieldset>
      <button type="submit" class="primary wide" id="go">Generate</button>
      <p class="error" id="error" role="alert"></p>
    </form>

    <section class="card result" id="result" data-state="idle">
      <div class="frames">
        <figure>
          <div class="frame" id="preview-frame"><img id="preview" alt="The student's image" hidden><span class="placeholder" id="preview-placeholder">student preview</span></div>
          <figcaption>Student preview <span class="muted" id="preview-note"></span></figcaption>
        </figure>
        <div class="arrow" aria-hidden="true">→</div>
        <figure>
          <div class="frame" id="final-frame"><img id="final" alt="The final image" hidden><span class="placeholder" id="final-placeholder">final image</span></div>
          <figcaption>Final <span class="muted" id="final-note"></span></figcaption>
        </figure>
      </div>
      <div class="verdict" id="verdict" hidden>
        <div class="gauge" aria-hidden="true"><span class="tau" id="gauge-tau"></span><span class="score" id="gauge-score"></span></div>
        <p id="verdict-text"></p>
      </div>
      <dl class="facts" id="facts" hidden>
        <div><dt>Route</dt><dd id="route"></dd></div>
        <div><dt>Oracle score vs τ</dt><dd id="score"></dd></div>
        <div><dt>UNet evaluations</dt><dd id="evaluations"></dd></div>
        <div><dt>Credits charged</dt><dd id="charged"></dd></div>
        <div><dt>Seed</dt><dd id="used-seed"></dd></div>
        <div><dt>Delivery</dt><dd id="delivery"></dd></div>
      </dl>
      <table class="timings" id="timings" hidden><caption>Milliseconds per stage</caption><tbody id="timings-body"></tbody></table>
    </section>

    <section class="card history">
      <div class="history-head"><h2>Recent in this browser</h2><button type="button" class="link" id="clear-history">Clear</button></div>
      <ol id="history"></ol>
      <p class="muted" id="history-empty">Your images will appear here.</p>
    </section>
  </main>

  <script type="application/json" id="tiers">${jsonData(tierCapabilities())}</script>
</body>
</html>`;
