// procbook default theme: text size and high-contrast controls (remembered in this browser),
// and the date and address a printed page carries. Everything works without it.
(function () {
  "use strict";
  var root = document.documentElement;
  var store = {
    get: function (k) { try { return window.localStorage.getItem(k); } catch (e) { return null; } },
    set: function (k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  };
  function applySize(size) {
    if (size === "large" || size === "largest") { root.setAttribute("data-text-size", size); }
    else { root.removeAttribute("data-text-size"); size = "normal"; }
    document.querySelectorAll("[data-text-size]").forEach(function (b) {
      if (b.tagName === "BUTTON") { b.setAttribute("aria-pressed", String(b.getAttribute("data-text-size") === size)); }
    });
  }
  function applyContrast(on) {
    root.classList.toggle("high-contrast", on);
    var b = document.querySelector("[data-contrast]");
    if (b) { b.setAttribute("aria-pressed", String(on)); }
  }
  // Applied before first paint where the saved choice exists.
  if (store.get("procbook-contrast") === "on") { root.classList.add("high-contrast"); }
  var savedSize = store.get("procbook-text-size");
  if (savedSize === "large" || savedSize === "largest") { root.setAttribute("data-text-size", savedSize); }

  function stampPrint() {
    var now = new Date();
    var text = now.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
    document.querySelectorAll("[data-print-date]").forEach(function (el) { el.textContent = text; });
    document.querySelectorAll("[data-print-url]").forEach(function (el) { el.textContent = window.location.href.split("#")[0]; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var controls = document.querySelector(".display-controls");
    if (controls) { controls.hidden = false; }
    applySize(store.get("procbook-text-size"));
    applyContrast(store.get("procbook-contrast") === "on");
    document.querySelectorAll("button[data-text-size]").forEach(function (b) {
      b.addEventListener("click", function () {
        var size = b.getAttribute("data-text-size");
        store.set("procbook-text-size", size);
        applySize(size);
      });
    });
    var contrast = document.querySelector("[data-contrast]");
    if (contrast) {
      contrast.addEventListener("click", function () {
        var on = !root.classList.contains("high-contrast");
        store.set("procbook-contrast", on ? "on" : "off");
        applyContrast(on);
      });
    }
    stampPrint();
  });
  window.addEventListener("beforeprint", stampPrint);
})();
