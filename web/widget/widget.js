/*!
 * Clinic chat widget for a Rasa socket.io channel. One tag on any page:
 *   <script src=".../widget/widget.js" data-server="http://localhost:5005" data-clinic-name="Clear Life Recovery"
 *           data-greeting="Hi..." data-color="#1d6f72" defer></script>
 * Optional: data-socket-path ("/socket.io"), data-transports ("websocket,polling"), data-history-hours ("24"),
 * data-emergency ("911"), data-lifeline ("988").
 * Loads vendor/socket.io.min.js (socket.io-client 4.8.4, MIT) from beside this file when the chat is first used.
 * Message text is only ever inserted as text nodes (never innerHTML).
 */
(function () {
  "use strict";
  if (window.ClinicChat) return; // included twice: keep the first

  var script = document.currentScript ||
    document.querySelector('script[src*="widget.js"][data-server]') || document.createElement("script");
  var data = script.dataset || {};
  var SERVER = (data.server || "http://localhost:5005").replace(/\/+$/, "");
  var CLINIC = data.clinicName || "Our clinic";
  var GREETING = data.greeting || ("Hi, I'm the " + CLINIC + " assistant. How can I help?");
  var SOCKET_PATH = data.socketPath || "/socket.io";
  var TRANSPORTS = (data.transports || "websocket,polling").split(",").map(function (t) { return t.trim(); })
    .filter(function (t) { return t === "websocket" || t === "polling"; });
  var HISTORY_MS = (parseFloat(data.historyHours) || 24) * 3600e3;
  var EMERGENCY = (data.emergency || "911").replace(/[^0-9+]/g, "");
  var LIFELINE = (data.lifeline || "988").replace(/[^0-9+]/g, "");
  var MAX_MESSAGES = 200;
  var base = script.src ? new URL(".", script.src).href : "";
  var KEY = "clinicchat:" + SERVER + ":";

  // ---------- storage (localStorage can be missing or full: fall back to memory) ----------
  var memory = {};
  function load(name) {
    var raw;
    try { raw = window.localStorage.getItem(KEY + name); } catch (e) { raw = memory[name]; }
    try { return raw ? JSON.parse(raw) : null; } catch (e) { return null; }
  }
  function save(name, value) {
    var raw = JSON.stringify(value);
    memory[name] = raw;
    try { window.localStorage.setItem(KEY + name, raw); } catch (e) { /* private mode or full */ }
  }
  function forget(name) {
    delete memory[name];
    try { window.localStorage.removeItem(KEY + name); } catch (e) { /* ignore */ }
  }

  // 128 random bits from the platform CSPRNG: anyone who knows a session id receives its replies.
  function newSessionId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function freshState() { return { session: newSessionId(), messages: [], crisis: null, updated: Date.now() }; }
  var state = load("state");
  if (!state || !/^[0-9a-f]{32}$/.test(state.session || "") || !Array.isArray(state.messages) ||
      !(Date.now() - state.updated < HISTORY_MS)) {
    state = freshState();
  }
  state.messages = state.messages.filter(function (m) {
    return m && (m.from === "user" || m.from === "bot") && typeof m.text === "string" && isFinite(m.ts);
  });
  if (!state.crisis || !Array.isArray(state.crisis.resources)) state.crisis = null;
  function persist() {
    state.updated = Date.now();
    if (state.messages.length > MAX_MESSAGES) state.messages = state.messages.slice(-MAX_MESSAGES);
    save("state", state);
  }

  // ---------- DOM helpers: every piece of text goes in as a text node ----------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        if (name === "class") node.className = attrs[name];
        else if (name === "text") node.textContent = attrs[name];
        else node.setAttribute(name, attrs[name]);
      });
    }
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function svg(path) { // fixed icon markup from this file only, never from messages
    var ns = "http://www.w3.org/2000/svg";
    var s = document.createElementNS(ns, "svg");
    s.setAttribute("viewBox", "0 0 24 24");
    s.setAttribute("aria-hidden", "true");
    s.setAttribute("focusable", "false");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", path);
    s.appendChild(p);
    return s;
  }
  var ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";
  var ICON_CLOSE = "M6 6l12 12M18 6L6 18";
  var ICON_SEND = "M3 20l18-8L3 4v6l12 2-12 2z";
  var ICON_CLEAR = "M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13";

  // Links: http(s) URLs; bare domains of a few common TLDs (988lifeline.org), opened as https; US phone
  // numbers, as tel: links. Everything else stays text.
  var LINK_RE = /(\bhttps?:\/\/[^\s<>"]+)|(\b(?:[a-z0-9-]+\.)+(?:org|com|net|gov|edu|us)\b(?:\/[^\s<>"]*)?)|((?:\+?1[ .-]?)?\(?\b\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b)/gi;
  function linkify(text) {
    var frag = document.createDocumentFragment();
    var last = 0;
    text.replace(LINK_RE, function (match, url, domain, phone, offset) {
      var shown = phone ? match : match.replace(/[.,;:!?'"]+$/, "");
      if (!phone && shown.slice(-1) === ")" && shown.indexOf("(") === -1) shown = shown.slice(0, -1);
      var href = null;
      if (phone) {
        href = "tel:" + match.replace(/[^0-9+]/g, "");
      } else {
        try {
          var parsed = new URL(url ? shown : "https://" + shown);
          if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
        } catch (e) { href = null; }
      }
      if (!href) return match;
      frag.appendChild(document.createTextNode(text.slice(last, offset)));
      var a = el("a", { href: href, text: shown });
      if (!phone) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
      frag.appendChild(a);
      last = offset + shown.length;
      return match;
    });
    frag.appendChild(document.createTextNode(text.slice(last)));
    return frag;
  }

  function timeLabel(ts) {
    try { return new Date(ts).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }); }
    catch (e) { return ""; }
  }

  // Accent colour: only a #hex value is used; text on it is black or white, whichever contrasts more.
  var accent = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(data.color || "") ? data.color : "#1d6f72";
  function onAccent(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h.replace(/./g, "$&$&");
    var lum = [0, 2, 4].map(function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var L = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return (1.05 / (L + 0.05)) >= ((L + 0.05) / 0.05) ? "#fff" : "#000";
  }

  var CSS = [
    ":host{all:initial;--accent:#1d6f72;--on-accent:#fff;--crisis:#a4001d;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1a1a1a}",
    "*{box-sizing:border-box}",
    ".sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}",
    "button,input{font:inherit}",
    "a{color:inherit}",
    ":focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    "svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}",
    ".launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;display:flex;align-items:center;gap:8px;min-height:56px;padding:0 20px;border:0;border-radius:28px;background:var(--accent);color:var(--on-accent);font-weight:600;box-shadow:0 4px 14px rgba(0,0,0,.3);cursor:pointer}",
    ".launcher[hidden]{display:none}",
    ".panel{position:fixed;right:16px;bottom:16px;z-index:2147483001;display:flex;flex-direction:column;width:380px;height:min(640px,calc(100vh - 32px));background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.35);overflow:hidden}",
    ".panel[hidden]{display:none}",
    "@media (max-width:520px),(max-height:560px){.panel{inset:0;right:0;bottom:0;width:100%;height:100%;border-radius:0}}",
    ".head{display:flex;align-items:center;gap:8px;padding:10px 8px 10px 16px;background:var(--accent);color:var(--on-accent)}",
    ".head h2{flex:1;margin:0;font-size:1.05rem;line-height:1.2}",
    ".head small{display:block;font-weight:400;font-size:.8rem;opacity:.9}",
    ".icon{display:inline-flex;align-items:center;justify-content:center;width:44px;height:44px;border:0;border-radius:8px;background:transparent;color:inherit;cursor:pointer}",
    ".icon:hover{background:rgba(127,127,127,.25)}",
    ".sos[hidden]{display:none}",
    ".sos{margin:0;padding:6px 16px;background:#fff4f4;color:#5c0010;font-size:.85rem;border-bottom:1px solid #f0c8cc}",
    ".sos a{font-weight:700;color:var(--crisis);padding:4px 0;display:inline-block}",
    ".crisis{padding:12px 16px 14px;background:var(--crisis);color:#fff;border-bottom:4px solid #5c0010;max-height:45%;overflow:auto;flex:none}",
    ".crisis:empty{padding:0;border:0}",
    ".crisis h3{margin:0 0 8px;font-size:1.1rem;line-height:1.25}",
    ".crisis ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:8px}",
    ".crisis li{flex:1 1 140px}",
    ".crisis a{display:flex;flex-direction:column;justify-content:center;min-height:48px;padding:6px 12px;border-radius:8px;background:#fff;color:var(--crisis);font-weight:700;text-decoration:none;line-height:1.2}",
    ".crisis a span{font-weight:400;font-size:.8rem;color:#3d0008}",
    ".status{margin:0;padding:6px 16px;background:#fff8e1;color:#4a3500;font-size:.875rem}",
    ".status:empty{display:none}",
    ".log{position:relative;flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:10px;background:#f6f7f7;overscroll-behavior:contain}",
    ".msg{max-width:85%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".msg p{margin:0}",
    ".msg time{display:block;margin-top:2px;font-size:.75rem}",
    ".bot{align-self:flex-start;background:#fff;border:1px solid #dde1e1;border-bottom-left-radius:4px}",
    ".bot.alarm{border:2px solid var(--crisis)}",
    ".user{align-self:flex-end;background:var(--accent);color:var(--on-accent);border-bottom-right-radius:4px}",
    ".replies{display:flex;flex-wrap:wrap;gap:8px;align-self:flex-start;max-width:100%}",
    ".replies button{min-height:44px;padding:8px 14px;border:2px solid var(--accent);border-radius:22px;background:#fff;color:#1a1a1a;cursor:pointer;text-align:left}",
    ".replies button:hover{background:#eef5f5}",
    ".typing{align-self:flex-start;padding:10px 14px;background:#fff;border:1px solid #dde1e1;border-radius:14px;margin:0 16px 8px}",
    ".typing[hidden]{display:none}",
    ".typing i{display:inline-block;width:8px;height:8px;margin:0 2px;border-radius:50%;background:#6b7575;animation:blink 1.2s infinite both}",
    ".typing i:nth-child(2){animation-delay:.2s}.typing i:nth-child(3){animation-delay:.4s}",
    "@keyframes blink{0%,80%,100%{opacity:.25}40%{opacity:1}}",
    "@media (prefers-reduced-motion:reduce){.typing i{animation:none}}",
    "form{display:flex;gap:8px;padding:10px 12px calc(10px + env(safe-area-inset-bottom,0px));border-top:1px solid #dde1e1;background:#fff}",
    "input{flex:1;min-width:0;min-height:48px;padding:10px 14px;border:2px solid #8a9595;border-radius:24px;font-size:16px;color:#1a1a1a;background:#fff}",
    "input:focus{border-color:var(--accent)}",
    ".send{flex:none;width:48px;height:48px;border-radius:50%;background:var(--accent);color:var(--on-accent)}",
    ".foot{padding:0 16px 8px;background:#fff;font-size:.72rem;color:#4d5656}"
  ].join("\n");

  // ---------- build the UI (in a shadow root, so the host page's CSS can't break it) ----------
  var host = el("div", { id: "clinic-chat-widget" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  host.style.setProperty("--accent", accent);
  host.style.setProperty("--on-accent", onAccent(accent));
  root.appendChild(el("style", { text: CSS }));

  var launcher = el("button", { type: "button", class: "launcher", "aria-haspopup": "dialog",
    "aria-expanded": "false", "aria-controls": "cc-panel" }, [svg(ICON_CHAT), el("span", { class: "label" })]);
  var launcherLabel = launcher.querySelector(".label");

  var closeBtn = el("button", { type: "button", class: "icon", "aria-label": "Close chat" }, [svg(ICON_CLOSE)]);
  var clearBtn = el("button", { type: "button", class: "icon",
    "aria-label": "Delete this conversation from this device", title: "Delete conversation" }, [svg(ICON_CLEAR)]);
  var header = el("div", { class: "head" }, [
    el("h2", null, [CLINIC, el("small", { text: "Recovery support chat" })]),
    clearBtn, closeBtn
  ]);
  var sos = el("p", { class: "sos" }, ["In danger right now? Call ",
    el("a", { href: "tel:" + EMERGENCY, text: EMERGENCY }), " or call or text ",
    el("a", { href: "tel:" + LIFELINE, text: LIFELINE }), "."]);
  var crisisBox = el("div", { class: "crisis", role: "alert" });
  var status = el("p", { class: "status", role: "status" });
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0" });
  // Visual only: the reply itself is announced by the log.
  var typing = el("div", { class: "typing", hidden: "", "aria-hidden": "true", title: CLINIC + " is typing" },
    [el("i"), el("i"), el("i")]);
  var input = el("input", { id: "cc-input", type: "text", autocomplete: "off", enterkeyhint: "send",
    maxlength: "1000", placeholder: "Type your message" });
  var form = el("form", { "aria-label": "Send a message" }, [
    el("label", { for: "cc-input", class: "sr", text: "Message to " + CLINIC }),
    input,
    el("button", { type: "submit", class: "icon send", "aria-label": "Send" }, [svg(ICON_SEND)])
  ]);
  var footer = el("div", { class: "foot", text: "Automated assistant, not a person or a medical professional." });
  var panel = el("div", { id: "cc-panel", class: "panel", role: "dialog", "aria-label": "Chat with " + CLINIC,
    hidden: "" }, [header, sos, crisisBox, status, log, typing, form, footer]);
  root.appendChild(launcher);
  root.appendChild(panel);

  // ---------- rendering ----------
  function renderMessage(m) {
    var who = m.from === "user" ? "You" : CLINIC;
    var node = el("div", { class: "msg " + (m.from === "user" ? "user" : "bot") + (m.alarm ? " alarm" : "") }, [
      el("span", { class: "sr", text: who + " said:" }),
      el("p", null, [m.from === "user" ? document.createTextNode(m.text) : linkify(m.text)]),
      el("time", { datetime: new Date(m.ts).toISOString(), text: timeLabel(m.ts), "aria-hidden": "true" })
    ]);
    log.appendChild(node);
    if (m.replies && m.replies.length && !m.answered) log.appendChild(renderReplies(m));
    return node;
  }
  function renderReplies(m) {
    var group = el("div", { class: "replies", role: "group", "aria-label": "Suggested replies" });
    m.replies.forEach(function (r) {
      var b = el("button", { type: "button", text: r.title });
      b.addEventListener("click", function () {
        send(r.payload, r.title);
        input.focus();
      });
      group.appendChild(b);
    });
    return group;
  }
  function clearReplies() {
    state.messages.forEach(function (m) { if (m.replies) m.answered = true; });
    Array.prototype.forEach.call(log.querySelectorAll(".replies"), function (g) { g.remove(); });
  }
  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function telHref(number) { return "tel:" + String(number).replace(/[^0-9+*#]/g, ""); }
  function smsHref(number, body) {
    var href = "sms:" + String(number).replace(/[^0-9+]/g, "");
    // "?&body=" is the form both current iOS (which reads "&body=") and Android (which reads the "?body"
    // query, ignoring the empty first parameter) prefill; RFC 5724's plain "?body=" is ignored by older iOS.
    // The visible label also says what to type, in case a phone drops the prefill.
    return body ? href + "?&body=" + encodeURIComponent(body) : href;
  }
  // The role="alert" box is always in the page (empty and flat when there is no crisis): screen readers
  // announce an alert when content is inserted into it. It is only rebuilt when its content changes.
  var shownCrisis = "null";
  function renderCrisis() {
    var c = state.crisis;
    if (JSON.stringify(c) === shownCrisis) return;
    shownCrisis = JSON.stringify(c);
    while (crisisBox.firstChild) crisisBox.removeChild(crisisBox.firstChild);
    sos.hidden = !!c; // the banner says it all once it is up
    if (!c) return;
    crisisBox.appendChild(el("h3", { text: c.category === "overdose" || c.category === "medical"
      ? "This may be an emergency. Get help now:" : "You are not alone. Reach someone now:" }));
    var list = el("ul");
    (c.resources || []).forEach(function (r) {
      if (!r || !r.number) return;
      var isSms = r.type === "sms";
      var named = String(r.label || "").indexOf(r.number) !== -1; // "Call 911" needs no second line
      var detail = isSms && r.body ? "Text " + r.body + " to " + r.number
        : named ? "" : (isSms ? "Text " : "Call ") + r.number;
      var a = el("a", { href: isSms ? smsHref(r.number, r.body) : telHref(r.number) },
        [String(r.label || (isSms ? "Text " : "Call ") + r.number)].concat(detail ? [el("span", { text: detail })] : []));
      list.appendChild(el("li", null, [a]));
    });
    crisisBox.appendChild(list);
  }

  function renderAll() {
    while (log.firstChild) log.removeChild(log.firstChild);
    state.messages.forEach(renderMessage);
    renderCrisis();
    renderLauncher();
  }

  function addMessage(m) {
    state.messages.push(m);
    persist();
    var node = renderMessage(m);
    // A long reply is shown from its first line (people read down from there), anything else at the bottom.
    if (m.from === "bot" && node.offsetHeight > log.clientHeight * 0.8) log.scrollTop = node.offsetTop - 8;
    else scrollDown();
    return node;
  }

  // ---------- connection ----------
  var socket = null;
  var confirmed = false;
  var outbox = [];
  var typingTimer = null;
  var offlineTimer = null;

  function setStatus(text) { status.textContent = text; }
  function showTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) typingTimer = setTimeout(function () { typing.hidden = true; }, 30000);
  }

  var ioPromise = null;
  function loadIo() {
    if (ioPromise) return ioPromise;
    ioPromise = new Promise(function (resolve, reject) {
      var previous = window.io; // the host page may use its own (other) socket.io version: give it back
      var tag = document.createElement("script");
      tag.src = base + "vendor/socket.io.min.js";
      tag.async = true;
      tag.onload = function () {
        var ours = window.io;
        if (previous !== undefined) window.io = previous;
        if (typeof ours === "function") resolve(ours); else reject(new Error("socket.io did not load"));
      };
      tag.onerror = function () { ioPromise = null; reject(new Error("socket.io did not load")); };
      document.head.appendChild(tag);
    });
    return ioPromise;
  }

  function offlineHelp() {
    setStatus("Can't reach the chat right now. Still trying\u2026 If you are in danger, call " + EMERGENCY +
      " or call or text " + LIFELINE + ".");
  }

  var ROUTE = Math.random().toString(36).slice(2) + Date.now().toString(36);

  function connect() {
    if (socket) return;
    setStatus("Connecting\u2026");
    clearTimeout(offlineTimer);
    offlineTimer = setTimeout(offlineHelp, 10000);
    loadIo().then(function (io) {
      if (socket) return;
      socket = io(SERVER, {
        path: SOCKET_PATH,
        // WebSocket first: it needs no CORS set-up on the Rasa server. If it is blocked (some proxies),
        // fall back to long-polling, which needs `rasa run --cors <this page's origin>`.
        transports: TRANSPORTS.length ? TRANSPORTS : ["websocket", "polling"],
        tryAllTransports: true,
        reconnection: true,
        reconnectionDelay: 1000,
        reconnectionDelayMax: 5000,
        timeout: 10000,
        // With several Rasa replicas, the load balancer keeps one tab on one replica by this random value
        // (deploy/nginx/); it is not the session id, which must stay out of URLs and logs.
        query: { route: ROUTE }
      });
      // Fires on the first connection and after every reconnection: (re)join the session's room first,
      // and send queued messages only once the server confirms (replies go to that room).
      socket.on("connect", function () {
        confirmed = false;
        socket.emit("session_request", { session_id: state.session });
      });
      socket.on("session_confirm", function (id) {
        var sid = typeof id === "string" ? id : id && id.session_id;
        if (sid && sid !== state.session) return; // not ours
        confirmed = true;
        clearTimeout(offlineTimer);
        setStatus("");
        while (outbox.length && confirmed) socket.emit("user_uttered", outbox.shift());
        host.dispatchEvent(new CustomEvent("clinicchat:connected", { bubbles: true, composed: true }));
      });
      socket.on("disconnect", function (reason) {
        confirmed = false;
        if (reason === "io client disconnect") return;
        if (reason === "io server disconnect") socket.connect(); // socket.io leaves this one to the app
        setStatus("Reconnecting\u2026");
        clearTimeout(offlineTimer);
        offlineTimer = setTimeout(offlineHelp, 10000);
      });
      socket.on("connect_error", function () {
        if (!status.textContent || status.textContent === "Connecting\u2026") setStatus("Reconnecting\u2026");
      });
      socket.on("bot_uttered", onBotMessage);
    }, function () {
      offlineHelp();
      setTimeout(function () { if (!socket) connect(); }, 5000);
    });
  }

  // Custom payloads: {"custom": {...}} (the project's fixed channel), {"data": {...}} (Rasa's stock
  // channel when a custom payload is wrapped in "data"), or the fields at the top level.
  function customOf(msg) {
    if (msg.custom && typeof msg.custom === "object") return msg.custom;
    if (msg.data && typeof msg.data === "object") return msg.data;
    return msg;
  }

  function onBotMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    showTyping(false);
    var custom = customOf(msg);
    if (custom.crisis === true) {
      var resources = Array.isArray(custom.resources) && custom.resources.length ? custom.resources
        : (state.crisis && state.crisis.resources) || [];
      state.crisis = { category: String(custom.category || (state.crisis && state.crisis.category) || ""),
        resources: resources.slice(0, 8).map(function (r) {
          return { label: String(r.label || ""), type: r.type === "sms" ? "sms" : "call",
            number: String(r.number || ""), body: r.body ? String(r.body) : "" };
        }) };
      // Mark the reply this payload belongs to (sent just before it, or in the same message).
      var lastBot = state.messages.length && state.messages[state.messages.length - 1];
      if (!msg.text && lastBot && lastBot.from === "bot") {
        lastBot.alarm = true;
        var nodes = log.querySelectorAll(".msg.bot");
        if (nodes.length) nodes[nodes.length - 1].classList.add("alarm");
      }
      persist();
      renderCrisis();
      if (panel.hidden) open();
    }
    var text = typeof msg.text === "string" ? msg.text : "";
    var link = msg.attachment && msg.attachment.payload && msg.attachment.payload.src;
    if (!text && typeof link === "string") text = link; // images and files are shown as links, not loaded
    var buttons = msg.quick_replies || msg.buttons;
    var replies = Array.isArray(buttons) ? buttons.filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string";
    }).map(function (b) { return { title: b.title, payload: b.payload }; }) : [];
    if (!text && !replies.length) return;
    if (replies.length) clearReplies();
    addMessage({ from: "bot", text: text, ts: Date.now(), replies: replies.length ? replies : undefined,
      alarm: custom.crisis === true || undefined });
  }

  function send(message, shown) {
    message = String(message || "").trim();
    if (!message) return;
    clearReplies();
    addMessage({ from: "user", text: shown || message, ts: Date.now() });
    renderLauncher();
    var packet = { message: message, session_id: state.session };
    if (socket && confirmed) socket.emit("user_uttered", packet); else outbox.push(packet);
    showTyping(true);
    connect();
  }
  function renderLauncher() {
    launcherLabel.textContent = state.messages.some(function (m) { return m.from === "user"; })
      ? "Continue chat" : "Chat with us";
    launcher.setAttribute("aria-label", launcherLabel.textContent + " with " + CLINIC);
  }

  // ---------- open / close, keyboard ----------
  var returnFocus = null;
  var small = window.matchMedia ? window.matchMedia("(max-width:520px),(max-height:560px)") : { matches: false };
  function open() {
    if (!panel.hidden) return;
    var active = document.activeElement;
    returnFocus = active === host ? launcher : active;
    if (!state.messages.length) addMessage({ from: "bot", text: GREETING, ts: Date.now() });
    panel.hidden = false;
    // Full-screen on a phone: modal (focus is kept inside). A floating panel on a wide screen is not.
    if (small.matches) panel.setAttribute("aria-modal", "true"); else panel.removeAttribute("aria-modal");
    launcher.setAttribute("aria-expanded", "true");
    launcher.hidden = true; // the panel covers its corner; Close and Escape bring it back
    scrollDown();
    input.focus();
    connect();
  }
  function close() {
    if (panel.hidden) return;
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    var target = returnFocus && returnFocus.isConnected && returnFocus !== document.body ? returnFocus : launcher;
    target.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  launcher.addEventListener("pointerenter", loadIo, { once: true }); // start fetching socket.io early
  launcher.addEventListener("focus", loadIo, { once: true });
  closeBtn.addEventListener("click", close);
  clearBtn.addEventListener("click", function () {
    if (!window.confirm("Delete this conversation from this device?")) return;
    forget("state");
    if (socket) { socket.disconnect(); socket = null; confirmed = false; }
    state = freshState();
    outbox = [];
    renderAll();
    addMessage({ from: "bot", text: GREETING, ts: Date.now() });
    input.focus();
    connect();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !event.isComposing) { event.preventDefault(); close(); return; }
    if (event.key !== "Tab" || !small.matches) return;
    var focusable = panel.querySelectorAll("a[href],button:not([disabled]),input,[tabindex='0']");
    var first = focusable[0];
    var last = focusable[focusable.length - 1];
    var current = root.activeElement || document.activeElement;
    if (event.shiftKey && current === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && current === last) { event.preventDefault(); first.focus(); }
  });

  renderAll();
  function mount() {
    document.body.appendChild(host);
    window.ClinicChat = { open: open, close: close, send: send, version: "1.0.0",
      socket: function () { return socket; } };
    window.dispatchEvent(new CustomEvent("clinicchat:ready"));
  }
  window.ClinicChat = { pending: true };
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
