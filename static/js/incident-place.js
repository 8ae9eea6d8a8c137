/* Where an incident happened, on the desk's incident form: the pin of js/place-pin.js (loaded
 * first) fills the form's hidden lat and lon inputs; the server finds the area
 * (incidents.forms.IncidentForm). Without JavaScript the address fields do the work. */
window.buurtwachtPlacePin("[data-incident-place]", { fixed: false });
