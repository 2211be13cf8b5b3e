/* Leaderboard tabs (period and mode); refreshed live when the server announces a change. */
(function () {
  "use strict";
  const { api, el, onSocket } = window.LP;
  const panel = document.getElementById("lb-panel");
  const rows = document.getElementById("lb-rows");
  const me = panel.dataset.me;
  const board = { period: panel.dataset.period || "day", mode: panel.dataset.mode || "all" };

  async function load() {
    const r = await api("GET", "/api/leaderboard?" + new URLSearchParams(board));
    if (!r.ok) {
      rows.replaceChildren(el("tr", {}, el("td", { colspan: "3", class: "field-error", text: (r.data && r.data.error) || "Could not load the leaderboard." })));
      return;
    }
    show(r.data.entries || []);
  }

  function show(entries) {
    if (!entries.length) {
      rows.replaceChildren(el("tr", {}, el("td", { colspan: "3", class: "empty-state", text: "Nobody has points on this board yet. Play a puzzle and be the first!" })));
    } else {
      rows.replaceChildren(...entries.map((e) => el("tr", { class: e.username === me ? "me" : null, "data-username": e.username },
        el("td", { class: "num", text: String(e.rank) }),
        el("td", {}, el("bdi", { dir: "auto", text: e.username }), e.username === me ? " (you)" : ""),
        el("td", { class: "num", text: String(e.points) }))));
    }
    document.getElementById("lb-updated").textContent = "Updated " + new Date().toLocaleTimeString();
  }

  // Two tab rows, one per setting: each tab carries data-period or data-mode.
  document.querySelectorAll("[role=tablist]").forEach((list) => {
    const tabs = list.querySelectorAll("[role=tab]");
    tabs.forEach((tab) => {
      tab.addEventListener("click", () => {
        if (tab.dataset.period) board.period = tab.dataset.period;
        if (tab.dataset.mode) board.mode = tab.dataset.mode;
        tabs.forEach((t) => t.setAttribute("aria-selected", t === tab ? "true" : "false"));
        history.replaceState(null, "", "?" + new URLSearchParams(board));
        load();
      });
    });
  });

  onSocket("leaderboard", (msg) => {
    // A message may carry the entries of one board; otherwise ask again.
    // Any change to points can move every board, so other boards are fetched again.
    const sameMode = (msg.mode || "all") === board.mode;
    if (msg.period === board.period && sameMode && Array.isArray(msg.entries)) show(msg.entries);
    else load();
  });
  load();
})();
