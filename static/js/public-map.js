/*
 * The maps of the resident's pages. Every page works without them: the address form is the
 * main way to search, and a map is shown only once this script has drawn it.
 *
 * A map element names the JSON script with its areas (data-areas), or the address of a layer
 * to fetch (data-layer-url: the maps of many groups, which a page should not carry), and may
 * carry a tile URL, a search URL (clicking then searches that place), and a marker position.
 */
(function () {
  "use strict";

  // Same colours as the legend in public.css; both have enough contrast on the plain background.
  var STYLES = {
    active: { color: "#0b5394", weight: 3, fillColor: "#0b5394", fillOpacity: 0.2 },
    forming: { color: "#8a5a00", weight: 3, dashArray: "8 6", fillColor: "#8a5a00", fillOpacity: 0.15 },
  };
  // Belgium and the Netherlands, for a map without any area yet.
  var OVERVIEW = { center: [51.3, 5.0], zoom: 7 };

  // The searched place: a red dot with a white ring, visible on any background.
  function dot(latlng) {
    return L.circleMarker(latlng, { radius: 9, color: "#ffffff", weight: 3, fillColor: "#a61b1b", fillOpacity: 1 });
  }

  function readAreas(id) {
    var node = id && document.getElementById(id);
    if (!node) {
      return null;
    }
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function statusElement(mapEl) {
    return document.querySelector('[data-map-status="' + mapEl.id + '"]');
  }

  function say(mapEl, text) {
    var node = statusElement(mapEl);
    if (node) {
      node.textContent = text;
    }
  }

  function searchAt(url, lat, lon) {
    window.location.href = url + "?lat=" + lat.toFixed(6) + "&lon=" + lon.toFixed(6);
  }

  function tooltipFor(feature) {
    // Built from text nodes: names come from the database and must never be read as HTML.
    var box = document.createElement("span");
    var name = document.createElement("strong");
    name.textContent = feature.properties.name;
    box.appendChild(name);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(feature.properties.municipality + " · " + feature.properties.status_label));
    return box;
  }

  function areasLayer(data) {
    if (!data || !data.features || !data.features.length) {
      return null;
    }
    return L.geoJSON(data, {
      // Thousands of areas draw on one canvas; a few stay separate shapes.
      renderer: data.features.length > 300 ? L.canvas({ padding: 0.2 }) : undefined,
      style: function (feature) {
        return STYLES[feature.properties.status] || STYLES.active;
      },
      onEachFeature: function (feature, featureLayer) {
        featureLayer.bindTooltip(tooltipFor(feature), { sticky: true });
      },
    });
  }

  // The layer of many groups, fetched after the page is shown; the map says while it loads and
  // if it fails (the address search works regardless).
  function loadLayer(el, map, url, fit) {
    say(el, el.getAttribute("data-loading") || "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        var areas = areasLayer(data);
        if (areas) {
          areas.addTo(map);
          if (fit) {
            map.fitBounds(areas.getBounds(), { padding: [24, 24], maxZoom: 16 });
          }
        }
        say(el, "");
        el.setAttribute("data-layer-loaded", "");
      })
      .catch(function () {
        say(el, el.getAttribute("data-layer-failed") || "");
      });
  }

  function drawMap(el) {
    // Shown only now: Leaflet needs the element's size, and without this script the page has no map.
    var section = el.closest("[data-map-section]");
    if (section) {
      section.hidden = false;
    }
    var searchUrl = el.getAttribute("data-search-url");
    var map = L.map(el, {
      // A page that scrolls must not get stuck in a small map; the home map is big enough.
      scrollWheelZoom: el.classList.contains("map-small") ? false : "center",
      zoomSnap: 0.5,
    });
    var tileUrl = el.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, { attribution: el.getAttribute("data-tile-attribution") || "", maxZoom: 19 }).addTo(map);
    }

    // The view is set before anything is drawn: Leaflet cannot place shapes on a map without one.
    var layers = [];
    var bounds = L.latLngBounds([]);
    var areas = areasLayer(readAreas(el.getAttribute("data-areas")));
    if (areas) {
      bounds.extend(areas.getBounds());
      layers.push(areas);
    }
    var lat = parseFloat(el.getAttribute("data-marker-lat"));
    var lon = parseFloat(el.getAttribute("data-marker-lon"));
    var marked = !isNaN(lat) && !isNaN(lon);
    if (marked) {
      layers.push(dot([lat, lon]));
      bounds.extend([lat, lon]);
    }

    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    } else {
      map.setView(OVERVIEW.center, OVERVIEW.zoom);
    }
    layers.forEach(function (layer) {
      layer.addTo(map);
    });

    var layerUrl = el.getAttribute("data-layer-url");
    if (layerUrl) {
      loadLayer(el, map, layerUrl, !marked);
    }

    if (searchUrl) {
      el.classList.add("map-clickable");
      map.on("click", function (event) {
        dot(event.latlng).addTo(map);
        say(el, el.getAttribute("data-searching") || "");
        searchAt(searchUrl, event.latlng.lat, event.latlng.lng);
      });
    }
  }

  function setUpLocate(button) {
    var searchUrl = document.querySelector("[data-search-url]");
    if (!("geolocation" in navigator) || !searchUrl) {
      return;
    }
    var url = searchUrl.getAttribute("data-search-url");
    var message = document.createElement("p");
    message.className = "map-status";
    message.setAttribute("role", "status");
    button.insertAdjacentElement("afterend", message);
    button.hidden = false;
    button.addEventListener("click", function () {
      message.textContent = button.getAttribute("data-locating") || "";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          searchAt(url, position.coords.latitude, position.coords.longitude);
        },
        function () {
          message.textContent = button.getAttribute("data-locate-failed") || "";
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function start() {
    if (typeof L === "undefined") {
      return;
    }
    Array.prototype.forEach.call(document.querySelectorAll(".public-map[data-areas], .public-map[data-layer-url]"), drawMap);
    Array.prototype.forEach.call(document.querySelectorAll("[data-locate]"), setUpLocate);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
