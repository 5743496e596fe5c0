// tilegrid's mosaic viewer: pan and zoom over the tile pyramid on one <canvas>.
// World coordinates are the tiles' native pixels; tile (row, col) sits at
// (col * (TW + GAP_X), row * (TH + GAP_Y)).  Images: "0/<tile id>" is a native
// tile, "<k>/<block>" a block of BLOCK x BLOCK tiles shrunk by 2**k.
// Text (titles, ticks, labels) is drawn in screen pixels, so it stays readable;
// so are the colorbars: a colorbar is colors from bottom to top and ticks as
// [fraction of its height, label].
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("tilegrid-data").textContent);
  const IMAGES = JSON.parse(document.getElementById("tilegrid-images").textContent);
  const [TW, TH] = DATA.tile_px;
  // tiles with color scales of their own have their colorbars in the gaps: wider ones
  const GAP_X = Math.max(8, Math.round(TW * (DATA.tiles.some((t) => t.colorbar) ? 0.45 : 0.3)));
  const GAP_Y = Math.max(8, Math.round(TH * 0.3));
  const [NROWS, NCOLS] = DATA.shape;
  const WORLD_W = NCOLS * (TW + GAP_X) - GAP_X;
  const WORLD_H = NROWS * (TH + GAP_Y) - GAP_Y;
  const FONT = "11px system-ui, sans-serif";

  const canvas = document.getElementById("view");
  const ctx = canvas.getContext("2d");
  const hover = document.getElementById("hover");
  const info = document.getElementById("info");
  const find = document.getElementById("find");
  // The tile's PNG and log are linked relative to results/, where the page is
  // written; elsewhere (inside `snakemake --report`, a copy) they would not be there.
  const BESIDE_RESULTS = location.protocol !== "data:" && /\/results\/[^/]*$/.test(location.pathname);
  const at = new Map(DATA.tiles.map((t) => [t.row + "," + t.col, t]));
  const byId = new Map(DATA.tiles.map((t) => [t.id, t]));
  const images = new Map(); // key -> HTMLImageElement (decoded lazily, when first needed)
  let view = { s: 1, x: 0, y: 0 }; // screen = world * s + (x, y), in CSS pixels
  let matches = null; // Set of tiles matching the filter, or null
  let selected = null;
  let pending = 0;
  let queued = false;

  // --- images --------------------------------------------------------------
  function image(key) {
    let img = images.get(key);
    if (!img && IMAGES[key]) {
      img = new Image();
      pending++;
      img.onload = img.onerror = () => { pending--; redraw(); };
      img.src = IMAGES[key];
      images.set(key, img);
    }
    return img && img.complete && img.naturalWidth ? img : null;
  }

  function levelFor(s) {
    return Math.max(0, Math.min(DATA.levels, Math.floor(Math.log2(1 / s))));
  }

  // The source of a tile at a level: [image key, sx, sy, sw, sh].
  function source(t, level) {
    if (level === 0) return ["0/" + t.id, 0, 0, TW, TH];
    const w = Math.ceil(TW / 2 ** level), h = Math.ceil(TH / 2 ** level);
    const key = level + "/" + Math.floor(t.row / DATA.block) + "-" + Math.floor(t.col / DATA.block);
    return [key, (t.col % DATA.block) * w, (t.row % DATA.block) * h, w, h];
  }

  // --- geometry --------------------------------------------------------------
  function tileBox(t) {
    return {
      x: t.col * (TW + GAP_X) * view.s + view.x,
      y: t.row * (TH + GAP_Y) * view.s + view.y,
      w: TW * view.s,
      h: TH * view.s,
    };
  }

  function tileAt(px, py) {
    const wx = (px - view.x) / view.s, wy = (py - view.y) / view.s;
    const c = Math.floor(wx / (TW + GAP_X)), r = Math.floor(wy / (TH + GAP_Y));
    if (wx - c * (TW + GAP_X) >= TW || wy - r * (TH + GAP_Y) >= TH) return null;
    return at.get(r + "," + c) || null;
  }

  function size() {
    return { w: canvas.clientWidth, h: canvas.clientHeight };
  }

  // The whole grid, left of the colorbars.
  function fitAll() {
    const { h } = size();
    const bars = document.getElementById("colorbars");
    const w = size().w - (bars.hidden ? 0 : bars.offsetWidth + 10);
    const s = Math.min(4, (w - 120) / WORLD_W, (h - 80) / WORLD_H);
    view = { s, x: Math.round((w - WORLD_W * s) / 2), y: Math.round((h - WORLD_H * s) / 2 + 10) };
    redraw();
  }

  // Zoom onto one tile: a whole number of screen pixels per tile pixel when it fits.
  function showTile(t, scale) {
    const { w, h } = size();
    let s = scale || Math.min((w * 0.6) / TW, (h * 0.6) / TH);
    if (!scale && s >= 1) s = Math.floor(s);
    view.s = s;
    view.x = Math.round(w / 2 - (t.col * (TW + GAP_X) + TW / 2) * s);
    view.y = Math.round(h / 2 - (t.row * (TH + GAP_Y) + TH / 2) * s);
    select(t);
    redraw();
  }

  function zoom(factor, px, py) {
    const s = Math.max(0.005, Math.min(64, view.s * factor));
    view.x = px - ((px - view.x) * s) / view.s;
    view.y = py - ((py - view.y) * s) / view.s;
    view.s = s;
    redraw();
  }

  // --- drawing -------------------------------------------------------------
  function redraw() {
    if (window.tilegridViewer) window.tilegridViewer.ready = false; // until drawn in full
    if (!queued) {
      queued = true;
      requestAnimationFrame(draw);
    }
  }

  function draw() {
    queued = false;
    const dpr = window.devicePixelRatio || 1;
    const { w, h } = size();
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    const level = levelFor(view.s);
    ctx.imageSmoothingEnabled = view.s < 1; // beyond native: show the pixels as they are
    ctx.imageSmoothingQuality = "high";
    const visible = DATA.tiles.filter((t) => {
      const b = tileBox(t);
      return b.x < w && b.y < h && b.x + b.w > 0 && b.y + b.h > 0;
    });
    for (const t of visible) drawTile(t, level);
    const roomy = TW * view.s >= 90 && TH * view.s >= 50;
    ctx.font = FONT;
    ctx.fillStyle = "#222";
    ctx.strokeStyle = "#222";
    if (roomy) visible.forEach(drawAxes);
    else drawHeaders(w, h);
    for (const t of visible) {
      const b = tileBox(t);
      if (matches && matches.has(t)) outline(b, "#d62728", 2);
      if (t === selected) outline(b, "#1f77b4", 3);
    }
    window.tilegridViewer.ready = pending === 0;
  }

  function drawTile(t, level) {
    const b = tileBox(t);
    // the level asked for, else any coarser one already decoded
    for (let l = level; l <= DATA.levels; l++) {
      const [key, sx, sy, sw, sh] = source(t, l);
      const img = image(key);
      if (img) {
        ctx.drawImage(img, sx, sy, sw, sh, b.x, b.y, b.w, b.h);
        break;
      }
      if (l === level) image(source(t, DATA.levels)[0]); // a quick placeholder
    }
    if (matches && !matches.has(t)) {
      ctx.fillStyle = "rgba(255,255,255,0.8)";
      ctx.fillRect(b.x, b.y, b.w, b.h);
    }
  }

  function outline(b, color, width) {
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(b.x - width / 2, b.y - width / 2, b.w + width, b.h + width);
    ctx.restore();
  }

  function fitText(text, max) {
    if (ctx.measureText(text).width <= max) return text;
    while (text.length > 1 && ctx.measureText(text + "…").width > max) text = text.slice(0, -1);
    return text + "…";
  }

  // Few screen pixels per tile: row and column names along the edges, thinned to fit.
  function drawHeaders(w, h) {
    const colStep = Math.ceil(70 / ((TW + GAP_X) * view.s));
    const rowStep = Math.ceil(16 / ((TH + GAP_Y) * view.s));
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    for (let c = 0; c < NCOLS; c += colStep) {
      const x = view.x + (c * (TW + GAP_X) + TW / 2) * view.s;
      if (x > 0 && x < w) ctx.fillText(fitText(DATA.col_names[c], 68), x, Math.max(14, view.y - 3));
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let r = 0; r < NROWS; r += rowStep) {
      const y = view.y + (r * (TH + GAP_Y) + TH / 2) * view.s;
      if (y > 0 && y < h) ctx.fillText(fitText(DATA.row_names[r], 56), Math.max(58, view.x - 4), y);
    }
  }

  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) return [lo];
    const raw = (hi - lo) / Math.max(1, n);
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = mag * ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) || 10);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }

  function ticksOf(axis, lengthPx) {
    const [lo, hi] = axis.lim;
    if (axis.ticks) return axis.ticks.map((v, i) => [v, axis.ticklabels ? axis.ticklabels[i] : fmt(v)]);
    if (axis.scale === "log") {
      const out = [];
      for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++) out.push([10 ** e, "1e" + e]);
      return out;
    }
    return niceTicks(Math.min(lo, hi), Math.max(lo, hi), lengthPx / 60).map((v) => [v, fmt(v)]);
  }

  function fmt(v) {
    return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(1) : String(+v.toPrecision(6));
  }

  function position(axis, v, start, length) {
    const [lo, hi] = axis.lim;
    const f = axis.scale === "log"
      ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))
      : (v - lo) / (hi - lo);
    return start + f * length;
  }

  // One tile's axes in the gaps around it: title, ticks, tick labels, axis labels.
  function drawAxes(t) {
    const b = tileBox(t);
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    if (t.title) ctx.fillText(fitText(t.title, b.w + GAP_X * view.s * 0.8), b.x + b.w / 2, b.y - 3);
    ctx.beginPath();
    ctx.textBaseline = "top";
    const xs = ticksOf(t.x, b.w);
    for (const [v, label] of xs) {
      const x = Math.round(position(t.x, v, b.x, b.w)) + 0.5;
      if (x < b.x - 1 || x > b.x + b.w + 1) continue;
      ctx.moveTo(x, b.y + b.h);
      ctx.lineTo(x, b.y + b.h + 4);
      ctx.fillText(fitText(String(label), Math.max(20, b.w / xs.length)), x, b.y + b.h + 5);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const [v, label] of ticksOf(t.y, b.h)) {
      const y = Math.round(position(t.y, v, b.y + b.h, -b.h)) + 0.5;
      if (y < b.y - 1 || y > b.y + b.h + 1) continue;
      ctx.moveTo(b.x, y);
      ctx.lineTo(b.x - 4, y);
      ctx.fillText(String(label), b.x - 6, y);
    }
    ctx.lineWidth = 1;
    ctx.stroke();
    if (t.colorbar) drawTileColorbar(t.colorbar, b);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    if (GAP_Y * view.s >= 56) ctx.fillText(t.x.label || "", b.x + b.w / 2, b.y + b.h + 20);
    if (GAP_X * view.s >= 64) {
      ctx.save();
      ctx.translate(b.x - 46, b.y + b.h / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "bottom";
      ctx.fillText(t.y.label || "", 0, 0);
      ctx.restore();
    }
  }

  // A tile's own color scale in the gap right of it, when it fits beside the
  // next tile's y labels (at any zoom it is in the tile's details).
  function drawTileColorbar(bar, b) {
    if (GAP_X * view.s < 110) return;
    const colors = DATA.cmaps[bar.cmap], n = colors.length, x = b.x + b.w + 5;
    colors.forEach((c, i) => {
      ctx.fillStyle = c;
      const y0 = b.y + b.h * (1 - (i + 1) / n), y1 = b.y + b.h * (1 - i / n);
      ctx.fillRect(x, Math.floor(y0), 8, Math.ceil(y1) - Math.floor(y0));
    });
    ctx.fillStyle = ctx.strokeStyle = "#222";
    ctx.strokeRect(x - 0.5, b.y - 0.5, 9, b.h + 1);
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.beginPath();
    for (const [f, label] of bar.ticks) {
      const y = Math.round(b.y + b.h * (1 - f)) + 0.5;
      ctx.moveTo(x + 8, y);
      ctx.lineTo(x + 12, y);
      ctx.fillText(label, x + 14, y);
    }
    ctx.stroke();
  }

  // A colorbar as an element of the page (beside the grid, in a tile's details).
  function colorbarElement(bar) {
    const colors = bar.colors || DATA.cmaps[bar.cmap], n = colors.length;
    const pct = (i) => ((100 * i) / n).toFixed(3) + "%";
    const strip = el("div", { className: "strip" });
    strip.style.background = "linear-gradient(to top, "
      + colors.map((c, i) => c + " " + pct(i) + " " + pct(i + 1)).join(", ") + ")";
    const ticks = el("div", { className: "ticks" });
    for (const [f, label] of bar.ticks) {
      const tick = el("span", { className: "tick" }, label);
      tick.style.bottom = 100 * f + "%";
      ticks.append(tick);
    }
    const box = el("figure", { className: "colorbar" });
    box.append(strip, ticks, el("figcaption", {}, bar.label));
    return box;
  }

  // Tick labels are placed absolutely: give their column the widest one's width.
  function fitTicks(box) {
    for (const ticks of box.querySelectorAll(".ticks")) {
      ticks.style.width = Math.max(0, ...[...ticks.children].map((e) => e.offsetWidth)) + "px";
    }
  }

  // --- facts -----------------------------------------------------------------
  // A tile's facts: its facet values, rows drawn, rows dropped from it and why (if any).
  function describe(t) {
    const lines = t.facets.map(([k, v]) => k + " = " + v);
    lines.push("rows drawn: " + t.rows.toLocaleString("en"));
    if (t.dropped) lines.push("dropped " + t.dropped); // "dropped 12: 10 ..., 2 ..."
    lines.push("tile: " + t.id);
    return lines.join("\n");
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.assign(e, attrs || {});
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function select(t) {
    selected = t;
    info.hidden = !t;
    if (!t) return;
    info.replaceChildren();
    const close = el("button", { className: "close", title: "close" }, "×");
    close.onclick = () => { select(null); redraw(); };
    info.append(close, el("strong", {}, t.title || t.id));
    const table = el("table");
    const row = (k, v) => {
      const tr = el("tr");
      tr.append(el("td", {}, k), el("td", {}, v));
      table.append(tr);
    };
    t.facets.forEach(([k, v]) => row(k, String(v)));
    row("rows drawn", t.rows.toLocaleString("en"));
    // rows of this tile left out for a category or a number ("12: 10 ..., 2 ...")
    row("dropped here", t.dropped || "none");
    const dropped = Object.entries(DATA.dropped);
    // and the grid's: a row without a facet value (or one not in the order) has no tile
    row("dropped", (dropped.length
      ? dropped.map(([k, n]) => n.toLocaleString("en") + " " + k.replace(/_/g, " ")).join(", ")
      : "none") + " (whole grid)");
    row("tile", t.id);
    info.append(table);
    if (t.colorbar) info.append(colorbarElement(t.colorbar));
    const links = el("div");
    const save = el("a", { href: IMAGES["0/" + t.id], download: t.id + ".png" }, "save PNG");
    if (BESIDE_RESULTS) {
      links.append(
        el("a", { href: t.png, target: "_blank" }, "PNG"), " · ", save, " · ",
        el("a", { href: t.log, target: "_blank" }, "log"),
      );
    } else links.append(save);
    info.append(links);
    fitTicks(info);
  }

  function applyFilter() {
    const q = find.value.trim().toLowerCase();
    matches = q
      ? new Set(DATA.tiles.filter((t) => t.id.includes(q) || describe(t).toLowerCase().includes(q)))
      : null;
    document.getElementById("count").textContent = matches ? matches.size + " of " + DATA.tiles.length + " tiles" : DATA.tiles.length + " tiles";
    redraw();
  }

  function jump() {
    const list = matches ? DATA.tiles.filter((t) => matches.has(t)) : [];
    const exact = byId.get(find.value.trim()) || DATA.tiles.find((t) => t.title === find.value.trim());
    const next = exact || list[(list.indexOf(selected) + 1) % list.length];
    if (next) showTile(next);
  }

  // --- events --------------------------------------------------------------
  let drag = null;
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    zoom(Math.pow(1.0015, -e.deltaY), e.offsetX, e.offsetY);
  }, { passive: false });
  canvas.addEventListener("mousedown", (e) => {
    drag = { x: e.clientX, y: e.clientY, moved: false };
    canvas.classList.add("dragging");
  });
  window.addEventListener("mouseup", (e) => {
    if (drag && !drag.moved && e.target === canvas) {
      select(tileAt(e.offsetX, e.offsetY));
      redraw();
    }
    drag = null;
    canvas.classList.remove("dragging");
  });
  window.addEventListener("mousemove", (e) => {
    if (drag) {
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
      view.x += dx;
      view.y += dy;
      drag.x = e.clientX;
      drag.y = e.clientY;
      redraw();
    }
    const t = e.target === canvas && !drag ? tileAt(e.offsetX, e.offsetY) : null;
    hover.hidden = !t;
    if (t) {
      hover.textContent = describe(t);
      hover.style.left = e.offsetX + 14 + "px";
      hover.style.top = e.offsetY + 14 + "px";
    }
  });
  canvas.addEventListener("mouseleave", () => { hover.hidden = true; });
  canvas.addEventListener("dblclick", (e) => zoom(2, e.offsetX, e.offsetY));
  find.addEventListener("input", applyFilter);
  find.addEventListener("keydown", (e) => { if (e.key === "Enter") jump(); });
  window.addEventListener("keydown", (e) => {
    if (e.target === find) return;
    const { w, h } = size();
    if (e.key === "0") fitAll();
    if (e.key === "+" || e.key === "=") zoom(2, w / 2, h / 2);
    if (e.key === "-") zoom(0.5, w / 2, h / 2);
  });
  window.addEventListener("resize", redraw);

  // --- start -------------------------------------------------------------------
  const names = document.getElementById("names");
  for (const t of DATA.tiles) names.append(el("option", { value: t.id }));
  if (DATA.legend) {
    const box = document.getElementById("legend");
    box.append(el("strong", {}, DATA.legend.title));
    DATA.legend.labels.forEach((label, i) => {
      const line = el("div");
      line.append(el("i", { style: "background:" + DATA.legend.colors[i] }), label);
      box.append(line);
    });
    box.hidden = false;
  }
  if (DATA.colorbars.length) {
    const box = document.getElementById("colorbars");
    box.append(...DATA.colorbars.map(colorbarElement));
    box.hidden = false;
    fitTicks(box);
  }
  window.tilegridViewer = {
    ready: false,
    showTile: (id, scale) => showTile(byId.get(id), scale),
    fitAll,
    tileBox: (id) => { // in page pixels
      const b = tileBox(byId.get(id)), r = canvas.getBoundingClientRect();
      return { x: b.x + r.left, y: b.y + r.top, w: b.w, h: b.h };
    },
    view: () => ({ ...view }),
  };
  applyFilter();
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("tile");
  if (fromHash && byId.has(fromHash)) showTile(byId.get(fromHash));
  else fitAll();
})();
