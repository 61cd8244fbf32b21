// Website list: add, edit (name, domain, retention, share link), delete, reset, tracking
// code and share link, last-24-hour figures.
"use strict";

(function () {
  const U = window.Umami;
  const h = U.h;
  const list = document.getElementById("website-list");
  const websiteDialog = document.getElementById("website-dialog");
  const websiteForm = document.getElementById("website-form");
  const websiteError = document.getElementById("website-error");
  const codeDialog = document.getElementById("code-dialog");
  const confirmDialog = document.getElementById("confirm-dialog");
  const DAY_MS = 86400000;
  let editing = null; // the website being edited, null when adding

  function snippet(website) {
    const src = location.origin + U.base + "/script.js";
    return '<script async defer data-website-id="' + website.website_uuid + '" src="' + src + '"></script>';
  }

  function shareUrl(website) {
    return location.origin + U.base + "/share/" + encodeURIComponent(website.share_id);
  }

  async function load() {
    list.setAttribute("aria-busy", "true");
    try {
      const page = await U.get("/websites" + U.query({ pageSize: 1000 }));
      render(page.data);
    } catch (err) {
      U.replace(list, U.errorBox("Could not load your websites: " + err.message));
    } finally {
      list.setAttribute("aria-busy", "false");
    }
  }

  function render(websites) {
    if (!websites.length) {
      U.replace(list, h("div", { class: "card" }, U.empty("No websites yet",
        "Add your first website to get its tracking code.")));
      return;
    }
    U.replace(list, websites.map(row));
    const now = Date.now();
    for (const website of websites) loadFigures(website, now);
  }

  function row(website) {
    const link = U.base + "/websites/" + encodeURIComponent(website.website_uuid);
    return h("article", { class: "website-row card", dataset: { websiteId: website.website_uuid } },
      h("div", { class: "website-main" },
        h("a", { class: "website-name", href: link }, website.name),
        website.share_id ? h("span", { class: "badge", title: "Public share link on" }, "Shared") : null,
        website.retention_days ? h("span", { class: "badge", "data-retention": website.retention_days,
          title: "Data older than this is deleted" }, "Keeps " + website.retention_days + " days") : null,
        h("div", { class: "website-domain" }, website.domain || "No domain set")),
      h("div", { class: "website-stats", "aria-label": "Last 24 hours" },
        h("div", {}, h("b", { "data-figure": "pageviews" }, "–"), "views, 24h"),
        h("div", {}, h("b", { "data-figure": "uniques" }, "–"), "visitors, 24h")),
      h("div", { class: "website-actions" },
        h("a", { class: "btn btn-small", href: link }, "View"),
        h("button", { type: "button", class: "btn btn-small", onclick: () => showCode(website) }, "Tracking code"),
        h("button", { type: "button", class: "btn btn-small", onclick: () => openEditor(website) }, "Edit"),
        h("button", { type: "button", class: "btn btn-small", onclick: () => confirmReset(website) }, "Reset"),
        h("button", { type: "button", class: "btn btn-small", onclick: () => confirmDelete(website) }, "Delete")));
  }

  async function loadFigures(website, now) {
    const path = "/website/" + website.website_uuid + "/stats" +
      U.query({ start_at: now - DAY_MS, end_at: now });
    const element = list.querySelector('[data-website-id="' + website.website_uuid + '"]');
    try {
      const stats = await U.get(path);
      for (const key of ["pageviews", "uniques"]) {
        element.querySelector('[data-figure="' + key + '"]').textContent = U.number(stats[key]);
      }
    } catch (err) {
      // The figures are a convenience; the row stays usable without them.
    }
  }

  function openEditor(website) {
    editing = website || null;
    document.getElementById("website-dialog-title").textContent = website ? "Edit website" : "Add website";
    websiteForm.name.value = website ? website.name : "";
    websiteForm.domain.value = website ? website.domain || "" : "";
    websiteForm.retention.value = website && website.retention_days ? website.retention_days : "";
    websiteForm.share.checked = Boolean(website && website.share_id);
    U.showError(websiteError, "");
    websiteDialog.showModal();
    websiteForm.name.focus();
  }

  websiteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = websiteForm.name.value.trim();
    if (!name) {
      U.showError(websiteError, "Give the website a name.");
      websiteForm.name.focus();
      return;
    }
    // Empty keeps data forever (null); the server checks the range of a number.
    const retention = websiteForm.retention.value.trim();
    if (retention && !/^\d+$/.test(retention)) {
      U.showError(websiteError, "Keep data for a whole number of days, or leave it empty to keep it forever.");
      websiteForm.retention.focus();
      return;
    }
    const body = { name, domain: websiteForm.domain.value.trim(), enable_share_url: websiteForm.share.checked,
      retention_days: retention ? Number(retention) : null };
    if (editing) body.website_id = editing.website_id;
    const button = websiteForm.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const saved = await U.post("/website", body);
      websiteDialog.close();
      await load();
      if (editing) {
        U.toast("Saved " + saved.name);
      } else {
        showCode(saved);
      }
    } catch (err) {
      U.showError(websiteError, err.message);
    } finally {
      button.disabled = false;
    }
  });

  function showCode(website) {
    const field = document.getElementById("code-snippet");
    document.getElementById("code-site").textContent = website.name;
    field.value = snippet(website);
    const shareBox = document.getElementById("share-box");
    shareBox.hidden = !website.share_id;
    if (website.share_id) document.getElementById("share-url").value = shareUrl(website);
    codeDialog.showModal();
    field.focus();
    field.select();
  }

  document.getElementById("copy-snippet").addEventListener("click", async () => {
    const field = document.getElementById("code-snippet");
    const ok = await U.copy(field.value, field);
    U.toast(ok ? "Tracking code copied" : "Select the code and copy it with Ctrl+C", !ok);
  });

  // Opens the confirmation dialog; action runs on confirm, errors stay in the dialog.
  function confirmAction(title, message, label, action) {
    document.getElementById("confirm-title").textContent = title;
    document.getElementById("confirm-message").textContent = message;
    const ok = document.getElementById("confirm-ok");
    const error = document.getElementById("confirm-error");
    ok.textContent = label;
    U.showError(error, "");
    const form = confirmDialog.querySelector("form");
    form.onsubmit = async (event) => {
      event.preventDefault();
      ok.disabled = true;
      try {
        await action();
        confirmDialog.close();
      } catch (err) {
        U.showError(error, err.message);
      } finally {
        ok.disabled = false;
      }
    };
    confirmDialog.showModal();
    confirmDialog.querySelector("[data-close]").focus();
  }

  function confirmReset(website) {
    confirmAction("Reset " + website.name + "?",
      "This deletes every pageview, visitor and event recorded for this website. " +
      "The website and its tracking code stay.", "Reset data", async () => {
        await U.post("/website/" + website.website_uuid + "/reset");
        U.toast("All data of " + website.name + " was deleted");
        await load();
      });
  }

  function confirmDelete(website) {
    confirmAction("Delete " + website.name + "?",
      "This deletes the website and all of its data. Pages that still carry its " +
      "tracking code will stop being counted.", "Delete website", async () => {
        await U.del("/website/" + website.website_uuid);
        U.toast("Deleted " + website.name);
        await load();
      });
  }

  document.getElementById("add-website").addEventListener("click", () => openEditor(null));
  load();
})();
