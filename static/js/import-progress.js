/* The import page: asks the job's status every second until it is done or refused, and shows
 * the progress, the summary and the per-feature or per-line messages (as text, never HTML). */
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
      .then(function (response) { return response.ok ? response.json() : null; })
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
