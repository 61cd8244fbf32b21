// Website page (and the public share page), all from the current JSON API: date range,
// summary cards compared with the previous period, traffic chart in the browser's time zone,
// metric tables, events, active visitors, and filters on every dimension (click any row).
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

  const F = window.UmamiFilters;
  const DIMENSIONS = F.DIMENSIONS;
  const labelOf = F.labelOf;

  const rangeSelect = document.getElementById("range");
  const customForm = document.getElementById("custom-range");
  const utmSelect = document.getElementById("utm-type");
  const state = { range: "24h", customStart: null, customEnd: null };
  // the filters and the saved segment and cohort, also this page's URL parameters
  const selection = F.selection({ websiteId, withSaved: !shareId, fallbackFocus: () => rangeSelect,
    onChange: () => { writeLocation(); load(); } });
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

  // Returns the unit of a custom range: the server raises any unit to year past 24 months.
  function customUnit(start, end) {
    const days = Math.round((end.getTime() + 1 - start.getTime()) / 86400000);
    const months = (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
    if (months > 24) return "year";
    return days <= 2 ? "hour" : days <= 92 ? "day" : "month";
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
        return { start, end, unit: customUnit(start, end) };
      }
      default: { // last 24 hours, by hour: the current hour and the 23 before it
        const hour = new Date(now.getFullYear(), now.getMonth(), now.getDate(), now.getHours());
        return { start: new Date(hour.getTime() - 23 * HOUR), end: new Date(hour.getTime() + HOUR - 1), unit: "hour" };
      }
    }
  }

  // Returns the chart buckets of a range; keys are the API's local-time labels.
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
        key = dayKey(d) + " 00:00:00";
        label = d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
        title = d.toLocaleDateString(undefined, { weekday: "short", year: "numeric", month: "short", day: "numeric" });
        next = addDays(d, 1);
      } else if (range.unit === "month") {
        key = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-01 00:00:00";
        label = d.toLocaleDateString(undefined, { month: "short" });
        title = d.toLocaleDateString(undefined, { year: "numeric", month: "long" });
        next = new Date(d.getFullYear(), d.getMonth() + 1, 1);
      } else {
        key = d.getFullYear() + "-01-01 00:00:00";
        label = String(d.getFullYear());
        title = label;
        next = new Date(d.getFullYear() + 1, 0, 1);
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

  // ---- URL state: ?range=7d&country=DE&path=/pricing (custom: &start=YYYY-MM-DD&end=YYYY-MM-DD) ----

  function readLocation() {
    const params = new URLSearchParams(location.search);
    const range = params.get("range");
    if (range && [...rangeSelect.options].some((o) => o.value === range)) state.range = range;
    if (state.range === "custom") {
      state.customStart = parseDay(params.get("start"));
      state.customEnd = parseDay(params.get("end"));
      if (!state.customStart || !state.customEnd || state.customEnd < state.customStart) state.range = "24h";
    }
    selection.read(params);
  }

  function writeLocation() {
    const params = new URLSearchParams();
    if (state.range !== "24h") params.set("range", state.range);
    if (state.range === "custom") {
      params.set("start", dayKey(state.customStart));
      params.set("end", dayKey(state.customEnd));
    }
    selection.write(params);
    const search = params.toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
    // the Sessions page opens with the same filters, segment and cohort
    const sessions = document.getElementById("sessions-link");
    if (sessions) {
      const filters = selection.write(new URLSearchParams()).toString();
      sessions.href = sessions.pathname + (filters ? "?" + filters : "");
    }
  }

  // ---- API ----

  function apiPath(route, params) {
    return "/websites/" + encodeURIComponent(websiteId) + "/" + route + U.query(params || {});
  }

  function rangeParams(range) {
    const params = { startAt: range.start.getTime(), endAt: range.end.getTime() };
    return selection.apiParams(params);
  }

  // ---- summary cards ----

  function summary(stats) {
    return {
      pageviews: stats.pageviews,
      visitors: stats.visitors,
      visits: stats.visits,
      bounce: stats.visits ? (Math.min(stats.bounces, stats.visits) / stats.visits) * 100 : 0,
      time: stats.visits ? stats.totaltime / stats.visits : 0,
      hasData: stats.pageviews > 0,
    };
  }

  // An event filter makes the API count that event's occurrences instead of views.
  const countedRows = () => (selection.has("event") ? "Events" : "Views");

  const CARD_FORMAT = { pageviews: U.number, visitors: U.number, visits: U.number, bounce: U.percent, time: U.duration };
  const LOWER_IS_BETTER = { bounce: true };

  // Returns {text, title, delta} for a card's change against the previous period.
  function change(key, current, previous) {
    const before = "Previous period: " + CARD_FORMAT[key](previous[key]);
    if (!previous.hasData) return { text: "–", title: "No data in the previous period" };
    if (!current.hasData) return { text: "–", title: "No data in this period. " + before };
    // Bounce rate changes in percentage points; the others relative to the previous period.
    if (key !== "bounce" && !previous[key]) {
      return current[key] ? { text: "–", title: before } : { text: "No change", title: before, delta: 0 };
    }
    const delta = Math.round(key === "bounce" ? current[key] - previous[key]
      : ((current[key] - previous[key]) / previous[key]) * 100);
    const unit = key === "bounce" ? " pts" : "%";
    const text = delta === 0 ? "No change" : (delta > 0 ? "↑ " : "↓ ") + Math.abs(delta) + unit;
    return { text, title: before, delta };
  }

  function renderCards(stats) {
    const current = summary(stats);
    const previous = summary(stats.comparison);
    const counting = countedRows();
    document.querySelector('[data-stat="pageviews"] .stat-label').textContent = counting;
    document.getElementById("legend-views").textContent = counting;
    for (const card of document.querySelectorAll("[data-stat]")) {
      const key = card.dataset.stat;
      card.classList.remove("is-loading");
      card.querySelector(".stat-value").textContent = CARD_FORMAT[key](current[key]);
      const shown = change(key, current, previous);
      const element = card.querySelector(".stat-change");
      element.className = "stat-change";
      element.textContent = shown.text;
      element.title = shown.title;
      if (shown.delta) {
        element.classList.add(shown.delta > 0 ? "up" : "down");
        element.classList.add((shown.delta > 0) !== Boolean(LOWER_IS_BETTER[key]) ? "good" : "bad");
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

  // ---- charts ----

  function seriesValues(buckets, points, labelKey) {
    const byKey = new Map(points.map((p) => [p[labelKey], p.y]));
    return buckets.map((b) => byKey.get(b.key) || 0);
  }

  function renderTraffic(range, data) {
    const buckets = bucketsOf(range);
    const counting = countedRows().toLowerCase();
    window.UmamiChart.draw(document.getElementById("traffic-chart"), {
      buckets,
      series: [
        { key: "views", name: counting, className: "bar-views", values: seriesValues(buckets, data.pageviews, "x") },
        { key: "visitors", name: "visitors", className: "bar-visitors", values: seriesValues(buckets, data.sessions, "x") },
      ],
      height: window.matchMedia("(max-width: 640px)").matches ? 200 : 260,
      summary: counting + " and visitors by " + range.unit,
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
    const rest = new Set(names.slice(EVENT_SERIES - 1));
    const series = shown.map((name, i) => ({
      key: "s" + i, name, className: "bar-s" + i,
      values: seriesValues(buckets, points.filter((p) => p.x === name), "t"),
    }));
    if (rest.size) {
      series.push({ key: "s" + shown.length, name: "other events", className: "bar-s" + shown.length,
        values: seriesValues(buckets, mergedByBucket(points.filter((p) => rest.has(p.x))), "t") });
    }
    window.UmamiChart.draw(container, { buckets, series, stacked: true, legend: true, height: 150, summary: "Events by " + range.unit });
  }

  function mergedByBucket(points) {
    const merged = new Map();
    for (const p of points) merged.set(p.t, (merged.get(p.t) || 0) + p.y);
    return [...merged].map(([t, y]) => ({ t, y }));
  }

  // ---- metric tables ----

  function metricRow(label, value, total, options) {
    const share = total ? (value / total) * 100 : 0;
    return h("tr", {},
      h("td", { class: "label" }, h("span", { class: "bar", style: { width: share.toFixed(1) + "%" } }),
        h("button", { type: "button", class: "row-link", title: options.title, onclick: options.onSelect }, label)),
      h("td", { class: "num" }, U.number(value)),
      h("td", { class: "pct" }, U.percent(share)));
  }

  // What a table's numbers count: the current API counts visitors (distinct sessions) per
  // value of every type but `event`, which counts events.
  const countedBy = (type) => (type === "event" ? "Events" : "Visitors");

  function table(label, rows, type) {
    return h("table", { class: "metric-table" },
      h("thead", {}, h("tr", {}, h("th", {}, label),
        h("th", { class: "num" }, countedBy(type)), h("th", { class: "pct" }, h("span", { class: "visually-hidden" }, "Share")))),
      h("tbody", {}, rows));
  }

  // Shows the top rows; a button reveals the rest.
  function withMore(box, label, rows, type) {
    const hiddenRows = rows.slice(TOP_ROWS);
    hiddenRows.forEach((r) => { r.hidden = true; });
    const children = [table(label, rows, type)];
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

  // Returns the panel's {type, filter, label}; the UTM panel takes them from its selector.
  function panelSpec(panel) {
    if (panel.dataset.metric === "utm") {
      const option = utmSelect.selectedOptions[0];
      return { type: option.value, filter: option.dataset.filter, label: option.dataset.label };
    }
    return { type: panel.dataset.type, filter: panel.dataset.filter, label: panel.dataset.label };
  }

  function renderMetric(panel, spec, data) {
    const box = panel.querySelector(".metric-body");
    if (!data.length) {
      U.replace(box, U.empty("No data", spec.type === "event" ? "No events in this period." : ""));
      return;
    }
    const total = data.reduce((sum, row) => sum + row.y, 0);
    const rows = data.map((row) => metricRow(labelOf(spec.filter, row.x), row.y, total, {
      title: "Filter by " + DIMENSIONS[spec.filter].toLowerCase() + ": " + row.x,
      onSelect: () => selection.add(spec.filter, row.x),
    }));
    withMore(box, spec.label, rows, spec.type);
  }

  function loadMetric(panel, range, mine) {
    const spec = panelSpec(panel);
    const box = panel.querySelector(".metric-body");
    U.replace(box, U.loading());
    return U.get(apiPath("metrics", Object.assign({ type: spec.type }, rangeParams(range))))
      .then((data) => { if (mine === generation) renderMetric(panel, spec, data); },
        (err) => { if (mine === generation) U.replace(box, U.errorBox(err.message)); });
  }

  // ---- loading everything for the current selection ----

  const panels = [...document.querySelectorAll(".metric[data-metric]")];

  async function load() {
    const mine = ++generation;
    delete body.dataset.loaded; // set again once everything of this selection is shown
    const range = currentRange();
    const params = rangeParams(range);
    const series = Object.assign({ unit: range.unit, timezone: tz }, params);
    document.getElementById("range-label").textContent = rangeText(range);
    selection.render();
    cardsLoading();
    const traffic = document.getElementById("traffic-chart");
    if (!traffic.firstChild) U.replace(traffic, U.loading("Loading chart…"));
    traffic.setAttribute("aria-busy", "true");

    const current = (fn) => (value) => { if (mine === generation) fn(value); };

    const jobs = [
      U.get(apiPath("stats", params)).then(current(renderCards), current((err) => cardsError(err.message))),
      U.get(apiPath("pageviews", series)).then(current((data) => renderTraffic(range, data)),
        current((err) => U.replace(traffic, U.errorBox("Could not load the chart: " + err.message))))
        .finally(current(() => traffic.setAttribute("aria-busy", "false"))),
      U.get(apiPath("events/series", series)).then(current((data) => renderEventsChart(range, data)),
        current(() => { document.getElementById("events-chart").hidden = true; })),
      ...panels.map((panel) => loadMetric(panel, range, mine)),
    ];
    await Promise.allSettled(jobs);
    if (mine === generation) body.dataset.loaded = String(mine);
  }

  utmSelect.addEventListener("change", async () => {
    const mine = generation;
    const panel = document.querySelector('[data-metric="utm"]');
    delete body.dataset.loaded;
    await loadMetric(panel, currentRange(), mine);
    if (mine === generation) body.dataset.loaded = String(mine);
  });

  async function refreshActive() {
    try {
      const data = await U.get(apiPath("active"));
      const count = data.visitors || 0;
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
    } else if (await selection.loadSaved()) {
      writeLocation(); // without the segment or cohort that no longer exists
    }
    load();
    refreshActive();
    setInterval(() => {
      if (!document.hidden) refreshActive();
    }, ACTIVE_REFRESH_MS);
  }

  start();
})();
