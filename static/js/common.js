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
    if (payload !== undefined) {
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

  /* ---- Activations: one <bdi> per token, shaded by value / max ---- */
  const INVISIBLE = /^[\s\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]*$/;
  function fmt(v) {
    return (Math.round(v * 1000) / 1000).toString();
  }
  function tokenNode(token, value, max, isTop) {
    const node = document.createElement("bdi");
    node.className = "tok";
    node.setAttribute("dir", "auto");
    let shown = token;
    if (token.includes("\n")) {
      shown = token.replace(/\n/g, "\u21b5");
      node.classList.add("nl");
    }
    node.textContent = shown;
    if (shown === "" || (INVISIBLE.test(shown) && !/^ +$/.test(shown))) node.classList.add("empty");
    const a = max > 0 ? Math.max(0, Math.min(1, value / max)) : 0;
    node.style.setProperty("--a", a.toFixed(3));
    if (value > 0) {
      node.classList.add("fires");
      node.title = "activation " + fmt(value);
      node.dataset.tip = fmt(value);
      node.dataset.value = String(value);
    }
    if (isTop) node.classList.add("top");
    return node;
  }
  /** A clue line; scrolls so its strongest token is visible. */
  function activationLine(record, max) {
    const line = el("div", { class: "clue-text", dir: "ltr", tabindex: "0", "aria-label": "Text snippet; highlighted words made the feature fire" });
    const values = record.values || [];
    let top = -1;
    let best = 0;
    values.forEach((v, i) => { if (v > best) { best = v; top = i; } });
    let topNode = null;
    (record.tokens || []).forEach((tok, i) => {
      const node = tokenNode(String(tok), values[i] || 0, max, i === top);
      if (i === top) topNode = node;
      line.append(node);
    });
    line._topNode = topNode;
    return line;
  }
  function scrollToTop(line) {
    const node = line._topNode;
    if (!node) return;
    const target = node.offsetLeft - line.clientWidth / 3;
    line.scrollLeft = Math.max(0, target);
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

  window.LP = { api, el, toast, me, getPref, setPref, onSocket, sendSocket, activationLine, scrollToTop, fmt, authenticated, cookie, apiErrorMessage };
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
