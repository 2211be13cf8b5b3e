/* Predict ("human simulation"): the player reads one explanation, marks the tokens of each
 * unseen snippet where they expect the feature to fire, and learns how well that predicted.
 * Token text comes from strangers' data: it only ever goes in with textContent. */
(function () {
  "use strict";
  const { api, el, fmt } = window.LP;
  const config = JSON.parse(document.getElementById("mode-config").textContent);
  if (!config.authenticated) return; // the page shows a log-in prompt instead
  const $ = (id) => document.getElementById(id);
  const state = { task: null, answered: false, sending: false };

  function setStatus(node) {
    $("predict-status").replaceChildren(...(node ? [node] : []));
  }

  async function load() {
    state.task = null;
    state.answered = false;
    $("predict-task").hidden = true;
    $("predict-result").replaceChildren();
    setStatus(el("p", { class: "muted" }, el("span", { class: "spinner" }), " Loading a task…"));
    const r = await api("GET", "/api/simulate/next");
    if (!r.ok) {
      const message = (r.data && r.data.error) || "Could not load a task.";
      if (r.status === 404) {
        setStatus(el("div", { class: "notice", id: "predict-empty" }, el("p", { text: message }),
          el("p", {}, "Meanwhile you can ", el("a", { href: "/" }, "explain a feature"), " or ",
            el("a", { href: "/compare" }, "compare two explanations"), ".")));
      } else {
        setStatus(el("div", { class: "notice notice-bad" }, el("p", { text: message }),
          el("button", { class: "btn btn-small", type: "button", onclick: load }, "Try again")));
      }
      return;
    }
    render(r.data);
  }

  function tokenButton(token, pos) {
    const shown = token.replace(/\n/g, "\u21b5");
    const blank = shown.trim() === "";
    return el("button", {
      type: "button", class: "mark" + (blank ? " blank" : ""), dir: "auto", "aria-pressed": "false",
      // One tab stop per snippet; the arrow keys move between its words.
      tabindex: pos === 0 ? "0" : "-1", "data-pos": pos,
      "aria-label": blank ? "blank token " + (pos + 1) : null,
      onclick: (e) => toggle(e.currentTarget),
    }, shown);
  }

  function render(task) {
    state.task = task;
    setStatus(null);
    $("predict-explanation").textContent = LP.displayText(task.explanation.text);
    const n = task.snippets.length;
    $("snippets").replaceChildren(...task.snippets.map((s, k) => el("li", { class: "snippet", "data-snippet": k },
      el("div", { class: "snippet-line", role: "group", "aria-label": "Snippet " + (k + 1) + " of " + n },
        ...(s.tokens || []).map((t, i) => tokenButton(String(t), i))),
      el("div", { class: "snippet-meta" }))));
    $("predict-check").hidden = false;
    $("predict-check").disabled = false;
    $("predict-next").hidden = true;
    $("predict-task").hidden = false;
  }

  function toggle(button) {
    if (state.answered || button.disabled) return;
    button.setAttribute("aria-pressed", button.getAttribute("aria-pressed") === "true" ? "false" : "true");
    roveTo(button);
  }

  function roveTo(button) {
    button.closest(".snippet-line").querySelectorAll(".mark").forEach((b) => { b.tabIndex = b === button ? 0 : -1; });
    button.focus();
  }

  $("snippets").addEventListener("keydown", (e) => {
    const button = e.target.closest && e.target.closest(".mark");
    if (!button) return;
    const all = [...button.parentNode.querySelectorAll(".mark")];
    const at = all.indexOf(button);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: all.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    roveTo(all[Math.max(0, Math.min(all.length - 1, to))]);
  });

  function marks() {
    return [...$("snippets").querySelectorAll(".snippet-line")].map((line) =>
      [...line.querySelectorAll('.mark[aria-pressed="true"]')].map((b) => Number(b.dataset.pos)));
  }

  async function check() {
    if (!state.task || state.answered || state.sending) return;
    state.sending = true;
    $("predict-check").disabled = true;
    const r = await api("POST", "/api/simulate/" + encodeURIComponent(state.task.task_id), { marks: marks() });
    state.sending = false;
    if (!r.ok) {
      $("predict-check").disabled = false;
      const message = (r.data && r.data.error) || "Your predictions did not go through; please try again.";
      $("predict-result").replaceChildren(el("p", { class: "notice notice-bad", role: "alert", text: message }));
      // Answered already (another tab): nothing to retry, only to move on.
      if (r.status === 409) showNext();
      return;
    }
    showResult(r.data);
  }

  function percent(v) {
    return Math.round(100 * v) + "%";
  }

  function showResult(result) {
    state.answered = true;
    const fired = result.fired || [];
    let right = 0;
    $("snippets").querySelectorAll(".snippet").forEach((item, k) => {
      const fires = !!fired[k];
      const predicted = !!item.querySelector('.mark[aria-pressed="true"]');
      if (fires === predicted) right += 1;
      item.classList.add(fires ? "fired" : "quiet");
      item.querySelectorAll(".mark").forEach((b) => { b.disabled = true; });
      item.querySelector(".snippet-meta").replaceChildren(
        el("span", { class: "fire-badge" + (fires ? " fires" : ""), text: fires ? "Fires" : "Does not fire" }),
        el("span", { class: "small " + (fires === predicted ? "verdict-good" : "verdict-bad"), text: fires === predicted ? "✓ as you said" : "✗ you said the opposite" }));
    });
    const corr = result.token_correlation;
    const points = result.points || 0;
    const human = result.human_score || {};
    const box = el("div", { class: points > 0 ? "notice notice-good" : "notice", id: "predict-score" },
      el("p", {}, "Your predictions: correlation ",
        el("strong", { id: "predict-correlation", class: "score-pill", text: typeof corr === "number" ? fmt(corr) : "–" }),
        " · ", el("strong", { id: "predict-points", text: "+" + points + " point" + (points === 1 ? "" : "s") })),
      el("p", { class: "small", text: right + " of " + fired.length + " snippets right" +
        (typeof result.balanced_accuracy === "number" ? " (balanced accuracy " + percent(result.balanced_accuracy) + ")." : ".") +
        (typeof corr === "number" ? "" : " Without any marks (or with every word marked) there is nothing to correlate.") }),
      el("p", { id: "predict-human" }, "This explanation's human score: ",
        el("strong", { class: "score-pill", text: typeof human.value === "number" ? fmt(human.value) : "–" }),
        typeof human.stderr === "number" ? " \u00b1 " + fmt(human.stderr) : "",
        " from " + (human.players || 0) + " player" + (human.players === 1 ? "" : "s") + "."));
    $("predict-result").replaceChildren(box);
    showNext();
  }

  function showNext() {
    $("predict-check").hidden = true;
    $("predict-next").hidden = false;
    $("predict-next").focus({ preventScroll: true });
  }

  $("predict-check").addEventListener("click", check);
  $("predict-next").addEventListener("click", load);
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || document.querySelector("dialog[open]")) return;
    const t = e.target;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.isContentEditable)) return;
    if (e.key === "n" && state.answered) { e.preventDefault(); load(); }
  });

  load();
})();
