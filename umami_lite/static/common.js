// Shared helpers for every dashboard page: API requests, formatting, DOM building, dialogs.
// The page hands us its URL bases as data attributes on <body>, so nothing here knows
// where umami-lite is mounted.
"use strict";

window.Umami = (function () {
  const body = document.body;
  const base = body.dataset.base || "";
  const apiBase = body.dataset.api || base + "/api";
  const state = { shareToken: null };

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  function cookie(name) {
    const prefix = name + "=";
    for (const part of document.cookie.split(";")) {
      const item = part.trim();
      if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
    }
    return "";
  }

  function loginUrl() {
    const here = location.pathname + location.search;
    return base + "/login?next=" + encodeURIComponent(here);
  }

  // Sends one API request; resolves to the parsed JSON, rejects with an ApiError whose
  // message is the server's explanation (or a plain one when the network failed).
  async function request(method, path, data) {
    const headers = { Accept: "application/json" };
    const options = { method, headers, credentials: "same-origin" };
    if (data !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    if (method !== "GET" && method !== "HEAD") {
      // Double-submit CSRF: echo the readable cookie; sent even when it does not exist yet.
      headers["X-CSRF-Token"] = cookie("umami.csrf");
    }
    if (state.shareToken) headers["x-umami-share-token"] = state.shareToken;
    let response;
    try {
      response = await fetch(apiBase + path, options);
    } catch (err) {
      throw new ApiError("Cannot reach the server. Check the connection and try again.", 0);
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch (err) {
      payload = null;
    }
    if (!response.ok) {
      const message = (payload && payload.error && payload.error.message) ||
        "The server answered " + response.status + ".";
      if (response.status === 401 && body.dataset.session === "user") {
        location.assign(loginUrl());
      }
      throw new ApiError(message, response.status);
    }
    return payload;
  }

  const get = (path) => request("GET", path);
  const post = (path, data) => request("POST", path, data === undefined ? {} : data);
  const del = (path) => request("DELETE", path);

  function query(params) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== "") search.set(key, value);
    }
    const text = search.toString();
    return text ? "?" + text : "";
  }

  // Numbers: 950, 1.2k, 12.3k, 123k, 1.2M.
  function number(value) {
    const n = Number(value) || 0;
    const abs = Math.abs(n);
    const trim = (x, digits) => x.toFixed(digits).replace(/\.0$/, "");
    if (abs < 1000) return String(Math.round(n));
    if (abs < 100000) return trim(n / 1000, 1) + "k";
    if (abs < 999500) return Math.round(n / 1000) + "k";
    if (abs < 100000000) return trim(n / 1000000, 1) + "M";
    return Math.round(n / 1000000) + "M";
  }

  // Durations in seconds: 42s, 3m 12s, 1h 5m.
  function duration(seconds) {
    const s = Math.max(0, Math.round(Number(seconds) || 0));
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
    return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
  }

  function percent(value) {
    const n = Number(value) || 0;
    if (n > 0 && n < 1) return "<1%";
    return Math.round(n) + "%";
  }

  // Builds an element: h("a", {href: "/x", class: "y"}, "text", child). Text is never HTML.
  function h(tag, attrs, ...children) {
    const element = document.createElementNS(
      tag === "svg" || (attrs && attrs.svg) ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
      tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "svg" || value === false || value === null || value === undefined) continue;
      if (key.startsWith("on") && typeof value === "function") {
        element.addEventListener(key.slice(2), value);
      } else if (key === "dataset") {
        Object.assign(element.dataset, value);
      } else if (key === "style") {
        Object.assign(element.style, value); // CSSOM, which a strict style-src CSP allows
      } else {
        element.setAttribute(key, value === true ? "" : String(value));
      }
    }
    append(element, children);
    return element;
  }

  function svg(tag, attrs, ...children) {
    return h(tag, Object.assign({ svg: true }, attrs), ...children);
  }

  function append(element, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function replace(element, ...children) {
    element.replaceChildren();
    append(element, children);
  }

  function loading(text) {
    return h("div", { class: "loading", role: "status" },
      h("span", { class: "spinner", "aria-hidden": "true" }), text || "Loading…");
  }

  function empty(title, text) {
    return h("div", { class: "empty" }, h("strong", {}, title), text || "");
  }

  function errorBox(message) {
    return h("div", { class: "error-box", role: "alert" }, message);
  }

  let toastTimer = null;
  function toast(message, isError) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.classList.toggle("is-error", Boolean(isError));
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, isError ? 6000 : 2500);
  }

  function showError(element, message) {
    element.textContent = message;
    element.hidden = !message;
  }

  // ---- API errors beside the field they name ----
  // A 400 names its field first: "'parameters.steps[1].value' is required" (or
  // "'parameters.filters[0]'.operator must be ..."). A form marks where each field's message
  // goes with <p class="field-error" data-error-for="<path>" data-label="<what to call it>">.

  function namedField(message) {
    const m = /^'([^']+)'((?:\.[A-Za-z]+)*)/.exec(message || "");
    return m ? m[1] + m[2] : null;
  }

  // Returns path and its parents: parameters.steps[1].value, parameters.steps[1], ...
  function withParents(path) {
    const list = [];
    while (path && !list.includes(path)) {
      list.push(path);
      path = path.replace(/(\.[A-Za-z]+|\[\d+\])$/, "");
    }
    return list;
  }

  let errorIds = 0;

  // Shows message in the slot of the field it names inside root (else of its nearest parent
  // with a visible slot: a step's row for its value), marks and focuses the control; returns
  // false when no slot fits, for the caller to show it elsewhere.
  function fieldError(root, message) {
    const named = namedField(message);
    if (!named) return false;
    const slots = [...root.querySelectorAll(".field-error")].filter((s) => !s.parentElement.closest("[hidden]"));
    for (const path of withParents(named)) {
      const slot = slots.find((s) => s.dataset.errorFor === path);
      if (!slot) continue;
      // "'parameters.steps[1].value' is required" reads "Step 2 value is required"
      const rest = message.replace(/^'[^']+'((?:\.[A-Za-z]+)*)\s*/, "");
      const tail = named.slice(path.length).replace(/^\./, "").replace(/\./g, " ");
      slot.textContent = [slot.dataset.label || "This field", tail, rest].filter(Boolean).join(" ");
      slot.hidden = false;
      if (!slot.id) slot.id = "field-error-" + (++errorIds);
      // the part a row's message names (operator, value) when the row marks its controls
      const part = tail.split(" ").pop();
      const control = (part && slot.parentElement.querySelector('[data-part="' + part + '"]')) ||
        slot.parentElement.querySelector("[data-field]") ||
        slot.parentElement.querySelector("input:not([type=checkbox]), select");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        control.setAttribute("aria-errormessage", slot.id);
        control.focus();
      }
      return true;
    }
    return false;
  }

  function clearFieldErrors(root) {
    for (const slot of root.querySelectorAll(".field-error")) slot.hidden = true;
    for (const el of root.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-errormessage");
    }
  }

  // Copies text; falls back to selecting it where the clipboard API is unavailable (http).
  async function copy(text, field) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (err) {
      if (field) {
        field.focus();
        field.select();
        try {
          return document.execCommand("copy");
        } catch (err2) {
          return false;
        }
      }
      return false;
    }
  }

  // Buttons marked data-close close their dialog.
  document.addEventListener("click", (event) => {
    const closer = event.target.closest("[data-close]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) dialog.close();
    }
  });

  for (const button of document.querySelectorAll("[data-action=logout]")) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await post("/auth/logout");
      } catch (err) {
        // Logged out or not, the login page is where the user wants to go.
      }
      location.assign(base + "/login");
    });
  }

  return {
    base, apiBase, state, ApiError, request, get, post, del, query, cookie,
    number, duration, percent, h, svg, append, replace, loading, empty, errorBox,
    toast, showError, copy, fieldError, clearFieldErrors,
  };
})();
