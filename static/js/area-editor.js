/* Maps of the staff desk.
 *
 * Every element with data-map shows the GeoJSON FeatureCollection in the <script> element it
 * names (features carry properties.label, .kind and .url). With data-area-editor the map is
 * also the area editor of the group form: Leaflet.draw writes the outline into the form's
 * "geometry" textarea and the server checks it (areas.services.save_area).
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
  var POINT_COLOURS = { applicant: "#a61b1b", request: "#a61b1b", sign: "#1e6b35", point: "#1b1f24" };
  // Belgium and the Netherlands, for a map with nothing on it yet.
  var HOME = { center: [51.0, 4.9], zoom: 7 };

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

  function featureLayer(data, keep) {
    return L.geoJSON(data, {
      filter: keep,
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
        return L.circleMarker(latlng, { radius: 8 });
      },
      onEachFeature: function (feature, layer) {
        if (feature.properties && feature.properties.label) {
          layer.bindPopup(popupContent(feature.properties));
        }
      }
    });
  }

  function translateDrawToolbar(texts) {
    if (!texts || !L.drawLocal) {
      return;
    }
    var draw = L.drawLocal.draw;
    var edit = L.drawLocal.edit;
    // Leaflet.draw puts "text" and tooltips in as HTML, titles as plain attributes.
    draw.toolbar.buttons.polygon = texts.polygon;
    draw.toolbar.buttons.rectangle = texts.rectangle;
    draw.toolbar.actions = { title: texts.cancelTitle, text: escapeHTML(texts.cancel) };
    draw.toolbar.finish = { title: texts.finishTitle, text: escapeHTML(texts.finish) };
    draw.toolbar.undo = { title: texts.undoTitle, text: escapeHTML(texts.undo) };
    draw.handlers.polygon.tooltip = {
      start: escapeHTML(texts.start),
      cont: escapeHTML(texts.cont),
      end: escapeHTML(texts.end)
    };
    draw.handlers.polyline.error = escapeHTML(texts.crossing);
    draw.handlers.rectangle.tooltip.start = escapeHTML(texts.rectangleStart);
    draw.handlers.simpleshape.tooltip.end = escapeHTML(texts.release);
    edit.toolbar.actions.save = { title: texts.saveTitle, text: escapeHTML(texts.save) };
    edit.toolbar.actions.cancel = { title: texts.cancelEditTitle, text: escapeHTML(texts.cancel) };
    edit.toolbar.actions.clearAll = { title: texts.clearAllTitle, text: escapeHTML(texts.clearAll) };
    edit.toolbar.buttons = {
      edit: texts.edit,
      editDisabled: texts.editDisabled,
      remove: texts.remove,
      removeDisabled: texts.removeDisabled
    };
    edit.handlers.edit.tooltip = { text: escapeHTML(texts.editHint), subtext: escapeHTML(texts.editSubHint) };
    edit.handlers.remove.tooltip = { text: escapeHTML(texts.removeHint) };
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
    if (!textarea || !L.Control || !L.Control.Draw) {
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

    translateDrawToolbar(readJSON("draw-locale"));
    map.addControl(
      new L.Control.Draw({
        position: "topright",
        draw: {
          polygon: { allowIntersection: false, showArea: false, shapeOptions: AREA_STYLES.current },
          rectangle: { showArea: false, shapeOptions: AREA_STYLES.current },
          polyline: false,
          circle: false,
          marker: false,
          circlemarker: false
        },
        edit: { featureGroup: drawn, poly: { allowIntersection: false } }
      })
    );
    map.on(L.Draw.Event.CREATED, function (event) {
      // A new outline replaces the one shown: one group, one area.
      drawn.clearLayers();
      drawn.addLayer(event.layer);
      write();
    });
    map.on(L.Draw.Event.EDITED, write);
    map.on(L.Draw.Event.DELETED, write);
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
    var context = featureLayer(data, function (feature) {
      return !(editor && feature.properties.kind === "current");
    }).addTo(map);
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
