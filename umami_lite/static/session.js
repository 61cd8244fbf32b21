// One session's page: its totals, attributes, properties and activity (every view and
// event, newest first, grouped by visit). Reads /api/websites/{id}/sessions/{sessionId}.
"use strict";

(function () {
  const U = window.Umami;
  const h = U.h;
  const websiteId = document.body.dataset.websiteId;
  const sessionId = document.body.dataset.sessionId;
  const countries = window.UmamiCountries || {};
  const base = "/websites/" + websiteId + "/sessions/" + sessionId;
  const activityBox = document.getElementById("session-activity");
  const propertiesBox = document.getElementById("session-properties");
  const DATA_TYPES = { 1: "text", 2: "number", 3: "boolean", 4: "date" };

  const dateTime = (iso) => new Date(iso).toLocaleString(undefined, { year: "numeric",
    month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
  const time = (iso) => new Date(iso).toLocaleTimeString(undefined, { hour: "numeric",
    minute: "2-digit", second: "2-digit" });

  function renderSummary(session) {
    const values = { visits: U.number(session.visits), views: U.number(session.views),
      events: U.number(session.events), totaltime: U.duration(session.totaltime) };
    for (const [key, text] of Object.entries(values)) {
      document.querySelector(`[data-stat="${key}"] .stat-value`).textContent = text;
    }
    const who = [session.browser, session.os, session.device,
      countries[session.country] || session.country].filter(Boolean).join(" · ");
    document.getElementById("session-who").textContent = who || "Unknown visitor";
    const rows = [["First seen", dateTime(session.firstAt)], ["Last seen", dateTime(session.lastAt)],
      ["Browser", session.browser], ["OS", session.os], ["Device", session.device],
      ["Screen", session.screen], ["Language", session.language],
      ["Country", countries[session.country] || session.country],
      ["Distinct id", session.distinctId]];
    U.replace(document.getElementById("session-details"), rows.map(([label, value]) =>
      [h("dt", {}, label), h("dd", {}, value || "–")]));
  }

  // A referrer from the session's own site is a click inside it, not where it came from.
  function external(hit) {
    const own = (hit.hostname || "").toLowerCase().replace(/^www\./, "");
    return hit.referrerDomain && hit.referrerDomain !== own;
  }

  function renderActivity(hits) {
    if (!hits.length) {
      U.replace(activityBox, U.empty("No activity", ""));
      return;
    }
    const items = [];
    let visit = null;
    for (const hit of hits) {
      if (hit.visitId !== visit) {
        visit = hit.visitId;
        items.push(h("li", { class: "visit-head" }, "Visit · " + dateTime(hit.createdAt)));
      }
      const isEvent = hit.eventType === 2;
      const where = hit.urlPath + (hit.urlQuery ? "?" + hit.urlQuery : "");
      items.push(h("li", { class: "hit" + (isEvent ? " is-event" : "") },
        h("span", { class: "time" }, time(hit.createdAt)),
        h("span", { class: "kind" }, isEvent ? "Event" : "View"),
        h("span", { class: "what" }, isEvent ? [h("b", {}, hit.eventName), " on " + where] : where,
          !isEvent && external(hit) ? h("span", { class: "muted" }, " from " + hit.referrerDomain) : null)));
    }
    U.replace(activityBox, h("ol", { class: "timeline" }, items));
  }

  function renderProperties(properties) {
    if (!properties.length) {
      U.replace(propertiesBox, U.empty("No properties", "Set them with umami.identify()."));
      return;
    }
    U.replace(propertiesBox, h("dl", { class: "details" }, properties.map((p) =>
      [h("dt", { title: DATA_TYPES[p.dataType] || "" }, p.dataKey), h("dd", {}, p.stringValue)])));
  }

  async function load() {
    U.replace(activityBox, U.loading());
    U.replace(propertiesBox, U.loading());
    try {
      const session = await U.get(base);
      renderSummary(session);
      const range = U.query({ startAt: Date.parse(session.firstAt), endAt: Date.parse(session.lastAt) });
      const [hits, properties] = await Promise.all([U.get(base + "/activity" + range),
        U.get(base + "/properties")]);
      renderActivity(hits);
      renderProperties(properties);
    } catch (err) {
      U.replace(activityBox, U.errorBox(err.message));
      U.replace(propertiesBox, "");
    }
  }

  load();
})();
