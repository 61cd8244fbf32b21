// Website page (and the public share page): date range, summary cards, traffic chart,
// metric tables, events, active visitors and a page filter, all from the v1 JSON API.
"use strict";

(function () {
  const U = window.Umami;
  const h = U.h;
  const body = document.body;
  const websiteId = body.dataset.websiteId;
  const shareId = body.dataset.shareId || null;
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const HOUR = 3600000;
  const ACTIVE_REFRESH_MS = 30000;
  const TOP_ROWS = 10;
  const EVENT_SERIES = 6;

  const rangeSelect = document.getElementById("range");
  const customForm = document.getElementById("custom-range");
  const state = { range: "24h", customStart: null, customEnd: null, url: null };
  let generation = 0; // answers to an older selection are dropped

  // ---- dates (browser local time, which is `tz`) ----

  const pad = (n) => String(n).padStart(2, "0");
  const dayKey = (d) => d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  const startOfDay = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const addDays = (d, days) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + days);
  const endOf = (nextStart) => new Date(nextStart.getTime() - 1);

  function parseDay(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
  }

  // Returns {start, end, unit} for the selected range; end is inclusive.
  function currentRange() {
    const now = new Date();
    const today = startOfDay(now);
    switch (state.range) {
      case "today":
        return { start: today, end: endOf(addDays(today, 1)), unit: "hour" };
      case "week": {
        const monday = addDays(today, -((today.getDay() + 6) % 7));
        return { start: monday, end: endOf(addDays(monday, 7)), unit: "day" };
      }
      case "7d":
        return { start: addDays(today, -6), end: endOf(addDays(today, 1)), unit: "day" };
      case "30d":
        return { start: addDays(today, -29), end: endOf(addDays(today, 1)), unit: "day" };
      case "90d":
        return { start: addDays(today, -89), end: endOf(addDays(today, 1)), unit: "day" };
      case "month": {
        const first = new Date(now.getFullYear(), now.getMonth(), 1);
        return { start: first, end: endOf(new Date(now.getFullYear(), now.getMonth() + 1, 1)), unit: "day" };
      }
      case "year":
        return { start: new Date(now.getFullYear(), 0, 1), end: endOf(new Date(now.getFullYear() + 1, 0, 1)), unit: "month" };
      case "custom": {
        const start = state.customStart;
        const end = endOf(addDays(state.customEnd, 1));
        const days = Math.round((addDays(state.customEnd, 1) - start) / 86400000);
        return { start, end, unit: days <= 2 ? "hour" : days <= 92 ? "day" : "month" };
      }
      default: { // last 24 hours, by hour: the current hour and the 23 before it
        const hour = new Date(now.getFullYear(), now.getMonth(), now.getDate(), now.getHours());
        return { start: new Date(hour.getTime() - 23 * HOUR), end: new Date(hour.getTime() + HOUR - 1), unit: "hour" };
      }
    }
  }

  // Returns the chart buckets of a range; keys match the API's `t` labels.
  function bucketsOf(range) {
    const list = [];
    const seen = new Set();
    let d = range.start;
    while (d <= range.end) {
      let key, label, title, next;
      if (range.unit === "hour") {
        key = dayKey(d) + " " + pad(d.getHours()) + ":00:00";
        label = d.toLocaleTimeString(undefined, { hour: "numeric" });
        title = d.toLocaleString(undefined, { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
        next = new Date(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours() + 1);
        if (next <= d) next = new Date(d.getTime() + HOUR); // a DST gap
      } else if (range.unit === "day") {
        key = dayKey(d);
        label = d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
        title = d.toLocaleDateString(undefined, { weekday: "short", year: "numeric", month: "short", day: "numeric" });
        next = addDays(d, 1);
      } else {
        key = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-01";
        label = d.toLocaleDateString(undefined, { month: "short" });
        title = d.toLocaleDateString(undefined, { year: "numeric", month: "long" });
        next = new Date(d.getFullYear(), d.getMonth() + 1, 1);
      }
      if (!seen.has(key)) {
        seen.add(key);
        list.push({ key, label, title });
      }
      d = next;
    }
    return list;
  }

  function rangeText(range) {
    const opts = { year: "numeric", month: "short", day: "numeric" };
    const from = range.start.toLocaleDateString(undefined, opts);
    const to = range.end.toLocaleDateString(undefined, opts);
    const span = range.unit === "hour" && state.range === "24h"
      ? range.start.toLocaleString(undefined, Object.assign({ hour: "numeric", minute: "2-digit" }, opts)) +
        " – " + range.end.toLocaleString(undefined, Object.assign({ hour: "numeric", minute: "2-digit" }, opts))
      : from === to ? from : from + " – " + to;
    return span + " · " + tz;
  }

  // ---- URL state: ?range=7d&url=/pricing (custom: &start=YYYY-MM-DD&end=YYYY-MM-DD) ----

  function readLocation() {
    const params = new URLSearchParams(location.search);
    const range = params.get("range");
    if (range && [...rangeSelect.options].some((o) => o.value === range)) state.range = range;
    if (state.range === "custom") {
      state.customStart = parseDay(params.get("start"));
      state.customEnd = parseDay(params.get("end"));
      if (!state.customStart || !state.customEnd || state.customEnd < state.customStart) state.range = "24h";
    }
    state.url = params.get("url") || null;
  }

  function writeLocation() {
    const params = new URLSearchParams();
    if (state.range !== "24h") params.set("range", state.range);
    if (state.range === "custom") {
      params.set("start", dayKey(state.customStart));
      params.set("end", dayKey(state.customEnd));
    }
    if (state.url) params.set("url", state.url);
    const search = params.toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
  }

  // ---- API ----

  function statsPath(route, params) {
    return "/website/" + encodeURIComponent(websiteId) + "/" + route + U.query(params);
  }

  function rangeParams(start, end) {
    return { start_at: start.getTime(), end_at: end.getTime(), url: state.url };
  }

  // ---- summary cards ----

  function summary(stats) {
    const bounces = Math.min(stats.uniques, stats.bounces);
    return {
      pageviews: stats.pageviews,
      visitors: stats.uniques,
      bounce: stats.uniques ? (bounces / stats.uniques) * 100 : 0,
      time: stats.pageviews - stats.bounces > 0 ? stats.totaltime / (stats.pageviews - stats.bounces) : 0,
      hasData: stats.pageviews > 0,
    };
  }

  const CARD_FORMAT = { pageviews: U.number, visitors: U.number, bounce: U.percent, time: U.duration };
  const LOWER_IS_BETTER = { bounce: true };

  function renderCards(now, before) {
    const current = summary(now);
    const previous = summary(before);
    for (const card of document.querySelectorAll("[data-stat]")) {
      const key = card.dataset.stat;
      card.classList.remove("is-loading");
      card.querySelector(".stat-value").textContent = CARD_FORMAT[key](current[key]);
      const change = card.querySelector(".stat-change");
      change.className = "stat-change";
      if (!previous.hasData || !current.hasData) {
        change.textContent = "–";
        change.title = previous.hasData ? "No data in this period" : "No data in the previous period";
        continue;
      }
      // Bounce rate changes in percentage points; the others relative to the previous period.
      const delta = key === "bounce" ? current[key] - previous[key]
        : previous[key] ? ((current[key] - previous[key]) / previous[key]) * 100 : 0;
      const rounded = Math.round(delta);
      const unit = key === "bounce" ? " pts" : "%";
      change.textContent = rounded === 0 ? "No change" : (rounded > 0 ? "↑ " : "↓ ") + Math.abs(rounded) + unit;
      change.title = "Previous period: " + CARD_FORMAT[key](previous[key]);
      if (rounded !== 0) {
        change.classList.add(rounded > 0 ? "up" : "down");
        change.classList.add((rounded > 0) !== Boolean(LOWER_IS_BETTER[key]) ? "good" : "bad");
      }
    }
  }

  function cardsLoading() {
    for (const card of document.querySelectorAll("[data-stat]")) card.classList.add("is-loading");
  }

  function cardsError(message) {
    for (const card of document.querySelectorAll("[data-stat]")) {
      card.classList.remove("is-loading");
      card.querySelector(".stat-value").textContent = "–";
      card.querySelector(".stat-change").textContent = message;
    }
  }

  // ---- traffic chart ----

  function seriesValues(buckets, points) {
    const byKey = new Map(points.map((p) => [p.t, p.y]));
    return buckets.map((b) => byKey.get(b.key) || 0);
  }

  function renderTraffic(range, data) {
    const buckets = bucketsOf(range);
    const views = seriesValues(buckets, data.pageviews);
    const visitors = seriesValues(buckets, data.sessions);
    window.UmamiChart.draw(document.getElementById("traffic-chart"), {
      buckets,
      series: [
        { key: "views", name: "views", className: "bar-views", values: views },
        { key: "visitors", name: "visitors", className: "bar-visitors", values: visitors },
      ],
      height: window.matchMedia("(max-width: 640px)").matches ? 200 : 260,
      summary: "Views and visitors by " + range.unit,
      emptyText: "No visits in this period",
    });
  }

  function renderEventsChart(range, points) {
    const container = document.getElementById("events-chart");
    if (!points.length) {
      container.hidden = true;
      return;
    }
    container.hidden = false;
    const buckets = bucketsOf(range);
    const totalsByName = new Map();
    for (const p of points) totalsByName.set(p.x, (totalsByName.get(p.x) || 0) + p.y);
    const names = [...totalsByName.keys()].sort((a, b) => totalsByName.get(b) - totalsByName.get(a) || (a < b ? -1 : 1));
    const shown = names.slice(0, EVENT_SERIES - 1);
    const rest = names.length > EVENT_SERIES - 1 ? names.slice(EVENT_SERIES - 1) : [];
    const series = shown.map((name, i) => ({
      key: "s" + i, name, className: "bar-s" + i,
      values: seriesValues(buckets, points.filter((p) => p.x === name)),
    }));
    if (rest.length) {
      const others = new Set(rest);
      const merged = new Map();
      for (const p of points) if (others.has(p.x)) merged.set(p.t, (merged.get(p.t) || 0) + p.y);
      series.push({ key: "s" + shown.length, name: "other events", className: "bar-s" + shown.length,
        values: buckets.map((b) => merged.get(b.key) || 0) });
    }
    window.UmamiChart.draw(container, { buckets, series, stacked: true, legend: true, height: 150, summary: "Events by " + range.unit });
  }

  // ---- metric tables ----

  let languageNames = null;
  try {
    languageNames = new Intl.DisplayNames(["en"], { type: "language" });
  } catch (err) {
    languageNames = null;
  }

  const LABELS = {
    country: (x) => (window.UmamiCountries && window.UmamiCountries[x]) || x,
    language: (x) => {
      try {
        return (languageNames && languageNames.of(x)) || x;
      } catch (err) {
        return x; // not a valid language tag
      }
    },
    device: (x) => x.charAt(0).toUpperCase() + x.slice(1),
    event: (x) => {
      const i = x.indexOf(":");
      return i > 0 && x.slice(0, i) === "custom" ? x.slice(i + 1) : x;
    },
  };

  function metricRow(label, value, total, options) {
    const share = total ? (value / total) * 100 : 0;
    const text = options.onSelect
      ? h("button", { type: "button", class: "row-link", title: label, onclick: options.onSelect }, label)
      : h("span", { class: "label-text", title: options.title || label }, options.prefix || null, label);
    return h("tr", { class: options.child ? "child" : null, hidden: options.hidden },
      h("td", { class: "label" }, h("span", { class: "bar", style: { width: share.toFixed(1) + "%" } }), text),
      h("td", { class: "num" }, U.number(value)),
      h("td", { class: "pct" }, U.percent(share)));
  }

  // What a metric's numbers count: /metrics counts pageviews of pages and referrers,
  // events of events, and visitors (sessions) of every other type.
  const COUNTED = { url: "Views", referrer: "Views", event: "Events" };

  function table(label, rows, metric) {
    return h("table", { class: "metric-table" },
      h("thead", {}, h("tr", {}, h("th", {}, label),
        h("th", { class: "num" }, COUNTED[metric] || "Visitors"), h("th", { class: "pct" }, h("span", { class: "visually-hidden" }, "Share")))),
      h("tbody", {}, rows));
  }

  // Shows the top rows; a button reveals the rest.
  function withMore(box, label, rows, metric) {
    const hiddenRows = rows.slice(TOP_ROWS);
    hiddenRows.forEach((r) => { r.hidden = true; });
    const children = [table(label, rows, metric)];
    if (hiddenRows.length) {
      const button = h("button", { type: "button", class: "btn-link", "aria-expanded": "false" },
        "Show all " + rows.length);
      button.addEventListener("click", () => {
        const open = button.getAttribute("aria-expanded") !== "true";
        hiddenRows.forEach((r) => { r.hidden = !open; });
        button.setAttribute("aria-expanded", String(open));
        button.textContent = open ? "Show top " + TOP_ROWS : "Show all " + rows.length;
      });
      children.push(h("div", { class: "more-row" }, button));
    }
    U.replace(box, children);
  }

  function renderMetric(panel, data) {
    const metric = panel.dataset.metric;
    const box = panel.querySelector(".metric-body");
    const label = panel.dataset.label;
    if (!data.length) {
      U.replace(box, U.empty("No data", metric === "event" ? "No events in this period." : ""));
      return;
    }
    if (metric === "referrer") return renderReferrers(box, label, data);
    const total = data.reduce((sum, row) => sum + row.y, 0);
    const format = LABELS[metric] || ((x) => x);
    const rows = data.map((row) => metricRow(format(row.x), row.y, total, {
      title: row.x,
      onSelect: metric === "url" ? () => setUrlFilter(row.x) : null,
    }));
    withMore(box, label, rows, metric);
  }

  function referrerDomain(url) {
    try {
      return new URL(url).hostname.replace(/^www\./, "") || url;
    } catch (err) {
      return url;
    }
  }

  // Referrers grouped by domain; each domain row expands to its full URLs.
  function renderReferrers(box, label, data) {
    const groups = new Map();
    for (const row of data) {
      const domain = referrerDomain(row.x);
      if (!groups.has(domain)) groups.set(domain, { domain, y: 0, urls: [] });
      const group = groups.get(domain);
      group.y += row.y;
      group.urls.push(row);
    }
    const sorted = [...groups.values()].sort((a, b) => b.y - a.y || (a.domain < b.domain ? -1 : 1));
    const total = sorted.reduce((sum, g) => sum + g.y, 0);
    const rows = [];
    const topRows = [];
    for (const group of sorted) {
      const children = group.urls.map((u) => metricRow(u.x, u.y, total, { child: true, hidden: true, title: u.x }));
      const toggle = h("button", { type: "button", class: "row-link", "aria-expanded": "false",
        title: "Show the pages of " + group.domain + " that linked here" },
      h("span", { class: "caret", "aria-hidden": "true" }, "›"), " ", group.domain);
      toggle.addEventListener("click", () => {
        const open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", String(open));
        children.forEach((c) => { c.hidden = !open; });
      });
      const share = total ? (group.y / total) * 100 : 0;
      const top = h("tr", {},
        h("td", { class: "label" }, h("span", { class: "bar", style: { width: share.toFixed(1) + "%" } }), toggle),
        h("td", { class: "num" }, U.number(group.y)),
        h("td", { class: "pct" }, U.percent(share)));
      topRows.push(top);
      rows.push(top, ...children);
    }
    U.replace(box, table(label, rows, "referrer"));
    // Past the top domains, hide whole groups behind "Show all".
    const extra = topRows.slice(TOP_ROWS);
    if (extra.length) {
      extra.forEach((r) => { r.hidden = true; });
      const button = h("button", { type: "button", class: "btn-link" }, "Show all " + topRows.length);
      button.addEventListener("click", () => {
        extra.forEach((r) => { r.hidden = false; });
        button.remove();
      });
      box.append(h("div", { class: "more-row" }, button));
    }
  }

  // ---- the page filter ----

  function setUrlFilter(url) {
    state.url = url;
    writeLocation();
    load();
    document.getElementById("clear-filter").focus();
  }

  document.getElementById("clear-filter").addEventListener("click", () => {
    state.url = null;
    writeLocation();
    load();
    rangeSelect.focus();
  });

  function renderFilter() {
    document.getElementById("filter-bar").hidden = !state.url;
    document.getElementById("filter-url").textContent = state.url || "";
  }

  // ---- loading everything for the current selection ----

  const panels = [...document.querySelectorAll(".metric[data-metric]")];

  async function load() {
    const mine = ++generation;
    const range = currentRange();
    const span = range.end.getTime() - range.start.getTime() + 1;
    const params = rangeParams(range.start, range.end);
    const previous = rangeParams(new Date(range.start.getTime() - span), new Date(range.start.getTime() - 1));
    const series = Object.assign({ unit: range.unit, tz }, params);
    document.getElementById("range-label").textContent = rangeText(range);
    renderFilter();
    cardsLoading();
    for (const panel of panels) U.replace(panel.querySelector(".metric-body"), U.loading());
    const traffic = document.getElementById("traffic-chart");
    if (!traffic.firstChild) U.replace(traffic, U.loading("Loading chart…"));
    traffic.setAttribute("aria-busy", "true");

    const current = (fn) => (value) => { if (mine === generation) fn(value); };

    const jobs = [
      Promise.all([U.get(statsPath("stats", params)), U.get(statsPath("stats", previous))])
        .then(current(([now, before]) => renderCards(now, before)), current((err) => cardsError(err.message))),
      U.get(statsPath("pageviews", series)).then(current((data) => renderTraffic(range, data)),
        current((err) => U.replace(traffic, U.errorBox("Could not load the chart: " + err.message))))
        .finally(current(() => traffic.setAttribute("aria-busy", "false"))),
      U.get(statsPath("events", series)).then(current((data) => renderEventsChart(range, data)),
        current(() => { document.getElementById("events-chart").hidden = true; })),
    ];
    for (const panel of panels) {
      jobs.push(U.get(statsPath("metrics", Object.assign({ type: panel.dataset.metric }, params)))
        .then(current((data) => renderMetric(panel, data)),
          current((err) => U.replace(panel.querySelector(".metric-body"), U.errorBox(err.message)))));
    }
    await Promise.allSettled(jobs);
    if (mine === generation) body.dataset.loaded = String(mine);
  }

  async function refreshActive() {
    try {
      const data = await U.get(statsPath("active", {}));
      const count = (data[0] && data[0].x) || 0;
      U.replace(document.getElementById("active"), h("b", {}, U.number(count)),
        count === 1 ? " current visitor" : " current visitors");
    } catch (err) {
      U.replace(document.getElementById("active"), "Current visitors unavailable");
    }
  }

  // ---- controls ----

  function showCustom(show) {
    customForm.hidden = !show;
    if (show) {
      const today = dayKey(new Date());
      customForm.querySelector("#custom-start").value = state.customStart ? dayKey(state.customStart) : today;
      customForm.querySelector("#custom-end").value = state.customEnd ? dayKey(state.customEnd) : today;
      customForm.querySelector("#custom-start").max = today;
    }
  }

  rangeSelect.addEventListener("change", () => {
    U.showError(document.getElementById("range-error"), "");
    if (rangeSelect.value === "custom") {
      showCustom(true);
      customForm.querySelector("#custom-start").focus();
      return;
    }
    showCustom(false);
    state.range = rangeSelect.value;
    writeLocation();
    load();
  });

  customForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const start = parseDay(customForm.querySelector("#custom-start").value);
    const end = parseDay(customForm.querySelector("#custom-end").value);
    const error = document.getElementById("range-error");
    if (!start || !end) return U.showError(error, "Pick both a start and an end date.");
    if (end < start) return U.showError(error, "The end date is before the start date.");
    U.showError(error, "");
    Object.assign(state, { range: "custom", customStart: start, customEnd: end });
    writeLocation();
    load();
  });

  async function start() {
    readLocation();
    rangeSelect.value = state.range;
    showCustom(state.range === "custom");
    if (shareId) {
      try {
        const share = await U.get("/share/" + encodeURIComponent(shareId));
        U.state.shareToken = share.token;
      } catch (err) {
        U.replace(document.getElementById("main"), U.errorBox("This share link does not work: " + err.message));
        return;
      }
    }
    load();
    refreshActive();
    setInterval(() => {
      if (!document.hidden) refreshActive();
    }, ACTIVE_REFRESH_MS);
  }

  start();
})();
