// Scoring job progress: poll each running job's JSON and move its bar in place; reload the page when
// the job's state or phase changes (the server words each state in the page's language). Without
// JavaScript the page refreshes itself instead (a <noscript> meta refresh), so this is only an upgrade.
(function () {
  "use strict";
  if (!window.fetch) { return; }
  var POLL_MS = 2000;
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function watch(box) {
    var url = box.getAttribute("data-job-url");
    var bar = box.querySelector("progress");
    var percent = box.querySelector(".job-percent");
    var read = box.querySelector(".job-read");

    function poll() {
      fetch(url, { cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (job) {
          if (job.state !== box.getAttribute("data-state") || (job.phase || "") !== box.getAttribute("data-phase")) {
            window.location.reload();
            return;
          }
          if (bar) { bar.value = job.percent; bar.textContent = job.percent + " %"; }
          if (percent) { percent.textContent = job.percent + " %"; }
          if (read) { read.textContent = numbers.format(job.rows_read); }
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () { window.setTimeout(poll, 5 * POLL_MS); });
    }
    window.setTimeout(poll, POLL_MS);
  }

  var boxes = document.querySelectorAll("[data-job-url]");
  for (var i = 0; i < boxes.length; i++) { watch(boxes[i]); }
})();
