/* A place on a desk form's map: a tap puts a pin there (drag it to move it), "Use my location"
 * puts it where the phone is. The pin fills the form's lat and lon inputs; coordinates typed in
 * them (a sign's visible fields) move the pin. Used by the incident form (js/incident-place.js)
 * and the sign form (signs/sign-place.js), which load this file first.
 *
 * The fields are read the way the server reads a sign's (apps.signs.forms.CoordinateField): a
 * decimal point or a decimal comma, spaces around, nothing else. A number that cannot be read
 * whole ("50,7,3", "abc") or lies off the globe places no pin: never half a number.
 *
 * Without JavaScript the map and its buttons stay hidden and the form's fields do the work.
 * Texts come translated on the map element's data- attributes.
 */
(function () {
  "use strict";

  // ``selector`` names the map element; ``options.fixed``: write the coordinates with 6 decimals
  // always (a sign, as its page shows them), else as short as they are (an incident).
  window.buurtwachtPlacePin = function (selector, options) {
    var fixedDecimals = Boolean(options && options.fixed);
    var element = document.querySelector(selector);
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
    var DECIMALS = 6;
    var COORDINATE = /^[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)$/;

    function text(name) {
      return element.getAttribute("data-text-" + name) || "";
    }

    // The number in a field, or null unless all of it is one number within the limit.
    function read(input, limit) {
      var typed = input.value.trim().replace(/\u2212/g, "-");
      if (!COORDINATE.test(typed)) {
        return null;
      }
      var value = Number(typed.replace(",", "."));
      if (!isFinite(value) || Math.abs(value) > limit) {
        return null;
      }
      return value;
    }

    function typedPlace() {
      var latitude = read(lat, 90);
      var longitude = read(lon, 180);
      if (latitude === null || longitude === null) {
        return null;
      }
      return L.latLng(latitude, longitude);
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

    function say(message) {
      status.textContent = message;
    }

    function written(value) {
      return fixedDecimals ? value.toFixed(DECIMALS) : String(Math.round(value * 1e6) / 1e6);
    }

    function tell(latlng) {
      say(text("placed").replace("%(lat)s", written(latlng.lat)).replace("%(lon)s", written(latlng.lng)));
      if (clear) {
        clear.hidden = false;
      }
    }

    function write(latlng) {
      lat.value = written(latlng.lat);
      lon.value = written(latlng.lng);
      tell(latlng);
    }

    function show(latlng) {
      if (pin) {
        pin.setLatLng(latlng);
      } else {
        pin = L.marker(latlng, { draggable: true, keyboard: true, title: text("pin"), alt: text("pin") }).addTo(map);
        pin.on("dragend", function () {
          write(pin.getLatLng());
        });
      }
    }

    // From the map, a drag or the phone's location: the fields follow the pin.
    function place(latlng, zoom) {
      show(latlng);
      write(latlng);
      if (zoom) {
        map.setView(latlng, Math.max(map.getZoom(), 16));
      }
    }

    function removePin() {
      if (pin) {
        map.removeLayer(pin);
        pin = null;
      }
      if (clear) {
        clear.hidden = true;
      }
    }

    // From the fields: the pin follows what was typed, which is left as typed.
    function follow() {
      var latlng = typedPlace();
      if (latlng) {
        show(latlng);
        tell(latlng);
        map.setView(latlng, Math.max(map.getZoom(), 16));
      } else if (pin) {
        removePin();
        say(text("cleared"));
      }
    }

    map.on("click", function (event) {
      place(event.latlng, false);
    });
    lat.addEventListener("change", follow);
    lon.addEventListener("change", follow);

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
        removePin();
        lat.value = "";
        lon.value = "";
        say(text("cleared"));
      });
    }

    var start = typedPlace();
    if (start) {
      show(start);
      tell(start);
      map.setView(start, 16);
    } else if (areas && areas.getLayers().length) {
      map.fitBounds(areas.getBounds(), { padding: [20, 20], maxZoom: 16 });
    } else {
      map.setView(HOME.center, HOME.zoom);
    }
  };
})();
