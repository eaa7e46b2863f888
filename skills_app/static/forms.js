/* Forms that keep people's work. Every page works without this script; with it:
   - a submit button cannot send its form twice (it disables itself after the first press);
   - a long post (data-progress="Sending and checking": the imports) shows what it does while
     it runs: a progress bar, the file's name and size, the seconds elapsed, said once
     through the live region;
   - a file over the upload limit (data-max-bytes) is caught before it is sent;
   - long text fields (maxlength) count the characters left;
   - the self-assessment page (data-autosave) saves ratings as they are ticked,
     saves the page when the level changes, and asks before leaving with unsaved changes. */
(function () {
  "use strict";

  function fieldBox(input) {
    return input.closest(".field") || input.parentNode;
  }

  /* -- a problem shown beside a field, by this script (the server's own are left alone) -- */
  function showProblem(input, message) {
    var id = (input.id || input.name) + "-client-error";
    var box = fieldBox(input);
    var p = document.getElementById(id);
    if (!message) {
      if (p) { p.remove(); }
      input.removeAttribute("aria-invalid");
      box.classList.remove("has-error");
      return;
    }
    if (!p) {
      p = document.createElement("p");
      p.className = "error";
      p.id = id;
      p.setAttribute("role", "alert");
      box.appendChild(p);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(id) < 0) { described.push(id); }
      input.setAttribute("aria-describedby", described.join(" "));
    }
    p.textContent = message;
    input.setAttribute("aria-invalid", "true");
    box.classList.add("has-error");
  }

  /* -- files over the limit ----------------------------------------------------------- */
  function megabytes(bytes) {
    return Math.round(bytes / (1024 * 1024) * 10) / 10;
  }

  function fileProblem(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    if (!limit || !input.files) { return null; }
    for (var i = 0; i < input.files.length; i++) {
      var file = input.files[i];
      if (file.size > limit) {
        return file.name + " is " + megabytes(file.size) + " MB: the limit is " + megabytes(limit) +
          " MB. Choose a smaller file; nothing you typed is lost.";
      }
    }
    return null;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]")) {
      showProblem(input, fileProblem(input));
    }
  });

  /* Capture phase: runs before the double-press guard below, which leaves a refused submission alone. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      var problem = fileProblem(inputs[i]);
      showProblem(inputs[i], problem);
      if (problem) {
        event.preventDefault();
        inputs[i].focus();
        return;
      }
    }
  }, true);

  /* -- "are you sure?" before an action that takes something away (data-confirm) ------------- */
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !event.defaultPrevented && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);

  /* -- what a long post is doing -------------------------------------------------------- */
  function size(bytes) {
    if (bytes >= 1024 * 1024) { return (bytes / (1024 * 1024)).toFixed(1) + " MB"; }
    if (bytes >= 1024) { return Math.round(bytes / 1024) + " KB"; }
    return bytes + " bytes";
  }

  function showProgress(form) {
    var what = form.getAttribute("data-progress");
    var input = form.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    if (file) { what += " " + file.name + " (" + size(file.size) + ")"; }
    var box = document.createElement("div");
    box.className = "upload-progress";
    var bar = document.createElement("progress");  // no value: it runs until the answer comes
    bar.setAttribute("aria-label", what);
    var text = document.createElement("span");
    box.appendChild(bar);
    box.appendChild(text);
    form.appendChild(box);
    var started = Date.now();
    function tick() {
      var seconds = Math.round((Date.now() - started) / 1000);
      text.textContent = what + "… " + (seconds ? seconds + " s" : "");
    }
    tick();
    form.progressTimer = window.setInterval(tick, 1000);
    if (window.skillsApp) { window.skillsApp.announce(what + ", please wait."); }
  }

  /* -- one press only ------------------------------------------------------------------ */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") { return; }
    if (form.getAttribute("data-sending") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sending", "true");
    form.setAttribute("aria-busy", "true");
    if (form.hasAttribute("data-progress")) { showProgress(form); }
    // After the form's data is gathered (a disabled button would not send its name).
    window.setTimeout(function () {
      var buttons = form.querySelectorAll("button[type=submit], input[type=submit], button:not([type])");
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    }, 0);
  });

  /* Back to a page from the browser's cache: its buttons work again. */
  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form[data-sending]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].removeAttribute("data-sending");
      forms[i].removeAttribute("aria-busy");
      window.clearInterval(forms[i].progressTimer);
      var boxes = forms[i].querySelectorAll(".upload-progress");
      for (var k = 0; k < boxes.length; k++) { boxes[k].remove(); }
      var buttons = forms[i].querySelectorAll("button, input[type=submit]");
      for (var j = 0; j < buttons.length; j++) { buttons[j].disabled = false; }
    }
  });

  /* -- characters left ------------------------------------------------------------------ */
  function counter(textarea) {
    var max = parseInt(textarea.getAttribute("maxlength"), 10);
    if (!max || max < 200) { return; }
    var shown = document.createElement("p");
    shown.className = "hint counter";
    shown.id = (textarea.id || textarea.name) + "-counter";
    shown.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("p");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    textarea.insertAdjacentElement("afterend", spoken);
    textarea.insertAdjacentElement("afterend", shown);
    var timer = null;
    function update() {
      var left = max - textarea.value.length;
      var text = left + " of " + max + " characters left";
      shown.textContent = text;
      shown.classList.toggle("counter-low", left < max / 10);
      window.clearTimeout(timer);
      // Spoken only when it matters, and after typing pauses.
      timer = window.setTimeout(function () {
        spoken.textContent = left < max / 10 ? text : "";
      }, 1000);
    }
    textarea.addEventListener("input", update);
    update();
  }

  /* -- the self-assessment page ------------------------------------------------------------ */
  function assessmentPage(form) {
    var status = document.getElementById("save-status");
    var version = form.querySelector("input[name=version]");
    var csrf = form.querySelector("input[name=csrf_token]");
    var unsaved = form.getAttribute("data-unsaved") === "true";
    var leaving = false;
    var pending = 0;

    function say(text) { if (status) { status.textContent = text; } }

    // One save at a time, each with the version the previous one answered: no save
    // overtakes another, and the page's own buttons wait for them (below).
    var queue = Promise.resolve();
    var waiting = null;

    function send(radio) {
      var body = new FormData();
      body.append("csrf_token", csrf ? csrf.value : "");
      body.append("version", version ? version.value : "");
      body.append(radio.name, radio.value);
      return fetch(form.getAttribute("data-autosave"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"Accept": "application/json", "X-CSRFToken": csrf ? csrf.value : ""}
      }).then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, data: data}; });
      }).then(function (result) {
        if (result.ok) {
          if (version && result.data.version) { version.value = result.data.version; }
          return true;
        }
        unsaved = true;
        say("Not saved: " + ((result.data.error && result.data.error.message) || "please press Save draft."));
        return false;
      }).catch(function () {
        unsaved = true;
        say("Not saved (no connection): press Save draft when you are back online.");
        return false;
      });
    }

    function saveRating(radio) {
      pending += 1;
      say("Saving…");
      queue = queue.then(function () { return send(radio); }).then(function (ok) {
        pending -= 1;
        if (ok && !pending) { say("Saved"); }
        if (!pending && waiting) {
          var submitter = waiting;
          waiting = null;
          if (form.requestSubmit) { form.requestSubmit(submitter); } else { form.submit(); }
        }
      });
    }

    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type === "radio" && /^rating-\d+$/.test(input.name)) {
        saveRating(input);
        return;
      }
      if (input.name === "claimed_level") {
        // A new level shows other descriptors: save the page (ratings, evidence) and show them.
        var save = form.querySelector("[name=save]");
        if (save && form.requestSubmit) { form.requestSubmit(save); } else { form.submit(); }
        return;
      }
      unsaved = true;
    });
    form.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA" || event.target.type === "url") { unsaved = true; }
    });
    form.addEventListener("submit", function (event) {
      if (pending) {
        // A rating is still being saved: send the page once it is (with the version it answers).
        event.preventDefault();
        waiting = event.submitter || form.querySelector("[name=save]");
        return;
      }
      if (!event.defaultPrevented) { leaving = true; }
    });
    window.addEventListener("beforeunload", function (event) {
      if (leaving || !(unsaved || pending)) { return undefined; }
      event.preventDefault();
      event.returnValue = "";
      return "";
    });
    window.addEventListener("pageshow", function () { leaving = false; });
  }

  function start() {
    var areas = document.querySelectorAll("textarea[maxlength]");
    for (var i = 0; i < areas.length; i++) { counter(areas[i]); }
    var form = document.querySelector("form[data-autosave]");
    if (form) { assessmentPage(form); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
