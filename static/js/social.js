/* Feature page: stars, adding to a list, and comments (with reports), through the JSON API.
 * Comments are strangers' text: they only ever go in with textContent (LP.el). */
(function () {
  "use strict";
  const { api, el, toast, displayText, apiErrorMessage } = window.LP;
  const root = document.getElementById("social");
  const page = document.querySelector(".feature-page");
  if (!root || !page) return;
  const $ = (id) => document.getElementById(id);
  const base = "/api/feature/" + [page.dataset.model, page.dataset.source, page.dataset.index].map(encodeURIComponent).join("/");
  const state = { starred: false, reporting: null };

  function say(text, isError) {
    const node = $("social-status");
    node.textContent = text;
    node.classList.toggle("field-error", !!isError);
  }

  function showStars(starred, count) {
    state.starred = starred;
    const button = $("star-btn");
    button.textContent = starred ? "\u2605 Starred" : "\u2606 Star";
    button.setAttribute("aria-pressed", String(starred));
    $("star-count").textContent = count + (count === 1 ? " star" : " stars");
  }

  function commentItem(c) {
    const when = new Date(c.created);
    const item = el("li", { class: "comment", id: "comment-" + c.id, "data-id": c.id },
      el("p", { class: "comment-head small muted" },
        el("a", { href: "/u/" + encodeURIComponent(c.author), text: c.author }), " \u00b7 ",
        el("time", { datetime: c.created, text: when.toLocaleString() })),
      el("p", { class: "comment-text" }, el("bdi", { dir: "auto", text: displayText(c.text) })));
    const actions = el("p", { class: "comment-actions small" });
    if (c.own) {
      actions.append(el("button", { class: "link-btn", type: "button", "aria-label": "Delete your comment",
        onclick: () => remove(c) }, "Delete"));
    } else if (window.LP.authenticated) {
      actions.append(el("button", { class: "link-btn report-btn", type: "button", "aria-label": "Report this comment to the moderators",
        onclick: () => openReport(c) }, "Report"));
    }
    if (actions.childNodes.length) item.append(actions);
    return item;
  }

  function showComments(comments) {
    const list = $("comments");
    list.replaceChildren(...comments.map(commentItem));
    if (!comments.length) list.append(el("li", { class: "empty-state muted", text: "No comments yet." }));
  }

  async function load() {
    const r = await api("GET", base + "/social");
    if (!r.ok) { say(apiErrorMessage(r, "Could not load the comments"), true); return; }
    showStars(r.data.starred, r.data.stars);
    showComments(r.data.comments);
    const pick = $("list-pick");
    if (pick) {
      pick.replaceChildren(el("option", { value: "", text: "A new list\u2026" }),
        ...r.data.my_lists.map((l) => el("option", { value: String(l.id), text: l.name })));
      if (r.data.my_lists.length) pick.value = String(r.data.my_lists[0].id);
      $("list-new-name").hidden = pick.value !== "";
    }
  }

  $("star-btn").addEventListener("click", async () => {
    if (!window.LP.authenticated) { say("Log in to star features.", true); return; }
    const r = await api(state.starred ? "DELETE" : "POST", base + "/star");
    if (!r.ok) { say(apiErrorMessage(r, "The star did not go through"), true); return; }
    showStars(r.data.starred, r.data.stars);
  });

  const listForm = $("list-form");
  if (listForm) {
    $("list-pick").addEventListener("change", () => { $("list-new-name").hidden = $("list-pick").value !== ""; });
    listForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      let id = $("list-pick").value;
      if (!id) {
        const name = $("list-new-name").value.trim();
        if (!name) { say("Name the new list first.", true); $("list-new-name").focus(); return; }
        const made = await api("POST", "/api/lists", { name });
        if (!made.ok) { say(apiErrorMessage(made, "Could not make the list"), true); return; }
        id = String(made.data.id);
      }
      const r = await api("POST", "/api/lists/" + encodeURIComponent(id) + "/items", {
        model: page.dataset.model, source: page.dataset.source, index: Number(page.dataset.index), note: $("list-note").value });
      if (!r.ok) { say(apiErrorMessage(r, "Could not add the feature to the list"), true); return; }
      $("list-note").value = "";
      $("list-new-name").value = "";
      say("");
      await load();
      $("list-pick").value = id;
      $("list-new-name").hidden = true;
      toast(r.status === 201 ? "Added to the list." : "Already in the list; its note is updated.");
    });
  }

  const commentForm = $("comment-form");
  if (commentForm) {
    commentForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("comment-text").value;
      if (!text.trim()) { say("Write a comment first.", true); $("comment-text").focus(); return; }
      $("comment-submit").disabled = true;
      const r = await api("POST", base + "/comments", { text });
      $("comment-submit").disabled = false;
      if (!r.ok) { say(apiErrorMessage(r, "The comment did not go through; your text is kept"), true); return; }
      $("comment-text").value = "";
      say("");
      await load();
    });
  }

  async function remove(c) {
    if (!window.confirm("Delete your comment?")) return;
    const r = await api("DELETE", "/api/comments/" + encodeURIComponent(c.id));
    if (!r.ok) { say(apiErrorMessage(r, "Could not delete the comment"), true); return; }
    await load();
  }

  const dialog = $("comment-report-dialog");
  function openReport(c) {
    state.reporting = c;
    $("comment-report-form").reset();
    $("comment-report-dialog-text").textContent = displayText(c.text);
    dialog.showModal();
  }
  if (dialog) {
    dialog.querySelectorAll("[data-close]").forEach((b) => b.addEventListener("click", () => dialog.close()));
    $("comment-report-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const c = state.reporting;
      if (!c) return;
      const form = new FormData($("comment-report-form"));
      const r = await api("POST", "/api/comments/" + encodeURIComponent(c.id) + "/report",
        { reason: form.get("reason"), note: form.get("note") || "" });
      if (!r.ok) { toast(apiErrorMessage(r, "The report did not go through")); return; }
      dialog.close();
      state.reporting = null;
      toast(r.data.created ? "Thanks: the moderators will look at it." : "You reported this one already.");
    });
  }

  load();
})();
