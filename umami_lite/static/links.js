// Links and pixels page: list each kind with its views of the last 30 days and the address
// (or image tag) to copy; add and delete. Reads /api/links, /api/pixels and the website
// stats of each (a link's id is its website's id).
"use strict";

(function () {
  const U = window.Umami;
  const h = U.h;
  const DAY_MS = 86400000;
  const dialog = document.getElementById("beacon-dialog");
  const form = document.getElementById("beacon-form");
  const error = document.getElementById("beacon-error");
  let adding = "link";

  function address(kind, item) {
    const url = location.origin + U.base + (kind === "link" ? "/q/" : "/p/") + encodeURIComponent(item.slug);
    return kind === "link" ? url : '<img src="' + url + '" alt="" width="1" height="1">';
  }

  function randomSlug() {
    const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
  }

  async function load(kind) {
    const box = document.querySelector(`[data-list="${kind}"]`);
    U.replace(box, U.loading());
    try {
      const page = await U.get("/" + kind + "s" + U.query({ pageSize: 1000 }));
      render(kind, box, page.data);
    } catch (err) {
      U.replace(box, U.errorBox(err.message));
    }
  }

  function render(kind, box, items) {
    if (!items.length) {
      U.replace(box, U.empty("No " + kind + "s yet", ""));
      return;
    }
    const now = Date.now();
    U.replace(box, h("table", { class: "session-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, kind === "link" ? "Address" : "Image tag"),
        h("th", { class: "num" }, "Views, 30 days"), h("th", {}, h("span", { class: "visually-hidden" }, "Actions")))),
      h("tbody", {}, items.map((item) => {
        const field = h("input", { class: "copy-field", readonly: true, value: address(kind, item),
          "aria-label": "Address of " + item.name });
        return h("tr", { dataset: { id: item.id } },
          h("td", {}, h("a", { href: U.base + "/websites/" + item.id }, item.name),
            kind === "link" ? h("div", { class: "muted small" }, "→ " + item.url) : null),
          h("td", {}, field),
          h("td", { class: "num", dataset: { views: item.id } }, "–"),
          h("td", { class: "actions" },
            h("button", { type: "button", class: "btn btn-small", onclick: async () => {
              U.toast((await U.copy(field.value, field)) ? "Copied" : "Select and copy it", false);
            } }, "Copy"),
            h("button", { type: "button", class: "btn btn-small", onclick: () => remove(kind, item) }, "Delete")));
      }))));
    for (const item of items) views(box, item, now);
  }

  async function views(box, item, now) {
    try {
      const stats = await U.get("/websites/" + item.id + "/stats" +
        U.query({ startAt: now - 30 * DAY_MS, endAt: now }));
      box.querySelector(`[data-views="${item.id}"]`).textContent = U.number(stats.pageviews);
    } catch (err) {
      // the count is a convenience; the row stays usable without it
    }
  }

  async function remove(kind, item) {
    if (!confirm("Delete " + item.name + " and its counts?")) return;
    try {
      await U.del("/" + kind + "s/" + item.id);
      U.toast(item.name + " was deleted", false);
      load(kind);
    } catch (err) {
      U.toast(err.message, true);
    }
  }

  function open(kind) {
    adding = kind;
    form.reset();
    U.showError(error, "");
    document.getElementById("beacon-dialog-title").textContent = "Add " + kind;
    document.getElementById("beacon-url-field").hidden = kind !== "link";
    document.getElementById("beacon-slug").value = randomSlug();
    dialog.showModal();
    document.getElementById("beacon-name").focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: form.name.value.trim(), slug: form.slug.value.trim() };
    if (adding === "link") body.url = form.url.value.trim();
    if (!body.name) return U.showError(error, "Give it a name.");
    try {
      await U.post("/" + adding + "s", body);
      dialog.close();
      load(adding);
    } catch (err) {
      U.showError(error, err.message);
    }
  });

  for (const button of document.querySelectorAll("[data-add]")) {
    button.addEventListener("click", () => open(button.dataset.add));
  }
  load("link");
  load("pixel");
})();
