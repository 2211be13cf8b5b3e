/* Leaderboard tabs; refreshed live when the server announces a change. */
(function () {
  "use strict";
  const { api, el, onSocket } = window.LP;
  const panel = document.getElementById("lb-panel");
  const rows = document.getElementById("lb-rows");
  const me = panel.dataset.me;
  let period = panel.dataset.period || "day";

  async function load() {
    const r = await api("GET", "/api/leaderboard?period=" + encodeURIComponent(period));
    if (!r.ok) {
      rows.replaceChildren(el("tr", {}, el("td", { colspan: "3", class: "field-error", text: (r.data && r.data.error) || "Could not load the leaderboard." })));
      return;
    }
    show(r.data.entries || []);
  }

  function show(entries) {
    if (!entries.length) {
      rows.replaceChildren(el("tr", {}, el("td", { colspan: "3", class: "empty-state", text: "Nobody has points for this period yet. Play a puzzle and be the first!" })));
    } else {
      rows.replaceChildren(...entries.map((e) => el("tr", { class: e.username === me ? "me" : null, "data-username": e.username },
        el("td", { class: "num", text: String(e.rank) }),
        el("td", {}, el("bdi", { dir: "auto", text: e.username }), e.username === me ? " (you)" : ""),
        el("td", { class: "num", text: String(e.points) }))));
    }
    document.getElementById("lb-updated").textContent = "Updated " + new Date().toLocaleTimeString();
  }

  document.querySelectorAll("[role=tab]").forEach((tab) => {
    tab.addEventListener("click", () => {
      period = tab.dataset.period;
      document.querySelectorAll("[role=tab]").forEach((t) => t.setAttribute("aria-selected", t === tab ? "true" : "false"));
      history.replaceState(null, "", "?period=" + period);
      load();
    });
  });

  onSocket("leaderboard", (msg) => {
    // A message may carry the entries of one period; otherwise ask again.
    // Any change to points can move every board, so other periods are fetched again.
    if (msg.period === period && Array.isArray(msg.entries)) show(msg.entries);
    else load();
  });
  load();
})();
