/* This or that: the feature's top clues, shaded as on the play page, and two explanations
 * of it; the player picks the better one and sees the pair's ratings so far.
 * Explanations are strangers' text: they only ever go in with textContent. */
(function () {
  "use strict";
  const { api, el, fmt, activationLine, scrollToTop, displayText, valueTips } = window.LP;
  const config = JSON.parse(document.getElementById("mode-config").textContent);
  if (!config.authenticated) return; // the page shows a log-in prompt instead
  valueTips(document.getElementById("main"));
  const $ = (id) => document.getElementById(id);
  const SIDES = { left: "A", right: "B" };
  const state = { pair: null, answered: false, sending: false };

  function setStatus(node) {
    $("compare-status").replaceChildren(...(node ? [node] : []));
  }

  async function load() {
    state.pair = null;
    state.answered = false;
    $("compare-task").hidden = true;
    $("compare-result").replaceChildren();
    setStatus(el("p", { class: "muted" }, el("span", { class: "spinner" }), " Loading a pair…"));
    const r = await api("GET", "/api/compare/next");
    if (!r.ok) {
      const message = (r.data && r.data.error) || "Could not load a pair.";
      if (r.status === 404) {
        setStatus(el("div", { class: "notice", id: "compare-empty" }, el("p", { text: message }),
          el("p", {}, "Meanwhile you can ", el("a", { href: "/" }, "explain a feature"), " or ",
            el("a", { href: "/predict" }, "predict where one fires"), ".")));
      } else {
        setStatus(el("div", { class: "notice notice-bad" }, el("p", { text: message }),
          el("button", { class: "btn btn-small", type: "button", onclick: load }, "Try again")));
      }
      return;
    }
    render(r.data);
  }

  function clueItem(clue, max) {
    return el("li", { class: "clue" }, activationLine(clue, max),
      el("div", { class: "clue-meta" },
        el("span", { class: "clue-max", title: "Strongest value in this snippet", text: fmt(clue.max_value || 0) })));
  }

  function render(pair) {
    state.pair = pair;
    setStatus(null);
    const clues = pair.clues || [];
    const max = Math.max(0, ...clues.map((c) => c.max_value || 0));
    $("legend-max").textContent = fmt(max);
    $("compare-clues").replaceChildren(...clues.map((c) => clueItem(c, max)));
    if (!clues.length) $("compare-clues").append(el("li", { class: "empty-state", text: "This feature has no examples to show." }));
    for (const side of Object.keys(SIDES)) {
      const button = $("pick-" + side);
      button.disabled = false;
      button.classList.remove("chosen");
      button.setAttribute("aria-pressed", "false");
      $(side + "-text").textContent = displayText(pair[side].text);
      $(side + "-rating").textContent = "";
    }
    $("compare-next").hidden = true;
    $("compare-task").hidden = false;
    // After layout, so each line shows its strongest word.
    requestAnimationFrame(() => $("compare-clues").querySelectorAll(".clue-text").forEach(scrollToTop));
  }

  function signed(v) {
    return (v > 0 ? "+" : v < 0 ? "\u2212" : "") + Math.abs(v).toFixed(2);
  }

  function ratingText(r) {
    if (!r) return "no rating yet";
    return "rating " + signed(r.rating) + " \u00b1 " + r.stderr.toFixed(2) +
      " (" + r.comparisons + " comparison" + (r.comparisons === 1 ? "" : "s") + ")";
  }

  async function pick(side) {
    if (!state.pair || state.answered || state.sending) return;
    state.sending = true;
    const pair = state.pair;
    const r = await api("POST", "/api/compare/" + encodeURIComponent(pair.comparison_id), { winner: pair[side].id });
    state.sending = false;
    if (!r.ok) {
      $("compare-result").replaceChildren(el("p", { class: "notice notice-bad", role: "alert",
        text: (r.data && r.data.error) || "Your pick did not go through; please try again." }));
      if (r.status === 409) showNext(); // judged already (another tab): only moving on makes sense
      return;
    }
    state.answered = true;
    const ratings = new Map((r.data.ratings || []).map((x) => [x.explanation_id, x]));
    const lines = [];
    for (const s of Object.keys(SIDES)) {
      const button = $("pick-" + s);
      const text = ratingText(ratings.get(pair[s].id));
      button.disabled = true;
      button.classList.toggle("chosen", s === side);
      button.setAttribute("aria-pressed", s === side ? "true" : "false");
      $(s + "-rating").textContent = text;
      lines.push(el("li", { "data-side": s }, el("strong", { text: SIDES[s] + ": " }), text));
    }
    $("compare-result").replaceChildren(el("div", { class: "notice notice-good", id: "compare-ratings" },
      el("p", { text: "Thanks: you picked " + SIDES[side] + ". Ratings so far (0 is average; ± one standard error):" }),
      el("ul", { class: "rating-list" }, ...lines)));
    showNext();
  }

  function showNext() {
    $("compare-next").hidden = false;
    $("compare-next").focus({ preventScroll: true });
  }

  $("pick-left").addEventListener("click", () => pick("left"));
  $("pick-right").addEventListener("click", () => pick("right"));
  $("compare-next").addEventListener("click", load);
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || document.querySelector("dialog[open]")) return;
    const t = e.target;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.isContentEditable)) return;
    if (e.key === "1") { e.preventDefault(); pick("left"); }
    else if (e.key === "2") { e.preventDefault(); pick("right"); }
    else if (e.key === "n" && state.answered) { e.preventDefault(); load(); }
  });

  load();
})();
