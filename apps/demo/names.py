"""Word lists for the demo world, written for it: Flemish and Dutch-Limburg first and last
names, and street names as they occur in villages on both sides of the border.

Any resemblance of a combination to a real person is a coincidence; the places are invented.
"""


def _split(text: str) -> tuple[str, ...]:
    # Comma-separated, so names with spaces ("De Smet", "Holle Weg") stay whole.
    return tuple(word.strip() for word in text.replace("\n", " ").split(",") if word.strip())


FIRST_NAMES_BE = _split(
    """
Jan, Luc, Marc, Geert, Dirk, Patrick, Johan, Koen, Bart, Tom, Wim, Kris, Peter, Filip, Stijn, Jens, Pieter,
Wouter, Joris, Ruben, Thomas, Lars, Sven, Jef, Gust, Staf, Rik, Guido, Eddy, Willy, Jos, Fons, Roel, Niels,
Glenn, Maria, Lieve, Annemie, Hilde, Greet, Els, Ilse, Katrien, Sofie, Lien, An, Veerle, Inge, Nathalie, Kim,
Elke, Leen, Sarah, Eline, Lotte, Femke, Marleen, Rita, Godelieve, Mariette, Jeanine, Martine, Nele, Griet,
Hanne, Joke, Ria
"""
)

LAST_NAMES_BE = _split(
    """
Peeters, Janssens, Maes, Jacobs, Mertens, Willems, Claes, Goossens, Wouters, De Smet, Vermeulen, Lemmens,
Hermans, Thijs, Moons, Vandeweyer, Vanhees, Schepers, Gielen, Theunis, Bollen, Coenen, Claesen, Driesen,
Geerts, Jorissen, Kenis, Lambrechts, Leenders, Meekers, Nijs, Ooms, Pauwels, Reynders, Stevens, Swennen,
Vaes, Vanderlinden, Vandebroek, Vranken, Wuyts, Beckers, Bielen, Cuppens, Daemen, Evens, Franssen, Hendrickx,
Jans, Knevels, Loos, Machiels, Nelissen, Ramaekers, Smeets, Tilkin, Vandersmissen, Wijnants, Ceyssens,
Vanormelingen, Baeten, Hoydonckx
"""
)

FIRST_NAMES_NL = _split(
    """
Sjaak, Huub, Frans, Mieke, Ingrid, Sanne, Daan, Bram, Noud, Lieke, Roel, Joep, Truus, Wim, Marieke, Ellen,
Jeroen, Maud, Tim, Fleur, Har, Bèr, Thei, Anja
"""
)

LAST_NAMES_NL = _split(
    """
Janssen, Smeets, Hendriks, Peters, Vencken, Claessens, Kusters, Stassen, Kleijnen, Frijns, Houben, Lemmens,
Schreurs, Wolfs, Bemelmans, Coumans, Dassen, Geurts, Knops, Meijers, Notermans, Pluijmen, Quaedvlieg,
Ramakers, Senden, Vleugels, Wetzels
"""
)

STREETS_BE = _split(
    """
Kerkstraat, Dorpsstraat, Molenweg, Schoolstraat, Stationsstraat, Kapelstraat, Veldstraat, Beekstraat,
Hoogstraat, Nieuwstraat, Bergstraat, Bosstraat, Kasteelstraat, Pastorijstraat, Kloosterstraat, Driesstraat,
Weidestraat, Hoevestraat, Lindestraat, Populierenlaan, Meidoornstraat, Broekstraat, Windmolenstraat,
Vijverstraat, Akkerstraat, Heirbaan, Holle Weg, Boomgaardstraat, Fruitstraat, Kersenlaan, Tiendeschuurstraat,
Processieweg, Kouterstraat, Smisstraat, Grachtstraat, Sint-Martinusstraat
"""
)

STREETS_NL = _split(
    """
Kerkstraat, Dorpstraat, Molenweg, Julianastraat, Wilhelminastraat, Beatrixlaan, Prins Bernhardstraat,
Burgemeester Hoenenstraat, Pastoor Vroemenstraat, Kloosterstraat, Veldstraat, Grensweg, Schoolstraat,
Bongerd, Op de Kamp, Hoogstraat, Mergelweg, Kapelaan Pompenstraat, Akkerweg, Lindelaan
"""
)
