/* Shared helpers for every page: API calls with CSRF, preferences, mode toggle, toasts,
 * the game websocket and the activation renderer.
 * Rule: text that comes from data is only ever inserted with textContent / attributes,
 * never as HTML. */
(function () {
  "use strict";

  const body = document.body;
  const authenticated = body.dataset.authenticated === "1";

  function cookie(name) {
    const hit = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
    return hit ? decodeURIComponent(hit.slice(name.length + 1)) : "";
  }

  /** fetch JSON; resolves to {ok, status, data} and never throws on HTTP errors.
   *  A network failure resolves with status 0 so callers can keep the player's text. */
  async function api(method, url, payload) {
    const opts = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (payload instanceof FormData) {
      opts.body = payload;  // multipart: the browser writes the boundary into Content-Type
    } else if (payload !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(payload);
    }
    if (method !== "GET") opts.headers["X-CSRFToken"] = cookie("csrftoken");
    let resp;
    try {
      resp = await fetch(url, opts);
    } catch (err) {
      return { ok: false, status: 0, data: { error: "Could not reach the server. Check your connection and try again." } };
    }
    let data = {};
    try {
      data = await resp.json();
    } catch (err) {
      data = resp.ok ? {} : { error: "The server answered with an error (" + resp.status + "). Please try again." };
    }
    return { ok: resp.ok, status: resp.status, data, headers: resp.headers };
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  let toastTimer = null;
  function toast(message) {
    let node = document.getElementById("toast");
    if (!node) {
      node = el("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite" });
      document.body.append(node);
    }
    node.textContent = message;
    node.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { node.hidden = true; }, 3500);
  }

  /* ---- Preferences: the server for players who are logged in, localStorage otherwise ---- */
  const LOCAL_KEYS = { hide_explicit: "lp.hideExplicit", advanced_mode: "lp.advanced", onboarded: "lp.tutorialDone" };
  let mePromise = null;
  function me() {
    if (!authenticated) return Promise.resolve(null);
    if (!mePromise) {
      mePromise = api("GET", body.dataset.meUrl).then((r) => (r.ok ? r.data : null));
    }
    return mePromise;
  }
  function localPref(name) {
    const raw = localStorage.getItem(LOCAL_KEYS[name]);
    return raw === null ? null : raw === "1";
  }
  async function getPref(name) {
    const local = localPref(name);
    const data = await me();
    if (data && data.preferences && name in data.preferences) return !!data.preferences[name];
    return local;
  }
  async function setPref(name, value) {
    localStorage.setItem(LOCAL_KEYS[name], value ? "1" : "0");
    if (!authenticated) {
      // Chosen before signing up: carried to the account on the first page after login.
      const unsynced = new Set(JSON.parse(localStorage.getItem("lp.unsynced") || "[]"));
      unsynced.add(name);
      localStorage.setItem("lp.unsynced", JSON.stringify([...unsynced]));
      return { ok: true };
    }
    const r = await api("PATCH", body.dataset.prefsUrl, { [name]: !!value });
    if (r.ok) mePromise = null;
    return r;
  }

  if (authenticated && localStorage.getItem("lp.unsynced")) {
    const changes = {};
    JSON.parse(localStorage.getItem("lp.unsynced") || "[]").forEach((name) => {
      if (LOCAL_KEYS[name]) changes[name] = localPref(name);
    });
    localStorage.removeItem("lp.unsynced");
    if (Object.keys(changes).length) {
      mePromise = api("PATCH", body.dataset.prefsUrl, changes).then(() => api("GET", body.dataset.meUrl)).then((r) => (r.ok ? r.data : null));
    }
  }

  /* ---- Simple / advanced mode ---- */
  function applyMode(advanced) {
    body.classList.toggle("advanced", !!advanced);
    const btn = document.getElementById("mode-toggle");
    if (btn) btn.setAttribute("aria-pressed", advanced ? "true" : "false");
    document.dispatchEvent(new CustomEvent("lp:mode", { detail: { advanced: !!advanced } }));
  }
  applyMode(localPref("advanced_mode"));
  getPref("advanced_mode").then((v) => { if (v !== null) applyMode(v); });
  const modeBtn = document.getElementById("mode-toggle");
  if (modeBtn) {
    modeBtn.addEventListener("click", () => {
      const next = !body.classList.contains("advanced");
      applyMode(next);
      setPref("advanced_mode", next);
      toast(next ? "Advanced mode: authors, scores and votes are shown." : "Simple mode.");
    });
  }

  /* ---- The game socket: reconnects with backoff; handlers by message type ---- */
  const handlers = {};
  let socket = null;
  let retry = 0;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + location.host + "/ws/game/");
    } catch (err) {
      return;
    }
    socket.addEventListener("open", () => { retry = 0; body.dataset.socket = "open"; });
    socket.addEventListener("message", (event) => {
      let msg;
      try { msg = JSON.parse(event.data); } catch (err) { return; }
      (handlers[msg.type] || []).forEach((fn) => fn(msg));
    });
    socket.addEventListener("close", () => {
      body.dataset.socket = "closed";
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * 2 ** retry);
    });
  }
  function onSocket(type, fn) {
    (handlers[type] = handlers[type] || []).push(fn);
    if (!socket) connect();
  }
  function sendSocket(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
  }

  /* ---- Text from data, shown as a reader will see it ---- */
  // Tokenizers leave control bytes and odd spaces in clues and explanations; shown raw they
  // vanish or break the line, so each becomes a visible mark. game/display.py does the same
  // on the server-rendered pages. Always inserted through textContent.
  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
  const ODD_SPACE = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;
  function displayText(text) {
    return String(text === null || text === undefined ? "" : text)
      .replace(/\r\n|\r|\n/g, "\u21b5")
      .replace(/\t/g, "\u21e5")
      .replace(CONTROL, (c) => {
        const code = c.charCodeAt(0);
        if (code < 0x20) return String.fromCharCode(0x2400 + code); // the Unicode control pictures
        return code === 0x7f ? "\u2421" : "\ufffd";
      })
      .replace(ODD_SPACE, "\u00b7");
  }
  const INVISIBLE = /^[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]*$/;
  function fmt(v) {
    return (Math.round(v * 1000) / 1000).toString();
  }

  /* ---- Activations: one <bdi> per token, shaded (and underlined) by value / max ---- */
  function peakOf(record) {
    const values = record.values || [];
    const n = (record.tokens || []).length;
    if (Number.isInteger(record.max_position) && record.max_position >= 0 && record.max_position < n) return record.max_position;
    let top = -1;
    let best = 0;
    values.forEach((v, i) => { if (v > best) { best = v; top = i; } });
    return top;
  }
  function tokenNode(token, value, max, isPeak) {
    const raw = String(token);
    const node = el("bdi", { class: "tok", dir: "auto", text: displayText(raw) });
    if (/[\r\n]/.test(raw)) node.classList.add("nl");
    if (raw === "" || INVISIBLE.test(raw)) node.classList.add("empty");
    const a = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
    node.style.setProperty("--a", a.toFixed(3));
    if (value > 0) {
      node.classList.add("fires");
      node.title = "activation " + fmt(value);
      node.dataset.value = String(value);
    }
    if (isPeak) node.classList.add("top");
    return node;
  }
  /** What a screen reader says for a line: its strongest words and their values (the shading
   * and underlines are visual only). */
  function lineLabel(record) {
    const values = record.values || [];
    const tokens = record.tokens || [];
    const firing = values.map((v, i) => [v || 0, i]).filter(([v]) => v > 0).sort((a, b) => b[0] - a[0]).slice(0, 3);
    if (!firing.length) return "Text snippet; no word made the feature fire.";
    const words = firing.map(([v, i]) => "\u201c" + displayText(tokens[i]).trim() + "\u201d " + fmt(v));
    return "Text snippet; strongest on " + words[0] + (words.length > 1 ? ", then " + words.slice(1).join(", ") : "") + ".";
  }
  /** A clue line (focusable: it scrolls). Its peak token is line._peak. */
  function activationLine(record, max) {
    const line = el("div", { class: "clue-text", dir: "ltr", tabindex: "0", role: "group", "aria-label": lineLabel(record) });
    const values = record.values || [];
    const peak = peakOf(record);
    (record.tokens || []).forEach((tok, i) => {
      const node = tokenNode(tok, values[i] || 0, max, i === peak);
      if (i === peak) line._peak = node;
      line.append(node);
    });
    return line;
  }
  function scrollToTop(line) {
    const node = line._peak;
    if (!node) return;
    const target = node.offsetLeft - line.clientWidth / 3;
    line.scrollLeft = Math.max(0, target);
  }

  /* ---- The value of a token: one floating box, kept inside the viewport ---- */
  // Shown on hover, on tap (touch screens have no hover) and for the keyboard: a focused line
  // shows its peak and the arrow keys walk through the words that fire. A box inside the
  // scrolling line would be clipped by it, so there is one for the page, placed by hand.
  const LINES = ".clue-text, .tokens";
  const FIRING = ".tok[data-value]";
  let tip = null;
  let tipFor = null;
  function showTip(tok) {
    if (!tok || !tok.dataset.value) return hideTip();
    tipFor = tok;
    tip.textContent = fmt(Number(tok.dataset.value));
    tip.hidden = false;
    const r = tok.getBoundingClientRect();
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    const gap = 6;
    let top = r.top - h - gap;
    if (top < gap) top = r.bottom + gap;
    top = Math.min(Math.max(gap, top), vh - h - gap);
    const left = Math.min(Math.max(gap, r.left + r.width / 2 - w / 2), vw - w - gap);
    tip.style.left = left + "px";
    tip.style.top = top + "px";
  }
  function hideTip() { if (tip) tip.hidden = true; tipFor = null; }
  function peakIn(line) {
    return line._peak || line.querySelector(".tok.top");
  }
  function valueTips(root) {
    if (!tip) {
      tip = el("div", { class: "tok-tip", id: "tok-tip", role: "tooltip", hidden: true });
      document.body.append(tip);
      document.addEventListener("click", (e) => {
        const tok = e.target.closest && e.target.closest(FIRING);
        if (tok && tok.closest("[data-value-tips]")) showTip(tok); else hideTip();
      });
      // The box follows its word while the page or the row scrolls, and goes once the word is out of sight.
      window.addEventListener("scroll", () => {
        if (!tipFor) return;
        const r = tipFor.getBoundingClientRect();
        const box = (tipFor.closest(LINES) || document.documentElement).getBoundingClientRect();
        const seen = r.right > Math.max(0, box.left) && r.left < Math.min(window.innerWidth, box.right)
          && r.bottom > Math.max(0, box.top) && r.top < Math.min(window.innerHeight, box.bottom);
        if (seen) showTip(tipFor); else hideTip();
      }, { passive: true, capture: true });
      window.addEventListener("resize", hideTip);
    }
    root.dataset.valueTips = "1";
    root.addEventListener("mouseover", (e) => {
      const tok = e.target.closest(FIRING);
      if (tok) showTip(tok);
    });
    root.addEventListener("mouseout", (e) => {
      if (tipFor && e.target.closest(FIRING) === tipFor && !tipFor.contains(e.relatedTarget)) hideTip();
    });
    root.addEventListener("focusin", (e) => {
      if (e.target.matches && e.target.matches(LINES)) showTip(peakIn(e.target));
    });
    root.addEventListener("focusout", (e) => {
      if (e.target.matches && e.target.matches(LINES)) hideTip();
    });
    root.addEventListener("keydown", (e) => {
      const line = e.target;
      if (!line.matches || !line.matches(LINES) || (e.key !== "ArrowLeft" && e.key !== "ArrowRight")) return;
      const firing = [...line.querySelectorAll(FIRING)];
      if (!firing.length) return;
      e.preventDefault();
      const at = firing.indexOf(tipFor);
      const next = firing[at < 0 ? 0 : Math.max(0, Math.min(firing.length - 1, at + (e.key === "ArrowRight" ? 1 : -1)))];
      next.scrollIntoView({ block: "nearest", inline: "center" });
      showTip(next);
    });
  }

  /** The API's sentence for a failed call, or one that says what to do about its status
   * (the inference routes: rate limited, or the model server unavailable). */
  function apiErrorMessage(r, fallback) {
    const d = r.data || {};
    const given = typeof d.error === "string" ? d.error : (typeof d.detail === "string" ? d.detail : "");
    if (given) return given;
    if (r.status === 429) {
      const wait = r.headers && r.headers.get("Retry-After");
      return "Too many requests; try again in " + (wait ? wait + " seconds." : "a minute.");
    }
    if (r.status === 503 || r.status === 502) return "The model cannot be run right now (the inference server is unavailable). Try again in a minute.";
    return fallback + " (error " + r.status + ")";
  }

  window.LP = { api, el, toast, me, getPref, setPref, onSocket, sendSocket, activationLine, scrollToTop, peakOf, displayText, valueTips, hideTip, fmt, authenticated, cookie, apiErrorMessage };
})();

// Shading and bar heights come as data-a / data-height: the CSP forbids style="..." in markup.
document.querySelectorAll("[data-a]").forEach((node) => node.style.setProperty("--a", node.dataset.a));
document.querySelectorAll(".histogram .bar[data-height]").forEach((bar) => { bar.style.height = bar.dataset.height + "%"; });

// Feature page: scroll each record so its strongest token is in view.
document.querySelectorAll(".feature-page .record").forEach((rec) => {
  const top = rec.querySelector(".tok.top");
  const line = rec.querySelector(".tokens");
  if (top && line) line.scrollLeft = Math.max(0, top.offsetLeft - line.clientWidth / 2);
});
