/* Where a street sign should stand, on the desk's sign form: the pin of js/place-pin.js (loaded
 * first) fills the latitude and longitude fields and follows what is typed in them, written as
 * the sign's page shows coordinates (apps.signs.models.format_coordinate): a decimal point and 6
 * decimals. */
window.buurtwachtPlacePin("[data-sign-place]", { fixed: true });
