/* A background job's page (templates/jobs/show.html): while the job runs, its
   progress bar and label follow the job's status endpoint (once a second); when
   the job ends, the page is loaded again to show the outcome and the download
   link. Without this script the page reloads itself (a <noscript> refresh). */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || ["queued", "running"].indexOf(box.getAttribute("data-state")) < 0) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var label = document.getElementById("job-progress-label");
  var state = document.getElementById("job-state");
  var reload = document.getElementById("job-reload");
  var labels = {queued: "Waiting to start", running: "Running", finished: "Done", failed: "Failed", stalled: "Stopped (stalled)"};
  if (reload) { reload.hidden = true; }

  function number(n) { return Number(n).toLocaleString("en-GB"); }

  function show(job) {
    state.textContent = labels[job.state] || job.state;
    if (job.total) {
      bar.max = job.total;
      bar.value = Math.min(job.done, job.total);
      bar.textContent = (job.percent || 0) + "%";
      label.textContent = number(job.done) + " of " + number(job.total) + " " + job.unit + " (" + (job.percent || 0) + "%)";
    } else {
      label.textContent = number(job.done) + " " + job.unit + " so far";
    }
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      var job = null;
      try { job = JSON.parse(request.responseText); } catch (e) { job = null; }
      if (request.status !== 200 || !job) {
        if (reload) { reload.hidden = false; }
        window.setTimeout(poll, 3000);
        return;
      }
      show(job);
      if (job.state === "queued" || job.state === "running") {
        window.setTimeout(poll, 1000);
      } else {
        window.location.reload();
      }
    };
    request.onerror = function () {
      if (reload) { reload.hidden = false; }
      window.setTimeout(poll, 3000);
    };
    request.send();
  }
  window.setTimeout(poll, 500);
}());
