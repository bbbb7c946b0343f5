// Counter screen: fetch the next code just after it changes and swap the picture in place.
// On a network drop the current picture stays up and the fetch is retried; once the current code is
// too old to be accepted it is dimmed with a "reconnecting" note until a fresh one arrives.
// Without JavaScript the page reloads itself (a <noscript> meta refresh), so this is only an upgrade.
(function () {
  "use strict";
  var box = document.getElementById("kiosk");
  if (!box || !window.fetch) { return; }
  var picture = document.getElementById("kiosk-qr");
  var offline = document.getElementById("kiosk-offline");
  var url = box.getAttribute("data-code-url");
  var validUntil = Date.now() + 1000 * Number(box.getAttribute("data-valid-for"));
  var officer = box.getAttribute("data-officer");
  var RETRY_MS = 5000;

  function showFreshness() {
    var stale = Date.now() > validUntil;
    picture.classList.toggle("stale", stale);
    offline.hidden = !stale;
  }

  function schedule(ms) { window.setTimeout(next, Math.max(500, ms)); }

  function next() {
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 404) { window.location.reload(); throw new Error("revoked"); }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (code) {
        if ((code.officer || "") !== officer) { window.location.reload(); return; }  // a new shift
        picture.innerHTML = code.svg;  // the server's own SVG markup, never user input
        validUntil = Date.now() + 1000 * code.valid_for;
        showFreshness();
        schedule(1000 * code.refresh_in + 250);
      })
      .catch(function () { showFreshness(); schedule(RETRY_MS); });
  }

  window.setInterval(showFreshness, 1000);
  schedule(1000 * Number(box.getAttribute("data-refresh-in")));
})();
