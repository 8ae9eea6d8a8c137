/* Where an incident happened, on the desk's incident form: a tap on the map puts a pin there
 * (drag it to move it), "Use my location" puts it where the phone is. The pin fills the form's
 * hidden lat and lon inputs; the server finds the area (incidents.forms.IncidentForm).
 *
 * Without JavaScript the map and its buttons stay hidden and the address fields do the work.
 * Texts come translated on the map element's data- attributes.
 */
(function () {
  "use strict";

  var element = document.querySelector("[data-incident-place]");
  if (!element || typeof window.L === "undefined") {
    return;
  }
  var form = element.closest("form");
  var lat = form.querySelector("input[name=lat]");
  var lon = form.querySelector("input[name=lon]");
  var status = document.getElementById("place-status");
  var locate = document.getElementById("place-locate");
  var clear = document.getElementById("place-clear");
  var section = element.closest("[data-place-section]");
  if (!lat || !lon || !status || !section) {
    return;
  }
  section.hidden = false;

  var AREA_STYLE = { color: "#0b5394", weight: 2, fillOpacity: 0.1 };
  var HOME = { center: [51.0, 4.9], zoom: 7 };

  function text(name) {
    return element.getAttribute("data-text-" + name) || "";
  }

  var map = L.map(element, { scrollWheelZoom: false });
  var tiles = element.getAttribute("data-tile-url");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: element.getAttribute("data-tile-attribution") || "" }).addTo(map);
  }
  var areas = null;
  var source = document.getElementById(element.getAttribute("data-areas") || "");
  if (source) {
    try {
      areas = L.geoJSON(JSON.parse(source.textContent), {
        style: function () {
          return AREA_STYLE;
        },
        // The areas are context: a tap on them places the pin, it opens nothing.
        interactive: false
      }).addTo(map);
    } catch (error) {
      areas = null;
    }
  }

  var pin = null;

  function fixed(value) {
    return Math.round(value * 1e6) / 1e6;
  }

  function say(message) {
    status.textContent = message;
  }

  function write(latlng) {
    lat.value = String(fixed(latlng.lat));
    lon.value = String(fixed(latlng.lng));
    say(text("placed").replace("%(lat)s", lat.value).replace("%(lon)s", lon.value));
    if (clear) {
      clear.hidden = false;
    }
  }

  function place(latlng, zoom) {
    if (pin) {
      pin.setLatLng(latlng);
    } else {
      pin = L.marker(latlng, { draggable: true, keyboard: true, title: text("pin"), alt: text("pin") }).addTo(map);
      pin.on("dragend", function () {
        write(pin.getLatLng());
      });
    }
    write(latlng);
    if (zoom) {
      map.setView(latlng, Math.max(map.getZoom(), 16));
    }
  }

  map.on("click", function (event) {
    place(event.latlng, false);
  });

  if (locate) {
    if (!("geolocation" in navigator)) {
      locate.hidden = true;
    } else {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        say(text("locating"));
        locate.disabled = true;
        navigator.geolocation.getCurrentPosition(
          function (position) {
            locate.disabled = false;
            place(L.latLng(position.coords.latitude, position.coords.longitude), true);
          },
          function () {
            locate.disabled = false;
            say(text("no-location"));
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }
  }

  if (clear) {
    clear.addEventListener("click", function () {
      if (pin) {
        map.removeLayer(pin);
        pin = null;
      }
      lat.value = "";
      lon.value = "";
      clear.hidden = true;
      say(text("cleared"));
    });
  }

  var start = parseFloat(lat.value);
  var startLon = parseFloat(lon.value);
  if (!isNaN(start) && !isNaN(startLon)) {
    place(L.latLng(start, startLon), false);
    map.setView([start, startLon], 16);
  } else if (areas && areas.getLayers().length) {
    map.fitBounds(areas.getBounds(), { padding: [20, 20], maxZoom: 16 });
  } else {
    map.setView(HOME.center, HOME.zoom);
  }
})();
