/* The import page: asks the job's status every second until it is done, and shows the progress,
 * the summary and the per-feature or per-line messages (as text, never HTML). An answer that says
 * the job is gone or no longer the reader's (404, 403) ends the asking; any other failure (the
 * server restarting, a proxy's 502 or 503, no network for a moment) is asked again after a few
 * seconds, so the bar does not stop where it was while the import goes on. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box || !window.fetch) {
    return;
  }
  var bar = box.querySelector("progress");
  var status = box.querySelector("[data-status]");
  var summary = box.querySelector("[data-summary]");
  var details = box.querySelector("[data-details]");

  function show(data) {
    bar.value = data.progress;
    bar.textContent = data.progress + " %";
    status.textContent = data.status_label;
    summary.textContent = data.summary || "";
    while (details.firstChild) {
      details.removeChild(details.firstChild);
    }
    (data.details || []).forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      details.appendChild(item);
    });
  }

  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.ok) {
          return response.json();
        }
        if (response.status === 403 || response.status === 404) {
          return null;
        }
        throw new Error("status " + response.status);
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        show(data);
        if (!data.finished) {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
