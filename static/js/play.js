/* The puzzle page: loads a puzzle from the JSON API, renders it as text (never as HTML),
 * handles votes, submissions, skips and flags, and shows scores arriving over the socket.
 * The player's typed text is saved in sessionStorage on every keystroke, so neither a
 * login nor a server error loses it. */
(function () {
  "use strict";
  const { api, el, toast, onSocket, fmt, setPref, getPref, activationLine, displayText, valueTips, hideTip } = window.LP;
  const config = JSON.parse(document.getElementById("play-config").textContent);
  const $ = (id) => document.getElementById(id);
  // Phones show this many clues before a "more" button, so the answer is one scroll away.
  const PHONE_CLUES = 3;
  const phone = window.matchMedia("(max-width: 600px)");

  const state = {
    puzzle: null, // {puzzle_id, feature: {model, source, index}, clues, explanations}
    maxAct: 0,
    acted: false, // voted, submitted or flagged on this puzzle: "n" then needs no skip call
    mine: null, // {id, text, status}
    hasVoted: !!config.hasVoted || localStorage.getItem("lp.voted") === "1",
    pendingVote: null,
    pollTimer: null,
  };

  /* ---------- the typed text survives everything ---------- */
  const DRAFT_KEY = "lp.draft";
  let hideExplicit = localStorage.getItem("lp.hideExplicit") === "1";
  function featureKey(f) { return f ? f.model + "/" + f.source + "/" + f.index : ""; }
  function saveDraft() {
    if (!state.puzzle) return;
    const text = $("write-text").value;
    if (text.trim()) sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ feature: state.puzzle.feature, text }));
    else sessionStorage.removeItem(DRAFT_KEY);
  }
  function readDraft() {
    try { return JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null"); } catch (err) { return null; }
  }
  function resumeUrl(feature) {
    return "/play?feature=" + featureKey(feature).split("/").map(encodeURIComponent).join("/");
  }

  function featureUrl(f) {
    return "/" + [f.model, f.source, f.index].map(encodeURIComponent).join("/");
  }

  /* ---------- clue lines: centred on their peak, with a cue where they are cut ---------- */
  function clueLine(record, max) {
    const line = activationLine(record, max);
    const win = el("div", { class: "clue-window" }, line);
    line.addEventListener("scroll", () => markCuts(line), { passive: true });
    sizes.observe(line);
    return win;
  }

  function markCuts(line) {
    const win = line.parentNode;
    if (!win) return;
    const room = line.scrollWidth - line.clientWidth;
    win.classList.toggle("cut-start", line.scrollLeft > 1);
    win.classList.toggle("cut-end", line.scrollLeft < room - 1);
  }

  function centre(line) {
    const peak = line._peak;
    if (peak) line.scrollLeft = Math.max(0, peak.offsetLeft + peak.offsetWidth / 2 - line.clientWidth / 2);
    markCuts(line);
  }

  // A line has no width while it is hidden (folded snippets, phones' extra clues, closed
  // groups): it is centred the first time it is laid out, and its cues follow every resize.
  const sizes = new ResizeObserver((entries) => entries.forEach(({ target }) => {
    if (!target.isConnected || !target.clientWidth) return;
    if (!target._centred) { target._centred = true; centre(target); } else markCuts(target);
  }));

  // Values on hover, tap and arrow keys (common.js), for the clues and the tested text.
  valueTips($("play"));

  /* ---------- loading ---------- */
  function setStatus(node) {
    const box = $("puzzle-status");
    box.replaceChildren();
    if (node) box.append(node);
  }

  async function loadPuzzle(feature) {
    clearInterval(state.pollTimer);
    setStatus(el("p", { class: "muted" }, el("span", { class: "spinner" }), " Loading a puzzle…"));
    // A named feature (a shared link) is served as a puzzle too, with the same prepared clues.
    const hide = !window.LP.authenticated && localStorage.getItem("lp.hideExplicit") === "1";
    const path = feature
      ? "/api/puzzle/feature/" + [feature.model, feature.source, feature.index].map(encodeURIComponent).join("/")
      : "/api/puzzle/next";
    const r = await api("GET", path + (hide ? "?hide_explicit=1" : ""));
    if (!r.ok) {
      setStatus(el("div", { class: "notice notice-bad" },
        el("p", { text: (r.data && r.data.error) || "Could not load a puzzle." }),
        el("button", { class: "btn btn-small", type: "button", onclick: () => loadPuzzle(feature) }, "Try again")));
      return;
    }
    render(r.data);
  }

  function render(puzzle) {
    state.puzzle = puzzle;
    state.acted = false;
    state.mine = null;
    const top = puzzle.clues || [];
    const bins = puzzle.quantiles || [];
    const f = puzzle.feature || {};
    state.maxAct = Math.max(puzzle.max_activation || 0, ...top.map((c) => c.max_value || 0), 0);
    setStatus(null);
    $("legend-max").textContent = fmt(state.maxAct);
    const ref = $("puzzle-ref");
    ref.textContent = featureKey(f);
    ref.href = featureUrl(f);
    $("btn-copy-link").dataset.url = location.origin + resumeUrl(f);
    $("btn-skip").firstChild.textContent = "Skip ";
    $("result").replaceChildren();
    $("write-error").textContent = "";
    $("test-out").replaceChildren();
    hideTip();
    const notice = $("scoring-notice");
    notice.textContent = puzzle.scoring_notice || "";
    notice.hidden = !puzzle.scoring_notice;

    const list = $("clues");
    list.classList.remove("show-all");
    list.replaceChildren(...top.map((c, i) => {
      const item = clueItem(c);
      // Phones show the first few, so the answer box is one scroll away.
      if (i >= PHONE_CLUES) item.classList.add("clue-more");
      return item;
    }));
    if (!top.length) list.append(el("li", { class: "empty-state", text: "This feature has no examples to show." }));
    const more = $("more-clues");
    more.hidden = top.length <= PHONE_CLUES;
    more.setAttribute("aria-expanded", "false");
    more.textContent = "Show " + (top.length - PHONE_CLUES) + " more clue" + (top.length - PHONE_CLUES === 1 ? "" : "s");

    // Weaker examples, strongest group first and strongest first within a group, each group
    // labelled by its share of the strongest clue above.
    const binsBody = $("bins-body");
    binsBody.replaceChildren();
    const strongest = Math.max(0, ...top.map((c) => c.max_value || 0)) || state.maxAct || 1;
    const groups = new Map();
    bins.forEach((c) => {
      const key = c.quantile_bin === null || c.quantile_bin === undefined ? -1 : c.quantile_bin;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(c);
    });
    const peakOfGroup = (items) => Math.max(...items.map((c) => c.max_value || 0));
    [...groups.values()].sort((a, b) => peakOfGroup(b) - peakOfGroup(a)).forEach((items) => {
      items.sort((a, b) => (b.max_value || 0) - (a.max_value || 0));
      const hi = peakOfGroup(items);
      binsBody.append(
        el("p", { class: "bin-title", "data-peak": hi,
          text: "Examples peaking around " + fmt(hi) + " (" + Math.round((100 * hi) / strongest) + "% of the strongest clue)" }),
        el("ol", { class: "clues" }, ...items.map(clueItem)));
    });
    $("bins").hidden = bins.length === 0;
    $("bins").open = !phone.matches;

    renderExplanations();

    // Bring back text typed for this feature (after a login, an error or a reload).
    const draft = readDraft();
    const textarea = $("write-text");
    textarea.value = draft && featureKey(draft.feature) === featureKey(f) ? draft.text : "";
    updateCounter();
    document.dispatchEvent(new CustomEvent("lp:puzzle", { detail: puzzle }));
  }

  let similarIds = 0;
  function clueItem(clue) {
    const meta = el("div", { class: "clue-meta" },
      el("span", { class: "clue-max", title: "Strongest value in this snippet", text: fmt(clue.max_value || 0) }));
    if (clue.hidden_explicit || !clue.tokens || (clue.explicit && hideExplicit)) {
      return el("li", { class: "clue" },
        el("div", { class: "clue-text clue-hidden", text: "Hidden: this snippet may contain explicit language (change this on your profile)." }), meta);
    }
    const item = el("li", { class: "clue" }, clueLine(clue, state.maxAct), meta);
    const similar = clue.similar || [];
    const label = "+" + clue.duplicates + " similar";
    if (similar.length) {
      // The folded snippets travel with the clue: the pill opens them.
      const list = el("ol", { class: "clue-similar", id: "similar-" + (++similarIds), hidden: true,
        "aria-label": "Snippets nearly identical to this one" }, ...similar.map((s) => el("li", { class: "clue clue-sub" },
        clueLine(s, state.maxAct), el("div", { class: "clue-meta" }, el("span", { class: "clue-max", text: fmt(s.max_value || 0) })))));
      const unkept = clue.duplicates - similar.length;
      if (unkept > 0) {
        list.append(el("li", { class: "clue-similar-note muted small",
          text: "And " + unkept + " more with the same text, counted but not kept." }));
      }
      const button = el("button", { class: "clue-dups", type: "button", "aria-expanded": "false", "aria-controls": list.id,
        title: "Show the near-identical snippets folded into this one", text: label });
      button.addEventListener("click", () => {
        const open = list.hidden;
        list.hidden = !open;
        button.setAttribute("aria-expanded", String(open));
      });
      meta.append(button);
      item.append(list);
    } else if (clue.duplicates > 0) {
      // Only counted by the pipeline: nothing to open, so plain text, not a button.
      meta.append(el("span", { class: "clue-dups", title: clue.duplicates + " near-identical snippets were folded into this one (not kept)", text: label }));
    }
    return item;
  }

  function renderExplanations() {
    const list = $("explanations");
    const items = (state.puzzle.explanations || []).slice(0, 9);
    const scores = items.map((e) => e.score).filter((s) => typeof s === "number");
    const best = scores.length ? Math.max(...scores) : null;
    list.replaceChildren(...items.map((e, i) => {
      const meta = el("div", { class: "expl-meta advanced-only" },
        el("span", { text: e.author_kind === "model" ? "by " + (e.author || "a model") : "by a human" + (e.author ? " (" + e.author + ")" : "") }),
        el("span", {}, "score ", el("span", { class: "score-pill", text: typeof e.score === "number" ? fmt(e.score) : (e.status === "queued" ? "pending" : "–") })),
        el("span", { text: (e.votes || 0) + " vote" + (e.votes === 1 ? "" : "s") }));
      const mine = e.own || (state.mine && state.mine.id === e.id);
      const button = mine
        ? el("span", { class: "btn btn-small vote-btn", "aria-disabled": "true", title: "You wrote this one" }, "Yours")
        : el("button", { class: "btn btn-small vote-btn", type: "button", disabled: e.voted ? true : null,
            "aria-label": e.voted ? "You voted for this" : "Vote for explanation " + (i + 1), onclick: () => vote(e) },
          e.voted ? "✓ Voted" : el("kbd", { text: String(i + 1) }), e.voted ? "" : " Vote");
      if (e.status === "draft") meta.append(el("span", { text: "draft" }));
      const report = mine ? null : el("button", { class: "link-btn report-btn small", type: "button",
        "aria-label": "Report explanation " + (i + 1) + " to the moderators", onclick: () => openReport(e) }, "Report");
      return el("li", { class: "expl" + (mine ? " mine" : "") + (best !== null && e.score === best ? " best" : ""), "data-id": e.id },
        button,
        el("div", { class: "expl-body" }, el("bdi", { class: "expl-text", dir: "auto", text: displayText(e.text) }), meta),
        el("div", { class: "expl-actions" },
          el("a", { class: "expl-link small", href: featureUrl(state.puzzle.feature) + "#explanation-" + encodeURIComponent(e.id),
            "aria-label": "Link to explanation " + (i + 1) + " on the feature page", text: "Link" }),
          report));
    }));
    if (!items.length) list.append(el("li", { class: "empty-state", text: "No explanations yet. Be the first!" }));
    $("expl-hint").hidden = !items.length;
  }

  /* ---------- voting ---------- */
  function needLogin(why) {
    saveDraft();
    const next = resumeUrl(state.puzzle && state.puzzle.feature);
    $("login-why").textContent = why;
    $("login-link").href = config.loginUrl + "?next=" + encodeURIComponent(next);
    $("signup-link").href = config.signupUrl + "?next=" + encodeURIComponent(next);
    $("login-dialog").showModal();
  }

  function vote(expl) {
    if (!window.LP.authenticated) return needLogin("Votes count towards the leaderboard, so they need an account. It takes a few seconds.");
    if (!state.hasVoted) {
      state.pendingVote = expl;
      $("vote-dialog-text").textContent = displayText(expl.text);
      $("vote-dialog").showModal();
      return;
    }
    castVote(expl);
  }

  async function castVote(expl) {
    const r = await api("POST", "/api/explanations/" + encodeURIComponent(expl.id) + "/vote");
    if (!r.ok) return toast((r.data && r.data.error) || "The vote did not go through; please try again.");
    state.hasVoted = true;
    localStorage.setItem("lp.voted", "1");
    state.acted = true;
    toast("Vote counted. You can take it back from your profile.");
    loadPuzzle(null);
  }

  $("vote-confirm").addEventListener("click", () => {
    $("vote-dialog").close();
    const expl = state.pendingVote;
    state.pendingVote = null;
    if (expl) castVote(expl);
  });

  /* ---------- writing ---------- */
  function updateCounter() {
    const n = [...$("write-text").value].length;
    const counter = $("write-counter");
    counter.textContent = n + " / " + config.maxChars;
    counter.classList.toggle("over", n > config.maxChars);
  }
  $("write-text").addEventListener("input", () => { updateCounter(); saveDraft(); $("write-error").textContent = ""; });
  $("write-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("write-form").requestSubmit(); }
  });

  $("write-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!state.puzzle) return;
    const text = $("write-text").value.trim();
    const error = $("write-error");
    if (!text) { error.textContent = "Write a few words first."; return; }
    if ([...text].length > config.maxChars) { error.textContent = "That is over " + config.maxChars + " characters; please shorten it."; return; }
    saveDraft();
    const f = state.puzzle.feature;
    const payload = { model: f.model, source: f.source, index: f.index, text };
    if (!window.LP.authenticated) return keepForLogin(payload);
    $("btn-submit").disabled = true;
    const r = await api("POST", "/api/explanations", payload);
    $("btn-submit").disabled = false;
    handleSubmitResult(r, text);
  });

  async function keepForLogin(payload) {
    const r = await api("POST", config.pendingUrl, payload);
    if (!r.ok) { $("write-error").textContent = r.data.error || "Could not keep your text; please try again."; return; }
    const next = resumeUrl(state.puzzle.feature);
    location.assign(config.signupUrl + "?next=" + encodeURIComponent(next));
  }

  function handleSubmitResult(r, text) {
    const error = $("write-error");
    if (r.status === 201) {
      sessionStorage.removeItem(DRAFT_KEY);
      $("write-text").value = "";
      updateCounter();
      accepted({ id: r.data.id, status: r.data.status, text, left: r.data.explanations_left_today });
    } else if (r.status === 409) {
      duplicate(r.data);
    } else if (r.status === 429) {
      error.textContent = (r.data.error || "Too many submissions.") + " Your text is kept; try again in a moment.";
    } else {
      error.textContent = (r.data && r.data.error) || "Something went wrong. Your text is kept; please try again.";
    }
  }

  async function duplicate(data) {
    const id = data.existing_id;
    let existing = (state.puzzle.explanations || []).find((e) => e.id === id);
    if (!existing && id) {
      const r = await api("GET", "/api/explanations/" + encodeURIComponent(id));
      if (r.ok) existing = r.data;
    }
    const box = el("div", { class: "notice notice-warn", id: "duplicate-notice" },
      el("p", { text: data.near_duplicate ? "Someone already wrote something very close:" : "Someone already wrote exactly that:" }),
      existing ? el("p", {}, el("bdi", { dir: "auto", class: "expl-text", text: "“" + displayText(existing.text) + "”" })) : null);
    if (existing) {
      box.append(el("button", { class: "btn btn-primary btn-small", type: "button", id: "upvote-instead", onclick: () => vote(existing) }, "Upvote it instead"));
    }
    $("result").replaceChildren(box);
  }

  async function accepted(mine) {
    state.mine = mine;
    state.acted = true;
    $("btn-skip").firstChild.textContent = "Next puzzle ";
    // Show it at once in the list, so the player sees where it stands.
    state.puzzle.explanations = (state.puzzle.explanations || []).filter((e) => e.id !== mine.id);
    state.puzzle.explanations.push({ id: mine.id, text: mine.text, author_kind: "human", author: config.username, score: null, votes: 0, status: mine.status });
    renderExplanations();
    if (mine.left === undefined) {
      const me = await api("GET", "/api/me");
      if (me.ok) mine.left = me.data.explanations_left_today;
    }
    const left = typeof mine.left === "number" ? mine.left : null;
    if (left !== null) $("write-quota").textContent = left + " scored explanation" + (left === 1 ? "" : "s") + " left today.";
    if (mine.status === "draft") {
      resultCard("draft", "warn", el("p", { id: "submission-status",
        text: "Saved as a draft: over today's limit. It will be scored later (or sooner if others vote for it)." }));
      return;
    }
    resultCard("queued", "neutral",
      el("p", { id: "submission-status", text: mine.status === "scored" ? "Saved and scored; fetching the score…"
        : "Queued for scoring" + (left !== null ? " (" + left + " left today)" : "") + "." }),
      el("p", { id: "score-live", class: "muted" }, el("span", { class: "spinner" }), " The computer is testing your explanation…"));
    startPolling(mine.id, mine.status === "scored");
  }

  /* ---------- the result card: one state at a time ---------- */
  // queued, then scored or failed; a draft stays a draft. The tone says how it went: green
  // only for a real new best, a warning for a score at or below zero or no score at all.
  const TONES = { good: "notice notice-good", neutral: "notice", warn: "notice notice-warn", bad: "notice notice-bad" };
  function resultCard(name, tone, ...children) {
    const box = el("div", { class: TONES[tone] + " result-" + name, id: "submission", "data-state": name, "data-tone": tone }, ...children);
    $("result").replaceChildren(box);
    return box;
  }

  function verdictText(msg) {
    const best = typeof msg.previous_best === "number" ? msg.previous_best : null;
    const diff = typeof msg.difference === "number" ? msg.difference : null;
    const margin = typeof msg.noise === "number" ? msg.noise : null;
    if (!msg.beat_best && best !== null && diff !== null && margin !== null && diff > 0) {
      return "That is " + fmt(diff) + " above the best so far (" + fmt(best) + "), but a new best must beat it by more than "
        + fmt(margin) + " (the scorer's noise on these examples), so it does not count as a new best.";
    }
    if (msg.verdict) return displayText(msg.verdict);
    if (msg.beat_best) return best !== null ? "A new best: you beat " + fmt(best) + "." : "A new best: the first score on this feature.";
    return best !== null ? "The best so far is " + fmt(best) + "." : "";
  }

  /* ---------- the score arrives (socket first, polling as a fallback) ---------- */
  function showScore(msg, via) {
    if (!state.mine || msg.explanation_id !== state.mine.id || state.mine.done) return;
    if (!$("submission")) return;
    state.mine.done = true;
    clearInterval(state.pollTimer);
    let box;
    if (msg.status === "failed") {
      box = resultCard("failed", "bad", el("p", { id: "submission-status", text: "Scoring failed." }),
        el("p", { id: "score-live", text: (msg.error ? displayText(msg.error) + ". " : "")
          + "Your explanation is saved; a moderator can retry the scoring." }));
    } else if (typeof msg.score !== "number") {
      box = resultCard("scored", "warn", el("p", { id: "submission-status", text: "Scored, without a number." }),
        el("p", { id: "score-live", text: "The examples gave nothing to compare, so there is no score." }));
    } else {
      const tone = msg.beat_best ? "good" : msg.score <= 0 ? "warn" : "neutral";
      box = resultCard("scored", tone,
        el("p", { id: "submission-status", text: msg.beat_best ? "Scored: a new best." : "Scored." }),
        el("p", { id: "score-live" }, "Your score: ", el("strong", { id: "score-value", class: "score-pill", text: fmt(msg.score) }),
          typeof msg.score_stderr === "number" ? el("span", { class: "muted", id: "score-stderr", text: " \u00b1 " + fmt(msg.score_stderr) }) : ""));
      const verdict = verdictText(msg);
      if (verdict) box.append(el("p", { id: "score-verdict", text: verdict }));
      if (msg.score <= 0 && !msg.verdict) {
        box.append(el("p", { class: "small", text: "A score at or below 0 means the simulator could not tell from this explanation where the feature fires. Name the exact words, and the context they fire in." }));
      }
      if (msg.beat_best) {
        $("result").append(el("div", { class: "celebrate", id: "celebrate", role: "status" },
          el("span", { class: "big", "aria-hidden": "true", text: "★ ★ ★" }),
          "New best explanation!" + (typeof msg.previous_best === "number" ? " You beat " + fmt(msg.previous_best) + "." : " You are the first to score here.")));
      }
    }
    box.dataset.via = via;
    markSeenNow();
    const entry = (state.puzzle.explanations || []).find((e) => e.id === msg.explanation_id);
    if (entry) { entry.score = msg.score; entry.status = msg.status; renderExplanations(); }
  }

  onSocket("score", (msg) => showScore(msg, "socket"));

  function startPolling(id, now) {
    clearInterval(state.pollTimer);
    let rounds = 0;
    async function poll() {
      const r = await api("GET", "/api/explanations/" + encodeURIComponent(id));
      if (r.ok && (r.data.status === "scored" || r.data.status === "failed")) {
        // The server judges a new best (noise included); the page never second-guesses it.
        const v = r.data.best_verdict || {};
        showScore({ explanation_id: id, status: r.data.status, score: r.data.score, score_stderr: r.data.score_stderr,
          previous_best: v.previous_best, beat_best: !!v.beat, difference: v.difference, noise: v.noise, verdict: v.message }, "poll");
      }
    }
    if (now) poll();
    state.pollTimer = setInterval(() => {
      rounds += 1;
      // The socket normally wins; polling only covers a closed socket.
      if (rounds < 3 && document.body.dataset.socket === "open") return;
      if (rounds > 120) return clearInterval(state.pollTimer);
      poll();
    }, 2500);
  }

  /* ---------- results that arrived while the player was away ---------- */
  // Told once: shown on the next visit, then marked seen up to the moment the server read them.
  function awayItem(r) {
    const f = r.feature || {};
    const outcome = r.status === "failed" ? "scoring failed; a moderator can retry it"
      : typeof r.score === "number" ? "scored " + fmt(r.score) : "scored, without a number";
    return el("li", { class: "away-item", "data-id": r.explanation_id },
      el("bdi", { class: "expl-text", dir: "auto", text: "\u201c" + displayText(r.text) + "\u201d" }), " on ",
      el("a", { href: featureUrl(f) + "#explanation-" + encodeURIComponent(r.explanation_id), text: featureKey(f) }),
      ": ", el("strong", { text: outcome }), ".");
  }
  async function showAwayResults() {
    if (!window.LP.authenticated) return;
    const r = await api("GET", "/api/me/results");
    if (!r.ok || !(r.data.results || []).length) return;
    $("away-list").replaceChildren(...r.data.results.map(awayItem));
    $("away-results").hidden = false;
    await api("POST", "/api/me/results/seen", { until: r.data.until });
  }
  // A score watched arriving here needs no news on the next visit.
  function markSeenNow() {
    if (window.LP.authenticated) api("POST", "/api/me/results/seen", { until: new Date().toISOString() });
  }
  $("away-close").addEventListener("click", () => { $("away-results").hidden = true; });

  /* ---------- reporting an explanation ---------- */
  function openReport(expl) {
    if (!window.LP.authenticated) return needLogin("Reports go to the moderators with your name, so they need an account.");
    state.reporting = expl;
    $("report-form").reset();
    $("report-dialog-text").textContent = displayText(expl.text);
    $("report-dialog").showModal();
  }
  $("report-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const expl = state.reporting;
    const form = new FormData($("report-form"));
    if (!expl) return;
    $("report-send").disabled = true;
    const r = await api("POST", "/api/explanations/" + encodeURIComponent(expl.id) + "/report",
      { reason: form.get("reason"), note: form.get("note") || "" });
    $("report-send").disabled = false;
    if (!r.ok) return toast((r.data && r.data.error) || "The report did not go through; please try again.");
    $("report-dialog").close();
    state.reporting = null;
    toast(r.data.created ? "Thanks: the moderators will look at it." : "You reported this one already.");
  });

  /* ---------- skip and flag ---------- */
  async function skip() {
    if (!state.puzzle) return;
    if (!state.acted && state.puzzle.puzzle_id) {
      await api("POST", "/api/puzzle/" + encodeURIComponent(state.puzzle.puzzle_id) + "/skip");
    }
    if (history.replaceState && location.search) history.replaceState(null, "", "/play");
    loadPuzzle(null);
  }
  async function flag(reason) {
    if (!state.puzzle) return;
    if (!window.LP.authenticated) return needLogin("Reports help us find features that are hard to explain; they need an account.");
    const id = state.puzzle.puzzle_id;
    const r = id ? await api("POST", "/api/puzzle/" + encodeURIComponent(id) + "/flag", { reason })
      : { ok: false, data: { error: "This puzzle cannot be reported from here." } };
    if (!r.ok) return toast(r.data.error || "The report did not go through.");
    state.acted = true;
    toast(reason === "polysemantic" ? "Noted: this feature does several unrelated things. Thanks!" : "Noted: none of these fit. Thanks!");
    if (history.replaceState && location.search) history.replaceState(null, "", "/play");
    loadPuzzle(null);
  }
  $("btn-skip").addEventListener("click", skip);
  $("btn-nonefit").addEventListener("click", () => flag("none_fit"));
  $("btn-poly").addEventListener("click", () => flag("polysemantic"));

  /* ---------- test your own text ---------- */
  $("test-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("test-input").value;
    const out = $("test-out");
    // An old result under a new (empty) text would read as the answer to it.
    out.replaceChildren();
    if (!text.trim()) { out.append(el("p", { class: "field-error", id: "test-error", text: "Type some text first." })); return; }
    if (!state.puzzle) return;
    const f = state.puzzle.feature;
    out.append(el("p", { class: "muted" }, el("span", { class: "spinner" }), " Running…"));
    const r = await api("POST", "/api/activation/test", { model: f.model, source: f.source, index: f.index, text });
    if (!r.ok) { out.replaceChildren(el("p", { class: "field-error", id: "test-error", text: (r.data && r.data.error) || "Could not test the text." })); return; }
    const win = clueLine(r.data, Math.max(state.maxAct, r.data.max_value || 0));
    out.replaceChildren(el("div", { class: "clue" }, win, el("div", { class: "clue-meta" }, el("span", { class: "clue-max", text: fmt(r.data.max_value || 0) }))));
  });

  /* ---------- sharing ---------- */
  $("btn-copy-link").addEventListener("click", async () => {
    const url = $("btn-copy-link").dataset.url;
    if (!url) return;
    try {
      await navigator.clipboard.writeText(url);
      toast("Link copied: " + url);
    } catch (err) {
      toast("Copy this link: " + url);
    }
  });

  /* ---------- phones: the first clues, the rest on request ---------- */
  $("more-clues").addEventListener("click", () => {
    const list = $("clues");
    const open = !list.classList.contains("show-all");
    list.classList.toggle("show-all", open);
    const hidden = list.querySelectorAll(".clue-more").length;
    $("more-clues").setAttribute("aria-expanded", String(open));
    $("more-clues").textContent = open ? "Show fewer clues" : "Show " + hidden + " more clue" + (hidden === 1 ? "" : "s");
  });

  /* ---------- dialogs, tutorial, keyboard ---------- */
  document.querySelectorAll("dialog [data-close]").forEach((b) => b.addEventListener("click", () => b.closest("dialog").close()));

  const tutorial = $("tutorial");
  let step = 1;
  const steps = tutorial.querySelectorAll(".tutorial-step");
  function showStep(n) {
    step = n;
    steps.forEach((s) => { s.hidden = Number(s.dataset.step) !== n; });
    tutorial.querySelectorAll(".steps-dots span").forEach((d, i) => d.classList.toggle("on", i + 1 === n));
    $("tutorial-back").hidden = n === 1;
    $("tutorial-next").hidden = n === steps.length;
  }
  function finishTutorial() {
    setPref("onboarded", true);
    tutorial.close();
    $("write-text").focus({ preventScroll: true });
  }
  $("tutorial-next").addEventListener("click", () => showStep(Math.min(step + 1, steps.length)));
  $("tutorial-back").addEventListener("click", () => showStep(Math.max(step - 1, 1)));
  $("tutorial-skip").addEventListener("click", finishTutorial);
  tutorial.addEventListener("cancel", () => setPref("onboarded", true));
  tutorial.querySelectorAll("[data-explicit]").forEach((b) => b.addEventListener("click", async () => {
    const hide = b.dataset.explicit === "1";
    const r = await setPref("hide_explicit", hide);
    if (r && r.ok === false) toast((r.data && r.data.error) || "Could not save the preference.");
    else toast(hide ? "Explicit snippets will be hidden." : "All snippets will be shown.");
    hideExplicit = hide;
    finishTutorial();
    if (state.puzzle) render(state.puzzle);
  }));
  $("btn-tutorial").addEventListener("click", () => { showStep(1); tutorial.showModal(); });
  // First visit only: the server remembers it for players who are logged in.
  if (!config.resume) {
    getPref("onboarded").then((done) => {
      if (!done && !document.querySelector("dialog[open]")) { showStep(1); tutorial.showModal(); }
    });
  }

  getPref("hide_explicit").then((v) => {
    if (!!v !== hideExplicit) { hideExplicit = !!v; if (state.puzzle) render(state.puzzle); }
  });

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    const t = e.target;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.isContentEditable)) {
      if (e.key === "Escape") t.blur();
      return;
    }
    if (/^[1-9]$/.test(e.key)) {
      const expl = state.puzzle && (state.puzzle.explanations || [])[Number(e.key) - 1];
      if (expl && !expl.own && !expl.voted) { e.preventDefault(); vote(expl); }
    } else if (e.key === "n") { e.preventDefault(); skip(); }
    else if (e.key === "e") { e.preventDefault(); $("write-text").focus(); }
    else if (e.key === "f") { e.preventDefault(); flag("none_fit"); }
    else if (e.key === "m") { e.preventDefault(); flag("polysemantic"); }
    else if (e.key === "a") { e.preventDefault(); $("mode-toggle").click(); }
    else if (e.key === "?") { e.preventDefault(); $("help-dialog").showModal(); }
  });

  /* ---------- start ---------- */
  const pending = config.pendingResult;
  showAwayResults();
  loadPuzzle(config.resume).then(() => {
    if (!pending) return;
    // The explanation typed before signing up was submitted on login.
    if (pending.id) {
      sessionStorage.removeItem(DRAFT_KEY);
      $("write-text").value = "";
      updateCounter();
      accepted({ id: pending.id, status: pending.status, text: pending.text, left: pending.left });
    } else if (pending.error) {
      if (pending.status === 409) duplicate(pending);
      else $("write-error").textContent = pending.error + " Your text is still here to edit.";
      if (!$("write-text").value && pending.text) { $("write-text").value = pending.text; updateCounter(); saveDraft(); }
    }
  });
})();
