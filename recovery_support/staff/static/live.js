// The live crisis feed on every staff page (views/live.py sends it as Server-Sent Events).
// It keeps the header count and the banner current, refreshes the crisis queue in place, and on a new crisis
// plays a sound, changes the tab title and, with the tab hidden and the person's permission, shows a desktop
// notification. What a person typed is hostile input: it only ever goes into the page through textContent.
// The notification names the category only: a lock screen is no place for someone's words.
(function () {
  "use strict";
  var body = document.body;
  if (!body.hasAttribute("data-live") || !window.EventSource) return;

  var latestSeen = Number(body.getAttribute("data-latest-handoff") || 0);
  var baseTitle = document.title;
  var lastChange = Number(body.getAttribute("data-last-change") || 0);
  var openCount = 0;
  var newCrisis = false;
  var audio = null;

  function byId(id) { return document.getElementById(id); }

  // Browsers only let a page play sound after the person has interacted with it: the first tap or key
  // anywhere unlocks it, so a counsellor who has touched the page once hears every later alert.
  function unlockSound() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", unlockSound, { once: true });
  document.addEventListener("keydown", unlockSound, { once: true });

  function playAlarm() {
    try {
      unlockSound();
      if (!audio) return;
      [0, 0.35, 0.7].forEach(function (start) {
        var tone = audio.createOscillator();
        var volume = audio.createGain();
        tone.frequency.value = 880;
        volume.gain.value = 0.25;
        tone.connect(volume);
        volume.connect(audio.destination);
        tone.start(audio.currentTime + start);
        tone.stop(audio.currentTime + start + 0.25);
      });
    } catch (error) { /* no sound device: the banner and the title still change */ }
  }

  function notify(state) {
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
    var first = state.waiting[state.waiting.length - 1] || {};
    var note = new Notification("New crisis handoff", {
      body: (first.category || "crisis").replace("_", " ") + " · " + state.open_count + " open",
      tag: "crisis-handoff", requireInteraction: true
    });
    note.onclick = function () { window.focus(); window.location.href = "/crisis"; };
  }

  function showTitle() {
    var prefix = newCrisis ? "NEW CRISIS · " : "";
    document.title = openCount > 0 ? prefix + "(" + openCount + ") " + baseTitle : baseTitle;
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { newCrisis = false; showTitle(); }
  });

  function showBanner(state) {
    var banner = byId("live-banner");
    var count = byId("open-count");
    if (count) {
      count.textContent = String(state.open_count);
      count.classList.toggle("alarm", state.open_count > 0);
    }
    if (!banner) return;
    banner.hidden = state.open_count === 0;
    var n = state.open_count;
    byId("live-summary").textContent = n + " open crisis handoff" + (n === 1 ? "" : "s") +
      ": nobody has acknowledged " + (n === 1 ? "it" : "them") + " yet.";
    var list = byId("live-waiting");
    list.replaceChildren();
    state.waiting.forEach(function (w) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/crisis/" + Number(w.id);
      link.textContent = "#" + w.id + " " + String(w.category).replace("_", " ") + ": “" + w.words + "”";
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  // The queue is re-read from the server, so it is rendered (and escaped) in one place only.
  var refreshing = false;
  function refreshQueue() {
    var queue = byId("queue");
    if (!queue || refreshing) return;
    refreshing = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("queue");
        if (fresh) queue.replaceWith(document.importNode(fresh, true));
      })
      .catch(function () { /* the next event tries again */ })
      .finally(function () { refreshing = false; });
  }

  function setConnection(text, isError) {
    var status = byId("live-connection");
    if (!status) return;
    status.textContent = text;
    status.className = isError ? "error" : "muted";
  }

  var permission = byId("notify-permission");
  if (permission && "Notification" in window && Notification.permission === "default") {
    permission.hidden = false;
    permission.addEventListener("click", function () {
      Notification.requestPermission().then(function () { permission.hidden = true; });
    });
  }

  var source = new EventSource("/live");
  source.addEventListener("open", function () { setConnection("Live: new crises appear here by themselves.", false); });
  source.addEventListener("error", function () {
    setConnection("Live feed interrupted: reconnecting… Reload the page if this stays.", true);
  });
  source.addEventListener("handoffs", function (message) {
    var state = JSON.parse(message.data);
    openCount = state.open_count;
    showBanner(state);
    if (state.latest_id > latestSeen) {
      latestSeen = state.latest_id;
      newCrisis = true;
      body.setAttribute("data-alarm", String(state.latest_id));  // what the browser tests read
      playAlarm();
      notify(state);
    }
    showTitle();
    // Any handoff's log grew (raised, acknowledged, noted, closed, escalated): the queue changed. The first
    // event may only confirm what the page was served with.
    if (state.last_change !== lastChange) refreshQueue();
    lastChange = state.last_change;
  });
  source.addEventListener("session_ended", function () {
    source.close();
    setConnection("Your session has ended, so live crisis alerts have stopped. Log in again to keep them.", true);
  });
})();
