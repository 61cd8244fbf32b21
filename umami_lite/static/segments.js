// Segments and cohorts page: list both kinds of a website, create, edit and delete them in a
// dialog (filters: field, operator, value; a cohort also its action and period). Reads and
// writes /api/websites/{id}/segments; a 400 shows beside the field it names.
"use strict";

(function () {
  const U = window.Umami;
  const h = U.h;
  const websiteId = document.body.dataset.websiteId;
  const DAY = 86400000;
  const base = "/websites/" + encodeURIComponent(websiteId) + "/segments";
  const dialog = document.getElementById("segment-dialog");
  const form = document.getElementById("segment-form");
  const rows = document.getElementById("filter-rows");
  const rangeSelect = document.getElementById("cohort-range");
  const confirmDialog = document.getElementById("confirm-dialog");
  const MAX_FILTERS = 20;

  // The filter names a segment takes (the read routes' parameters), with what a person calls them.
  const FIELDS = [
    ["path", "Page"], ["title", "Title"], ["query", "Query"], ["referrer", "Referrer"],
    ["hostname", "Hostname"], ["event", "Event"], ["tag", "Tag"], ["browser", "Browser"],
    ["os", "OS"], ["device", "Device"], ["country", "Country"], ["language", "Language"],
    ["screen", "Screen"], ["distinctId", "Distinct id"], ["utmSource", "UTM source"],
    ["utmMedium", "UTM medium"], ["utmCampaign", "UTM campaign"], ["utmContent", "UTM content"],
    ["utmTerm", "UTM term"],
  ];
  const FIELD_LABEL = Object.fromEntries(FIELDS);
  const OPERATORS = [["eq", "is"], ["neq", "is not"], ["c", "contains"], ["dnc", "does not contain"]];
  const OPERATOR_LABEL = Object.fromEntries(OPERATORS);
  const RANGE_TEXT = (value) => {
    const m = /^(\d+)(hour|day|week|month|year)$/.exec(value);
    if (!m) return value;
    const n = Number(m[1]);
    return n === 0 ? "this " + m[2] : "this " + m[2] + " and the " + n + " " + m[2] + (n === 1 ? "" : "s") + " before";
  };

  let editing = { kind: "segment", row: null };
  let valueLists = 0;

  // ---- the list ----

  function summary(row) {
    const p = row.parameters || {};
    const parts = (p.filters || []).map((f) =>
      (FIELD_LABEL[f.name] || f.name) + " " + (OPERATOR_LABEL[f.operator] || f.operator) + " " + f.value);
    if (row.type === "cohort" && p.action) {
      const did = (p.action.type === "path" ? "viewed " : "triggered ") + p.action.value;
      parts.unshift(did + " in " + periodText(p.dateRange));
    }
    return parts.join(" and ") || "Every visitor";
  }

  function periodText(value) {
    const m = /^range:(\d+):(\d+)$/.exec(value || "");
    if (!m) return RANGE_TEXT(value || "");
    const opts = { year: "numeric", month: "short", day: "numeric" };
    return new Date(Number(m[1])).toLocaleDateString(undefined, opts) + " – " +
      new Date(Number(m[2])).toLocaleDateString(undefined, opts);
  }

  async function load(kind) {
    const box = document.querySelector('[data-list="' + kind + '"]');
    U.replace(box, U.loading());
    try {
      const page = await U.get(base + U.query({ type: kind }));
      render(kind, box, page.data);
      if (page.count > page.data.length) { // the API answers one page, as Umami's does
        box.append(h("p", { class: "muted small" }, "The first " + page.data.length + " of " +
          page.count + " " + kind + "s, by name."));
      }
    } catch (err) {
      U.replace(box, U.errorBox(err.message));
    }
  }

  function render(kind, box, items) {
    if (!items.length) {
      U.replace(box, U.empty("No " + kind + "s yet", ""));
      return;
    }
    const websitePage = U.base + "/websites/" + encodeURIComponent(websiteId);
    U.replace(box, h("table", { class: "session-table segment-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Keeps"),
        h("th", {}, h("span", { class: "visually-hidden" }, "Actions")))),
      h("tbody", {}, items.map((row) => h("tr", { dataset: { segment: row.id } },
        h("td", { class: "segment-name" }, h("a", { href: websitePage + "?" + kind + "=" + encodeURIComponent(row.id),
          title: "Show the website page for this " + kind }, row.name)),
        h("td", { class: "segment-summary" }, summary(row)),
        h("td", { class: "actions" },
          h("button", { type: "button", class: "btn btn-small", "aria-label": "Edit " + row.name,
            onclick: () => open(kind, row) }, "Edit"),
          h("button", { type: "button", class: "btn btn-small", "aria-label": "Delete " + row.name,
            onclick: () => confirmDelete(kind, row) }, "Delete")))))));
  }

  // ---- the editor ----

  function renumber() {
    [...rows.children].forEach((row, i) => {
      const slot = row.querySelector(".field-error");
      slot.dataset.errorFor = "parameters.filters[" + i + "]";
      slot.dataset.label = "Filter " + (i + 1);
      const [field, operator] = row.querySelectorAll("select");
      field.setAttribute("aria-label", "Filter " + (i + 1) + " field");
      operator.setAttribute("aria-label", "Filter " + (i + 1) + " operator");
      row.querySelector("input").setAttribute("aria-label", "Filter " + (i + 1) + " value");
      row.querySelector("[data-remove]").setAttribute("aria-label", "Remove filter " + (i + 1));
    });
    document.getElementById("add-filter").disabled = rows.children.length >= MAX_FILTERS;
    document.getElementById("no-filters").hidden = rows.children.length > 0;
    document.getElementById("filter-help").hidden = rows.children.length === 0;
  }

  // Fills the value suggestions of a row from GET /values (the last 90 days); a failure
  // leaves the field free to type in.
  async function suggest(list, name) {
    const now = Date.now();
    try {
      const values = await U.get("/websites/" + encodeURIComponent(websiteId) + "/values" +
        U.query({ type: name, startAt: now - 90 * DAY, endAt: now }));
      U.replace(list, values.filter((v) => v.value !== null && v.value !== "")
        .map((v) => h("option", { value: String(v.value) })));
    } catch (err) {
      U.replace(list);
    }
  }

  function addFilter(item) {
    const f = item || { name: "path", operator: "eq", value: "" };
    const listId = "filter-values-" + (++valueLists);
    const list = h("datalist", { id: listId });
    const field = h("select", { dataset: { part: "name" } }, FIELDS.map(([v, text]) => h("option", { value: v }, text)));
    field.value = FIELD_LABEL[f.name] ? f.name : "path";
    const operator = h("select", { dataset: { part: "operator" } }, OPERATORS.map(([v, text]) => h("option", { value: v }, text)));
    operator.value = OPERATOR_LABEL[f.operator] ? f.operator : "eq";
    const value = h("input", { type: "text", value: f.value || "", list: listId, dataset: { part: "value" }, autocapitalize: "off",
      spellcheck: "false", placeholder: "value" });
    field.addEventListener("change", () => suggest(list, field.value));
    const row = h("li", { class: "filter-row" }, field, operator, value, list,
      h("button", { type: "button", class: "btn btn-small btn-quiet", dataset: { remove: "" },
        onclick: () => { row.remove(); renumber(); } }, "×"),
      h("p", { class: "field-error", hidden: true }));
    rows.append(row);
    renumber();
    suggest(list, field.value);
    return field;
  }

  document.getElementById("add-filter").addEventListener("click", () => addFilter().focus());

  const pad = (n) => String(n).padStart(2, "0");
  const dayKey = (d) => d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  function parseDay(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
  }

  function showCustom() {
    for (const f of document.querySelectorAll("[data-cohort-custom]")) f.hidden = rangeSelect.value !== "custom";
  }
  rangeSelect.addEventListener("change", () => {
    showCustom();
    if (rangeSelect.value === "custom" && !document.getElementById("cohort-start").value) {
      const today = new Date();
      document.getElementById("cohort-start").value = dayKey(new Date(today.getTime() - 29 * DAY));
      document.getElementById("cohort-end").value = dayKey(today);
    }
  });

  function fillRange(value) {
    for (const o of [...rangeSelect.options]) if (o.dataset.stored) o.remove();
    const m = /^range:(\d+):(\d+)$/.exec(value || "");
    if (m) {
      rangeSelect.value = "custom";
      document.getElementById("cohort-start").value = dayKey(new Date(Number(m[1])));
      document.getElementById("cohort-end").value = dayKey(new Date(Number(m[2])));
    } else {
      if (value && ![...rangeSelect.options].some((o) => o.value === value)) {
        rangeSelect.insertBefore(h("option", { value, dataset: { stored: "true" } },
          RANGE_TEXT(value).replace(/^./, (c) => c.toUpperCase())), rangeSelect.lastElementChild);
      }
      rangeSelect.value = value || "29day";
      document.getElementById("cohort-start").value = "";
      document.getElementById("cohort-end").value = "";
    }
    showCustom();
  }

  // Returns the cohort's dateRange: a preset, or range:<first ms>:<last ms> of the local days.
  function readRange() {
    if (rangeSelect.value !== "custom") return rangeSelect.value;
    const start = parseDay(document.getElementById("cohort-start").value);
    const end = parseDay(document.getElementById("cohort-end").value);
    if (!start || !end) return "";
    const last = new Date(end.getFullYear(), end.getMonth(), end.getDate() + 1, 0, 0, 0, -1);
    return "range:" + start.getTime() + ":" + last.getTime();
  }

  function open(kind, row) {
    editing = { kind, row };
    form.reset();
    U.clearFieldErrors(form);
    U.showError(document.getElementById("segment-error"), "");
    document.getElementById("segment-dialog-title").textContent = (row ? "Edit " : "Add ") + kind;
    const p = (row && row.parameters) || {};
    document.getElementById("segment-name").value = row ? row.name : "";
    rows.replaceChildren();
    for (const f of p.filters || []) addFilter(f);
    if (!rows.children.length && kind === "segment") addFilter();
    renumber();
    document.getElementById("cohort-fields").hidden = kind !== "cohort";
    if (kind === "cohort") {
      const action = p.action || { type: "event", value: "" };
      document.getElementById("cohort-action-type").value = action.type === "path" ? "path" : "event";
      document.getElementById("cohort-action-value").value = action.value || "";
      fillRange(p.dateRange);
    }
    dialog.showModal();
    document.getElementById("segment-name").focus();
  }

  function parameters() {
    const p = {
      filters: [...rows.children].map((row) => {
        const [field, operator] = row.querySelectorAll("select");
        return { name: field.value, operator: operator.value, value: row.querySelector("input").value.trim() };
      }),
      match: "all",
    };
    if (editing.kind === "cohort") {
      p.action = { type: document.getElementById("cohort-action-type").value,
        value: document.getElementById("cohort-action-value").value.trim() };
      p.dateRange = readRange();
    }
    return p;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    U.clearFieldErrors(form);
    const error = document.getElementById("segment-error");
    U.showError(error, "");
    const body = { type: editing.kind, name: document.getElementById("segment-name").value.trim(),
      parameters: parameters() };
    try {
      const saved = await U.post(editing.row ? base + "/" + encodeURIComponent(editing.row.id) : base, body);
      dialog.close();
      U.toast("Saved " + saved.name, false);
      load(editing.kind);
    } catch (err) {
      if (err.status !== 400 || !U.fieldError(form, err.message)) U.showError(error, err.message);
    }
  });

  function confirmDelete(kind, row) {
    document.getElementById("confirm-title").textContent = "Delete " + row.name + "?";
    document.getElementById("confirm-message").textContent = "Pages and reports that use this " + kind +
      " stop narrowing by it; the data stays.";
    const error = document.getElementById("confirm-error");
    U.showError(error, "");
    const ok = document.getElementById("confirm-ok");
    ok.onclick = async (event) => {
      event.preventDefault();
      ok.disabled = true;
      try {
        await U.del(base + "/" + encodeURIComponent(row.id));
        confirmDialog.close();
        U.toast("Deleted " + row.name, false);
        load(kind);
      } catch (err) {
        U.showError(error, err.message);
      } finally {
        ok.disabled = false;
      }
    };
    confirmDialog.showModal();
    confirmDialog.querySelector("[data-close]").focus();
  }

  for (const button of document.querySelectorAll("[data-add]")) {
    button.addEventListener("click", () => open(button.dataset.add, null));
  }
  load("segment");
  load("cohort");
})();
