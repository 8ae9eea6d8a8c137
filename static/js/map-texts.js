/* Leaflet's own controls speak the page's language. The texts come translated on this script's
   tag (data-zoom-in, data-zoom-out), so no catalogue has to load before the maps. Load it right
   after leaflet.js and before the scripts that make maps. */
(function () {
  "use strict";
  var tag = document.currentScript;
  if (!tag || typeof L === "undefined") {
    return;
  }
  var zoom = L.Control.Zoom.prototype.options;
  zoom.zoomInTitle = tag.getAttribute("data-zoom-in") || zoom.zoomInTitle;
  zoom.zoomOutTitle = tag.getAttribute("data-zoom-out") || zoom.zoomOutTitle;
})();
