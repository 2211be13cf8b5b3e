/* Feature page: test your own text against this feature (POST /api/activation/test).
 * The text's tokens come back from the model: they go in with textContent only (LP.el and
 * LP.activationLine), never as HTML. */
(function () {
  "use strict";
  const { api, el, fmt, activationLine, scrollToTop, apiErrorMessage, valueTips, displayText } = window.LP;
  // Every record's values: on hover, on tap, and with the arrow keys in a focused row.
  const page = document.querySelector(".feature-page");
  if (page) valueTips(page);
  steering(page);
  const form = document.getElementById("try-form");
  if (!form) return;
  const box = form.closest("[data-model]");
  const feature = { model: box.dataset.model, source: box.dataset.source, index: Number(box.dataset.index) };
  // Shaded against the feature's own maximum, like the top activations above, so a text that
  // fires weakly looks weak; a text beyond that maximum sets the scale instead.
  const featureMax = Number(box.dataset.max) || 0;
  const input = document.getElementById("try-text");
  const button = document.getElementById("try-submit");
  const out = document.getElementById("try-out");
  const status = document.getElementById("try-status");
  const result = document.getElementById("try-result");
  let seq = 0;

  function setStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle("field-error", !!isError);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value;
    const mine = ++seq;
    if (!text.trim()) {
      result.replaceChildren();
      out.removeAttribute("aria-busy");
      button.disabled = false;
      setStatus("Type some text first", true);
      input.focus();
      return;
    }
    button.disabled = true;
    out.setAttribute("aria-busy", "true");
    setStatus("Running the model…");
    const r = await api("POST", "/api/activation/test", { ...feature, text });
    if (mine !== seq) return; // a newer test has started; its answer wins
    button.disabled = false;
    out.removeAttribute("aria-busy");
    if (!r.ok) {
      result.replaceChildren();
      setStatus(apiErrorMessage(r, "Could not test the text"), true);
      return;
    }
    const values = r.data.values || [];
    const max = r.data.max_value || 0;
    const line = activationLine({ tokens: r.data.tokens || [], values }, Math.max(featureMax, max));
    line.querySelectorAll(".tok").forEach((node, i) => { node.title = "activation " + fmt(values[i] || 0); });
    setStatus(max > 0 ? "Max activation on your text: " + fmt(max) + "." : "The feature does not fire on your text.");
    result.replaceChildren(el("div", { class: "clue try-line" }, line,
      el("div", { class: "clue-meta" }, el("span", { class: "clue-max", title: "Highest activation on your text", text: fmt(max) }))));
    requestAnimationFrame(() => scrollToTop(line));
  });
  // The form also works as a plain GET (a click before this script ran, or a shared link):
  // the page then opens with ?text=… and tests it at once.
  const asked = new URLSearchParams(window.location.search).get("text");
  if (asked && asked.trim()) {
    input.value = asked;
    form.requestSubmit();
  }

  /* ---------- steering (POST /api/steer): two continuations of one prompt, one seed ---------- */
  function steering(root) {
    const form = document.getElementById("steer-form");
    if (!root || !form) return; // logged out: the section says how to log in instead
    const $ = (id) => document.getElementById(id);
    const feature = { model: root.dataset.model, source: root.dataset.source, index: Number(root.dataset.index) };
    const status = $("steer-status");
    let seq = 0;
    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("field-error", !!isError);
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const prompt = $("steer-prompt").value;
      if (!prompt.trim()) { say("Type the start of a text first", true); $("steer-prompt").focus(); return; }
      const numbers = {};
      for (const [name, id] of [["strength", "steer-strength"], ["seed", "steer-seed"], ["max_new_tokens", "steer-tokens"]]) {
        const raw = $(id).value.trim();
        const value = Number(raw);
        if (raw === "" || !Number.isFinite(value)) { say("Give the " + $(id).labels[0].textContent.toLowerCase() + " as a number", true); $(id).focus(); return; }
        numbers[name] = name === "strength" ? value : Math.trunc(value);
      }
      const mine = ++seq;
      $("steer-submit").disabled = true;
      say("Generating twice…");
      const r = await api("POST", "/api/steer", { ...feature, prompt, ...numbers });
      if (mine !== seq) return;
      $("steer-submit").disabled = false;
      if (!r.ok) { $("steer-pair").hidden = true; say(apiErrorMessage(r, "Could not steer the model"), true); return; }
      $("steer-default").replaceChildren(el("span", { class: "steer-prompt", text: displayText(prompt) }), displayText(r.data.default));
      $("steer-steered").replaceChildren(el("span", { class: "steer-prompt", text: displayText(prompt) }), displayText(r.data.steered));
      $("steer-steered-h").textContent = "Steered (strength " + fmt(r.data.strength) + ")";
      $("steer-pair").hidden = false;
      say(r.data.default === r.data.steered ? "The same text both ways: try a stronger push." : "Seed " + r.data.seed + ": the texts differ only by the push.");
    });
  }
})();
