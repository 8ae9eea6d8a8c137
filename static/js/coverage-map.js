/* The coverage maps of the desk (a municipality's, and the national one of operators and police
 * with data-bounds and data-follow-view-from): the active groups' areas (from the page's map-data,
 * if any) and the register's addresses, fetched from data-layer-url for the current view: hexagons shaded by
 * the share of covered addresses when zoomed out, covered / uncovered dots at street zoom.
 * Everything on the map is also in the page's tables. Labels are set as text, never as HTML. */
(function () {
  "use strict";
  if (typeof window.L === "undefined") {
    return;
  }
  var STREET_ZOOM = 16;

  function shade(share) {
    // From pale to dark blue; uncovered hexagons keep a red outline, so colour is not the only cue.
    var steps = ["#e8f0f8", "#b9d1ea", "#7fa9d6", "#3f7cbf", "#0b5394"];
    return steps[Math.min(steps.length - 1, Math.floor(share * steps.length))];
  }

  function setup(element) {
    var map = L.map(element, { scrollWheelZoom: false });
    var tiles = element.getAttribute("data-tile-url");
    if (tiles) {
      L.tileLayer(tiles, { attribution: element.getAttribute("data-tile-attribution") || "", maxZoom: 19 }).addTo(map);
    }
    var areas = null;
    var node = document.getElementById("map-data");
    if (node) {
      try {
        areas = L.geoJSON(JSON.parse(node.textContent), {
          style: { color: "#0b5394", weight: 2, fill: false }
        }).addTo(map);
      } catch (error) {
        areas = null;
      }
    }
    // The national map brings no areas (thousands of them): it gives their extent instead.
    var bounds = (element.getAttribute("data-bounds") || "").split(",").map(Number);
    if (areas && areas.getLayers().length) {
      map.fitBounds(areas.getBounds(), { padding: [10, 10] });
    } else if (bounds.length === 4 && bounds.every(isFinite)) {
      map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], { padding: [10, 10] });
    } else {
      map.setView([51.0, 4.9], 8);
    }
    // From this zoom on the layer holds only what lies around the view (the national map): fetch
    // it again after every move. Without it, hexagons cover the whole municipality at any zoom.
    var followFrom = parseInt(element.getAttribute("data-follow-view-from") || "", 10);
    if (isNaN(followFrom)) {
      followFrom = STREET_ZOOM;
    }
    var labels = {
      covered: element.getAttribute("data-label-covered"),
      uncovered: element.getAttribute("data-label-uncovered"),
      addresses: element.getAttribute("data-label-addresses")
    };
    var layer = null;
    var request = 0;

    function load() {
      var url = new URL(element.getAttribute("data-layer-url"), window.location.href);
      url.searchParams.set("zoom", String(map.getZoom()));
      url.searchParams.set("bbox", map.getBounds().toBBoxString());
      var mine = ++request;
      fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || mine !== request) {
            return;
          }
          if (layer) {
            map.removeLayer(layer);
          }
          layer = L.geoJSON(data, {
            style: function (feature) {
              var p = feature.properties;
              return { color: p.covered < p.addresses ? "#a61b1b" : "#0b5394", weight: 1,
                       fillColor: shade(p.share), fillOpacity: 0.6 };
            },
            pointToLayer: function (feature, latlng) {
              var covered = feature.properties.covered;
              return L.circleMarker(latlng, {
                radius: 4, weight: covered ? 1 : 2, color: covered ? "#0b5394" : "#a61b1b",
                fillOpacity: covered ? 0.8 : 0
              });
            },
            onEachFeature: function (feature, item) {
              var p = feature.properties;
              var text = typeof p.addresses === "number"
                ? p.covered + " / " + p.addresses + " " + labels.addresses + " " + labels.covered
                : (p.covered ? labels.covered : labels.uncovered);
              item.bindTooltip(document.createTextNode(text).textContent);
            }
          }).addTo(map);
          if (areas) {
            areas.bringToFront();
          }
        })
        .catch(function () {});
    }
    var loadedZoom = null;
    map.on("moveend", function () {
      // Hexagons cover the whole municipality (or country): fetch again only when the zoom
      // changes them, or after any move once the layer follows the view.
      if (map.getZoom() >= Math.min(followFrom, STREET_ZOOM) || map.getZoom() !== loadedZoom) {
        loadedZoom = map.getZoom();
        load();
      }
    });
    loadedZoom = map.getZoom();
    load();
  }

  var elements = document.querySelectorAll("[data-coverage-map]");
  for (var i = 0; i < elements.length; i++) {
    setup(elements[i]);
  }
})();
