/* The map of a source's features (GET /api/map/...): one SVG dot per feature; hover reads its
 * explanation, a click opens it, a dragged box selects features, which can be saved as a list.
 * Explanations are strangers' text: they only ever go in with textContent. */
(function () {
  "use strict";
  const { api, el, fmt, displayText, apiErrorMessage, toast } = window.LP;
  const root = document.getElementById("feature-map");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  const W = 1000;
  const H = 700;
  const PAD = 20;
  const svg = $("map-svg");
  const model = root.dataset.model;
  const source = root.dataset.source;
  const state = { points: [], selected: new Set(), drag: null };

  function say(text, isError) {
    const node = $("map-status");
    node.textContent = text;
    node.classList.toggle("field-error", !!isError);
  }
  function featureUrl(index) {
    return "/" + [model, source, String(index)].map(encodeURIComponent).join("/");
  }
  function svgNode(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }
  function place(p) {
    return [PAD + p.x * (W - 2 * PAD), PAD + (1 - p.y) * (H - 2 * PAD)];
  }

  function draw(points) {
    const peak = Math.max(...points.map((p) => p.max_activation), 0) || 1;
    const dots = points.map((p) => {
      const [cx, cy] = place(p);
      const dot = svgNode("circle", { cx, cy, r: 4, class: "map-dot" + (p.max_activation > 0 ? "" : " dead"),
        "data-index": p.index });
      dot.style.setProperty("--a", (0.25 + 0.75 * Math.min(1, p.max_activation / peak)).toFixed(3));
      dot._point = p;
      p._dot = dot;
      return dot;
    });
    svg.replaceChildren(...dots);
  }

  function toSvg(event) {
    const box = svg.getBoundingClientRect();
    return [(event.clientX - box.left) * (W / box.width), (event.clientY - box.top) * (H / box.height)];
  }

  const tip = $("map-tip");
  function showTip(p, event) {
    tip.replaceChildren(el("strong", { text: "#" + p.index }), " (max " + fmt(p.max_activation) + ") ",
      el("bdi", { dir: "auto", text: p.explanation ? displayText(p.explanation) : "no explanation yet" }));
    tip.hidden = false;
    const wrap = svg.parentNode.getBoundingClientRect();
    const left = Math.min(event.clientX - wrap.left + 12, wrap.width - tip.offsetWidth - 4);
    tip.style.left = Math.max(0, left) + "px";
    tip.style.top = (event.clientY - wrap.top + 12) + "px";
  }

  svg.addEventListener("mousemove", (event) => {
    if (state.drag) {
      const [x, y] = toSvg(event);
      const [x0, y0] = state.drag.start;
      const rect = state.drag.rect;
      rect.setAttribute("x", Math.min(x, x0));
      rect.setAttribute("y", Math.min(y, y0));
      rect.setAttribute("width", Math.abs(x - x0));
      rect.setAttribute("height", Math.abs(y - y0));
      state.drag.moved = true;
      return;
    }
    const dot = event.target.closest && event.target.closest(".map-dot");
    if (dot) showTip(dot._point, event); else tip.hidden = true;
  });
  svg.addEventListener("mouseleave", () => { tip.hidden = true; });

  svg.addEventListener("mousedown", (event) => {
    if (event.button !== 0) return;
    const start = toSvg(event);
    const rect = svgNode("rect", { x: start[0], y: start[1], width: 0, height: 0, class: "map-box" });
    svg.append(rect);
    state.drag = { start, rect, moved: false, target: event.target };
    event.preventDefault();
  });
  window.addEventListener("mouseup", (event) => {
    const drag = state.drag;
    if (!drag) return;
    state.drag = null;
    const x = Number(drag.rect.getAttribute("x"));
    const y = Number(drag.rect.getAttribute("y"));
    const w = Number(drag.rect.getAttribute("width"));
    const h = Number(drag.rect.getAttribute("height"));
    drag.rect.remove();
    if (!drag.moved || w < 3 || h < 3) {
      const dot = drag.target.closest && drag.target.closest(".map-dot");
      if (dot) location.assign(featureUrl(dot._point.index));
      return;
    }
    select(state.points.filter((p) => {
      const [cx, cy] = place(p);
      return cx >= x && cx <= x + w && cy >= y && cy <= y + h;
    }));
  });

  function select(points) {
    state.selected = new Set(points.map((p) => p.index));
    state.points.forEach((p) => p._dot.classList.toggle("picked", state.selected.has(p.index)));
    $("map-selection").hidden = !points.length;
    $("map-count").textContent = String(points.length);
    $("map-picked").replaceChildren(...points.slice(0, 50).map((p) => el("li", {},
      el("a", { href: featureUrl(p.index), text: "#" + p.index }), " ",
      el("bdi", { dir: "auto", class: "muted", text: p.explanation ? displayText(p.explanation) : "no explanation yet" }))));
    if (points.length > 50) $("map-picked").append(el("li", { class: "muted", text: "and " + (points.length - 50) + " more" }));
  }
  $("map-clear").addEventListener("click", () => select([]));

  const form = $("map-save");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = $("map-list-name").value.trim();
      if (!name) { say("Name the list first.", true); $("map-list-name").focus(); return; }
      if (!state.selected.size) { say("Select some features first: drag a box on the map.", true); return; }
      $("map-save-btn").disabled = true;
      const made = await api("POST", "/api/lists", { name, description: "Selected on the map of " + model + "/" + source + "." });
      if (!made.ok) { $("map-save-btn").disabled = false; say(apiErrorMessage(made, "Could not make the list"), true); return; }
      const r = await api("POST", "/api/lists/" + made.data.id + "/items/bulk", { model, source, indexes: [...state.selected] });
      $("map-save-btn").disabled = false;
      if (!r.ok) { say(apiErrorMessage(r, "Could not add the features to the list"), true); return; }
      say("");
      $("map-selection").append(el("p", { id: "map-saved" }, "Saved: ",
        el("a", { href: "/lists/" + made.data.id, text: name + " (" + r.data.items + " features)" })));
      toast("List saved.");
    });
  }

  api("GET", "/api/map/" + encodeURIComponent(model) + "/" + encodeURIComponent(source)).then((r) => {
    if (!r.ok) { say(apiErrorMessage(r, "Could not load the map"), true); return; }
    state.points = r.data.features;
    draw(state.points);
    say(state.points.length + " features.");
  });
})();
