/* skills_app: the little the pages do with JavaScript. Every page works without it.
 *
 * - Focus on load: a refused form's error summary, or the message saying what a
 *   post did, takes the focus so that a screen reader reads it (the element has
 *   `autofocus`; this covers browsers where autofocus did not act).
 * - skillsApp.announce(text): says something through the page's polite live
 *   region (#live-status in base.html, created empty), for pages that change
 *   without a reload.
 * - The navigation: below 800 px a "Menu" button shows and hides it; the
 *   "Reports", "Admin" and account menus (<details>) close on Escape, on a click
 *   elsewhere, and when another one opens.
 * - Scroll boxes of wide tables (.scroll, a region the keyboard reaches): a box
 *   that does not need to scroll at the present width is no region and no tab
 *   stop, so that landmarks and the tab order carry only what is useful.
 */
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("live-status");
    if (!region) return;
    // Emptied first, so that the same words said twice are heard twice.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }
  window.skillsApp = { announce: announce, layout: function () {} };

  function focusOnLoad() {
    var target = document.querySelector("[data-focus-on-load]");
    if (!target) return;
    if (location.hash) {
      // A link of an error summary leaves "#field" in the address, and a browser keeps
      // it across the redirect after the form is accepted: that field is not where
      // the person should be taken. Any other anchor is meant, and is left alone.
      var anchored = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (anchored && !/^(INPUT|SELECT|TEXTAREA)$/.test(anchored.tagName)) return;
      history.replaceState(history.state, "", location.pathname + location.search);
    }
    if (document.activeElement === target) return;
    target.focus();
  }

  function menuButton() {
    var button = document.getElementById("menu-button");
    var panel = document.getElementById("site-menu");
    if (!button || !panel) return;
    document.documentElement.classList.add("js");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      panel.classList.toggle("open", open);
    });
  }

  function menus() {
    var all = Array.prototype.slice.call(document.querySelectorAll("details.menu"));
    all.forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (!menu.open) return;
        all.forEach(function (other) { if (other !== menu) other.open = false; });
      });
      menu.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
    });
    document.addEventListener("click", function (event) {
      all.forEach(function (menu) {
        if (menu.open && !menu.contains(event.target)) menu.open = false;
      });
    });
    document.addEventListener("focusin", function (event) {
      all.forEach(function (menu) {
        if (menu.open && !menu.contains(event.target)) menu.open = false;
      });
    });
  }

  function scrollBoxes() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".scroll"));
    boxes.forEach(function (box) { box.dataset.label = box.getAttribute("aria-label") || ""; });
    function update() {
      boxes.forEach(function (box) {
        var scrolls = box.scrollWidth > box.clientWidth + 1;
        if (scrolls) {
          box.setAttribute("role", "region");
          if (box.dataset.label) box.setAttribute("aria-label", box.dataset.label);
          box.setAttribute("tabindex", "0");
        } else if (document.activeElement !== box) {
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
          box.removeAttribute("tabindex");
        }
      });
    }
    update();
    window.skillsApp.layout = update;
    var pending;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(update, 100);
    });
  }

  function start() {
    focusOnLoad();
    menuButton();
    menus();
    scrollBoxes();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
