/* The puzzle page: loads a puzzle from the JSON API, renders it as text (never as HTML),
 * handles votes, submissions, skips and flags, and shows scores arriving over the socket.
 * The player's typed text is saved in sessionStorage on every keystroke, so neither a
 * login nor a server error loses it. */
(function () {
  "use strict";
  const { api, el, toast, onSocket, activationLine, scrollToTop, fmt, setPref, getPref } = window.LP;
  const config = JSON.parse(document.getElementById("play-config").textContent);
  const $ = (id) => document.getElementById(id);

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

  /* ---------- loading ---------- */
  function setStatus(node) {
    const box = $("puzzle-status");
    box.replaceChildren();
    if (node) box.append(node);
  }

  async function loadPuzzle(feature) {
    clearInterval(state.pollTimer);
    setStatus(el("p", { class: "muted" }, el("span", { class: "spinner" }), " Loading a puzzle…"));
    let r;
    if (feature) {
      r = await api("GET", "/api/feature/" + [feature.model, feature.source, feature.index].map(encodeURIComponent).join("/"));
      if (r.ok) {
        const acts = r.data.activations || [];
        r.data = {
          puzzle_id: null,
          feature: { model: r.data.model, source: r.data.source, index: r.data.index },
          max_activation: r.data.max_activation,
          clues: acts.filter((c) => !c.kind || c.kind === "top"),
          quantiles: acts.filter((c) => c.kind === "quantile"),
          explanations: r.data.explanations || [],
        };
      }
    } else {
      const hide = !window.LP.authenticated && localStorage.getItem("lp.hideExplicit") === "1";
      r = await api("GET", "/api/puzzle/next" + (hide ? "?hide_explicit=1" : ""));
    }
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
    ref.href = "/" + [f.model, f.source, f.index].map(encodeURIComponent).join("/");
    $("btn-skip").firstChild.textContent = "Skip ";
    $("result").replaceChildren();
    $("write-error").textContent = "";
    const notice = $("scoring-notice");
    notice.textContent = puzzle.scoring_notice || "";
    notice.hidden = !puzzle.scoring_notice;

    const list = $("clues");
    list.replaceChildren(...top.map(clueItem));
    if (!top.length) list.append(el("li", { class: "empty-state", text: "This feature has no examples to show." }));

    const binsBody = $("bins-body");
    binsBody.replaceChildren();
    const groups = new Map();
    bins.forEach((c) => {
      const key = c.quantile_bin === null || c.quantile_bin === undefined ? 0 : c.quantile_bin;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(c);
    });
    [...groups.keys()].sort((a, b) => b - a).forEach((key) => {
      const items = groups.get(key);
      const hi = Math.max(...items.map((c) => c.max_value || 0));
      binsBody.append(
        el("p", { class: "bin-title", text: "Examples peaking around " + fmt(hi) + " (" + Math.round((100 * hi) / (state.maxAct || 1)) + "% of the strongest)" }),
        el("ol", { class: "clues" }, ...items.map(clueItem)));
    });
    $("bins").hidden = bins.length === 0;
    // Scroll after layout so every line shows its strongest word.
    requestAnimationFrame(() => document.querySelectorAll(".clue-text").forEach(scrollToTop));

    renderExplanations();

    // Bring back text typed for this feature (after a login, an error or a reload).
    const draft = readDraft();
    const textarea = $("write-text");
    textarea.value = draft && featureKey(draft.feature) === featureKey(f) ? draft.text : "";
    updateCounter();
    document.dispatchEvent(new CustomEvent("lp:puzzle", { detail: puzzle }));
  }

  function clueItem(clue) {
    const meta = el("div", { class: "clue-meta" },
      el("span", { class: "clue-max", title: "Strongest value in this snippet", text: fmt(clue.max_value || 0) }));
    if (clue.duplicates > 0) {
      meta.append(el("span", { class: "clue-dups", title: clue.duplicates + " near-identical snippets were folded into this one", text: "+" + clue.duplicates + " similar" }));
    }
    if (clue.hidden_explicit || !clue.tokens || (clue.explicit && hideExplicit)) {
      return el("li", { class: "clue" },
        el("div", { class: "clue-text clue-hidden", text: "Hidden: this snippet may contain explicit language (change this on your profile)." }), meta);
    }
    return el("li", { class: "clue" }, activationLine(clue, state.maxAct), meta);
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
        el("div", { class: "expl-body" }, el("bdi", { class: "expl-text", dir: "auto", text: e.text }), meta),
        report);
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
      $("vote-dialog-text").textContent = expl.text;
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
      existing ? el("p", {}, el("bdi", { dir: "auto", class: "expl-text", text: "“" + existing.text + "”" })) : null);
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
    const box = el("div", { class: "notice", id: "submission" });
    if (mine.status === "draft") {
      box.classList.add("notice-warn");
      box.append(el("p", { id: "submission-status", text: "Saved as a draft: over today's limit. It will be scored later (or sooner if others vote for it)." }));
    } else if (mine.status === "scored") {
      box.append(el("p", { id: "submission-status", text: "Saved and scored." }));
    } else {
      box.append(el("p", { id: "submission-status", text: "Queued for scoring" + (left !== null ? " (" + left + " left today)" : "") + "." }),
        el("p", { id: "score-live", class: "muted" }, el("span", { class: "spinner" }), " The computer is testing your explanation…"));
      startPolling(mine.id);
    }
    $("result").replaceChildren(box);
  }

  /* ---------- the score arrives (socket first, polling as a fallback) ---------- */
  function showScore(msg, via) {
    if (!state.mine || msg.explanation_id !== state.mine.id || state.mine.done) return;
    state.mine.done = true;
    clearInterval(state.pollTimer);
    const box = $("submission");
    if (!box) return;
    box.dataset.via = via;
    const live = $("score-live") || el("p", { id: "score-live" });
    live.classList.remove("muted");
    const statusLine = $("submission-status");
    if (statusLine) statusLine.append(msg.status === "failed" ? " Scoring failed." : " Scored!");
    if (msg.status === "failed" || typeof msg.score !== "number") {
      box.className = "notice notice-bad";
      live.textContent = msg.status === "failed"
        ? "Scoring failed" + (msg.error ? ": " + msg.error : "") + ". Your explanation is saved; a moderator can retry the scoring."
        : "Scoring finished without a number (the examples gave nothing to compare).";
    } else {
      // Green only for a real new best; a score within the noise or below is plain news.
      box.className = msg.beat_best ? "notice notice-good" : "notice";
      live.replaceChildren("Your score: ", el("strong", { id: "score-value", class: "score-pill", text: fmt(msg.score) }),
        typeof msg.score_stderr === "number" ? el("span", { class: "muted", id: "score-stderr", text: " \u00b1 " + fmt(msg.score_stderr) }) : "");
      if (msg.verdict) live.after(el("p", { id: "score-verdict", text: msg.verdict }));
      else if (!msg.beat_best && typeof msg.previous_best === "number") live.append(" (best so far: " + fmt(msg.previous_best) + ")");
      if (msg.beat_best) {
        box.after(el("div", { class: "celebrate", id: "celebrate", role: "status" },
          el("span", { class: "big", "aria-hidden": "true", text: "★ ★ ★" }),
          "New best explanation!" + (typeof msg.previous_best === "number" ? " You beat " + fmt(msg.previous_best) + "." : " You are the first to score here.")));
      }
    }
    if (!live.parentNode) box.append(live);
    const entry = (state.puzzle.explanations || []).find((e) => e.id === msg.explanation_id);
    if (entry) { entry.score = msg.score; entry.status = msg.status; renderExplanations(); }
  }

  onSocket("score", (msg) => showScore(msg, "socket"));

  function startPolling(id) {
    clearInterval(state.pollTimer);
    let rounds = 0;
    state.pollTimer = setInterval(async () => {
      rounds += 1;
      // The socket normally wins; polling only covers a closed socket.
      if (rounds < 3 && document.body.dataset.socket === "open") return;
      if (rounds > 120) return clearInterval(state.pollTimer);
      const r = await api("GET", "/api/explanations/" + encodeURIComponent(id));
      if (r.ok && (r.data.status === "scored" || r.data.status === "failed")) {
        // The server judges a new best (noise included); the page never second-guesses it.
        const v = r.data.best_verdict || {};
        showScore({ explanation_id: id, status: r.data.status, score: r.data.score, score_stderr: r.data.score_stderr,
          previous_best: v.previous_best, beat_best: !!v.beat, verdict: v.message }, "poll");
      }
    }, 2500);
  }

  /* ---------- reporting an explanation ---------- */
  function openReport(expl) {
    if (!window.LP.authenticated) return needLogin("Reports go to the moderators with your name, so they need an account.");
    state.reporting = expl;
    $("report-form").reset();
    $("report-dialog-text").textContent = expl.text;
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
    if (history.replaceState && location.search) history.replaceState(null, "", "/");
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
    if (history.replaceState && location.search) history.replaceState(null, "", "/");
    loadPuzzle(null);
  }
  $("btn-skip").addEventListener("click", skip);
  $("btn-nonefit").addEventListener("click", () => flag("none_fit"));
  $("btn-poly").addEventListener("click", () => flag("polysemantic"));

  /* ---------- advanced: test your own text ---------- */
  $("test-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("test-input").value;
    const out = $("test-out");
    if (!text.trim() || !state.puzzle) return;
    const f = state.puzzle.feature;
    const r = await api("POST", "/api/activation/test", { model: f.model, source: f.source, index: f.index, text });
    if (!r.ok) { out.replaceChildren(el("p", { class: "field-error", text: r.data.error || "Could not test the text." })); return; }
    const line = activationLine(r.data, Math.max(state.maxAct, r.data.max_value || 0));
    out.replaceChildren(el("div", { class: "clue" }, line, el("div", { class: "clue-meta" }, el("span", { class: "clue-max", text: fmt(r.data.max_value || 0) }))));
    requestAnimationFrame(() => scrollToTop(line));
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
