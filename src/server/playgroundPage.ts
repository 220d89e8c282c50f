// The playground's page: one self-contained HTML document (inline CSS and script under a per-answer
// nonce, no external assets) that calls the native API on its own origin, and /playground/compare
// when the legacy comparison is on. playground.ts serves it.
import { CODE_PROLOG, LAZY_IMPORTS } from '../jail/capaProlog.js';

/** The page. Data the script needs travels as JSON in a <script type="application/json"> block. */
export function playgroundHtml(opts: { images: string[]; legacy: boolean; nonce: string }): string {
  const data = JSON.stringify({ images: opts.images, legacy: opts.legacy, capaProlog: CODE_PROLOG, lazyImports: LAZY_IMPORTS })
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  const n = opts.nonce;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>codejail-wasm playground</title>
<style nonce="${n}">
  :root { font-family: system-ui, sans-serif; color: #1b1f23; background: #f6f8fa; }
  body { margin: 0 auto; max-width: 1200px; padding: 1rem; }
  h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
  .note { color: #57606a; font-size: .85rem; }
  form, .panel { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .75rem; margin-bottom: .75rem; }
  textarea { width: 100%; box-sizing: border-box; font: 13px/1.4 ui-monospace, monospace; }
  #code { min-height: 12rem; }
  #globals-in { min-height: 3rem; }
  .row { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: .5rem 0; }
  label { font-size: .9rem; }
  button { font-size: .95rem; padding: .35rem .9rem; border-radius: 6px; border: 1px solid #1f883d; background: #1f883d; color: #fff; cursor: pointer; }
  button.secondary { background: #fff; color: #1f883d; }
  button:disabled { opacity: .6; cursor: wait; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem .75rem; margin: 0; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: .5rem; margin: .25rem 0 .5rem; white-space: pre-wrap; word-break: break-word; min-height: 1.2em; font-size: 12px; }
  .error { color: #cf222e; }
  .ok { color: #1a7f37; }
  .cols { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<h1>codejail-wasm playground</h1>
<p class="note">Runs your script through this service's native API, exactly as capa's <code>safe_exec</code> would.
For trying things out; it is not part of the codejail-service API.</p>
<form id="form" autocomplete="off">
  <label for="code">Python script</label>
  <textarea id="code" name="code" spellcheck="false">x = 6 * 7
</textarea>
  <label for="globals-in">Input globals (JSON object)</label>
  <textarea id="globals-in" name="globals" spellcheck="false">{}</textarea>
  <div class="row">
    <label>API <select id="api"><option value="safe_exec">safe_exec (globals)</option><option value="jail_code">jail_code (stdout)</option></select></label>
    <label>Image <select id="image"></select></label>
    <label>Seed <input id="seed" type="number" min="0" step="1" placeholder="random" size="10"></label>
    <label><input id="capa" type="checkbox"> capa prolog</label>
    <label>Token <input id="token" type="password" placeholder="bearer token (if required)" size="22"></label>
  </div>
  <div class="row">
    <button id="run" type="submit">Run</button>
    <button id="compare" type="button" class="secondary" hidden>Compare with legacy runner</button>
    <span id="busy" class="note" hidden>running…</span>
  </div>
</form>
<div id="result" class="panel">
  <dl>
    <dt>Result</dt><dd id="status">—</dd>
    <dt>Outcome</dt><dd id="outcome">—</dd>
    <dt>Fuel</dt><dd id="fuel">—</dd>
    <dt>Wall time</dt><dd id="wall">—</dd>
  </dl>
  <div>Globals</div><pre id="globals-out"></pre>
  <div>Error (SafeExecException)</div><pre id="emsg" class="error"></pre>
  <div>stdout</div><pre id="stdout"></pre>
  <div>stderr</div><pre id="stderr"></pre>
</div>
<div id="comparison" class="panel" hidden>
  <div class="row"><strong>Comparison</strong><span id="cmp-verdict"></span></div>
  <div class="cols">
    <div><div>wasm</div><pre id="cmp-wasm"></pre></div>
    <div><div>legacy (native, unsandboxed)</div><pre id="cmp-legacy"></pre></div>
  </div>
</div>
<script type="application/json" id="playground-data">${data}</script>
<script nonce="${n}">
"use strict";
(function () {
  var DATA = JSON.parse(document.getElementById("playground-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var imageSel = $("image");
  var images = DATA.images.length ? DATA.images : ["default"];
  images.forEach(function (name, i) {
    var o = document.createElement("option");
    o.value = i === 0 ? "" : name;
    o.textContent = name + (i === 0 ? " (default)" : "");
    imageSel.appendChild(o);
  });
  imageSel.disabled = images.length < 2;
  if (DATA.legacy) $("compare").hidden = false;

  function decodeB64(s) {
    if (typeof s !== "string") return "";
    var bin = atob(s), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  }
  function seedValue() {
    var v = $("seed").value.trim();
    if (v === "") return undefined;
    var n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error("seed: must be a non-negative integer");
    return n;
  }
  function capaSeedRepr(seed) { return seed === undefined ? "None" : String(seed); }
  function programCode(seed) {
    var script = $("code").value;
    if (!$("capa").checked) return script;
    return DATA.capaProlog.replace("%r", function () { return capaSeedRepr(seed); }) + DATA.lazyImports + script;
  }
  function inputGlobals() {
    var t = $("globals-in").value.trim() || "{}";
    var g = JSON.parse(t);
    if (g === null || typeof g !== "object" || Array.isArray(g)) throw new Error("input globals: must be a JSON object");
    return t;
  }
  function headers() {
    var h = { "Content-Type": "application/json" };
    var tok = $("token").value.trim();
    if (tok) h["Authorization"] = "Bearer " + tok;
    return h;
  }
  function setBusy(b) {
    $("run").disabled = b; $("compare").disabled = b; $("busy").hidden = !b;
    document.body.setAttribute("data-state", b ? "running" : "idle");
  }
  function clear() {
    ["status", "outcome", "fuel", "wall"].forEach(function (id) { $(id).textContent = "—"; $(id).className = ""; });
    ["globals-out", "emsg", "stdout", "stderr"].forEach(function (id) { $(id).textContent = ""; });
  }
  /** The globals exactly as the service returned them (Python's json.dump text; big ints intact). */
  function rawGlobals(text, parsed) {
    var prefix = '{"globals_dict":', end = text.lastIndexOf(',"status":');
    if (text.indexOf(prefix) === 0 && end > prefix.length) return text.slice(prefix.length, end);
    return JSON.stringify(parsed.globals_dict);
  }
  function show(res, text) {
    var r;
    try { r = JSON.parse(text); } catch (e) { r = { error: "unparsable response: " + text.slice(0, 500) }; }
    var st = $("status");
    if (!res.ok || r.error) {
      st.textContent = "HTTP " + res.status + ": " + (r.error || res.statusText);
      st.className = "error";
      return;
    }
    var ok = r.emsg === undefined && r.status === 0;
    st.textContent = (ok ? "ok" : "error") + " (status " + r.status + ")";
    st.className = ok ? "ok" : "error";
    $("outcome").textContent = r.outcome + (r.limit_hit ? " — limit hit: " + r.limit_hit : "");
    $("fuel").textContent = typeof r.fuel_used === "number" ? r.fuel_used.toLocaleString("en-US") : String(r.fuel_used);
    $("wall").textContent = typeof r.wall_ms === "number" ? r.wall_ms.toFixed(1) + " ms" : "—";
    if ("globals_dict" in r && r.emsg === undefined) $("globals-out").textContent = rawGlobals(text, r);
    if (r.emsg !== undefined) $("emsg").textContent = r.emsg;
    $("stdout").textContent = decodeB64(r.stdout_b64);
    $("stderr").textContent = decodeB64(r.stderr_b64);
  }
  function fail(e) {
    var st = $("status");
    st.textContent = String(e && e.message || e);
    st.className = "error";
  }

  $("form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    clear();
    var body, api = $("api").value;
    try {
      var seed = seedValue();
      body = { code: programCode(seed) };
      if (seed !== undefined) body.seed = seed;
      if (imageSel.value) body.image = imageSel.value;
      var bodyText = JSON.stringify(body);
      // safe_exec: the input globals go as typed (lossless for big ints and floats).
      if (api === "safe_exec") bodyText = bodyText.slice(0, -1) + ',"globals_dict":' + inputGlobals() + "}";
    } catch (e) { fail(e); return; }
    setBusy(true);
    fetch("/api/v1/" + api, { method: "POST", headers: headers(), body: bodyText })
      .then(function (res) { return res.text().then(function (t) { show(res, t); }); })
      .catch(fail)
      .finally(function () { setBusy(false); });
  });

  function describeSide(s) {
    if (s.error) return "runner error: " + s.error;
    var lines = [];
    lines.push(s.ok ? "ok" : "error (status " + s.status + ")");
    if (s.globals !== null && s.globals !== undefined) lines.push("globals: " + s.globals);
    if (s.emsg) lines.push("emsg: " + s.emsg);
    if (typeof s.fuel === "number") lines.push("fuel: " + s.fuel.toLocaleString("en-US"));
    lines.push("wall: " + Number(s.wall_ms).toFixed(1) + " ms");
    return lines.join("\\n");
  }
  $("compare").addEventListener("click", function () {
    clear();
    var body;
    try {
      var seed = seedValue();
      body = { code: $("code").value, globals_dict: JSON.parse(inputGlobals()), capa: $("capa").checked };
      if (seed !== undefined) body.seed = seed;
    } catch (e) { fail(e); return; }
    setBusy(true);
    $("comparison").hidden = false;
    $("cmp-verdict").textContent = "";
    fetch("/playground/compare", { method: "POST", headers: headers(), body: JSON.stringify(body) })
      .then(function (res) {
        return res.json().then(function (r) {
          if (!res.ok) throw new Error("HTTP " + res.status + ": " + (r.error || res.statusText));
          $("cmp-wasm").textContent = describeSide(r.wasm);
          $("cmp-legacy").textContent = describeSide(r.legacy);
          $("cmp-verdict").textContent = r.same ? "same result" : "results differ";
          $("cmp-verdict").className = r.same ? "ok" : "error";
        });
      })
      .catch(function (e) { $("cmp-verdict").textContent = String(e.message || e); $("cmp-verdict").className = "error"; })
      .finally(function () { setBusy(false); });
  });
  document.body.setAttribute("data-state", "idle");
})();
</script>
</body>
</html>
`;
}
