/* Search page: all features by text (POST /api/search/all) and explanations
 * (GET /api/search/explanations). Tokens and explanations come from strangers: they only
 * ever go in with textContent / attributes (LP.el), never as HTML. */
(function () {
  "use strict";
  const { api, el, fmt, activationLine, scrollToTop, apiErrorMessage, displayText, valueTips } = window.LP;
  const $ = (id) => document.getElementById(id);
  const config = JSON.parse($("search-config").textContent);
  valueTips($("main"));
  const EMPTY = "Type some text first";
  // Picking several tokens in a row should cost one request, not one per click (rate limit).
  const RESORT_DELAY_MS = 350;

  function featureUrl(model, source, index) {
    return "/" + [model, source, String(index)].map(encodeURIComponent).join("/");
  }

  function setStatus(node, text, isError) {
    node.textContent = text;
    node.classList.toggle("field-error", !!isError);
  }

  /** The text's tokens shaded by one feature's values; every token says its value on hover. */
  function shadedLine(tokens, values, max, chosen) {
    const line = activationLine({ tokens, values }, max);
    line.querySelectorAll(".tok").forEach((node, i) => {
      node.title = "activation " + fmt(values[i] || 0);
      if (chosen && chosen.has(i)) node.classList.add("chosen");
    });
    return line;
  }

  /* ---------- search all features by text ---------- */
  const form = $("all-form");
  if (form) {
    const text = $("all-text");
    const modelSelect = $("all-model");
    const num = $("all-num");
    const sourceList = $("all-sources");
    const submit = $("all-submit");
    const status = $("all-status");
    const list = $("all-list");
    const results = $("all-results");
    const sortBox = $("sort-tokens");
    const sortList = $("sort-token-list");
    const sortClear = $("sort-clear");
    const models = new Map(config.models.map((m) => [m.slug, m]));
    // `last`: the model and text of the last answered search, which the token choice refers to.
    const state = { last: null, tokens: null, chosen: new Set(), seq: 0, timer: null };

    function showSources() {
      const model = models.get(modelSelect.value);
      sourceList.replaceChildren(...(model ? model.sources : []).map((s, i) => el("label", { class: "check source-check" },
        el("input", { type: "checkbox", name: "source", value: s.slug, id: "src-" + i }),
        el("span", {}, el("code", { text: s.slug }), " ", el("span", { class: "muted small", text: s.kind + ", " + s.width + " features" })))));
    }

    function clearResults() {
      list.replaceChildren();
      sortBox.hidden = true;
      sortList.replaceChildren();
      state.last = null;
      state.tokens = null;
      state.chosen.clear();
    }

    function chosenSources() {
      return [...sourceList.querySelectorAll("input[name=source]:checked")].map((c) => c.value);
    }

    function showTokens(tokens) {
      const key = JSON.stringify(tokens);
      if (state.tokens !== key) {
        // New tokens: new buttons. The same tokens keep theirs, so the clicked one keeps focus.
        state.tokens = key;
        sortList.replaceChildren(...tokens.map((tok, i) => {
          const shown = String(tok).replace(/\n/g, "\u21b5");
          const blank = !shown.trim();
          const btn = el("button", {
            type: "button", class: "mark" + (blank ? " blank" : ""), dir: "auto", "data-index": String(i),
            "aria-pressed": "false", "aria-label": "token " + (i + 1) + ": " + (blank ? "space" : shown),
            title: "Rank by token " + (i + 1), text: shown,
          });
          btn.addEventListener("click", () => toggleToken(i, btn));
          return btn;
        }));
      }
      sortList.querySelectorAll(".mark").forEach((btn) => {
        btn.setAttribute("aria-pressed", state.chosen.has(Number(btn.dataset.index)) ? "true" : "false");
      });
      sortClear.disabled = state.chosen.size === 0;
      sortBox.hidden = false;
    }

    function toggleToken(i, btn) {
      if (state.chosen.has(i)) state.chosen.delete(i);
      else state.chosen.add(i);
      btn.setAttribute("aria-pressed", state.chosen.has(i) ? "true" : "false");
      sortClear.disabled = state.chosen.size === 0;
      clearTimeout(state.timer);
      state.timer = setTimeout(() => { if (state.last) search(state.last.model, state.last.text); }, RESORT_DELAY_MS);
    }

    function showResults(model, data) {
      const found = data.results || [];
      const tokens = data.tokens || [];
      const ranked = state.chosen.size
        ? ", ranked by token" + (state.chosen.size > 1 ? "s " : " ") + [...state.chosen].sort((a, b) => a - b).map((i) => i + 1).join(", ")
        : "";
      if (!found.length) {
        setStatus(status, "No feature fired on this text.");
        list.replaceChildren();
        return;
      }
      setStatus(status, found.length + (found.length === 1 ? " feature" : " features") + ", strongest first" + ranked + ".");
      const lines = [];
      list.replaceChildren(...found.map((r) => {
        const line = shadedLine(tokens, r.values || [], r.max_value, state.chosen);
        lines.push(line);
        return el("li", { class: "search-result", "data-source": r.source, "data-index": String(r.index) },
          el("div", { class: "result-head" },
            el("a", { class: "result-link", href: featureUrl(model, r.source, r.index), text: r.source + " / " + r.index }),
            el("span", { class: "result-max", title: "Highest activation on your text", text: "max " + fmt(r.max_value) })),
          r.explanation
            ? el("p", { class: "result-expl" }, el("bdi", { dir: "auto", text: displayText(r.explanation) }))
            : el("p", { class: "result-expl muted", text: "No explanation yet." }),
          el("div", { class: "clue result-tokens" }, line));
      }));
      requestAnimationFrame(() => lines.forEach(scrollToTop));
    }

    async function search(model, value) {
      const n = Number(num.value);
      if (!Number.isInteger(n) || n < 1 || n > config.maxResults) {
        setStatus(status, "Choose a number of results from 1 to " + config.maxResults + ".", true);
        num.focus();
        return;
      }
      const payload = { model, text: value, num_results: n };
      const sources = chosenSources();
      if (sources.length) payload.sources = sources;
      if (state.chosen.size) payload.sort_by_token_indexes = [...state.chosen].sort((a, b) => a - b);
      const seq = ++state.seq;
      results.setAttribute("aria-busy", "true");
      submit.disabled = true;
      setStatus(status, "Searching…");
      const r = await api("POST", "/api/search/all", payload);
      if (seq !== state.seq) return; // a newer search has started; its answer wins
      results.removeAttribute("aria-busy");
      submit.disabled = false;
      if (!r.ok) {
        setStatus(status, apiErrorMessage(r, "The search failed."), true);
        list.replaceChildren();
        return;
      }
      state.last = { model, text: value };
      showTokens(r.data.tokens || []);
      showResults(model, r.data);
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(state.timer);
      const value = text.value;
      const model = modelSelect.value;
      if (!value.trim()) {
        state.seq++; // an answer still on its way must not bring old results back
        results.removeAttribute("aria-busy");
        submit.disabled = false;
        clearResults();
        setStatus(status, EMPTY, true);
        text.focus();
        return;
      }
      // The token choice names positions in the last text: another text or model drops it.
      if (!state.last || state.last.text !== value || state.last.model !== model) {
        state.chosen.clear();
        state.tokens = null;
      }
      search(model, value);
    });
    sortClear.addEventListener("click", () => {
      clearTimeout(state.timer);
      state.chosen.clear();
      sortList.querySelectorAll(".mark").forEach((btn) => btn.setAttribute("aria-pressed", "false"));
      sortClear.disabled = true;
      if (state.last) search(state.last.model, state.last.text);
    });
    modelSelect.addEventListener("change", showSources);
    showSources();
  }

  /* ---------- search explanations ---------- */
  const explForm = $("expl-form");
  const explInput = $("expl-q");
  const explStatus = $("expl-status");
  const explList = $("expl-list");
  const explSubmit = $("expl-submit");
  let explSeq = 0;

  function explanationItem(e) {
    const f = e.feature || {};
    const meta = [el("a", { class: "result-link", href: featureUrl(f.model, f.source, f.index), text: f.model + " / " + f.source + " / " + f.index })];
    if (e.score !== null && e.score !== undefined) meta.push(el("span", { text: "score " + fmt(e.score) }));
    if (e.author) meta.push(el("span", {}, "by ", el("bdi", { dir: "auto", text: e.author })));
    meta.push(el("span", { text: e.votes + (e.votes === 1 ? " vote" : " votes") }));
    return el("li", { class: "expl-hit" },
      el("p", { class: "result-expl" }, el("bdi", { dir: "auto", text: displayText(e.text) })),
      el("div", { class: "expl-hit-meta muted small" }, ...meta));
  }

  explForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = explInput.value.trim();
    const seq = ++explSeq;
    if (!q) {
      explList.replaceChildren();
      explSubmit.disabled = false;
      setStatus(explStatus, EMPTY, true);
      explInput.focus();
      return;
    }
    explSubmit.disabled = true;
    setStatus(explStatus, "Searching…");
    const r = await api("GET", "/api/search/explanations?" + new URLSearchParams({ q }));
    if (seq !== explSeq) return;
    explSubmit.disabled = false;
    if (!r.ok) {
      setStatus(explStatus, apiErrorMessage(r, "The search failed."), true);
      explList.replaceChildren();
      return;
    }
    const found = r.data.results || [];
    setStatus(explStatus, found.length
      ? found.length + (found.length === 1 ? " explanation" : " explanations") + ", best scored first."
      : "No explanation contains \u201c" + q + "\u201d.");
    explList.replaceChildren(...found.map(explanationItem));
  });
})();
