/* Maps of the staff desk.
 *
 * Every element with data-map shows the GeoJSON FeatureCollection in the <script> element it
 * names (features carry properties.label, .kind and .url). With data-area-editor the map is
 * also the area editor of the group and broadcast forms: Leaflet-Geoman (static/vendor/
 * leaflet-geoman/, ADR 0016) draws, edits and removes the outline, this script writes it into
 * the form's "geometry" textarea and the server checks it (areas.services.save_area).
 *
 * Labels come from residents and coordinators, so they are always set as text, never as HTML.
 * The maps repeat what the page says in text and tables; nothing is only on the map.
 */
(function () {
  "use strict";

  if (typeof window.L === "undefined") {
    return;
  }

  // Colours from site.css; the dashed lines tell forming groups and free areas apart
  // without relying on colour alone.
  var AREA_STYLES = {
    group: { color: "#0b5394", weight: 2, fillOpacity: 0.15 },
    "group-forming": { color: "#8a5a00", weight: 2, dashArray: "6 4", fillOpacity: 0.1 },
    "group-closed": { color: "#4a5560", weight: 1, dashArray: "2 4", fillOpacity: 0.05 },
    "free-area": { color: "#4a5560", weight: 2, dashArray: "6 4", fillOpacity: 0.05 },
    "other-area": { color: "#4a5560", weight: 1, fillOpacity: 0.05 },
    current: { color: "#0b5394", weight: 3, fillOpacity: 0.2 },
    area: { color: "#0b5394", weight: 2, fillOpacity: 0.15 }
  };
  var POINT_COLOURS = { applicant: "#a61b1b", request: "#a61b1b", sign: "#1e6b35", "sign-stopped": "#b34700", point: "#1b1f24" };
  // Belgium and the Netherlands, for a map with nothing on it yet.
  var HOME = { center: [51.0, 4.9], zoom: 7 };
  var LANGUAGE = (document.documentElement.lang || "en").slice(0, 2).toLowerCase();

  function readJSON(id) {
    var node = id && document.getElementById(id);
    if (!node) {
      return null;
    }
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return null;
    }
  }

  function escapeHTML(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function popupContent(properties) {
    var node;
    if (properties.url) {
      node = document.createElement("a");
      node.href = properties.url;
    } else {
      node = document.createElement("span");
    }
    node.textContent = properties.label;
    return node;
  }

  function addTiles(map, element) {
    var url = element.getAttribute("data-tile-url");
    if (url) {
      L.tileLayer(url, { maxZoom: 19, attribution: element.getAttribute("data-tile-attribution") || "" }).addTo(map);
    }
  }

  // On the editor's map the other areas and the points are context: Geoman leaves them alone,
  // but a corner drawn near another area's outline snaps to it, so neighbours share a border.
  function featureLayer(data, keep, editor) {
    return L.geoJSON(data, {
      filter: keep,
      pmIgnore: editor,
      snapIgnore: false,
      // Leaflet applies "style" to points drawn as circle markers too, so points get theirs here.
      style: function (feature) {
        if (feature.geometry.type === "Point") {
          return {
            color: "#ffffff",
            weight: 2,
            fillColor: POINT_COLOURS[feature.properties.kind] || POINT_COLOURS.point,
            fillOpacity: 1
          };
        }
        return AREA_STYLES[feature.properties.kind] || AREA_STYLES.area;
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 8, pmIgnore: editor, snapIgnore: true });
      },
      onEachFeature: function (feature, layer) {
        if (feature.properties && feature.properties.label) {
          layer.bindPopup(popupContent(feature.properties));
        }
      }
    });
  }

  // The JavaScript catalogue's gettext (/jsi18n/). A text the catalogue does not translate yet
  // comes back undefined, so that Geoman's own Dutch or French shows rather than English.
  function gettext(msgid) {
    var text = typeof window.gettext === "function" ? window.gettext(msgid) : msgid;
    return text !== msgid || LANGUAGE === "en" ? text : undefined;
  }

  function asHTML(text) {
    return text === undefined ? undefined : escapeHTML(text);
  }

  // Geoman sets button titles as attributes (plain text) and the texts of actions and tooltips
  // as HTML, so those are escaped.
  function editorTexts() {
    return {
      buttonTitles: {
        drawPolyButton: gettext("Draw an area"),
        drawRectButton: gettext("Draw a rectangle"),
        editButton: gettext("Move the corners"),
        dragButton: gettext("Move the whole area"),
        deleteButton: gettext("Remove the outline")
      },
      actions: {
        finish: asHTML(gettext("Finish")),
        cancel: asHTML(gettext("Cancel")),
        removeLastVertex: asHTML(gettext("Delete last point"))
      },
      tooltips: {
        firstVertex: asHTML(gettext("Click to place the first corner.")),
        continueLine: asHTML(gettext("Click to place the next corner.")),
        finishPoly: asHTML(gettext("Click the first corner to close the area.")),
        finishRect: asHTML(gettext("Click or release the mouse at the opposite corner."))
      }
    };
  }

  // Geoman's buttons are links with role="button" whose title sits on the box around them:
  // give each its name, tell whether its mode is on, and let the space bar press it too.
  function describeButtons(map) {
    var boxes = map.getContainer().querySelectorAll(".leaflet-pm-toolbar .button-container");
    Array.prototype.forEach.call(boxes, function (box) {
      var button = box.querySelector(".leaflet-buttons-control-button");
      if (!button) {
        return;
      }
      if (box.title) {
        button.setAttribute("aria-label", box.title);
      }
      button.setAttribute("aria-pressed", box.classList.contains("active") ? "true" : "false");
    });
    // On a phone a row of actions (finish, delete last point, cancel) would run off the map's
    // left edge: there they stand under each other.
    var narrow = map.getSize().x < 480;
    var actions = map.getContainer().querySelectorAll(".leaflet-pm-toolbar .leaflet-pm-action");
    Array.prototype.forEach.call(actions, function (action) {
      action.style.display = narrow ? "block" : "";
    });
  }

  function pressWithSpace(event) {
    var target = event.target;
    if (event.key === " " && target.getAttribute("role") === "button") {
      event.preventDefault();
      target.click();
    }
  }

  // Geoman draws a rectangle with two clicks; as before, pressing, dragging and releasing the
  // mouse draws one too. The map does not pan meanwhile, or the drag would move it instead.
  function rectangleByDragging(map) {
    var start = null;
    var couldPan = false;

    function press(event) {
      if (event.originalEvent.button) {
        return;
      }
      map.off("mousedown", press);
      start = event.containerPoint;
      map.fire("click", event);
    }

    function release(event) {
      if (start && event.containerPoint.distanceTo(start) > 3) {
        start = null;
        map.fire("click", event);
      }
    }

    map.on("pm:drawstart", function (event) {
      if (event.shape !== "Rectangle") {
        return;
      }
      couldPan = map.dragging.enabled();
      map.dragging.disable();
      start = null;
      map.on("mousedown", press);
      map.on("mouseup", release);
    });
    map.on("pm:drawend", function (event) {
      if (event.shape !== "Rectangle") {
        return;
      }
      map.off("mousedown", press);
      map.off("mouseup", release);
      if (couldPan) {
        map.dragging.enable();
      }
    });
  }

  function polygonsOf(geometry) {
    if (!geometry) {
      return [];
    }
    if (geometry.type === "Polygon") {
      return [geometry.coordinates];
    }
    if (geometry.type === "MultiPolygon") {
      return geometry.coordinates;
    }
    if (geometry.type === "Feature") {
      return polygonsOf(geometry.geometry);
    }
    if (geometry.type === "FeatureCollection" && geometry.features && geometry.features.length === 1) {
      return polygonsOf(geometry.features[0]);
    }
    return [];
  }

  function setupEditor(map, element, data) {
    var form = element.closest("form");
    var textarea = form && form.querySelector("textarea[name='geometry']");
    if (!textarea || !map.pm) {
      return null;
    }
    var drawChoice = form.querySelector("input[name='area_source'][value='draw']");
    var drawn = new L.FeatureGroup().addTo(map);

    function show(geometry) {
      drawn.clearLayers();
      polygonsOf(geometry).forEach(function (rings) {
        var latlngs = rings.map(function (ring) {
          return ring.map(function (position) {
            return [position[1], position[0]];
          });
        });
        drawn.addLayer(L.polygon(latlngs, AREA_STYLES.current));
      });
    }

    function write() {
      var polygons = [];
      drawn.eachLayer(function (layer) {
        polygons = polygons.concat(polygonsOf(layer.toGeoJSON().geometry));
      });
      if (polygons.length === 0) {
        textarea.value = "";
        return;
      }
      var geometry =
        polygons.length === 1
          ? { type: "Polygon", coordinates: polygons[0] }
          : { type: "MultiPolygon", coordinates: polygons };
      textarea.value = JSON.stringify(geometry);
      if (drawChoice) {
        drawChoice.checked = true;
      }
    }

    // After a refused save the form comes back with what was drawn; otherwise start from
    // the group's current area, so its corners can be moved instead of drawn anew.
    var start = null;
    if (textarea.value.trim()) {
      try {
        start = JSON.parse(textarea.value);
      } catch (error) {
        start = null;
      }
    }
    if (!start) {
      var current = data.features.filter(function (feature) {
        return feature.properties.kind === "current";
      });
      start = current.length ? current[0].geometry : null;
    }
    show(start);

    map.pm.setGlobalOptions({
      layerGroup: drawn,
      pathOptions: AREA_STYLES.current,
      allowSelfIntersection: false,
      snappable: true,
      continueDrawing: false,
      exitModeOnEscape: true
    });
    map.pm.setLang(LANGUAGE, editorTexts(), LANGUAGE);
    map.pm.addControls({
      position: "topright",
      drawPolygon: true,
      drawRectangle: true,
      drawMarker: false,
      drawCircleMarker: false,
      drawPolyline: false,
      drawCircle: false,
      drawText: false,
      editMode: true,
      dragMode: true,
      cutPolygon: false,
      removalMode: true,
      rotateMode: false,
      oneBlock: true
    });
    describeButtons(map);
    map.on(
      "resize pm:globaldrawmodetoggled pm:globaleditmodetoggled pm:globaldragmodetoggled pm:globalremovalmodetoggled",
      function () {
        describeButtons(map);
      }
    );
    L.DomEvent.on(map.getContainer(), "keydown", pressWithSpace);
    rectangleByDragging(map);
    // While a tool is on, a click on another area places a corner, not that area's popup.
    map.on("popupopen", function () {
      if (
        map.pm.globalDrawModeEnabled() ||
        map.pm.globalEditModeEnabled() ||
        map.pm.globalDragModeEnabled() ||
        map.pm.globalRemovalModeEnabled()
      ) {
        map.closePopup();
      }
    });

    map.on("pm:create", function (event) {
      // A new outline replaces the one shown: one group, one area.
      drawn.eachLayer(function (layer) {
        if (layer !== event.layer) {
          drawn.removeLayer(layer);
        }
      });
      write();
    });
    drawn.on("pm:edit pm:dragend", write);
    map.on("pm:remove", write);
    // Pasted GeoJSON is shown on the map as soon as the field is left.
    textarea.addEventListener("change", function () {
      try {
        show(JSON.parse(textarea.value));
        if (drawn.getLayers().length) {
          map.fitBounds(drawn.getBounds(), { padding: [20, 20] });
        }
      } catch (error) {
        // Not JSON (yet): the server explains what is wrong when the form is sent.
      }
    });
    return drawn;
  }

  function createMap(element) {
    var data = readJSON(element.getAttribute("data-map"));
    if (!data) {
      return;
    }
    var editor = element.hasAttribute("data-area-editor");
    // Read-only maps sit in long pages: the scroll wheel scrolls the page, not the map.
    var map = L.map(element, { scrollWheelZoom: editor });
    addTiles(map, element);
    var context = featureLayer(
      data,
      function (feature) {
        return !(editor && feature.properties.kind === "current");
      },
      editor
    ).addTo(map);
    var bounds = L.latLngBounds([]);
    if (context.getLayers().length) {
      bounds.extend(context.getBounds());
    }
    if (editor) {
      var drawn = setupEditor(map, element, data);
      if (drawn && drawn.getLayers().length) {
        bounds = drawn.getBounds();
      }
    }
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
    } else {
      map.setView(HOME.center, HOME.zoom);
    }
  }

  document.querySelectorAll("[data-map]").forEach(createMap);
})();
