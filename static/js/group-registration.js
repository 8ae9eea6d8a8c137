/* The page where an admin registers an existing group: each tap on the map adds a corner of
 * the group's area; the outline is written as a GeoJSON Polygon into the form's "geometry"
 * field, which the server checks (apps.groups.registrations.check_area). Without JavaScript the
 * map stays hidden and the area is chosen by the streets of a postcode.
 */
(function () {
  "use strict";

  if (typeof window.L === "undefined") {
    return;
  }
  var section = document.querySelector("[data-draw-section]");
  var element = document.getElementById("registration-map");
  var field = document.querySelector("textarea[name='geometry']");
  if (!section || !element || !field) {
    return;
  }
  section.hidden = false;
  var status = section.querySelector("[data-draw-status]");
  var HOME = { center: [51.0, 4.9], zoom: 7 };
  var STYLE = { color: "#0b5394", weight: 3, fillOpacity: 0.2 };

  var map = L.map(element, { scrollWheelZoom: false, doubleClickZoom: false });
  var tileUrl = element.getAttribute("data-tile-url");
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: element.getAttribute("data-tile-attribution") || "" }).addTo(map);
  }
  var corners = [];
  var drawn = L.layerGroup().addTo(map);

  function say(count) {
    var text = status.getAttribute(count >= 3 ? "data-text-ready" : "data-text-points") || "";
    status.textContent = text.replace("%(count)s", String(count));
  }

  function write() {
    if (corners.length < 3) {
      field.value = "";
      return;
    }
    var ring = corners.map(function (c) {
      return [Math.round(c.lng * 1e6) / 1e6, Math.round(c.lat * 1e6) / 1e6];
    });
    ring.push(ring[0]);
    field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
  }

  function show() {
    drawn.clearLayers();
    if (corners.length >= 3) {
      drawn.addLayer(L.polygon(corners, STYLE));
    } else if (corners.length === 2) {
      drawn.addLayer(L.polyline(corners, STYLE));
    }
    corners.forEach(function (c) {
      drawn.addLayer(L.circleMarker(c, { radius: 5, color: STYLE.color, fillOpacity: 1, interactive: false }));
    });
    say(corners.length);
    write();
  }

  // After a refused send the page comes back with what was drawn.
  try {
    var start = field.value.trim() ? JSON.parse(field.value) : null;
    if (start && start.type === "Polygon" && start.coordinates && start.coordinates[0]) {
      corners = start.coordinates[0].slice(0, -1).map(function (p) {
        return L.latLng(p[1], p[0]);
      });
    }
  } catch (error) {
    corners = [];
  }

  var bounds = (element.getAttribute("data-bounds") || "").split(",").map(Number);
  if (corners.length >= 3) {
    map.fitBounds(L.latLngBounds(corners), { padding: [20, 20], maxZoom: 17 });
  } else if (bounds.length === 4 && bounds.every(isFinite)) {
    map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], { padding: [10, 10] });
  } else {
    map.setView(HOME.center, HOME.zoom);
  }

  // Choosing the municipality moves the map to it (while nothing is drawn yet).
  var boxes = {};
  try {
    var node = document.getElementById(element.getAttribute("data-municipality-bounds"));
    boxes = node ? JSON.parse(node.textContent) : {};
  } catch (error) {
    boxes = {};
  }
  var choice = document.querySelector("select[name='municipality']");
  function goToMunicipality() {
    var b = choice && boxes[choice.value];
    if (b && corners.length === 0) {
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [10, 10] });
    }
  }
  if (choice) {
    choice.addEventListener("change", goToMunicipality);
    goToMunicipality();
  }

  map.on("click", function (event) {
    corners.push(event.latlng);
    show();
  });
  section.querySelector("[data-draw-undo]").addEventListener("click", function () {
    corners.pop();
    show();
  });
  section.querySelector("[data-draw-clear]").addEventListener("click", function () {
    corners = [];
    show();
  });
  show();
})();
