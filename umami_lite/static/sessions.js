// Sessions page: the website's sessions with a hit in the chosen range, newest last hit
// first, paged and searchable, each linking to its own page, with their summary; both
// narrowed by the website page's filters, segment and cohort (filters.js). Reads
// /api/websites/{id}/sessions and /sessions/stats.
"use strict";

(function () {
  const U = window.Umami;
  const h = U.h;
  const websiteId = document.body.dataset.websiteId;
  const countries = window.UmamiCountries || {};
  const PAGE_SIZE = 20;
  const DAY = 86400000;
  const rangeSelect = document.getElementById("session-range");
  const searchInput = document.getElementById("session-search");
  const list = document.getElementById("session-list");
  const pager = document.getElementById("session-pager");
  const state = { days: 1, page: 1, search: "" };
  const selection = window.UmamiFilters.selection({ websiteId, withSaved: true,
    fallbackFocus: () => rangeSelect, onChange: () => { state.page = 1; load(); } });
  let generation = 0; // answers to an older selection are dropped
  let searchTimer = null;

  function readLocation() {
    const params = new URLSearchParams(location.search);
    const days = params.get("days");
    if ([...rangeSelect.options].some((o) => o.value === days)) state.days = Number(days);
    state.page = Math.max(1, Number(params.get("page")) || 1);
    state.search = params.get("search") || "";
    selection.read(params);
    rangeSelect.value = String(state.days);
    searchInput.value = state.search;
  }

  function writeLocation() {
    const params = new URLSearchParams();
    if (state.days !== 1) params.set("days", state.days);
    if (state.page !== 1) params.set("page", state.page);
    if (state.search) params.set("search", state.search);
    const search = selection.write(params).toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
    const filters = selection.write(new URLSearchParams()).toString();
    // back to the website page with the same filters, segment and cohort
    const back = document.getElementById("website-link");
    back.href = back.pathname + (filters ? "?" + filters : "");
  }

  function visitor(row) {
    const parts = [row.browser, row.os, row.device, countries[row.country] || row.country];
    return parts.filter(Boolean).join(" · ") || "Unknown visitor";
  }

  function when(iso) {
    return new Date(iso).toLocaleString(undefined, { month: "short", day: "numeric",
      hour: "numeric", minute: "2-digit" });
  }

  function sessionUrl(row) {
    return U.base + "/websites/" + websiteId + "/sessions/" + row.id;
  }

  function renderStats(stats) {
    for (const [key, value] of Object.entries(stats)) {
      const card = document.querySelector('[data-stat="' + key + '"] .stat-value');
      if (card) card.textContent = U.number(value.value);
    }
  }

  function render(body) {
    document.getElementById("session-count").textContent =
      body.count === 1 ? "1 session" : U.number(body.count) + " sessions";
    if (!body.data.length) {
      const narrowed = state.search || selection.state.filters.length ||
        Object.values(selection.state.saved).some(Boolean);
      U.replace(list, U.empty("No sessions", narrowed
        ? "No session in this range matches the search and filters." : "No visitor in this range yet."));
      pager.hidden = body.page === 1;
    } else {
      U.replace(list, h("table", { class: "session-table" },
        h("thead", {}, h("tr", {},
          h("th", {}, "Last seen"), h("th", {}, "Visitor"), h("th", { class: "wide" }, "Language"),
          h("th", { class: "num" }, "Visits"), h("th", { class: "num" }, "Views"),
          h("th", { class: "num" }, "Events"))),
        h("tbody", {}, body.data.map((row) => h("tr", { dataset: { session: row.id } },
          h("td", {}, h("a", { href: sessionUrl(row) }, when(row.lastAt))),
          h("td", {}, visitor(row)),
          h("td", { class: "wide" }, row.language || "–"),
          h("td", { class: "num" }, U.number(row.visits)),
          h("td", { class: "num" }, U.number(row.views)),
          h("td", { class: "num" }, U.number(row.events)))))));
      pager.hidden = body.count <= PAGE_SIZE;
    }
    const pages = Math.max(1, Math.ceil(body.count / PAGE_SIZE));
    document.getElementById("session-page").textContent = "Page " + body.page + " of " + pages;
    document.getElementById("session-prev").disabled = body.page <= 1;
    document.getElementById("session-next").disabled = body.page >= pages;
  }

  async function load() {
    const mine = ++generation;
    delete document.body.dataset.loaded; // set again once this selection is shown
    writeLocation();
    selection.render();
    U.replace(list, U.loading());
    const end = Date.now();
    const range = selection.apiParams({ startAt: end - state.days * DAY, endAt: end });
    const base = "/websites/" + websiteId + "/sessions";
    const listed = U.get(base + U.query(Object.assign({ page: state.page, pageSize: PAGE_SIZE,
      search: state.search }, range))).then((body) => { if (mine === generation) render(body); },
      (err) => { if (mine === generation) U.replace(list, U.errorBox(err.message)); });
    // the summary is of the range and selection; the search narrows only the list
    const summed = U.get(base + "/stats" + U.query(range)).then(
      (stats) => { if (mine === generation) renderStats(stats); },
      (err) => { if (mine === generation) U.toast("Could not load the summary: " + err.message, true); });
    await Promise.allSettled([listed, summed]);
    if (mine === generation) document.body.dataset.loaded = String(mine);
  }

  rangeSelect.addEventListener("change", () => {
    state.days = Number(rangeSelect.value);
    state.page = 1;
    load();
  });
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      state.search = searchInput.value.trim();
      state.page = 1;
      load();
    }, 250);
  });
  document.getElementById("session-prev").addEventListener("click", () => {
    state.page = Math.max(1, state.page - 1);
    load();
  });
  document.getElementById("session-next").addEventListener("click", () => {
    state.page += 1;
    load();
  });

  async function start() {
    readLocation();
    await selection.loadSaved(); // drops a segment or cohort that no longer exists
    load();
  }

  start();
})();
