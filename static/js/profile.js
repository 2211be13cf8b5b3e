/* Profile: points and rank from the API, and taking votes back. */
(function () {
  "use strict";
  const { api, toast, el } = window.LP;

  api("GET", "/api/me").then((r) => {
    if (!r.ok) return;
    document.getElementById("stat-points").textContent = String(r.data.points ?? 0);
    document.getElementById("stat-left").textContent = String(r.data.explanations_left_today ?? "–");
    return api("GET", "/api/leaderboard?period=all").then((b) => {
      const entry = b.ok && (b.data.entries || []).find((e) => e.username === r.data.username);
      document.getElementById("stat-rank").textContent = entry ? "#" + entry.rank : "–";
    });
  });

  document.querySelectorAll(".unvote-btn").forEach((btn) => {
    btn.addEventListener("click", async () => {
      btn.disabled = true;
      const r = await api("DELETE", "/api/explanations/" + encodeURIComponent(btn.dataset.explanation) + "/vote");
      if (!r.ok) {
        btn.disabled = false;
        return toast((r.data && r.data.error) || "Could not take the vote back; please try again.");
      }
      const item = btn.closest("li");
      item.replaceChildren(el("p", { class: "muted", text: "Vote taken back." }));
      item.classList.add("unvoted");
      toast("Vote taken back.");
    });
  });
})();
