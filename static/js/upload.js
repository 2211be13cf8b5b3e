/* The SAE upload page: sends cfg.json + weights (POST /api/sources/upload, multipart), then
 * follows each upload being built (GET /api/sources/upload/{id}) until it is published or
 * refused. Names and errors are strangers' text: they only ever go in with textContent. */
(function () {
  "use strict";
  const { api, el, apiErrorMessage } = window.LP;
  const root = document.getElementById("sae-upload");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 1000;
  const LIVE = new Set(["queued", "running"]);
  const watching = new Set();

  function render(u) {
    const item = el("li", { class: "upload", "data-job": String(u.job_id), "data-status": u.status },
      el("strong", { class: "upload-name", text: u.model + "/" + u.slug }), " ",
      el("span", { class: "upload-status", text: u.status }), " ");
    const bar = el("progress", { class: "upload-progress", max: "1" });
    bar.value = u.progress;
    bar.textContent = Math.round(u.progress * 100) + "%";
    item.append(bar, " ", el("span", { class: "upload-stage", text: u.stage }));
    if (u.error) item.append(el("p", { class: "upload-error field-error", text: u.error }));
    if (u.source_url) {
      item.append(" ", el("a", { class: "upload-open", href: u.source_url, text: "Open the source" }));
    }
    if (u.map_url) item.append(" ", el("a", { class: "upload-map", href: u.map_url, text: "Map" }));
    if (u.in_play) item.append(" ", el("span", { class: "upload-in-play", text: "In play" }));
    return item;
  }

  function show(u) {
    const list = $("uploads");
    const old = list.querySelector('[data-job="' + u.job_id + '"]');
    const item = render(u);
    if (old) old.replaceWith(item); else list.prepend(item);
    $("uploads-empty").hidden = true;
    if (LIVE.has(u.status)) watch(u.job_id);
  }

  function watch(id) {
    if (watching.has(id)) return;
    watching.add(id);
    const tick = async () => {
      const r = await api("GET", "/api/sources/upload/" + encodeURIComponent(id));
      if (r.ok) {
        show(r.data);
        if (!LIVE.has(r.data.status)) { watching.delete(id); return; }
      }
      setTimeout(tick, POLL_MS);
    };
    setTimeout(tick, POLL_MS);
  }

  const form = $("upload-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = $("upload-error");
      error.textContent = "";
      if (!$("upload-cfg").files.length || !$("upload-weights").files.length) {
        error.textContent = "Choose both files: cfg.json and sae_weights.safetensors.";
        return;
      }
      const button = $("upload-submit");
      button.disabled = true;
      button.textContent = "Uploading…";
      const r = await api("POST", "/api/sources/upload", new FormData(form));
      button.disabled = false;
      button.textContent = "Upload";
      if (!r.ok) {
        error.textContent = apiErrorMessage(r, "The upload was refused.");
        const field = r.data && r.data.field ? $("upload-" + r.data.field) : null;
        if (field) field.focus();
        return;
      }
      form.reset();
      show(r.data);
    });
  }

  document.querySelectorAll("#uploads .upload").forEach((item) => {
    if (LIVE.has(item.dataset.status)) watch(Number(item.dataset.job));
  });
})();
