"""Street addresses, written or said aloud, in the forms of many countries.

An address is found around the word that says "street": a type after the name ("42 Elm Street", "three
hundred and six garba ramp"), a type before it ("Calle Mayor 5", "rue de la paix", "jalan cikutra barat no
179"), or a street name written as one word with its type inside ("Geißlergasse 1657", "skolgränd", "Samhof
9"). The house number, written or in words, and the flat, unit or floor that follow ("apt five hundred",
"Interior 232", "H.No. 14") belong to the address.

What the type word is decides how much else is needed, because many are ordinary English words:

* **strong** types ("street", "avenue", "lane") make an address of a name after "on", "at", "off", "along"
  alone ("she lives on ocean avenue");
* **weak** types ("well", "mill", "common", "ranch", "place") need a house number and a name that is no
  ordinary word ("531 Abdifatah Well"), or "at", "on" ... before the number ("at 3 willow close"), so "2 big
  dogs run" and "in first place" stay;
* types before the name that are no English words ("calle", "rue", "ulica") need one name word after them;
  those that are ("via", "route", "place") need a house number too.

The type lists follow the street types of the US Postal Service (Publication 28, appendix C1), the UK's
common ones, and the usual street words of the languages that transcripts here quote (Spanish, Portuguese,
French, Italian, Romanian, Polish, Czech, Hungarian, Turkish, Indonesian, German, Dutch and the Nordic
languages, Indian English, Zulu).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from topics.fit.stopwords import STOP_WORDS

#: after the name, enough alone after "on", "at", ... (rarely follow a word in ordinary speech)
STRONG_AFTER = frozenset(
    "street st road rd avenue ave av lane ln boulevard blvd crescent terrace mews parkway pkwy highway hwy "
    "expressway expy freeway fwy turnpike tpke trafficway stravenue stra drive dr gardens grove alley allee "
    "marg chowk umgwaqo indlela utca út ut tér ter körút korut köz koz fasor sétány setany sokak sokağı caddesi "
    "cadde katu tie kuja polku väylä vayla kaari gata gatan vägen gränd torget vej gade straße strasse gasse "
    "weg allee straat laan steeg radial gateway crossroad crossroads freeway overpass bypass isitaladi bulevardi "
    "steps reach villas approach quay quays parade esplanade promenade circuit glade baan laneway amble ganj".split()
)
#: after the name, only with a house number and a name that is no ordinary word
WEAK_AFTER = frozenset(
    "way close court ct place pl square sq row walk green park hill hills heights view vista gate circle cir "
    "loop bend crossing corner corners common commons courts cove creek dale dam estate estates falls ferry "
    "field fields flat flats ford forge fork forks fort glen harbor harbour haven hollow island isle islands "
    "junction key knoll knolls landing lake lakes manor meadow meadows mill mills mission motorway mount "
    "mountain neck orchard oval pass passage path pike pine pines plain plains plaza point points port ports "
    "prairie ranch rapids rest ridge ridgeway river run shoal shoals shore shores skyway spring springs spur "
    "station stream summit throughway trace track tunnel underpass union valley viaduct village ville well "
    "wells wharf wood woods wynd sound brae chase end rise vale ramp route burg burgs center centre cliff cliffs club "
    "inlet light lights lock locks lodge mall trail trl cape causeway curve divide expressway garden grn "
    "greens grove groves hbr ht isl jct ky ldg ln loaf lndg mnr mdws ml mt mtn nck orch pkwy pln plz pt "
    "prt rdg rnch sta stn trce trak vly vlg vw wl wls xing indawo ithafa nagar zila anex annex arcade bayou "
    "beach bluff bottom branch bridge brook camp canyon course crest extension forest land rapid trailer "
    "puisto rinne sor liget gap retreat outlook subdivision".split()
)
#: after the name, only with a house number and a name that is no ordinary word, never from a cue alone ("at
#: one little point" stays): the road types of Australia and New Zealand (AS/NZS 4819) that the lists above lack,
#: most of them ordinary words ("241 Maldonado Lower", "99/43 Isaiah Colonnade"), and types of other places
NUMBERED_AFTER = frozenset(
    "access alleyway anchorage artery basin block brace break broadway brow byway centreway circlet circus "
    "colonnade concourse copse corso courtyard cross crossway cruiseway cutting dell deviation dip distributor "
    "driveway edge elbow entrance fairway firetrail follow footway foreshore formation front frontage gates "
    "grange ground gully highroad interchange intersection lees line link little lookout lower meander mew nook "
    "parklands part pathway piazza plateau pocket quad quadrangle quadrant ramble range reserve ride riverway "
    "riviera roadside roadway ronde rosebowl rotary round rue siding slope stairs strand strip subway tarn "
    "thoroughfare tollway top tor towers triangle trunkway turn upper wade walkway yard via "
    # German types after a hyphenated name, said without the hyphens ("hanno vogt ring two")
    "ring platz damm ufer steig pfad chaussee hof markt".split()
)
#: before the name: street words of other languages, no English words
STRONG_BEFORE = frozenset(
    "calle avenida avda carrera paseo glorieta ronda camino callejón callejon pasaje privada cerrada "
    "circunvalación circunvalacion circuito prolongación prolongacion andador bulevar calzada diagonal "
    "periférico periferico viaducto peatonal retorno urbanización urbanizacion rambla travesía travesia rua "
    "travessa alameda praça praca estrada rodovia rue chemin allée impasse quai viale vicolo piazza piazzale "
    "contrada borgo strada stretto ulica aleja plac osiedle bulevardul calea drumul intrarea aleea splaiul "
    "șoseaua soseaua piața piata jalan jl gang gg ulice náměstí namesti třída trida nábřeží nabrezi "
    "sokağı caddesi đường duong phố pho eje acceso pasadizo ampliación ampliacion continuación continuacion "
    # Brazil's types of logradouro (Correios) that are no English words
    "aeroporto área chácara chacara colônia colonia condomínio condominio conjunto distrito estação estacao "
    "favela fazenda feira jardim ladeira lagoa loteamento morro núcleo nucleo parque passarela pátio patio quadra "
    "recanto residencial setor sítio sitio trecho trevo vereda viaduto viela vila beco escadaria "
    # Spain's types of vía (INE) that the Spanish above lacks
    "cuesta vial carretera senda cañada canada carrer costanilla subida bajada polígono poligono".split()
)
#: before the name, English words too, or letters ("c" for calle; Czech "u", "v", "k": "at", "in", "to"): only
#: with a house number beside the name, and a name that is no ordinary word ("u balabenky 764", "C. de Begoña
#: Lledó 5"; not "told u guys 3 times")
WEAK_BEFORE = frozenset(
    "via place route boulevard avenue corso largo plaza canale al ul os str bd av pl area vale lago campo "
    "corredor c u v k na za pod nad".split()
)
#: street names written as one word end in these ("Geißlergasse", "Willemoesvej", "Skolgränd")
COMPOUND_ENDINGS = (
    "straße", "strasse", "gasse", "weg", "allee", "platz", "damm", "ufer", "steig", "pfad", "chaussee",
    "vej", "gade", "plads", "gatan", "vägen", "väg", "gränd", "torget", "stigen", "backe", "gata",
    "straat", "laan", "steeg", "plein", "gracht", "dreef", "singel", "kade", "hof", "katu", "kuja",
    "polku", "boulevard", "bulevardi", "pad", "dijk", "kanaal", "markt", "veien", "vegen", "gate", "tie", "str",
    "ring", "baan", "allé",
)  # fmt: skip
#: endings that end names and words too ("Katie", "Goldring"): a street only with a house number after it
NUMBERED_ENDINGS = frozenset("tie ring hof pad gate str baan kade laan weg".split())
#: words of a street name that are no name ("de", "la": "rue de la paix"; "norte", "barat": directions)
PARTICLES = frozenset("de del la las los di della des du le lo da do dos das van von der den ten al el".split())
#: a flat, unit, floor or house before its number
UNITS = frozenset(
    "apt apartment flat unit suite ste interior int depto departamento dpto edif edificio piso appartamento app "
    "bl bloc sc scara ap et etaj no nr number house studio floor h.no hno lote lt casa block blk lot level "
    "lvl piano puerta portal escalera esc phase b l h".split()
)
#: before a street name, these say it is one ("she lives on", "the flat on", "we moved to")
CUES = frozenset("on at off along onto near in to from".split())
#: numbers said in words (house numbers; also the numbers of handles and addresses said aloud in redact.py)
NUMBER_WORDS = frozenset(
    "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand".split()
)
_TOKEN = re.compile(r"\w(?:[\w'’./-]*\w)?\.?")  # "H.No.", "123/553", "O'Hora"; no quote or comma around
# "42", "14b", "39th", "123/553", and a block or lot written with its letter ("B18 L60 Lanzones Road")
_DIGITS = re.compile(r"(?:[a-z]\d+|\d+(?:st|nd|rd|th|[a-z])?)(?:[/-]\w+)?\.?$", re.IGNORECASE)


def _plain(token: str) -> str:
    return token.lower().strip(".'’!?")


def _is_number(tokens: list[str], i: int) -> bool:
    word = _plain(tokens[i])
    return bool(_DIGITS.match(tokens[i].strip(".,"))) or word in NUMBER_WORDS


def _number_end(tokens: list[str], i: int) -> int:
    """The end (exclusive) of a house number starting at token ``i`` (digits, or number words with "and"
    between them), or ``i`` when none starts there."""
    j = i
    while j < len(tokens):
        if _is_number(tokens, j):
            j += 1
        elif _plain(tokens[j]) == "and" and j > i and j + 1 < len(tokens) and _is_number(tokens, j + 1):
            j += 1
        else:
            break
    return j


def _number_start(tokens: list[str], end: int) -> int:
    """The start of a house number ending just before token ``end`` (``end`` when none ends there)."""
    j = end
    if j >= 2 and len(tokens[j - 1]) == 1 and tokens[j - 1].isalpha() and _is_number(tokens, j - 2):
        j -= 1  # "ninety one a allen flat": a house number said with its letter
    while j > 0 and (
        _is_number(tokens, j - 1) or _plain(tokens[j - 1]) == "and" and j >= 2 and _is_number(tokens, j - 2)
    ):
        j -= 1
    while j < end and _plain(tokens[j]) == "and":
        j += 1
    return j


def _tail(tokens: list[str], j: int) -> int:
    """Past a house number and any units with their numbers from token ``j`` ("12 apt 5", "no nine")."""
    j = _number_end(tokens, j)
    while j + 1 < len(tokens) and _plain(tokens[j]) in UNITS:
        after = _number_end(tokens, j + 1)
        if after == j + 1:
            break
        j = after
    return j


def _particle(token: str) -> bool:
    """A particle of a street name; "ten" is the number in "ten brown greens", not the Dutch particle."""
    return _plain(token) in PARTICLES and _plain(token) not in NUMBER_WORDS


def _name_word(token: str) -> bool:
    """A word of a street's name: letters ("Skłodowskiej-Curie" too) or an ordinal ("39th Boulevard")."""
    word = _plain(token)
    ordinal = re.fullmatch(r"\d+(?:st|nd|rd|th)", word) is not None
    letters = word.replace("-", "").replace("'", "").replace("’", "")  # "Skłodowskiej-Curie", "o'mara"
    return ordinal or letters.isalpha() and word not in STOP_WORDS and word not in NUMBER_WORDS


def address_spans(text: str, ordinary: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Character spans of the street addresses in ``text``; ``ordinary`` says whether a word is an ordinary
    English word (a weak type needs a name that is none)."""
    matches = list(_TOKEN.finditer(text))
    tokens = [m.group(0) for m in matches]
    spans = []
    for i, token in enumerate(tokens):
        word = _plain(token)
        found = [
            _cued_number(tokens, i, ordinary) if word in ("at", "on") else None,
            _number_then_name(text, matches, i, ordinary) if word in ("at", "on") else None,
            _after_name(tokens, i, ordinary) if _type_after(word) else None,
            _before_name(tokens, i, ordinary) if word in STRONG_BEFORE or word in WEAK_BEFORE else None,
            _compound(tokens, i, ordinary),
        ]
        for start, end in filter(None, found):
            spans.append((matches[start].start(), matches[end - 1].end()))
    return spans


def _type_after(word: str) -> bool:
    """A type that follows the name, or the plural of a strong or weak one ("afolabi drives", "kipruto courts")."""
    return word in NUMBERED_AFTER or _strong_or_weak(word) or word.endswith("s") and _strong_or_weak(word[:-1])


def _strong_or_weak(word: str) -> bool:
    return word in STRONG_AFTER or word in WEAK_AFTER


def _after_name(tokens: list[str], i: int, ordinary: Callable[[str], bool]) -> tuple[int, int] | None:
    """An address whose type (token ``i``) follows the name: "42 elm street", "eight hundred clarence umgwaqo"."""
    start = i
    while start > 0 and i - start < 3 and (_name_word(tokens[start - 1]) or _particle(tokens[start - 1])):
        if tokens[start - 1].endswith("."):
            break  # "Great. Well, one thing": a sentence ends before the name
        start -= 1
    if start == i:
        return None
    names = [_plain(t) for t in tokens[start:i] if _plain(t) not in PARTICLES]
    number = _number_start(tokens, start)
    while 0 < number < start and _plain(tokens[number - 1]) in UNITS:
        number = _number_start(tokens, number - 1)  # "studio 0 peter trafficway", "block 04 lot 09 35th expressway"
    end = _tail(tokens, i + 1)
    has_number = number < start or end > i + 1
    kind = _plain(tokens[i])
    if kind.rstrip("s") in STRONG_AFTER or kind in STRONG_AFTER:
        cued = start > 0 and _plain(tokens[start - 1]) in CUES and len(names) <= 2
        return (number, end) if has_number or cued else None
    # "at 3 willow close"; a numbered-only type needs a name that is no ordinary word even then
    cued_number = number < start and number > 0 and _plain(tokens[number - 1]) in CUES and _strong_or_weak(kind)
    # "881 Josh Rue": a number, then capitals, say it is a name
    written = number < start and all(t[:1].isupper() for t in tokens[start : i + 1])
    if has_number and names and (cued_number or written or not all(ordinary(n) for n in names)):
        return number, end
    return None


def _cued_number(tokens: list[str], i: int, ordinary: Callable[[str], bool]) -> tuple[int, int] | None:
    """A street named without its type, after "at" or "on" (token ``i``) and before its house number: "she lives
    at smotlachova three hundred and fifteen"; "on page 5" is none (the name must be no ordinary word)."""
    j = i + 1
    while j < len(tokens) and j - i <= 3 and _name_word(tokens[j]) and not ordinary(_plain(tokens[j])):
        j += 1
    if j == i + 1 or j >= len(tokens):
        return None
    end = _tail(tokens, j)
    return (i + 1, end) if end > j else None


def _number_then_name(
    text: str, matches: list[re.Match], i: int, ordinary: Callable[[str], bool]
) -> tuple[int, int] | None:
    """A house number in digits and a street named in capitals without a type we know, after "at" or "on" (token
    ``i``): "the flat on 68, Atwal", "at 12 Kowalczyk Ridge"; one word of the name must be no ordinary word, and
    nothing but a comma may stand between them ("at 5. Then Sarah ..." is no address)."""
    number = i + 1
    if number >= len(matches) or not matches[number].group(0)[:1].isdigit() or matches[number].group(0).endswith("."):
        return None
    if not _DIGITS.match(matches[number].group(0)):
        return None
    j = number + 1
    while j < len(matches) and j - number <= 3:
        token, gap = matches[j].group(0), text[matches[j - 1].end() : matches[j].start()]
        if not re.fullmatch(r"\s*,?\s*", gap) or not token[:1].isupper() or token.isupper() or not _name_word(token):
            break
        j += 1
        if token.endswith("."):
            break
    names = [_plain(m.group(0)) for m in matches[number + 1 : j]]
    if names and not all(ordinary(n) for n in names):
        return number, j
    return None


def _before_name(tokens: list[str], i: int, ordinary: Callable[[str], bool]) -> tuple[int, int] | None:
    """An address whose type (token ``i``) comes first: "calle mayor 5", "rue de paul", "via roma 3"."""
    j = i + 1
    while j < len(tokens) and j - i <= 4 and (_name_word(tokens[j]) or _particle(tokens[j])):
        j += 1
    names = [_plain(t) for t in tokens[i + 1 : j] if _plain(t) not in PARTICLES]
    if not names:
        return None
    end, start = _tail(tokens, j), _number_start(tokens, i)
    kind = _plain(tokens[i])
    if kind in STRONG_BEFORE:
        return start, end  # "53, rue de paul", "twenty chemin raymond mercier"
    if (end > j or start < i) and (kind in STRONG_AFTER or not all(ordinary(n) for n in names)):
        return start, end  # "nine boulevard bailly", "via roma 3"
    return None


def _compound(tokens: list[str], i: int, ordinary: Callable[[str], bool]) -> tuple[int, int] | None:
    """A street name written as one word with its type inside: "geißlergasse 1657", "skolgränd"."""
    word = _plain(tokens[i])
    parts = [p for p in re.split(r"-", word) if p]
    last = parts[-1] if parts else ""
    ending = next((e for e in COMPOUND_ENDINGS if last.endswith(e)), None)
    if ending is None or not last.isalpha() or all(ordinary(p) for p in parts) or len(parts) == 1 and ordinary(word):
        return None
    if len(last) < len(ending) + 2 and len(parts) == 1:
        return None  # "hof", "ring" alone; the type needs a name before it
    end = _tail(tokens, i + 1)
    if ending in NUMBERED_ENDINGS and len(parts) == 1 and end == i + 1:
        return None  # "Katie", "Kristie", "howering": a name or a word, unless a house number follows
    start = i
    if len(parts) == 1 and i > 0 and _name_word(tokens[i - 1]) and not ordinary(_plain(tokens[i - 1])):
        start = i - 1  # "german benthin allee" is the other form; "nicolai wende weg" this one
    return start, end
