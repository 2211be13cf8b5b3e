/* Profile: points, rank, skill and streak from the API, and taking votes back. */
(function () {
  "use strict";
  const { api, toast, el } = window.LP;

  const pct = (v) => Math.round(100 * v) + "%";
  function predictionText(skill) {
    if (!skill || !skill.gold_predictions || skill.mean_correlation === null) return "";
    return "; predictions on check puzzles match the truth at r = " + skill.mean_correlation.toFixed(2) +
      " (" + skill.gold_predictions + " made)";
  }
  function skillText(skill) {
    if (!skill || !skill.gold_answered) return "no check puzzles answered yet" + predictionText(skill);
    const [lo, hi] = skill.interval_90 || [0, 1];
    return "accuracy on check puzzles " + pct(skill.accuracy) + " (90% interval " + pct(lo) + "\u2013" + pct(hi) + ", " +
      skill.gold_answered + " answered)" + predictionText(skill);
  }
  function streakText(streak) {
    if (!streak) return "–";
    const days = streak.days || 0;
    let text = days + " day" + (days === 1 ? "" : "s") + " in a row (best " + (streak.best || 0) + ")";
    // The run still stands today; say so before it breaks at midnight UTC.
    if (days > 0 && !streak.played_today) text += ": play today to keep it";
    return text;
  }

  api("GET", "/api/me").then((r) => {
    if (!r.ok) return;
    document.getElementById("stat-points").textContent = String(r.data.points ?? 0);
    document.getElementById("stat-left").textContent = String(r.data.explanations_left_today ?? "–");
    document.getElementById("stat-skill").textContent = skillText(r.data.skill);
    document.getElementById("stat-streak").textContent = streakText(r.data.streak);
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

  // Your own explanations: rewrite one before it is scored, or delete it (its points go too).
  document.querySelectorAll(".edit-btn").forEach((btn) => {
    btn.addEventListener("click", () => {
      const row = btn.closest("tr");
      const textEl = row.querySelector(".my-expl-text");
      const input = el("input", { type: "text", maxlength: "500", class: "edit-input", "aria-label": "New text" });
      input.value = textEl.textContent;
      const save = el("button", { type: "button", class: "btn btn-small", text: "Save" });
      const form = el("span", { class: "edit-form" }, input, save);
      textEl.replaceWith(form);
      btn.disabled = true;
      input.focus();
      save.addEventListener("click", async () => {
        save.disabled = true;
        const r = await api("PATCH", "/api/explanations/" + encodeURIComponent(btn.dataset.explanation), { text: input.value });
        save.disabled = false;
        if (!r.ok) return toast((r.data && r.data.error) || "Could not save the new text; please try again.");
        textEl.textContent = r.data.text;
        form.replaceWith(textEl);
        btn.disabled = false;
        toast("Saved: it will be scored with the new text.");
      });
    });
  });

  document.querySelectorAll(".delete-btn").forEach((btn) => {
    btn.addEventListener("click", async () => {
      if (!window.confirm("Delete this explanation? Every point it earned anyone is taken back, and you cannot submit the same text on this feature again.")) return;
      btn.disabled = true;
      const r = await api("DELETE", "/api/explanations/" + encodeURIComponent(btn.dataset.explanation));
      if (!r.ok) {
        btn.disabled = false;
        return toast((r.data && r.data.error) || "Could not delete it; please try again.");
      }
      btn.closest("tr").replaceChildren(el("td", { colspan: "6", class: "muted", text: "Explanation deleted." }));
      toast("Explanation deleted.");
    });
  });
})();
