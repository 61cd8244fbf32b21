// The filter selection of the website and sessions pages: filters on dimensions (one per
// dimension, in the order added) and a saved segment and cohort. It lives in the page's
// address (?country=DE&path=/pricing&segment=<id>), goes with every API read as the current
// API's filter parameters, and shows as removable chips in #filter-bar. The #saved-filter
// selector (absent on the share page) adds a saved segment or cohort.
"use strict";

window.UmamiFilters = (function () {
  const U = window.Umami;
  const h = U.h;

  // The filter parameters of the current API these pages set, with the name a chip shows.
  const DIMENSIONS = {
    path: "Page", title: "Title", query: "Query", referrer: "Referrer", hostname: "Hostname",
    utmSource: "UTM source", utmMedium: "UTM medium", utmCampaign: "UTM campaign",
    utmTerm: "UTM term", utmContent: "UTM content", browser: "Browser", os: "OS",
    device: "Device", country: "Country", language: "Language", screen: "Screen", event: "Event",
  };
  const SAVED_KINDS = { segment: "Segment", cohort: "Cohort" };

  let languageNames = null;
  try {
    languageNames = new Intl.DisplayNames(["en"], { type: "language" });
  } catch (err) {
    languageNames = null;
  }

  // Labels by filter name; the raw value stays in the title.
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
  };
  const labelOf = (name, value) => (LABELS[name] ? LABELS[name](value) : value);

  // The API splits an eq value at commas (a list of values): a value holding one is matched
  // as a substring instead, the closest the API allows.
  const matchesWhole = (value) => !value.includes(",");

  // Returns the selection of a page. options: {websiteId, withSaved (false on the share
  // page), onChange() (called after each change by the chips or the selector),
  // fallbackFocus() (the element to focus when the last chip goes)}.
  function selection(options) {
    const state = { filters: [], saved: { segment: null, cohort: null } };
    const savedNames = { segment: new Map(), cohort: new Map() };
    const select = document.getElementById("saved-filter");

    function set(name, value) {
      state.filters = state.filters.filter((f) => f.name !== name).concat([{ name, value }]);
    }

    // Reads the selection from URLSearchParams.
    function read(params) {
      state.filters = [];
      for (const kind of Object.keys(SAVED_KINDS)) {
        state.saved[kind] = options.withSaved ? params.get(kind) || null : null;
      }
      for (const [key, value] of params) {
        const name = key === "url" ? "path" : key; // `url` was the page filter's old name
        if (value && Object.hasOwn(DIMENSIONS, name)) set(name, value);
      }
    }

    // Adds the selection to URLSearchParams (the page's address or a link to another page).
    function write(params) {
      for (const f of state.filters) params.set(f.name, f.value);
      for (const [kind, id] of Object.entries(state.saved)) if (id) params.set(kind, id);
      return params;
    }

    // Adds the selection to an API request's parameters (an object).
    function apiParams(params) {
      for (const f of state.filters) params[f.name] = (matchesWhole(f.value) ? "eq." : "c.") + f.value;
      for (const [kind, id] of Object.entries(state.saved)) if (id) params[kind] = id;
      return params;
    }

    function focusChip(name) {
      const chip = document.querySelector('#filter-list [data-filter="' + name + '"] button');
      if (chip) chip.focus();
    }

    function focusNext() {
      (document.querySelector("#filter-list button") || select || options.fallbackFocus()).focus();
    }

    function add(name, value) {
      set(name, value);
      options.onChange();
      focusChip(name);
    }

    function remove(name) {
      state.filters = state.filters.filter((f) => f.name !== name);
      options.onChange();
      focusNext();
    }

    function removeSaved(kind) {
      state.saved[kind] = null;
      options.onChange();
      focusNext();
    }

    document.getElementById("clear-filters").addEventListener("click", () => {
      state.filters = [];
      state.saved = { segment: null, cohort: null };
      options.onChange();
      options.fallbackFocus().focus();
    });

    const savedChosen = () => Object.entries(state.saved).filter(([, id]) => id);

    function savedChip([kind, id]) {
      const name = (savedNames[kind] && savedNames[kind].get(id)) || id;
      return h("li", { class: "chip chip-saved", dataset: { filter: kind } },
        h("span", { title: SAVED_KINDS[kind] + " " + name }, SAVED_KINDS[kind] + " ", h("b", {}, name)),
        h("button", { type: "button", "aria-label": "Remove the " + kind + " " + name,
          onclick: () => removeSaved(kind) }, "×"));
    }

    function filterChip(f) {
      const how = matchesWhole(f.value) ? " is " : " contains ";
      const label = labelOf(f.name, f.value);
      return h("li", { class: "chip", dataset: { filter: f.name } },
        h("span", { title: DIMENSIONS[f.name] + how + f.value }, DIMENSIONS[f.name] + how, h("b", {}, label)),
        h("button", { type: "button", "aria-label": "Remove the filter " + DIMENSIONS[f.name] + how + label,
          onclick: () => remove(f.name) }, "×"));
    }

    function render() {
      const count = state.filters.length + savedChosen().length;
      document.getElementById("filter-bar").hidden = !count;
      document.getElementById("clear-filters").hidden = count < 2;
      U.replace(document.getElementById("filter-list"), savedChosen().map(savedChip),
        state.filters.map(filterChip));
    }

    // Fills the selector with the website's segments and cohorts; an id in the address that
    // names none of them is dropped (with a notice). Returns whether one was dropped.
    async function loadSaved() {
      for (const kind of Object.keys(SAVED_KINDS)) {
        try {
          const page = await U.get("/websites/" + encodeURIComponent(options.websiteId) +
            "/segments" + U.query({ type: kind }));
          const group = select.querySelector('optgroup[data-kind="' + kind + '"]');
          U.replace(group, page.data.map((row) => h("option", { value: kind + ":" + row.id }, row.name)));
          for (const row of page.data) savedNames[kind].set(row.id, row.name);
          group.hidden = !page.data.length;
        } catch (err) {
          savedNames[kind] = null;
        }
      }
      const unknown = Object.keys(SAVED_KINDS).filter((kind) =>
        state.saved[kind] && savedNames[kind] && !savedNames[kind].has(state.saved[kind]));
      for (const kind of unknown) state.saved[kind] = null;
      if (unknown.length) {
        U.toast("The " + unknown.join(" and ") + " in the address no longer exists.", true);
      }
      const any = Object.values(savedNames).some((names) => names && names.size);
      select.disabled = !any;
      select.options[0].textContent = any ? "Segment or cohort…" : "No segments yet";
      return unknown.length > 0;
    }

    if (select) {
      select.addEventListener("change", () => {
        const [kind, id] = select.value.split(":");
        select.value = "";
        if (!SAVED_KINDS[kind] || !id) return;
        state.saved[kind] = id;
        options.onChange();
        focusChip(kind);
      });
    }

    return { state, read, write, apiParams, add, render, loadSaved,
      has: (name) => state.filters.some((f) => f.name === name) };
  }

  return { DIMENSIONS, labelOf, selection };
})();
