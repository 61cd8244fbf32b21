// Draws the answer of one report (POST /api/reports/<type>): funnel bars with the drop-off of
// each step, the retention grid (cohort day x day), journeys as a ranked table of paths,
// tables for attribution, UTM and breakdowns, goal and revenue totals, web vitals percentiles.
// No request here.
"use strict";

window.UmamiReportResults = (function () {
  const U = window.Umami;
  const h = U.h;
  const DAY = 86400000;
  const countries = window.UmamiCountries || {};

  // 0.3333 -> "33%" (U.percent takes a number of percent)
  const share = (fraction) => U.percent((Number(fraction) || 0) * 100);
  const ratio = (part, whole) => (whole ? part / whole : 0);

  function bar(fraction) {
    return h("span", { class: "bar", style: { width: (Math.min(1, Math.max(0, fraction)) * 100).toFixed(1) + "%" } });
  }

  // A two-column table of {name, value} rows with a share bar, as on the website page.
  function nameTable(title, label, counted, rows, total, format) {
    const shown = format || U.number;
    const sum = total || rows.reduce((s, r) => s + r.value, 0);
    return h("section", { class: "result-table", dataset: { table: title } },
      h("h3", {}, title),
      rows.length ? h("table", { class: "metric-table" },
        h("thead", {}, h("tr", {}, h("th", {}, label), h("th", { class: "num" }, counted))),
        h("tbody", {}, rows.map((r) => h("tr", {},
          h("td", { class: "label" }, bar(ratio(r.value, sum)),
            h("span", { class: "label-text", title: r.title || r.name }, r.name)),
          h("td", { class: "num" }, shown(r.value))))))
        : h("p", { class: "muted none" }, "None"));
  }

  // ---- funnel ----

  function funnel(steps) {
    const first = steps.length ? steps[0].visitors : 0;
    const last = steps.length ? steps[steps.length - 1].visitors : 0;
    return h("div", { class: "funnel-result" },
      h("p", { class: "result-summary" }, first
        ? [h("b", {}, U.number(last)), " of ", h("b", {}, U.number(first)), " visitors went through every step (",
          share(ratio(last, first)), ")."]
        : "No visitor reached the first step in this range."),
      h("ol", { class: "funnel" }, steps.map((s, i) => h("li", { class: "funnel-step", dataset: { step: String(i + 1) } },
        h("div", { class: "funnel-label" },
          h("span", { class: "step-no" }, String(i + 1)),
          h("span", { class: "step-kind" }, s.type === "event" ? "Event" : "Page"),
          h("span", { class: "step-value" }, s.value)),
        h("div", { class: "funnel-track" }, bar(s.remaining === null ? 0 : s.remaining)),
        h("div", { class: "funnel-nums" },
          h("span", { class: "funnel-visitors" }, h("b", {}, U.number(s.visitors)), s.visitors === 1 ? " visitor" : " visitors"),
          h("span", { class: "funnel-remaining" }, i === 0 ? "" : share(s.remaining) + " of step 1"),
          i === 0 ? null : h("span", { class: "funnel-drop" + (s.dropped ? " has-drop" : "") },
            s.dropped ? "−" + U.number(s.dropped) + " dropped (" + share(s.dropoff) + ")" : "no drop-off"))))));
  }

  // ---- goal ----

  function goal(data) {
    const fraction = ratio(data.num, data.total);
    return h("div", { class: "goal-result" },
      h("p", { class: "goal-big" }, h("b", { class: "goal-num" }, U.number(data.num)), " of ",
        h("b", { class: "goal-total" }, U.number(data.total)), data.total === 1 ? " visitor" : " visitors",
        " reached the goal"),
      h("div", { class: "funnel-track goal-track" }, bar(fraction)),
      h("p", { class: "goal-pct" }, share(fraction)));
  }

  // ---- journey ----

  // Umami's items end with nulls (the visit ended, or the unused slots): the path drops them.
  const pathOf = (items) => {
    const list = items.slice();
    while (list.length && list[list.length - 1] === null) list.pop();
    return list.map((item) => (item === null ? "…" : item));
  };

  function journey(rows) {
    if (!rows.length) return U.empty("No visits", "No visit in this range matches.");
    const total = rows.reduce((s, r) => s + r.count, 0);
    return h("table", { class: "data-table journey-table" },
      h("thead", {}, h("tr", {}, h("th", { class: "num rank" }, "#"), h("th", {}, "Path"),
        h("th", { class: "num" }, "Visits"), h("th", { class: "num" }, "Share"))),
      h("tbody", {}, rows.map((r, i) => h("tr", {},
        h("td", { class: "num rank" }, String(i + 1)),
        h("td", {}, h("ol", { class: "path" }, pathOf(r.items).map((item) => h("li", {}, item)))),
        h("td", { class: "num" }, U.number(r.count)),
        h("td", { class: "num muted" }, share(ratio(r.count, total)))))));
  }

  // ---- retention ----

  const localDay = (text) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
    return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  };
  const dayNumber = (d) => Math.round(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / DAY);

  function retention(rows, ctx) {
    if (!rows.length) return U.empty("No visitors", "No visitor in this range.");
    const cohorts = [];
    for (const r of rows) {
      let c = cohorts[cohorts.length - 1];
      if (!c || c.date !== r.date) {
        c = { date: r.date, visitors: r.visitors, days: new Map() };
        cohorts.push(c);
      }
      c.days.set(r.day, r);
    }
    // The last day a cohort can come back on is the range's last day (at most day 31).
    const end = new Date(ctx.parameters.endDate);
    const lastDay = dayNumber(new Date(end.getFullYear(), end.getMonth(), end.getDate()));
    const maxOffset = (c) => Math.min(31, lastDay - dayNumber(localDay(c.date)));
    const columns = Math.max(...cohorts.map(maxOffset), ...rows.map((r) => r.day)) + 1;
    const days = [...Array(columns).keys()];
    const label = (c) => localDay(c.date).toLocaleDateString(undefined, { month: "short", day: "numeric", year: "numeric" });
    return h("div", { class: "table-scroll" }, h("table", { class: "data-table retention" },
      h("thead", {}, h("tr", {}, h("th", {}, "First seen"), h("th", { class: "num" }, "Visitors"),
        days.map((d) => h("th", { class: "num day" }, "Day " + d)))),
      h("tbody", {}, cohorts.map((c) => h("tr", { dataset: { cohort: c.date.slice(0, 10) } },
        h("th", { scope: "row" }, label(c)),
        h("td", { class: "num" }, U.number(c.visitors)),
        days.map((d) => {
          if (d > maxOffset(c)) return h("td", { class: "cell is-future", dataset: { day: String(d) } });
          const found = c.days.get(d);
          const back = found ? found.returnVisitors : 0;
          const pct = found ? found.percentage : 0;
          return h("td", { class: "num cell" + (pct >= 50 ? " is-strong" : ""), dataset: { day: String(d) },
            title: U.number(back) + " of " + U.number(c.visitors) + " visitors on day " + d },
          h("span", { class: "cell-fill", style: { opacity: String(pct ? 0.12 + 0.68 * pct / 100 : 0) } }),
          h("span", { class: "cell-text" }, U.percent(pct)));
        }))))));
  }

  // ---- attribution and UTM ----

  const ATTRIBUTION = [["referrer", "Referrers", "Referrer"], ["paidAds", "Paid ads", "Ad network"],
    ["utm_source", "UTM source", "Source"], ["utm_medium", "UTM medium", "Medium"],
    ["utm_campaign", "UTM campaign", "Campaign"], ["utm_content", "UTM content", "Content"],
    ["utm_term", "UTM term", "Term"]];

  function attribution(data, ctx) {
    const t = data.total || { pageviews: 0, visitors: 0, visits: 0 };
    const model = ctx.parameters.model === "last-click" ? "last click" : "first click";
    const what = ctx.parameters.type === "path" ? "views of " : "";
    return h("div", {},
      h("p", { class: "result-summary" }, h("b", {}, U.number(t.pageviews)), " conversions (" + what,
        h("code", {}, ctx.parameters.step), ") by ", h("b", {}, U.number(t.visitors)),
        t.visitors === 1 ? " visitor" : " visitors", " in ", h("b", {}, U.number(t.visits)),
        t.visits === 1 ? " visit" : " visits", ", credited by " + model + "."),
      h("div", { class: "result-grid" }, ATTRIBUTION.map(([key, title, label]) =>
        nameTable(title, label, "Visitors", data[key] || [], t.visitors))));
  }

  const UTM = [["utm_source", "Source"], ["utm_medium", "Medium"], ["utm_campaign", "Campaign"],
    ["utm_term", "Term"], ["utm_content", "Content"]];

  function utm(data) {
    return h("div", { class: "result-grid" }, UTM.map(([key, title]) =>
      nameTable("UTM " + title.toLowerCase(), title, "Views",
        (data[key] || []).map((r) => ({ name: r.utm, value: r.views })))));
  }

  // ---- breakdown ----

  const FIELD_LABELS = {
    path: "Page", title: "Title", query: "Query", referrer: "Referrer", hostname: "Hostname",
    tag: "Tag", browser: "Browser", os: "OS", device: "Device", country: "Country",
    language: "Language", distinctId: "Distinct id", region: "Region", city: "City", event: "Event",
    utmSource: "UTM source", utmMedium: "UTM medium", utmCampaign: "UTM campaign",
    utmContent: "UTM content", utmTerm: "UTM term",
  };

  function fieldValue(name, value) {
    if (value === null || value === undefined || value === "") return h("span", { class: "muted" }, "(none)");
    if (name === "country") return h("span", { title: value }, countries[value] || value);
    return String(value);
  }

  function breakdown(rows, ctx) {
    if (!rows.length) return U.empty("No views", "No view in this range.");
    const fields = ctx.parameters.fields;
    return h("div", { class: "table-scroll" }, h("table", { class: "data-table breakdown" },
      h("thead", {}, h("tr", {}, fields.map((f) => h("th", {}, FIELD_LABELS[f] || f)),
        ["Views", "Visitors", "Visits", "Bounce rate", "Visit time"].map((t) => h("th", { class: "num" }, t)))),
      h("tbody", {}, rows.map((r) => h("tr", {},
        fields.map((f) => h("td", { class: "value" }, fieldValue(f, r[f]))),
        h("td", { class: "num" }, U.number(r.views)),
        h("td", { class: "num" }, U.number(r.visitors)),
        h("td", { class: "num" }, U.number(r.visits)),
        h("td", { class: "num" }, U.percent(ratio(r.bounces, r.visits) * 100)),
        h("td", { class: "num" }, U.duration(ratio(r.totaltime, r.visits))))))));
  }

  // ---- revenue ----

  function money(currency) {
    try {
      const format = new Intl.NumberFormat(undefined, { style: "currency", currency });
      return (value) => format.format(Number(value) || 0);
    } catch (err) { // not an ISO 4217 code: the number and the code as typed
      return (value) => (Number(value) || 0).toFixed(2) + " " + currency;
    }
  }

  const CHANNELS = { direct: "Direct", referral: "Referral", affiliate: "Affiliate", sms: "SMS",
    email: "E-mail", Unknown: "Unknown" };
  const channelName = (name) => CHANNELS[name] ||
    name.replace(/([A-Z])/g, " $1").toLowerCase().replace(/^./, (c) => c.toUpperCase());

  function revenue(data, ctx) {
    const fmt = money(ctx.parameters.currency.toUpperCase());
    const t = data.total;
    const cards = [["sum", "Revenue", fmt(t.sum)], ["count", "Orders", U.number(t.count)],
      ["unique_count", "Customers", U.number(t.unique_count)], ["average", "Average order", fmt(t.average)],
      ["arpu", "Per visitor", fmt(t.arpu)]];
    const days = data.chart.map((r) => ({
      name: localDay(r.t).toLocaleDateString(undefined, { month: "short", day: "numeric", year: "numeric" }) + " · " + r.x,
      value: r.y }));
    return h("div", {},
      h("div", { class: "cards revenue-cards" }, cards.map(([key, label, value]) =>
        h("div", { class: "stat card", dataset: { stat: key } },
          h("div", { class: "stat-label" }, label), h("div", { class: "stat-value" }, value)))),
      h("p", { class: "result-summary" }, U.number(t.total_sessions) + " visitors in the range."),
      h("div", { class: "result-grid" },
        nameTable("By day", "Day · event", "Revenue", days, null, fmt),
        nameTable("Countries", "Country", "Revenue",
          data.country.map((r) => ({ name: r.name ? countries[r.name] || r.name : "(unknown)", value: r.value, title: r.name })), null, fmt),
        nameTable("Referrers", "Referrer", "Revenue",
          data.referrer.map((r) => ({ name: r.name || "(direct)", value: r.value })), null, fmt),
        nameTable("Channels", "Channel", "Revenue",
          data.channel.map((r) => ({ name: channelName(r.name), value: r.value, title: r.name })), null, fmt)));
  }

  // ---- performance (web vitals) ----

  // Umami's thresholds: good up to the first number, poor above the second.
  const VITALS = [
    ["lcp", "LCP", "Largest contentful paint", 2500, 4000],
    ["inp", "INP", "Interaction to next paint", 200, 500],
    ["cls", "CLS", "Cumulative layout shift", 0.1, 0.25],
    ["fcp", "FCP", "First contentful paint", 1800, 3000],
    ["ttfb", "TTFB", "Time to first byte", 800, 1800],
  ];
  const RATINGS = { good: "Good", "needs-improvement": "Needs improvement", poor: "Poor" };

  // cls is a score (up to 3 decimals), the others milliseconds (whole)
  function vital(metric) {
    return (value) => {
      if (value === null || value === undefined) return "–";
      if (metric === "cls") return String(Number(Number(value).toFixed(3)));
      return Math.round(Number(value)) + " ms";
    };
  }

  function rating(value, good, poor) {
    return value <= good ? "good" : value > poor ? "poor" : "needs-improvement";
  }

  function vitalsCards(summary) {
    return h("div", { class: "cards vitals-cards" }, VITALS.map(([key, short, name, good, poor]) => {
      const s = summary[key];
      const fmt = vital(key);
      const rated = summary.count ? rating(s.p75, good, poor) : "none";
      return h("div", { class: "stat card vital is-" + rated, dataset: { vital: key, rating: rated } },
        h("div", { class: "stat-label", title: name }, short + " · p75"),
        h("div", { class: "stat-value" }, summary.count ? fmt(s.p75) : "–"),
        h("div", { class: "vital-rating" }, RATINGS[rated] || "No samples"),
        h("div", { class: "vital-more muted" }, "p50 " + fmt(s.p50) + " · p95 " + fmt(s.p95)),
        h("div", { class: "vital-scale muted" }, "good ≤ " + fmt(good) + ", poor > " + fmt(poor)));
    }));
  }

  function vitalsTable(title, label, rows, fmt) {
    return h("section", { class: "result-table", dataset: { table: title } },
      h("h3", {}, title),
      rows.length ? h("div", { class: "table-scroll" }, h("table", { class: "data-table vitals-table" },
        h("thead", {}, h("tr", {}, h("th", {}, label),
          ["p50", "p75", "p95", "Samples"].map((t) => h("th", { class: "num" }, t)))),
        h("tbody", {}, rows.map((r) => h("tr", {},
          h("td", { class: "value" }, fieldValue(label, r.name)),
          h("td", { class: "num" }, fmt(r.p50)), h("td", { class: "num" }, fmt(r.p75)),
          h("td", { class: "num" }, fmt(r.p95)), h("td", { class: "num" }, U.number(r.count)))))))
        : h("p", { class: "muted none" }, "None"));
  }

  function bucketLabel(t, unit) {
    const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2})/.exec(t);
    const when = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]));
    return unit === "hour" ? when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
      : when.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  }

  function performance(data, ctx) {
    const metric = ctx.parameters.metric || "lcp";
    const fmt = vital(metric);
    const [, short, name] = VITALS.find(([key]) => key === metric);
    const count = data.summary.count;
    if (!count) return U.empty("No web vitals", "No sample in this range. The tracker sends them with data-performance=\"true\".");
    const chart = h("div", { class: "chart vitals-chart", dataset: { chart: metric } });
    const result = h("div", {},
      h("p", { class: "result-summary" }, h("b", {}, U.number(count)), count === 1 ? " sample" : " samples",
        " of web vitals; the cards show each metric's 75th percentile."),
      vitalsCards(data.summary),
      h("h3", { class: "chart-title" }, name + " (" + short + ") by " + ctx.parameters.unit),
      chart,
      h("div", { class: "vitals-grid" },
        vitalsTable("Pages", "Page", data.pages, fmt),
        vitalsTable("Page titles", "Title", data.pageTitles, fmt),
        vitalsTable("Devices", "Device", data.devices, fmt),
        vitalsTable("Browsers", "Browser", data.browsers, fmt)));
    // drawn once the result is in the page, so the chart knows its width
    requestAnimationFrame(() => window.UmamiChart.draw(chart, {
      buckets: data.chart.map((p) => ({ label: bucketLabel(p.t, ctx.parameters.unit), title: bucketLabel(p.t, ctx.parameters.unit) })),
      series: [["p95", "vital-p95"], ["p75", "vital-p75"], ["p50", "vital-p50"]].map(([key, className]) =>
        ({ key, name: key, className, values: data.chart.map((p) => p[key]) })),
      legend: true, height: 220, format: fmt, least: metric === "cls" ? 0.001 : 1,
      summary: name + " percentiles by " + ctx.parameters.unit,
    }));
    return result;
  }

  const RENDER = { funnel, goal, journey, retention, attribution, utm, breakdown, revenue, performance };

  function render(box, type, data, ctx) {
    U.replace(box, h("div", { class: "report-result", dataset: { result: type } }, RENDER[type](data, ctx)));
  }

  return { render };
})();
