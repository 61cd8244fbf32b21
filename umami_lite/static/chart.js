// A small SVG bar chart: overlaid (views behind visitors) or stacked series, a y grid with
// round steps, thinned x labels, and a tooltip on hover and on keyboard focus (arrow keys).
"use strict";

window.UmamiChart = (function () {
  const U = window.Umami;
  const svg = U.svg;
  const MARGIN = { top: 10, right: 8, bottom: 26, left: 44 };

  // Returns a round step (1, 2 or 5 times a power of ten) giving about `count` grid lines,
  // at least `least` (1 for counts; a chart of fractions such as layout shifts passes less).
  function niceStep(max, count, least) {
    const raw = max / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const fraction = raw / power;
    const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
    return Math.max(least, nice * power);
  }

  function totals(spec, index) {
    const values = spec.series.map((s) => s.values[index] || 0);
    return spec.stacked ? values.reduce((a, b) => a + b, 0) : Math.max(0, ...values);
  }

  // spec: {buckets: [{label, title}], series: [{key, name, className, values}], stacked,
  // legend, height, summary, emptyText, format (of axis and tooltip values: U.number),
  // least (the smallest grid step: 1)}
  function draw(container, spec) {
    container.umamiSpec = spec;
    const format = spec.format || U.number;
    const least = spec.least || 1;
    const width = Math.max(280, Math.round(container.clientWidth || 600));
    const height = spec.height || 260;
    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    const n = spec.buckets.length;
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, totals(spec, i));
    const step = niceStep(Math.max(max, least), 4, least);
    const top = Math.max(step, Math.ceil(max / step) * step);
    const y = (value) => MARGIN.top + plotH - (value / top) * plotH;
    const band = plotW / Math.max(n, 1);
    const barW = Math.max(1, Math.min(44, band * 0.72));

    const root = svg("svg", {
      viewBox: "0 0 " + width + " " + height, width, height, tabindex: 0, role: "img",
      "aria-label": spec.summary || "Chart",
    });
    const grid = svg("g", { class: "grid axis" });
    for (let k = 0; k * step <= top * (1 + 1e-9); k++) { // (k * step: no drift of fractions)
      const value = k * step;
      grid.append(
        svg("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(value), y2: y(value) }),
        svg("text", { x: MARGIN.left - 8, y: y(value) + 4, "text-anchor": "end" }, format(value)));
    }
    root.append(grid);

    const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 64))));
    const labels = svg("g", { class: "axis" });
    const buckets = [];
    for (let i = 0; i < n; i++) {
      const x0 = MARGIN.left + i * band;
      const group = svg("g", { class: "bucket", "data-index": i });
      group.append(svg("rect", { class: "hit", x: x0, y: MARGIN.top, width: band, height: plotH, rx: 4 }));
      let base = 0;
      for (const series of spec.series) {
        const value = series.values[i] || 0;
        if (value > 0) {
          const from = spec.stacked ? base : 0;
          group.append(svg("rect", {
            class: series.className, x: x0 + (band - barW) / 2, y: y(from + value),
            width: barW, height: Math.max(1, y(from) - y(from + value)), rx: Math.min(3, barW / 3),
          }));
        }
        base += value;
      }
      buckets.push(group);
      root.append(group);
      if (i % every === 0) {
        labels.append(svg("text", { x: x0 + band / 2, y: height - 8, "text-anchor": "middle" },
          spec.buckets[i].label));
      }
    }
    root.append(labels);

    const tip = U.h("div", { class: "tooltip", hidden: true, role: "presentation" });
    let active = -1;
    function show(index) {
      active = index;
      const bucket = spec.buckets[index];
      U.replace(tip, U.h("b", {}, bucket.title),
        spec.series.map((s) => U.h("div", {}, U.h("i", { class: "key-" + s.key }),
          format(s.values[index] || 0) + " " + s.name)));
      tip.hidden = false;
      const scale = container.clientWidth / width || 1;
      const centre = (MARGIN.left + (index + 0.5) * band) * scale;
      const half = tip.offsetWidth / 2;
      tip.style.left = Math.min(Math.max(centre, half), container.clientWidth - half) + "px";
      tip.style.top = Math.max(0, y(totals(spec, index)) * scale - 8) + "px";
      buckets.forEach((g, i) => g.classList.toggle("is-active", i === index));
    }
    function hide() {
      tip.hidden = true;
      buckets.forEach((g) => g.classList.remove("is-active"));
    }
    root.addEventListener("pointerover", (event) => {
      const group = event.target.closest(".bucket");
      if (group) show(Number(group.dataset.index));
    });
    root.addEventListener("pointerleave", hide);
    root.addEventListener("focus", () => {
      if (n) show(active >= 0 ? active : lastWithData(spec));
    });
    root.addEventListener("blur", hide);
    root.addEventListener("keydown", (event) => {
      const moves = { ArrowLeft: -1, ArrowRight: 1, Home: -n, End: n };
      if (!(event.key in moves) || !n) return;
      event.preventDefault();
      show(Math.min(n - 1, Math.max(0, (active < 0 ? 0 : active) + moves[event.key])));
    });

    const children = [root, tip];
    if (spec.legend) {
      children.unshift(U.h("div", { class: "legend chart-legend" },
        spec.series.map((s) => U.h("span", {}, U.h("i", { class: "key-" + s.key }), s.name))));
    }
    if (max === 0 && spec.emptyText) children.push(U.h("div", { class: "chart-empty" }, spec.emptyText));
    U.replace(container, children);
  }

  function lastWithData(spec) {
    for (let i = spec.buckets.length - 1; i >= 0; i--) if (totals(spec, i) > 0) return i;
    return spec.buckets.length - 1;
  }

  // Charts follow their container's width.
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const container = entry.target;
      const width = Math.round(entry.contentRect.width);
      if (container.umamiSpec && width && width !== container.umamiWidth) {
        container.umamiWidth = width;
        draw(container, container.umamiSpec);
      }
    }
  });

  function chart(container, spec) {
    container.umamiWidth = Math.round(container.clientWidth);
    draw(container, spec);
    observer.observe(container);
  }

  return { draw: chart };
})();
