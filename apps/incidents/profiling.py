"""Words for origin, ethnicity or religion in a report.

A description of a suspect says what was seen (clothing, height, build, behaviour, vehicle),
never where someone is supposedly from or what they believe. ``find`` points out such words in
Dutch, French and English, so the sender can edit them or keep them knowingly (the form asks,
and the confirmation is stored with the incident).

A term is matched case-insensitively, without regard to accents, from the start of a word:
``marokk*`` (ending in ``*``) matches every word that begins so ("Marokkaanse"); a term without
``*`` matches that whole word only ("roma" does not match "romantisch"). A term may hold spaces
("donkere huid"). Municipalities add their own terms (``ProfilingTerm``), in the same notation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Nationality or origin, ethnicity or skin colour, religion; per language. Colours alone are
# not here: "zwarte jas" is a description, "zwarte man" is not.
TERMS: dict[str, tuple[str, ...]] = {
    "nl": (
        # origin, nationality
        "marokk*",
        "turk",
        "turken",
        "turks*",
        "turkije",
        "arab*",
        "afrika*",
        "noord-afrika*",
        "allochto*",
        "buitenlander*",
        "buitenlands*",
        "niet-westers*",
        "vreemdeling*",
        "oostblok*",
        "oost-europe*",
        "poolse",
        "polen",
        "roemen*",
        "roemeen*",
        "bulgaar*",
        "bulgaren",
        "albane*",
        "syri*",
        "afghaan*",
        "afghan*",
        "somali*",
        "eritre*",
        "koerd*",
        "aziaat*",
        "aziatisch*",
        "chinees",
        "chinese",
        "surinam*",
        "antilli*",
        "congole*",
        "zuiderling*",
        "mediterra*",
        "migrant*",
        "vluchteling*",
        "asielzoeker*",
        # ethnicity, skin colour
        "etnisch*",
        "getint*",
        "donkere huid*",
        "zwarte huid*",
        "bruine huid*",
        "huidskleur*",
        "zwarte man",
        "zwarte mannen",
        "zwarte jongen*",
        "kleurling*",
        "neger*",
        "nikker*",
        "zigeuner*",
        "roma",
        "woonwagenbewoner*",
        # religion
        "moslim*",
        "islam*",
        "jood",
        "joden",
        "joods*",
        "christen*",
        "katholiek*",
        "hindoe*",
        "sikh*",
        "boeddhist*",
    ),
    "fr": (
        # origine, nationalité
        "marocain*",
        "maghreb*",
        "nord-africain*",
        "africain*",
        "arabe*",
        "turc",
        "turcs",
        "turque*",
        "etranger*",
        "etrangere*",
        "est-europe*",
        "europe de l'est",
        "pays de l'est",
        "polonais*",
        "roumain*",
        "bulgare*",
        "albanais*",
        "syrien*",
        "afghan*",
        "somalien*",
        "erythree*",
        "kurde*",
        "asiatique*",
        "chinois*",
        "congolais*",
        "allochtone*",
        "immigre*",
        "refugie*",
        "demandeur d'asile",
        "demandeurs d'asile",
        # ethnie, couleur de peau
        "ethnique*",
        "ethnie*",
        "basane*",
        "peau noire",
        "peau mate",
        "peau foncee",
        "homme noir",
        "homme de couleur",
        "type africain",
        "type maghrebin",
        "negre*",
        "renoi*",
        "rebeu*",
        "beur",
        "beurs",
        "bougnoul*",
        "gitan*",
        "tsigane*",
        "tzigane*",
        "manouche*",
        "rom",
        "roms",
        # religion
        "musulman*",
        "juif*",
        "juive*",
        "chretien*",
        "catholique*",
        "hindou*",
        "bouddhiste*",
    ),
    "en": (
        # origin, nationality
        "morocc*",
        "turkish",
        "turks",
        "arabs",
        "arabic",
        "arab",
        "african*",
        "north african*",
        "foreigner*",
        "foreign-looking",
        "foreign looking",
        "eastern europe*",
        "east europe*",
        "romanian*",
        "bulgarian*",
        "albanian*",
        "syrian*",
        "afghan*",
        "somali*",
        "eritrean*",
        "kurd*",
        "asian*",
        "chinese",
        "hispanic*",
        "latino*",
        "immigrant*",
        "refugee*",
        "asylum seeker*",
        # ethnicity, skin colour
        "ethnic*",
        "dark-skinned",
        "dark skinned",
        "dark skin",
        "black man",
        "black men",
        "black guy*",
        "coloured man",
        "negro*",
        "gypsy",
        "gypsies",
        "gipsy",
        "gipsies",
        "pikey*",
        "paki",
        "pakis",
        # religion
        "muslim*",
        "moslem*",
        "islam*",
        "jew",
        "jews",
        "jewish",
        "christian*",
        "catholic*",
        "hindu*",
        "sikh*",
        "buddhist*",
    ),
}


def fold(text: str) -> str:
    """``text`` in lower case without accents, character for character (so that a match's
    position is its position in ``text``)."""
    out = []
    for char in text:
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        low = plain.lower() if len(plain) == 1 else char.lower()
        out.append(low if len(low) == 1 else char)
    return "".join(out)


def clean_term(term: str) -> str:
    """A term as it is matched: folded, one space between words; ``""`` when nothing is left."""
    star = term.strip().endswith("*")
    words = fold(term.strip().rstrip("*")).split()
    if not words:
        return ""
    return " ".join(words) + ("*" if star else "")


def _pattern(term: str) -> str:
    term = clean_term(term)
    stem = term.endswith("*")
    words = [re.escape(word) for word in term.rstrip("*").split()]
    body = r"\s+".join(words)
    return r"(?<!\w)" + body + (r"\w*" if stem else r"(?!\w)")


@lru_cache(maxsize=64)
def _compile(terms: tuple[str, ...]) -> re.Pattern | None:
    patterns = sorted({_pattern(t) for t in terms if clean_term(t)}, key=len, reverse=True)
    if not patterns:
        return None
    return re.compile("|".join(patterns))


def builtin_terms() -> tuple[str, ...]:
    return tuple(term for terms in TERMS.values() for term in terms)


def find(texts: Iterable[str], extra_terms: Iterable[str] = ()) -> list[str]:
    """The words of ``texts`` that name origin, ethnicity or religion, as written (first
    occurrence, in order of appearance, each once, compared without case)."""
    pattern = _compile(builtin_terms() + tuple(sorted({clean_term(t) for t in extra_terms if clean_term(t)})))
    found: dict[str, str] = {}
    if pattern is None:
        return []
    for text in texts:
        if not text:
            continue
        folded = fold(text)
        for match in pattern.finditer(folded):
            word = " ".join(text[match.start() : match.end()].split())
            found.setdefault(word.casefold(), word)
    return list(found.values())


def terms_of(municipality) -> tuple[str, ...]:
    """The words ``municipality`` added to the built-in list (none without a municipality)."""
    if municipality is None:
        return ()
    from .models import ProfilingTerm

    return tuple(ProfilingTerm.objects.filter(municipality=municipality).values_list("term", flat=True))


def find_for(municipality, texts: Iterable[str]) -> list[str]:
    """``find`` with the municipality's own words: for any text about to be stored or relayed."""
    return find(texts, terms_of(municipality))


def reminder(words: list[str]) -> str:
    """What the sender reads when ``words`` were found, in the active language."""
    from django.utils.translation import gettext as _

    return _(
        "These words name origin, ethnicity or religion: %(words)s. Describe what you saw instead: clothing, "
        "height, build, behaviour, vehicle. Edit the text, or tick the box to keep these words."
    ) % {"words": ", ".join(words)}
