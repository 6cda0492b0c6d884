/* aekit latent-space explorer: a 2-D map of codes on a canvas, no dependencies.
 *
 * Each div.aekit-explorer holds its data as JSON in a script.explorer-data element (written by
 * aekit/viz/explorer.py). Drag to pan, wheel to zoom, double-click to reset; hover a dot for its
 * row, label, fields (reconstruction error, ...) and image; click a legend entry to hide its
 * class. The static PNG inside the div stays for printing and for browsers without scripts.
 */
(function () {
  "use strict";

  var SPAN = 10000;        // coordinates arrive as integers in [0, SPAN], aspect kept
  var RADIUS = 3;          // dot radius, CSS px (4 for a few hundred dots, 2.5 for thousands)
  var HIT = 9;             // hover distance, CSS px
  var MAX_HEIGHT = 560;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(value) {
    if (value === null || value === undefined) return "n/a";
    if (typeof value !== "number") return String(value);
    if (Number.isInteger(value)) return String(value);
    var a = Math.abs(value);
    return (a !== 0 && (a < 1e-3 || a >= 1e5)) ? value.toExponential(3) : String(+value.toPrecision(4));
  }

  function Explorer(root) {
    this.root = root;
    this.data = JSON.parse(root.querySelector("script.explorer-data").textContent);
    this.n = this.data.c.length;
    this.radius = this.n <= 1000 ? RADIUS + 1 : this.n <= 3000 ? RADIUS : RADIUS - 0.5;
    this.mapIndex = 0;
    this.hidden = {};
    this.rings = !!this.data.flag;
    this.hover = -1;
    this.plotted = 0;
    this.sprite = null;
    this.build();
    this.resetView();
    this.resize();
    if (this.data.images) this.loadSprite();
    var self = this;
    window.addEventListener("resize", function () { self.resize(); });
  }

  Explorer.prototype.build = function () {
    var d = this.data, self = this;
    var app = el("div", "explorer-app");
    if (d.title) app.appendChild(el("div", "explorer-title", d.title));
    var bar = el("div", "explorer-bar");
    if (d.maps.length > 1) {
      this.tabs = d.maps.map(function (m, i) {
        var tab = el("button", "explorer-tab", m.name);
        tab.type = "button";
        tab.addEventListener("click", function () { self.showMap(i); });
        bar.appendChild(tab);
        return tab;
      });
    }
    var reset = el("button", "explorer-reset", "Reset view");
    reset.type = "button";
    reset.addEventListener("click", function () { self.resetView(); self.draw(); });
    bar.appendChild(reset);
    bar.appendChild(el("span", "explorer-hint", "drag to pan \u00b7 wheel to zoom \u00b7 double-click to reset"));
    app.appendChild(bar);
    if (d.note) app.appendChild(el("p", "explorer-note", d.note));

    var body = el("div", "explorer-body");
    this.stage = el("div", "explorer-stage");
    this.canvas = el("canvas", "explorer-canvas");
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", "Interactive map of the codes: " + this.n + " points");
    this.tip = el("div", "explorer-tip");
    this.tip.hidden = true;
    this.stage.appendChild(this.canvas);
    this.stage.appendChild(this.tip);
    this.axis = el("div", "explorer-axis");
    this.stage.appendChild(this.axis);
    body.appendChild(this.stage);
    body.appendChild(this.buildLegend());
    app.appendChild(body);
    this.root.insertBefore(app, this.root.firstChild);
    this.root.classList.add("live");
    this.listen();
    this.showMap(0);
  };

  Explorer.prototype.buildLegend = function () {
    var d = this.data, self = this;
    var legend = el("div", "explorer-legend");
    legend.appendChild(el("div", "explorer-legend-title", d.colour_by));
    if (d.groups) {
      var counts = d.groups.map(function () { return 0; });
      d.c.forEach(function (g) { counts[g] += 1; });
      this.legendItems = d.groups.map(function (name, g) {
        var item = el("button", "explorer-item");
        item.type = "button";
        item.setAttribute("aria-pressed", "true");
        var swatch = el("span", "explorer-swatch");
        swatch.style.background = d.palette[g];
        item.appendChild(swatch);
        item.appendChild(el("span", "explorer-name", name));
        item.appendChild(el("span", "explorer-count", counts[g].toLocaleString("en")));
        item.title = "click to hide or show " + d.colour_by + " " + name;
        item.addEventListener("click", function () { self.toggle(g); });
        legend.appendChild(item);
        return item;
      });
      var all = el("button", "explorer-all", "show all");
      all.type = "button";
      all.addEventListener("click", function () { self.hidden = {}; self.syncLegend(); self.draw(); });
      legend.appendChild(all);
    } else if (d.ramp) {
      var ramp = el("div", "explorer-ramp");
      ramp.style.background = "linear-gradient(to right," + d.palette.join(",") + ")";
      legend.appendChild(ramp);
      var ends = el("div", "explorer-ramp-ends");
      ends.appendChild(el("span", "", d.ramp.low));
      ends.appendChild(el("span", "", d.ramp.high));
      legend.appendChild(ends);
    }
    if (d.flag) {
      var n = d.flag.on.reduce(function (a, b) { return a + b; }, 0);
      var flag = el("button", "explorer-item explorer-flag");
      flag.type = "button";
      flag.setAttribute("aria-pressed", "true");
      flag.appendChild(el("span", "explorer-ring"));
      flag.appendChild(el("span", "explorer-name", d.flag.name));
      flag.appendChild(el("span", "explorer-count", n.toLocaleString("en")));
      flag.title = "click to hide or show the rings";
      flag.addEventListener("click", function () {
        self.rings = !self.rings;
        flag.setAttribute("aria-pressed", String(self.rings));
        self.draw();
      });
      legend.appendChild(flag);
    }
    return legend;
  };

  Explorer.prototype.toggle = function (g) {
    if (this.hidden[g]) delete this.hidden[g]; else this.hidden[g] = true;
    this.syncLegend();
    this.hideTip();
    this.draw();
  };

  Explorer.prototype.syncLegend = function () {
    var hidden = this.hidden;
    (this.legendItems || []).forEach(function (item, g) {
      item.setAttribute("aria-pressed", String(!hidden[g]));
    });
  };

  Explorer.prototype.showMap = function (i) {
    this.mapIndex = i;
    this.map = this.data.maps[i];
    this.box = bounds(this.map);
    (this.tabs || []).forEach(function (tab, j) { tab.setAttribute("aria-pressed", String(i === j)); });
    var m = this.map;
    this.axis.textContent = m.name + (m.dims ? " (" + m.dims + "-D codes)" : "") + ": " + (m.dims === 1 ?
      "the code (right), random jitter (up)" : m.axis + " 1 (right), " + m.axis + " 2 (up)");
    this.hideTip();
    this.draw();
  };

  Explorer.prototype.resetView = function () {
    this.zoom = 1;
    this.panX = 0;
    this.panY = 0;
  };

  Explorer.prototype.resize = function () {
    var width = Math.max(240, Math.floor(this.stage.clientWidth || 640));
    var height = Math.min(MAX_HEIGHT, Math.round(width * 0.8));
    var ratio = window.devicePixelRatio || 1;
    this.width = width;
    this.height = height;
    this.canvas.style.width = width + "px";
    this.canvas.style.height = height + "px";
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.ratio = ratio;
    this.draw();
  };

  function bounds(map) {
    var box = { x0: SPAN, x1: 0, y0: SPAN, y1: 0 };
    for (var i = 0; i < map.x.length; i++) {
      box.x0 = Math.min(box.x0, map.x[i]); box.x1 = Math.max(box.x1, map.x[i]);
      box.y0 = Math.min(box.y0, map.y[i]); box.y1 = Math.max(box.y1, map.y[i]);
    }
    return box;
  }

  // Data -> CSS px of the canvas: the points' box fills the canvas (one scale for both axes,
  // so a PCA map keeps its aspect), then zoom and pan about the centre.
  Explorer.prototype.toScreen = function (i) {
    var b = this.box, pad = 16;
    var unit = Math.min((this.width - 2 * pad) / Math.max(1, b.x1 - b.x0),
                        (this.height - 2 * pad) / Math.max(1, b.y1 - b.y0)) * this.zoom;
    var x = (this.map.x[i] - (b.x0 + b.x1) / 2) * unit, y = ((b.y0 + b.y1) / 2 - this.map.y[i]) * unit;
    return [this.width / 2 + this.panX + x, this.height / 2 + this.panY + y];
  };

  Explorer.prototype.visible = function (i) {
    return !this.hidden[this.data.c[i]];
  };

  Explorer.prototype.draw = function () {
    if (!this.map || !this.width) return;
    var ctx = this.canvas.getContext("2d"), d = this.data, w = this.width, h = this.height, r = this.radius;
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.globalAlpha = 0.8;
    var count = 0, flagged = [];
    for (var i = 0; i < this.n; i++) {
      if (!this.visible(i)) continue;
      var p = this.toScreen(i);
      if (p[0] < -r || p[1] < -r || p[0] > w + r || p[1] > h + r) continue;
      count += 1;
      ctx.fillStyle = d.palette[d.c[i]];
      ctx.beginPath();
      ctx.arc(p[0], p[1], r, 0, 2 * Math.PI);
      ctx.fill();
      if (this.rings && d.flag.on[i]) flagged.push(p);
    }
    ctx.globalAlpha = 1;
    if (flagged.length) {
      ctx.strokeStyle = "#d62728";
      ctx.lineWidth = 1.5;
      flagged.forEach(function (q) {
        ctx.beginPath();
        ctx.arc(q[0], q[1], r + 2.5, 0, 2 * Math.PI);
        ctx.stroke();
      });
    }
    if (this.hover >= 0 && this.visible(this.hover)) {
      var q = this.toScreen(this.hover);
      ctx.strokeStyle = "#111";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(q[0], q[1], r + 3, 0, 2 * Math.PI);
      ctx.stroke();
    }
    this.plotted = count;
    this.canvas.setAttribute("data-plotted", String(count));
  };

  Explorer.prototype.nearest = function (x, y) {
    var best = -1, bestDist = HIT * HIT;
    for (var i = 0; i < this.n; i++) {
      if (!this.visible(i)) continue;
      var p = this.toScreen(i), dx = p[0] - x, dy = p[1] - y, dist = dx * dx + dy * dy;
      if (dist <= bestDist) { best = i; bestDist = dist; }
    }
    return best;
  };

  Explorer.prototype.local = function (event) {
    var box = this.canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };

  Explorer.prototype.listen = function () {
    var self = this, canvas = this.canvas, drag = null;
    canvas.addEventListener("pointerdown", function (event) {
      drag = { x: event.clientX, y: event.clientY, panX: self.panX, panY: self.panY };
      if (canvas.setPointerCapture && event.pointerId !== undefined) {
        try { canvas.setPointerCapture(event.pointerId); } catch (e) { /* synthetic event */ }
      }
      canvas.classList.add("dragging");
    });
    canvas.addEventListener("pointermove", function (event) {
      if (drag) {
        self.panX = drag.panX + event.clientX - drag.x;
        self.panY = drag.panY + event.clientY - drag.y;
        self.hideTip();
        self.draw();
        return;
      }
      var at = self.local(event);
      self.showTip(self.nearest(at[0], at[1]), at);
    });
    function endDrag() { drag = null; canvas.classList.remove("dragging"); }
    canvas.addEventListener("pointerup", endDrag);
    canvas.addEventListener("pointercancel", endDrag);
    canvas.addEventListener("pointerleave", function () { if (!drag) self.hideTip(); });
    canvas.addEventListener("wheel", function (event) {
      event.preventDefault();
      var at = self.local(event);
      var factor = Math.exp(-event.deltaY * 0.0015);
      var zoom = Math.min(400, Math.max(0.5, self.zoom * factor));
      factor = zoom / self.zoom;
      // keep the point under the cursor still: centre-relative offsets scale with the zoom
      self.panX = at[0] - self.width / 2 - (at[0] - self.width / 2 - self.panX) * factor;
      self.panY = at[1] - self.height / 2 - (at[1] - self.height / 2 - self.panY) * factor;
      self.zoom = zoom;
      self.hideTip();
      self.draw();
    }, { passive: false });
    canvas.addEventListener("dblclick", function () { self.resetView(); self.draw(); });
  };

  Explorer.prototype.hideTip = function () {
    this.tip.hidden = true;
    if (this.hover !== -1) { this.hover = -1; this.draw(); }
  };

  Explorer.prototype.showTip = function (i, at) {
    if (i < 0) { this.hideTip(); return; }
    var d = this.data, tip = this.tip;
    tip.textContent = "";
    if (this.sprite) tip.appendChild(this.thumbnail(i));
    var lines = el("div", "explorer-lines");
    lines.appendChild(el("div", "explorer-row", d.row_name + " " + d.rows[i]));
    if (d.groups) lines.appendChild(this.line(d.colour_by, d.groups[d.c[i]]));
    var self = this, current = this.map;
    Object.keys(d.fields || {}).forEach(function (name) { lines.appendChild(self.line(name, d.fields[name][i])); });
    // each map's own fields (a model's reconstruction error): every model's, the shown one's first
    [current].concat(d.maps.filter(function (m) { return m !== current; })).forEach(function (m) {
      Object.keys(m.fields || {}).forEach(function (name) {
        var line = self.line(d.maps.length > 1 ? name + " (" + m.name + ")" : name, m.fields[name][i]);
        if (m === current && d.maps.length > 1) line.className += " explorer-current";
        lines.appendChild(line);
      });
    });
    if (d.flag && d.flag.on[i]) lines.appendChild(el("div", "explorer-flagged", d.flag.name));
    tip.appendChild(lines);
    tip.hidden = false;
    var left = at[0] + 14, top = at[1] + 14;
    if (left + tip.offsetWidth > this.width) left = Math.max(0, at[0] - 14 - tip.offsetWidth);
    if (top + tip.offsetHeight > this.height) top = Math.max(0, at[1] - 14 - tip.offsetHeight);
    tip.style.left = left + "px";
    tip.style.top = top + "px";
    if (this.hover !== i) { this.hover = i; this.draw(); }
  };

  Explorer.prototype.line = function (name, value) {
    var line = el("div", "explorer-line");
    line.appendChild(el("span", "explorer-key", name + ": "));
    line.appendChild(el("span", "", fmt(value)));
    return line;
  };

  Explorer.prototype.thumbnail = function (i) {
    var im = this.data.images, scale = im.scale;
    var out = el("canvas", "explorer-thumb");
    out.width = im.w * scale;
    out.height = im.h * scale;
    var ctx = out.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    var col = i % im.cols, row = Math.floor(i / im.cols);
    ctx.drawImage(this.sprite, col * im.w, row * im.h, im.w, im.h, 0, 0, im.w * scale, im.h * scale);
    return out;
  };

  Explorer.prototype.loadSprite = function () {
    var self = this, image = new Image();
    image.onload = function () { self.sprite = image; self.root.setAttribute("data-images", "ready"); };
    image.onerror = function () { console.error("aekit explorer: the thumbnail sheet did not load"); };
    image.src = this.data.images.src;
  };

  // Tests and other scripts reach an explorer through its element.
  Explorer.prototype.screenPoint = function (i) {
    var box = this.canvas.getBoundingClientRect(), p = this.toScreen(i);
    return [box.left + p[0], box.top + p[1]];
  };

  var roots = document.querySelectorAll("div.aekit-explorer");
  for (var k = 0; k < roots.length; k++) {
    try {
      roots[k].aekitExplorer = new Explorer(roots[k]);
    } catch (error) {
      console.error("aekit explorer: " + error);
    }
  }
})();
