// procbook serve: reloads the page when the manual is rebuilt. Added by the preview server
// only; published sites never have it.
(function () {
  "use strict";
  var script = document.currentScript;
  var generation = script ? script.getAttribute("data-generation") : null;
  if (!window.EventSource) return;
  var source = new EventSource("/__procbook/events");
  // A page older than the server's latest build (it changed while this page was loading,
  // or the server restarted) reloads at once.
  source.addEventListener("hello", function (e) {
    if (generation !== null && e.data !== generation) {
      source.close();
      location.reload();
    }
  });
  source.addEventListener("reload", function () {
    source.close();
    location.reload();
  });
})();
