/* umami-lite tracker for the current Umami contract: POST {type, payload} to /api/send.
   <script defer data-website-id="UUID" src="https://HOST/script.js"></script>
   Never throws into the host page: every entry point is wrapped. */
(function (win, doc) {
  'use strict';
  var resolved = function () { return win.Promise ? Promise.resolve() : undefined; };
  // Defined first, so calls from the page never hit a ReferenceError, even when disabled.
  var api = win.umami = { track: resolved, identify: resolved,
    getSession: function () { return null; } };
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
    var endpoint = root + '/api/send';
    var autoTrack = attr('data-auto-track') !== 'false';
    var respectDnt = attr('data-do-not-track') === 'true';
    var excludeSearch = attr('data-exclude-search') === 'true';
    var excludeHash = attr('data-exclude-hash') === 'true';
    var tag = attr('data-tag');
    var beforeSend = attr('data-before-send');
    var vitalsOn = attr('data-performance') === 'true';
    var domains = (attr('data-domains') || '').split(',')
      .map(function (d) { return d.trim(); }).filter(Boolean);
    var screenSize = win.screen.width + 'x' + win.screen.height;
    var currentUrl = normalize(loc.href);
    // A referrer from this same site is not a source of traffic.
    var currentRef = doc.referrer.indexOf(loc.origin) === 0 ? '' : doc.referrer;
    var cache = null;
    var identity = null;
    var stopped = false; // the server answered {"disabled": true}

    function normalize(url) {
      var u = new URL(url, loc.href);
      if (excludeSearch) u.search = '';
      if (excludeHash) u.hash = '';
      return u.href;
    }

    function dntOn() {
      var v = win.doNotTrack || nav.doNotTrack || nav.msDoNotTrack;
      return v === '1' || v === 'yes';
    }

    function disabled() {
      var optedOut = false;
      try { optedOut = !!win.localStorage.getItem('umami.disabled'); } catch (e) { /* blocked */ }
      return stopped || optedOut || !website || (respectDnt && dntOn()) ||
        (domains.length > 0 && domains.indexOf(loc.hostname) < 0);
    }

    function base(url, referrer) {
      var p = { website: website, screen: screenSize, language: nav.language,
        title: doc.title, hostname: loc.hostname, url: url || currentUrl,
        referrer: referrer === undefined ? currentRef : referrer };
      if (tag) p.tag = tag;
      if (identity) p.id = identity;
      return p;
    }

    function extend(target, fields) {
      for (var k in fields) target[k] = fields[k];
      return target;
    }

    // Returns a promise that always resolves (to the server's JSON, or undefined).
    function send(type, payload) {
      try {
        if (disabled() || !win.fetch) return resolved();
        var hook = beforeSend && win[beforeSend];
        if (typeof hook === 'function') payload = hook(type, payload);
        if (!payload) return resolved();
        var headers = { 'Content-Type': 'application/json' };
        // identify starts a new session, so the old session's token must not be reused.
        if (type === 'identify') headers['x-umami-cache'] = '';
        else if (cache) headers['x-umami-cache'] = cache;
        // keepalive lets a click on a link finish sending while the page unloads.
        return fetch(endpoint, { method: 'POST', headers: headers, keepalive: true,
          credentials: 'omit', body: JSON.stringify({ type: type, payload: payload }) })
          .then(function (res) { return res.ok ? res.json() : undefined; })
          .then(function (data) {
            if (data && data.disabled) stopped = true;
            if (data && typeof data.cache === 'string') cache = data.cache;
            return data;
          })
          .catch(function () { /* offline or blocked: analytics must not break the page */ });
      } catch (e) {
        return resolved();
      }
    }

    function track(name, data) {
      try {
        if (typeof name === 'string') {
          return send('event', extend(base(), { name: name, data: data }));
        }
        if (typeof name === 'function') return send('event', name(base()));
        if (name && typeof name === 'object') {
          return send('event', extend({ website: website }, name));
        }
        return send('event', base());
      } catch (e) {
        return resolved();
      }
    }

    function identify(id, data) {
      try {
        if (typeof id === 'string') identity = id;
        else data = id;
        return send('identify', extend(base(), { data: data }));
      } catch (e) {
        return resolved();
      }
    }

    // SPA navigation: one pageview per url change, sent a moment later so that the
    // router has set the new page's title.
    function navigated() {
      var next = normalize(loc.href);
      if (next === currentUrl) return;
      var referrer = currentUrl;
      endView();
      currentUrl = next;
      currentRef = referrer;
      setTimeout(function () { send('event', base(next, referrer)); }, 100);
    }

    function hook(name) {
      var original = win.history[name];
      if (typeof original !== 'function') return;
      win.history[name] = function (state, title, url) {
        var result = original.apply(this, arguments);
        try { if (url !== undefined && url !== null) navigated(); } catch (e) { /* ignore */ }
        return result;
      };
    }

    // Clicks on elements (or inside elements) with data-umami-event="name";
    // data-umami-event-KEY="value" attributes become the event's data.
    function onClick(e) {
      try {
        var el = e.target && e.target.closest && e.target.closest('[data-umami-event]');
        var name = el && el.getAttribute('data-umami-event');
        if (!name) return;   // an empty name would turn the click into a pageview
        var data = {};
        for (var i = 0; i < el.attributes.length; i++) {
          var a = el.attributes[i];
          var m = /^data-umami-event-(.+)$/.exec(a.name);
          if (m) data[m[1]] = a.value;
        }
        track(name, data);
      } catch (err) { /* ignore */ }
    }

    // data-performance="true": each view ends (url change, pagehide) with one `performance`
    // hit of what it measured and its length. ttfb, fcp, lcp: the loaded page only.
    var perf = win.performance;
    var view = null;
    var observers = [];

    function startView(loaded) {
      view = { start: loaded ? 0 : perf.now(), loaded: loaded, m: {}, acts: {} };
    }

    function measure(type, e) {
      var m = view.m;
      var t = e.startTime;
      if (t < view.start) return;
      if (type === 'layout-shift') {
        if (e.hadRecentInput) return;
        // cls: the largest burst of shifts, each within 1 s of the last and 5 s of the first
        var w = view.shift;
        if (!w || t - w.last > 1000 || t - w.first > 5000) w = view.shift = { first: t, v: 0 };
        w.last = t;
        w.v += e.value;
        m.cls = Math.max(m.cls || 0, w.v);
      } else if (type === 'event') {
        if (e.interactionId) view.acts[e.interactionId] = Math.max(view.acts[e.interactionId] || 0, e.duration);
      } else if (view.loaded && !view.input) {
        if (type !== 'paint') m.lcp = t;
        else if (e.name === 'first-contentful-paint') m.fcp = t;
      }
    }

    function endView() {
      if (!view) return;
      observers.forEach(function (o) {
        o.takeRecords().forEach(function (e) { measure(o.type, e); });
      });
      // inp: the slowest interaction, but one for every 50 (a long visit's outliers)
      var acts = Object.keys(view.acts).map(function (k) { return view.acts[k]; })
        .sort(function (a, b) { return b - a; });
      if (acts.length) view.m.inp = acts[Math.min(acts.length - 1, acts.length / 50 | 0)];
      send('performance', extend(extend(base(), view.m),
        { duration: Math.round(perf.now() - view.start) }));
      startView(false);
    }

    function watchVitals() {
      var nav = perf.getEntriesByType('navigation')[0];
      startView(true);
      if (nav && nav.responseStart > 0) view.m.ttfb = nav.responseStart;
      ['paint', 'largest-contentful-paint', 'layout-shift', 'event'].forEach(function (type) {
        try {
          var o = new win.PerformanceObserver(function (list) {
            list.getEntries().forEach(function (e) { measure(type, e); });
          });
          o.observe({ type: type, buffered: true, durationThreshold: 16 });
          o.type = type;
          observers.push(o);
        } catch (e) { /* a type this browser does not measure */ }
      });
      // the largest paint after an input follows the visitor, not the page load
      ['keydown', 'pointerdown'].forEach(function (name) {
        win.addEventListener(name, function () { view.input = true; }, true);
      });
      win.addEventListener('pagehide', endView);
    }

    api.track = track;
    api.identify = identify;
    api.getSession = function () { return { cache: cache, website: website }; };
    if (autoTrack) {
      hook('pushState');
      hook('replaceState');
      doc.addEventListener('click', onClick, true);
      track();
    }
    if (vitalsOn && perf && win.PerformanceObserver) watchVitals();
  }
})(window, document);
