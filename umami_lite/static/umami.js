/* umami-lite tracker for the Umami v1 contract: POST {type, payload} to /api/collect.
   <script async defer data-website-id="UUID" src="https://HOST/umami.js"></script>
   Never throws into the host page: every entry point is wrapped. */
(function (win, doc) {
  'use strict';
  // Defined first, so calls from the page never hit a ReferenceError, even when disabled.
  var api = win.umami = function (value) { api.trackEvent(value); };
  api.trackView = function () {};
  api.trackEvent = function () {};
  try { init(); } catch (e) { /* never throw into the host page */ }

  function init() {
    var nav = win.navigator;
    var loc = win.location;
    var script = doc.currentScript;
    var attr = function (name) { return script ? script.getAttribute(name) : null; };
    var website = attr('data-website-id');
    var hostUrl = attr('data-host-url');
    // Without data-host-url the API lives beside this file, path prefix included.
    var root = hostUrl ? hostUrl.replace(/\/+$/, '')
      : script ? script.src.replace(/[?#].*$/, '').replace(/\/[^/]*$/, '') : '';
    var endpoint = root + '/api/collect';
    var autoTrack = attr('data-auto-track') !== 'false';
    // As in Umami v1, the attribute's presence (whatever its value) turns on the DNT check.
    var respectDnt = attr('data-do-not-track') !== null;
    var domains = (attr('data-domains') || '').split(',')
      .map(function (d) { return d.trim(); }).filter(Boolean);
    // data-cache keeps the session token across page loads of this tab (sessionStorage).
    var useCache = (attr('data-cache') || 'false') !== 'false';
    var CACHE_KEY = 'umami.cache';
    var screenSize = win.screen.width + 'x' + win.screen.height;
    var currentUrl = loc.pathname + loc.search;
    var currentRef = doc.referrer;
    var cache = useCache ? storage('sessionStorage', CACHE_KEY) : null;

    function storage(kind, key, value) {
      try {
        if (value === undefined) return win[kind].getItem(key);
        win[kind].setItem(key, value);
      } catch (e) { /* storage blocked: behave as if empty */ }
      return null;
    }

    function dntOn() {
      var v = win.doNotTrack || nav.doNotTrack || nav.msDoNotTrack;
      return v === '1' || v === 'yes';
    }

    function disabled() {
      return !!storage('localStorage', 'umami.disabled') || (respectDnt && dntOn()) ||
        (domains.length > 0 && domains.indexOf(loc.hostname) < 0);
    }

    function send(type, fields, site) {
      try {
        if (!(site || website) || disabled() || !win.fetch) return;
        var payload = { website: site || website, hostname: loc.hostname, screen: screenSize,
          language: nav.language };
        for (var k in fields) payload[k] = fields[k];
        var headers = { 'Content-Type': 'application/json' };
        if (cache) headers['x-umami-cache'] = cache;
        // keepalive lets a click on a link finish sending while the page unloads.
        fetch(endpoint, { method: 'POST', headers: headers, keepalive: true, credentials: 'omit',
          body: JSON.stringify({ type: type, payload: payload }) })
          .then(function (res) { return res.ok ? res.text() : null; })
          .then(function (text) {
            if (!text || text.charAt(0) === '{') return;
            cache = text;
            if (useCache) storage('sessionStorage', CACHE_KEY, text);
          })
          .catch(function () { /* offline or blocked: analytics must not break the page */ });
      } catch (e) { /* never throw into the host page */ }
    }

    function trackView(url, referrer, site) {
      send('pageview', { url: url || currentUrl, referrer: referrer === undefined ? currentRef
        : referrer }, site);
    }

    function trackEvent(name, data, url, site) {
      send('event', { url: url || currentUrl, event_name: name, event_data: data }, site);
    }

    // SPA navigation: the new url is the pushState argument as passed, made host-relative.
    function navigated(url) {
      if (url === undefined || url === null || url === '') return;
      var next = String(url);
      if (/^https?:\/\//i.test(next)) next = next.replace(/^https?:\/\/[^/]*/i, '') || '/';
      if (next === currentUrl) return;
      currentRef = currentUrl;
      currentUrl = next;
      trackView();
    }

    function hook(name) {
      var original = win.history[name];
      if (typeof original !== 'function') return;
      win.history[name] = function (state, title, url) {
        var result = original.apply(this, arguments);
        try { navigated(url); } catch (e) { /* ignore */ }
        return result;
      };
    }

    // CSS class events: class="umami--<dom event>--<event name>".
    var CLASS_EVENT = /^umami--([a-z]+)--(\w[\w-]*)$/;
    var bound = win.WeakMap ? new WeakMap() : null;

    function bind(el) {
      if (!el.classList || !bound) return;
      var seen = bound.get(el) || {};
      bound.set(el, seen);
      el.classList.forEach(function (cls) {
        var m = CLASS_EVENT.exec(cls);
        if (!m || seen[cls]) return;
        seen[cls] = true;
        el.addEventListener(m[1], function () {
          if (el.classList.contains(cls)) trackEvent(m[2]);
        }, true);
      });
    }

    function bindAll(node) {
      if (node.nodeType !== 1) return;
      bind(node);
      var found = node.querySelectorAll('[class*="umami--"]');
      for (var i = 0; i < found.length; i++) bind(found[i]);
    }

    function watchClasses() {
      bindAll(doc.documentElement);
      if (!win.MutationObserver) return;
      new MutationObserver(function (records) {
        try {
          records.forEach(function (r) {
            if (r.type === 'attributes') bind(r.target);
            else r.addedNodes.forEach(bindAll);
          });
        } catch (e) { /* ignore */ }
      }).observe(doc.documentElement, { childList: true, subtree: true, attributes: true,
        attributeFilter: ['class'] });
    }

    api.trackView = trackView;
    api.trackEvent = trackEvent;
    if (website && autoTrack) {
      hook('pushState');
      hook('replaceState');
      trackView();
      if (doc.readyState === 'loading') {
        doc.addEventListener('DOMContentLoaded', function () {
          try { watchClasses(); } catch (e) { /* ignore */ }
        });
      } else {
        watchClasses();
      }
    }
  }
})(window, document);
