"""The demo municipalities' house rules (code of conduct), in Dutch, built around SAAR.

The police numbers come from the municipality (the model fills in the national defaults:
101/112 in Belgium, 112/0900-8844 in the Netherlands), so the text always names the numbers
the application and welcome e-mails name.
"""

from __future__ import annotations

_ALARM = {
    "BE": (
        "Alarmeren: bel eerst de politie op {non_urgent}, of op {emergency} bij levensgevaar of brand. "
        "Pas daarna meldt u iets in de groep."
    ),
    "NL": (
        "Alarmeren: bel eerst de politie: {emergency} als er spoed is (een verdachte situatie die nu gebeurt), "
        "{non_urgent} als het geen spoed heeft. Pas daarna meldt u iets in de groep."
    ),
}

_TEXT = """Deze huisregels gelden voor iedereen in een WhatsApp-buurtpreventiegroep in {municipality}. \
Wie lid wordt, aanvaardt ze. De gemeente kan ze aanpassen; u krijgt dan de nieuwe versie te lezen.

1. Waarvoor de groep dient
De groep is er om buren snel te waarschuwen voor verdachte situaties en zo samen de buurt veiliger te maken. \
Ze vervangt de politie niet.

2. Werk volgens SAAR
- Signaleren: u ziet iets verdachts: een persoon, een voertuig, een situatie.
- {alarm}
- App'en: meld kort in de groep wat u zag, waar en wanneer, en dat de politie verwittigd is.
- Reageren: reageer alleen als u iets nuttigs toevoegt (u zag hetzelfde, de politie is ter plaatse). \
Ga nooit zelf achter iemand aan en neem het recht niet in eigen handen.

3. Alleen meldingen, geen chat
De groep is enkel voor meldingen over veiligheid. Geen gesprekken, groeten of bedankjes, geen reclame, \
geen kettingberichten, geen politieke of religieuze boodschappen. Zo blijft elke melding opvallen.

4. Een goede melding
Wat, waar, wanneer en in welke richting. Een signalement van een persoon (geslacht, lengte, kleding) \
of van een voertuig (merk, kleur, nummerplaat). Blijf bij de feiten.

5. Privacy en respect
- Plaats geen foto's of filmpjes waarop iemands gezicht herkenbaar is om die persoon aan de schandpaal te \
nagelen. Beelden die het onderzoek kunnen helpen, bezorgt u aan de politie.
- Noem geen namen en uit geen vermoedens of beschuldigingen over personen. Geen kwetsende, \
discriminerende of bedreigende taal.
- Telefoonnummers, namen en berichten uit de groep deelt u niet buiten de groep.

6. Wie lid kan worden
- U bent 18 jaar of ouder en woont of werkt in het gebied van de groep.
- U neemt deel met uw eigen gsm-nummer, één nummer per persoon.
- Verhuist u, laat het dan weten aan de beheerder.

7. De beheerder
De beheerder voegt nieuwe leden toe, ziet toe op deze regels en mag wie ze overtreedt uit de groep \
verwijderen: na een waarschuwing, of meteen bij een ernstige overtreding. De beheerder geeft belangrijke \
meldingen door aan de beheerders van de andere groepen en is het aanspreekpunt voor gemeente en politie.

8. Politie en gemeente
De politie volgt de meldingen en controleert eerst zelf de situatie ter plaatse. De gemeente bewaart de \
gegevens van de leden alleen voor de buurtpreventie en deelt ze met niemand anders.

9. Stoppen
U kunt de groep altijd verlaten en vragen om uw gegevens te wissen."""


def title(municipality_name: str) -> str:
    return f"Huisregels WhatsApp-buurtpreventie {municipality_name}"


def text(municipality) -> str:
    """The rules for ``municipality`` (a Municipality, saved, so its police numbers are set)."""
    alarm = _ALARM[municipality.country].format(
        emergency=municipality.police_emergency_number, non_urgent=municipality.police_non_urgent_number
    )
    return _TEXT.format(municipality=municipality.name, alarm=alarm)
