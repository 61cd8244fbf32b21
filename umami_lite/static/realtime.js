// Realtime page: the last 30 minutes of one website from /api/realtime/{id}, refreshed
// every 10 seconds: totals, top pages, referrers and countries, and the newest hits.
"use strict";

(function () {
  const U = window.Umami;
  const h = U.h;
  const websiteId = document.body.dataset.websiteId;
  const countries = window.UmamiCountries || {};
  const REFRESH_MS = 10000;
  const COUNTED = { urls: "Views", referrers: "Views", countries: "Visitors" };
  const LABELS = { countries: (x) => countries[x] || x };
  const KINDS = { pageview: "View", event: "Event", session: "Visitor" };

  function table(key, label, counts) {
    const rows = Object.entries(counts);
    if (!rows.length) return U.empty("No data", "Nothing in the last 30 minutes.");
    const format = LABELS[key] || ((x) => x);
    return h("table", { class: "metric-table" },
      h("thead", {}, h("tr", {}, h("th", {}, label), h("th", { class: "num" }, COUNTED[key]))),
      h("tbody", {}, rows.map(([x, y]) => h("tr", {},
        h("td", { class: "label" }, h("span", { class: "label-text", title: x }, format(x))),
        h("td", { class: "num" }, U.number(y))))));
  }

  function describe(item) {
    if (item.__type === "event") return item.eventName + " on " + item.urlPath;
    if (item.__type === "pageview") return item.urlPath;
    const who = [item.browser, item.os, item.device, countries[item.country] || item.country];
    return who.filter(Boolean).join(" · ") || "Unknown visitor";
  }

  function feed(items) {
    if (!items.length) return U.empty("No activity", "No visitor in the last 30 minutes.");
    return h("ol", { class: "timeline" }, items.map((item) => h("li",
      { class: item.__type === "event" ? "hit is-event" : "hit" },
      h("span", { class: "time" }, new Date(item.createdAt).toLocaleTimeString()),
      h("span", { class: "kind" }, KINDS[item.__type]),
      h("span", { class: "what" }, describe(item)))));
  }

  function render(body) {
    for (const key of ["views", "visitors", "events", "countries"]) {
      document.querySelector(`[data-stat="${key}"] .stat-value`).textContent = U.number(body.totals[key]);
    }
    for (const panel of document.querySelectorAll("[data-realtime]")) {
      const key = panel.dataset.realtime;
      U.replace(panel.querySelector(".metric-body"), table(key, panel.dataset.label, body[key]));
    }
    U.replace(document.getElementById("realtime-feed"), feed(body.events));
    document.getElementById("realtime-updated").textContent =
      "Updated " + new Date(body.timestamp).toLocaleTimeString();
  }

  async function refresh() {
    const error = document.getElementById("realtime-error");
    try {
      render(await U.get("/realtime/" + encodeURIComponent(websiteId)));
      error.hidden = true;
      document.body.dataset.loaded = "true";
    } catch (err) {
      U.showError(error, err.message);
    }
  }

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
