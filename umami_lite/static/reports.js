// Reports page: one form per report type (its parameters, a range, a segment and a cohort),
// run through POST /api/reports/<type>, the answer drawn by report-results.js; saved reports
// listed, opened, saved and deleted through /api/reports. An API 400 names its field, and the
// message is shown beside that field. The address keeps ?type=<type> or ?report=<id>.
"use strict";

(function () {
  const U = window.Umami;
  const h = U.h;
  const results = window.UmamiReportResults;
  const websiteId = document.body.dataset.websiteId;
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const RANGES = ["7d", "30d", "90d"];
  const MAX_FUNNEL_STEPS = 8;
  const MIN_FUNNEL_STEPS = 2;

  const form = document.getElementById("report-form");
  const typeFields = document.getElementById("type-fields");
  const rangeSelect = document.getElementById("report-range");
  const startInput = document.getElementById("report-start");
  const endInput = document.getElementById("report-end");
  const segmentSelect = document.getElementById("report-segment");
  const cohortSelect = document.getElementById("report-cohort");
  const resultBox = document.getElementById("report-result");
  const saveDialog = document.getElementById("save-dialog");
  const saveForm = document.getElementById("save-form");
  const confirmDialog = document.getElementById("confirm-dialog");

  // current: the report type shown; saved: the saved report being edited (null: a new one)
  const state = { current: "funnel", saved: null, reports: [] };
  let generation = 0; // answers to an older run are dropped

  // ---- small form builders: a labelled control with its error slot ----

  let uid = 0;
  const nextId = (prefix) => prefix + "-" + (++uid);

  // Returns a .field holding a label, the control and the error slot of `path` (the name the
  // API gives the field in a 400).
  function field(label, control, path, help) {
    control.id = control.id || nextId("f");
    if (path) control.dataset.field = path;
    return h("div", { class: "field" },
      h("label", { for: control.id }, label), control,
      help ? h("p", { class: "field-help" }, help) : null,
      path ? errorSlot(path, label) : null);
  }

  const errorSlot = (path, label) => h("p", { class: "field-error", hidden: true,
    dataset: { errorFor: path, label: label } });

  function select(options, value) {
    const element = h("select", {}, options.map(([v, text]) => h("option", { value: v }, text)));
    if (value !== undefined) element.value = value;
    return element;
  }

  const textInput = (attrs) => h("input", Object.assign({ type: "text", autocapitalize: "off",
    spellcheck: "false" }, attrs));

  // ---- the report types: each builds its fields once, reads and fills its parameters ----

  function funnelType() {
    const windowInput = h("input", { type: "number", min: "1", step: "1", inputmode: "numeric", value: "60" });
    const list = h("ol", { class: "step-list" });
    const addButton = h("button", { type: "button", class: "btn btn-small" }, "Add step");

    function renumber() {
      const rows = [...list.children];
      rows.forEach((row, i) => {
        row.querySelector(".step-no").textContent = String(i + 1);
        const slot = row.querySelector(".field-error");
        slot.dataset.errorFor = "parameters.steps[" + i + "]";
        slot.dataset.label = "Step " + (i + 1);
        row.querySelector("select").setAttribute("aria-label", "Step " + (i + 1) + " kind");
        row.querySelector("input").setAttribute("aria-label", "Step " + (i + 1) + " value");
        row.querySelector("[data-remove]").disabled = rows.length <= MIN_FUNNEL_STEPS;
        row.querySelector("[data-remove]").setAttribute("aria-label", "Remove step " + (i + 1));
      });
      addButton.disabled = rows.length >= MAX_FUNNEL_STEPS;
    }

    function addStep(step) {
      const kind = select([["path", "Page"], ["event", "Event"]], (step && step.type) || "path");
      kind.dataset.part = "type";
      const value = textInput({ value: (step && step.value) || "", placeholder: "/pricing or signup" });
      value.dataset.part = "value";
      const row = h("li", { class: "step-row" },
        h("span", { class: "step-no", "aria-hidden": "true" }), kind, value,
        h("button", { type: "button", class: "btn btn-small btn-quiet", dataset: { remove: "" },
          onclick: () => { row.remove(); renumber(); } }, "×"),
        errorSlot("parameters.steps[0]", "This step"));
      list.append(row);
      renumber();
      return value;
    }
    addButton.addEventListener("click", () => addStep().focus());

    const element = h("div", { class: "type-body" },
      h("div", { class: "form-row" }, field("Window (minutes)", windowInput, "parameters.window",
        "Each step must follow the one before within this many minutes.")),
      h("fieldset", { class: "steps" }, h("legend", {}, "Steps (2 to 8, in order)"),
        list, errorSlot("parameters.steps", "Steps"), addButton));

    return {
      element,
      read: () => ({
        window: windowInput.value.trim() === "" ? null : Number(windowInput.value),
        steps: [...list.children].map((row) => ({ type: row.querySelector("select").value,
          value: row.querySelector("input").value.trim() })),
      }),
      fill(p) {
        windowInput.value = p.window !== undefined && p.window !== null ? String(p.window) : "60";
        list.replaceChildren();
        const steps = Array.isArray(p.steps) && p.steps.length ? p.steps : [{ value: "/" }, {}];
        for (const step of steps.slice(0, MAX_FUNNEL_STEPS)) addStep(step);
        while (list.children.length < MIN_FUNNEL_STEPS) addStep();
      },
    };
  }

  function goalType() {
    const kind = select([["path", "Viewed a page"], ["event", "Triggered an event"]], "path");
    const value = textInput({ placeholder: "/thank-you" });
    return {
      element: h("div", { class: "type-body" }, h("div", { class: "form-row" },
        field("Goal", kind, "parameters.type"),
        field("Page or event", value, "parameters.value", "A leading or trailing * matches anything."))),
      read: () => ({ type: kind.value, value: value.value.trim() }),
      fill(p) {
        kind.value = p.type === "event" ? "event" : "path";
        value.value = p.value || "";
      },
    };
  }

  function journeyType() {
    const steps = h("input", { type: "number", min: "2", max: "7", step: "1", inputmode: "numeric", value: "5" });
    const start = textInput({ placeholder: "any" });
    const end = textInput({ placeholder: "any" });
    const kinds = select([["", "Views and events"], ["1", "Views only"], ["2", "Events only"]], "");
    return {
      element: h("div", { class: "type-body" }, h("div", { class: "form-row" },
        field("Steps", steps, "parameters.steps", "2 to 7 hits of each visit."),
        field("Starts with", start, "parameters.startStep"),
        field("Ends with", end, "parameters.endStep"),
        field("Hits", kinds, "parameters.eventType"))),
      read() {
        const p = { steps: steps.value.trim() === "" ? null : Number(steps.value) };
        if (start.value.trim()) p.startStep = start.value.trim();
        if (end.value.trim()) p.endStep = end.value.trim();
        if (kinds.value) p.eventType = Number(kinds.value);
        return p;
      },
      fill(p) {
        steps.value = p.steps !== undefined && p.steps !== null ? String(p.steps) : "5";
        start.value = p.startStep || "";
        end.value = p.endStep || "";
        kinds.value = p.eventType === 1 || p.eventType === 2 ? String(p.eventType) : "";
      },
    };
  }

  function noFieldsType(text) {
    return {
      element: h("div", { class: "type-body" }, h("p", { class: "field-help" }, text)),
      read: () => ({}),
      fill() {},
    };
  }

  function attributionType() {
    const model = select([["first-click", "First click"], ["last-click", "Last click"]], "first-click");
    const kind = select([["event", "Event"], ["path", "Page view"]], "event");
    const step = textInput({ placeholder: "signup or /thank-you" });
    return {
      element: h("div", { class: "type-body" }, h("div", { class: "form-row" },
        field("Model", model, "parameters.model",
          "First click credits the visitor's first hit in the range; last click the hit just before the conversion."),
        field("Conversion", kind, "parameters.type"),
        field("Conversion event or page", step, "parameters.step"))),
      read: () => ({ model: model.value, type: kind.value, step: step.value.trim() }),
      fill(p) {
        model.value = p.model === "last-click" ? "last-click" : "first-click";
        kind.value = p.type === "path" ? "path" : "event";
        step.value = p.step || "";
      },
    };
  }

  const BREAKDOWN_FIELDS = [
    ["path", "Page"], ["title", "Title"], ["query", "Query"], ["referrer", "Referrer"],
    ["hostname", "Hostname"], ["tag", "Tag"], ["browser", "Browser"], ["os", "OS"],
    ["device", "Device"], ["country", "Country"], ["language", "Language"],
    ["distinctId", "Distinct id"], ["utmSource", "UTM source"], ["utmMedium", "UTM medium"],
    ["utmCampaign", "UTM campaign"], ["utmContent", "UTM content"], ["utmTerm", "UTM term"],
  ];

  function breakdownType() {
    const boxes = BREAKDOWN_FIELDS.map(([name, label]) => {
      const box = h("input", { type: "checkbox", value: name, id: nextId("bd") });
      return { name, box, element: h("label", { class: "check", for: box.id }, box, label) };
    });
    boxes[0].box.checked = true;
    return {
      element: h("div", { class: "type-body" }, h("fieldset", { class: "check-grid", dataset: { field: "parameters.fields" } },
        h("legend", {}, "Break down by (views of each combination)"),
        boxes.map((b) => b.element), errorSlot("parameters.fields", "Fields"))),
      read: () => ({ fields: boxes.filter((b) => b.box.checked).map((b) => b.name) }),
      fill(p) {
        const chosen = new Set(Array.isArray(p.fields) ? p.fields : ["path"]);
        for (const b of boxes) b.box.checked = chosen.has(b.name);
      },
    };
  }

  function revenueType() {
    const currency = textInput({ value: "USD", maxlength: "20", placeholder: "USD", class: "input-short" });
    return {
      element: h("div", { class: "type-body" }, h("div", { class: "form-row" },
        field("Currency", currency, "parameters.currency",
          "Events whose data holds revenue and this currency (e.g. umami.track('order', {revenue: 19, currency: 'EUR'})).")),
        h("p", { class: "field-help" }, "Days are those of your time zone, " + tz + ".")),
      read: () => ({ currency: currency.value.trim() }),
      fill(p) { currency.value = p.currency || "USD"; },
    };
  }

  const VITALS = [["lcp", "Largest contentful paint (LCP)"], ["inp", "Interaction to next paint (INP)"],
    ["cls", "Cumulative layout shift (CLS)"], ["fcp", "First contentful paint (FCP)"],
    ["ttfb", "Time to first byte (TTFB)"]];

  function performanceType() {
    const metric = select(VITALS, "lcp");
    return {
      element: h("div", { class: "type-body" }, h("div", { class: "form-row" },
        field("Metric", metric, "parameters.metric",
          "Charted and broken down by page, title, device and browser. Samples come from the tracker's data-performance=\"true\".")),
        h("p", { class: "field-help" }, "Days are those of your time zone, " + tz + ".")),
      read: () => ({ metric: metric.value }),
      fill(p) { metric.value = VITALS.some(([key]) => key === p.metric) ? p.metric : "lcp"; },
    };
  }

  // A range of one day is charted by hour, a longer one by day.
  const vitalsUnit = (p) => (new Date(p.endDate) - new Date(p.startDate) <= 86400000 ? "hour" : "day");

  const TYPES = {
    funnel: { label: "Funnel", help: "How many visitors go through the steps in order, and where they drop off.", make: funnelType },
    goal: { label: "Goal", help: "How many of the range's visitors viewed a page or triggered an event.", make: goalType },
    journey: { label: "Journey", help: "The most common paths through a visit: its first hits, in order.", make: journeyType },
    retention: { label: "Retention", help: "Visitors grouped by the day they first show up in the range, and on which later days they come back.",
      make: () => noFieldsType("Days are those of your time zone, " + tz + "."), extra: () => ({ timezone: tz }) },
    utm: { label: "UTM", help: "Views by each UTM parameter of their address.", make: () => noFieldsType("No parameters: views of the range by source, medium, campaign, term and content.") },
    attribution: { label: "Attribution", help: "Which referrers, ads and campaigns brought the visitors who converted.", make: attributionType },
    breakdown: { label: "Breakdown", help: "Views, visitors, visits, bounces and time for every combination of the chosen fields.", make: breakdownType },
    revenue: { label: "Revenue", help: "Revenue of events that carry it, by day, country, referrer and channel.", make: revenueType,
      extra: () => ({ timezone: tz }) },
    performance: { label: "Performance", help: "Web vitals of the pages: percentiles of each metric, against Umami's good and poor thresholds.",
      make: performanceType, extra: (p) => ({ timezone: tz, unit: vitalsUnit(p) }) },
  };
  const forms = {};

  function formOf(type) {
    if (!forms[type]) {
      forms[type] = TYPES[type].make();
      forms[type].element.dataset.type = type;
      forms[type].fill({});
      typeFields.append(forms[type].element);
    }
    return forms[type];
  }

  function showType(type) {
    state.current = type;
    for (const tab of document.querySelectorAll(".type-tab")) {
      tab.setAttribute("aria-checked", String(tab.dataset.type === type));
      tab.tabIndex = tab.dataset.type === type ? 0 : -1;
    }
    formOf(type);
    for (const [key, f] of Object.entries(forms)) f.element.hidden = key !== type;
    document.getElementById("type-help").textContent = TYPES[type].help;
    clearErrors();
  }

  // ---- the range (browser local days) ----

  const pad = (n) => String(n).padStart(2, "0");
  const dayKey = (d) => d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  function parseDay(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
  }

  // Returns {startDate, endDate} (ISO) of the last `days` days up to the end of today.
  function presetDates(days) {
    const now = new Date();
    const first = new Date(now.getFullYear(), now.getMonth(), now.getDate() - days + 1);
    const last = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 0, 0, 0, -1);
    return { startDate: first.toISOString(), endDate: last.toISOString() };
  }

  // Returns {startDate, endDate} (ISO) of the chosen range: custom days run from local
  // midnight to their last millisecond; an empty day is sent as null, for the API to name.
  function rangeDates() {
    if (rangeSelect.value !== "custom") return presetDates(parseInt(rangeSelect.value, 10));
    const start = parseDay(startInput.value);
    const end = parseDay(endInput.value);
    return {
      startDate: start ? start.toISOString() : null,
      endDate: end ? new Date(end.getFullYear(), end.getMonth(), end.getDate() + 1, 0, 0, 0, -1).toISOString() : null,
    };
  }

  function showCustom() {
    const custom = rangeSelect.value === "custom";
    for (const f of document.querySelectorAll("[data-custom-range]")) f.hidden = !custom;
    if (custom && !startInput.value) {
      const { startDate, endDate } = presetDates(30);
      startInput.value = dayKey(new Date(startDate));
      endInput.value = dayKey(new Date(endDate));
    }
  }

  rangeSelect.addEventListener("change", showCustom);

  // ---- saved segments and cohorts as report filters ----

  async function loadSaved(kind, selectElement) {
    try {
      const page = await U.get("/websites/" + encodeURIComponent(websiteId) + "/segments" + U.query({ type: kind }));
      for (const row of page.data) selectElement.append(h("option", { value: row.id }, row.name));
    } catch (err) {
      selectElement.disabled = true;
      selectElement.title = "Could not load the " + kind + "s: " + err.message;
    }
  }

  function filters() {
    const f = {};
    if (segmentSelect.value) f.segment = segmentSelect.value;
    if (cohortSelect.value) f.cohort = cohortSelect.value;
    return f;
  }

  function setSelect(selectElement, value) {
    if (value && ![...selectElement.options].some((o) => o.value === value)) {
      selectElement.append(h("option", { value }, "(deleted)"));
    }
    selectElement.value = value || "";
  }

  // ---- errors beside their fields ----

  function clearErrors() {
    U.clearFieldErrors(document);
    U.showError(document.getElementById("report-error"), "");
    U.showError(document.getElementById("save-error"), "");
  }

  // ---- running ----

  function parameters() {
    const type = state.current;
    const base = Object.assign(rangeDates(), formOf(type).read());
    return Object.assign(base, TYPES[type].extra ? TYPES[type].extra(base) : {});
  }

  async function run() {
    const mine = ++generation;
    const type = state.current;
    clearErrors();
    const params = parameters();
    const body = { websiteId, type, filters: filters(), parameters: params };
    delete document.body.dataset.ran;
    U.replace(resultBox, U.loading("Running the report…"));
    document.getElementById("result-range").textContent = "";
    try {
      const data = await U.post("/reports/" + type, body);
      if (mine !== generation) return;
      document.getElementById("result-title").textContent = TYPES[type].label;
      document.getElementById("result-range").textContent = rangeLabel(params);
      results.render(resultBox, type, data, { parameters: params, timezone: tz });
    } catch (err) {
      if (mine !== generation) return;
      if (err.status !== 400 || !U.fieldError(form, err.message)) {
        U.showError(document.getElementById("report-error"), err.message);
      }
      U.replace(resultBox, U.empty("The report did not run", "Correct the form and run it again."));
    } finally {
      if (mine === generation) document.body.dataset.ran = String(mine);
    }
  }

  function rangeLabel(params) {
    const opts = { year: "numeric", month: "short", day: "numeric" };
    const from = new Date(params.startDate).toLocaleDateString(undefined, opts);
    const to = new Date(params.endDate).toLocaleDateString(undefined, opts);
    return (from === to ? from : from + " – " + to) + " · " + tz;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  // ---- saved reports ----

  const reportsPath = "/websites/" + encodeURIComponent(websiteId) + "/reports";

  // Returns what a saved report keeps: the type's parameters, the range (a preset, or the
  // custom dates) and the segment and cohort (parameters.filters). The time zone is not
  // kept: whoever opens it sees the days of their own browser.
  function recipe() {
    const p = Object.assign({}, formOf(state.current).read());
    p.range = rangeSelect.value;
    if (rangeSelect.value === "custom") Object.assign(p, rangeDates());
    const f = filters();
    if (Object.keys(f).length) p.filters = f;
    return p;
  }

  function fillFrom(report) {
    showType(report.type);
    const p = report.parameters || {};
    formOf(report.type).fill(p);
    if (RANGES.includes(p.range)) {
      rangeSelect.value = p.range;
    } else if (p.startDate && p.endDate && !isNaN(new Date(p.startDate)) && !isNaN(new Date(p.endDate))) {
      rangeSelect.value = "custom";
      startInput.value = dayKey(new Date(p.startDate));
      endInput.value = dayKey(new Date(p.endDate));
    } else {
      rangeSelect.value = "30d";
    }
    showCustom();
    const f = p.filters || {};
    setSelect(segmentSelect, f.segment);
    setSelect(cohortSelect, f.cohort);
  }

  function setEditing(report) {
    state.saved = report;
    document.getElementById("editor-title").textContent = report ? report.name : "New report";
    document.getElementById("editor-saved-as").textContent = report ? TYPES[report.type].label + " · saved" : "";
    document.getElementById("new-report").hidden = !report;
    const params = new URLSearchParams();
    if (report) params.set("report", report.id);
    else params.set("type", state.current);
    history.replaceState(null, "", location.pathname + "?" + params.toString());
    renderList();
  }

  async function loadList() {
    const box = document.getElementById("saved-list");
    try {
      const page = await U.get(reportsPath + U.query({ pageSize: 200 }));
      state.reports = page.data.filter((r) => TYPES[r.type]);
      renderList();
    } catch (err) {
      U.replace(box, U.errorBox(err.message));
    }
  }

  function when(iso) {
    return new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  }

  function renderList() {
    const box = document.getElementById("saved-list");
    const count = state.reports.length;
    document.getElementById("saved-count").textContent = count === 1 ? "1 report" : count + " reports";
    if (!count) {
      U.replace(box, U.empty("No saved reports", "Run a report, then save it to find it here."));
      return;
    }
    U.replace(box, h("ul", { class: "saved-list" }, state.reports.map((report) => h("li", {
      class: "saved-item", dataset: { report: report.id },
      "aria-current": state.saved && state.saved.id === report.id ? "true" : false,
    },
    h("button", { type: "button", class: "saved-open", onclick: () => openReport(report) },
      h("span", { class: "saved-name" }, report.name),
      h("span", { class: "saved-meta" }, TYPES[report.type].label + " · " + when(report.updatedAt)),
      report.description ? h("span", { class: "saved-description" }, report.description) : null),
    h("button", { type: "button", class: "btn btn-small btn-quiet", "aria-label": "Delete " + report.name,
      onclick: () => confirmDelete(report) }, "Delete")))));
  }

  function openReport(report) {
    fillFrom(report);
    setEditing(report);
    run();
  }

  function openSave() {
    clearErrors();
    const editing = state.saved && state.saved.type === state.current;
    document.getElementById("save-name").value = editing ? state.saved.name : "";
    document.getElementById("save-description").value = editing ? state.saved.description || "" : "";
    document.getElementById("save-title").textContent = editing ? "Save changes" : "Save report";
    document.getElementById("save-as-new").hidden = !editing;
    saveDialog.showModal();
    document.getElementById("save-name").focus();
  }

  document.getElementById("save-report").addEventListener("click", openSave);

  saveForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const asNew = event.submitter && event.submitter.value === "new";
    const body = { websiteId, type: state.current, name: document.getElementById("save-name").value.trim(),
      description: document.getElementById("save-description").value.trim(), parameters: recipe() };
    const editing = state.saved && state.saved.type === state.current && !asNew;
    try {
      const saved = await U.post(editing ? "/reports/" + encodeURIComponent(state.saved.id) : "/reports", body);
      saveDialog.close();
      const others = state.reports.filter((r) => r.id !== saved.id);
      state.reports = [saved].concat(others);
      setEditing(saved);
      U.toast("Saved " + saved.name, false);
    } catch (err) {
      if (err.status !== 400 || !U.fieldError(saveForm, err.message)) {
        U.showError(document.getElementById("save-error"), err.message);
      }
    }
  });

  function confirmDelete(report) {
    document.getElementById("confirm-title").textContent = "Delete " + report.name + "?";
    document.getElementById("confirm-message").textContent =
      "The saved report goes; the data it reads stays.";
    U.showError(document.getElementById("confirm-error"), "");
    const ok = document.getElementById("confirm-ok");
    ok.onclick = async (event) => {
      event.preventDefault();
      ok.disabled = true;
      try {
        await U.del("/reports/" + encodeURIComponent(report.id));
        confirmDialog.close();
        state.reports = state.reports.filter((r) => r.id !== report.id);
        if (state.saved && state.saved.id === report.id) setEditing(null);
        else renderList();
        U.toast("Deleted " + report.name, false);
      } catch (err) {
        U.showError(document.getElementById("confirm-error"), err.message);
      } finally {
        ok.disabled = false;
      }
    };
    confirmDialog.showModal();
    confirmDialog.querySelector("[data-close]").focus();
  }

  document.getElementById("new-report").addEventListener("click", () => {
    setEditing(null);
    U.replace(resultBox, U.empty("No result yet", "Fill in the fields and run the report."));
  });

  // ---- type tabs (a radio group: arrow keys move, as for radio buttons) ----

  const tabs = [...document.querySelectorAll(".type-tab")];
  for (const tab of tabs) {
    tab.addEventListener("click", () => chooseType(tab.dataset.type));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      next.focus();
      chooseType(next.dataset.type);
    });
  }

  function chooseType(type) {
    if (type === state.current && !state.saved) return;
    showType(type);
    setEditing(null);
    U.replace(resultBox, U.empty("No result yet", "Fill in the fields and run the report."));
  }

  // ---- start: ?report=<id> opens and runs a saved report, ?type=<type> a new one ----

  async function start() {
    const params = new URLSearchParams(location.search);
    await Promise.all([loadSaved("segment", segmentSelect), loadSaved("cohort", cohortSelect), loadList()]);
    const key = params.get("report");
    if (key) {
      try {
        const report = await U.get("/reports/" + encodeURIComponent(key));
        if (report.websiteId !== websiteId) { // its own website's page runs and saves it
          location.replace(U.base + "/websites/" + encodeURIComponent(report.websiteId) +
            "/reports?report=" + encodeURIComponent(report.id));
          return;
        }
        if (TYPES[report.type]) {
          openReport(report);
          return;
        }
      } catch (err) {
        U.toast("That saved report could not be opened: " + err.message, true);
      }
    }
    const type = params.get("type");
    showType(TYPES[type] ? type : "funnel");
    showCustom();
    setEditing(null);
  }

  start().finally(() => { document.body.dataset.ready = "true"; });
})();
