"""Planted identifiers in therapy-like remarks, written for this project, to measure de-identification.

Every case is a remark as a therapist or client might say it, in the spoken
style of speech-recognition transcripts (lower case, no punctuation) unless
marked as written, with the identifiers planted in it and their category.
The names, places and numbers are made up by us or are common names of many
origins; none is taken from a corpus. Cases are built from templates so that
each category has many identifiers in many contexts; the seed fixes them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST_NAMES = {
    "slavic": [
        "dmitri",
        "svetlana",
        "oksana",
        "bogdan",
        "katarzyna",
        "wojciech",
        "anastasia",
        "yaroslav",
        "milena",
        "zoran",
    ],
    "west african": ["oluwaseun", "chidi", "nkechi", "kwame", "abena", "adebayo", "folake", "kofi", "ngozi", "yaw"],
    "east african": [
        "wanjiru",
        "otieno",
        "amani",
        "baraka",
        "zawadi",
        "achieng",
        "makena",
        "tesfaye",
        "abebe",
        "nyokabi",
    ],
    "south asian": [
        "priya",
        "arjun",
        "anjali",
        "rohan",
        "lakshmi",
        "sanjay",
        "deepika",
        "vikram",
        "harpreet",
        "sunita",
    ],
    "east asian": ["xiaoling", "wei", "hiroshi", "yuki", "minjun", "jiyeon", "haruto", "mei", "jun", "sakura"],
    "arabic": ["fatima", "yusuf", "layla", "omar", "aisha", "khalid", "zainab", "tariq", "noor", "hamza"],
    "hispanic": [
        "alejandro",
        "guadalupe",
        "ximena",
        "santiago",
        "valentina",
        "joaquin",
        "marisol",
        "mateo",
        "yesenia",
        "rodrigo",
    ],
    "us/uk modern": [
        "jayden",
        "aiden",
        "brayden",
        "kayleigh",
        "madison",
        "tyler",
        "brooklyn",
        "jaxon",
        "harper",
        "mackenzie",
    ],
    "us/uk classic": [
        "margaret",
        "jennifer",
        "dorothy",
        "gerald",
        "barbara",
        "kenneth",
        "deborah",
        "raymond",
        "sharon",
        "douglas",
    ],
    "nicknames": ["jonno", "becca", "mikey", "lizzie", "danny", "abby", "benji", "katie", "tommy", "jess"],
}
SURNAMES = [
    "okonkwo",
    "kowalski",
    "nguyen",
    "patel",
    "fernandez",
    "okafor",
    "mensah",
    "kamau",
    "haddad",
    "yamamoto",
    "petrov",
    "ivanova",
    "chaudhry",
    "oyelaran",
    "morales",
    "lindqvist",
    "obi",
    "wiśniewska",
    "abdullah",
    "tanaka",
    "mcallister",
    "fitzgerald",
    "oconnell",
    "stowe",
    "whitfield",
    "hargreaves",
    "delacroix",
    "van der berg",
    "achterberg",
    "mwangi",
]
PLACES = [
    "leeds",
    "springfield",
    "salford",
    "croydon",
    "birmingham",
    "glasgow",
    "manchester",
    "boston",
    "phoenix",
    "sacramento",
    "nairobi",
    "lagos",
    "mumbai",
    "karachi",
    "dublin",
    "toronto",
    "sheffield",
    "bristol",
    "cardiff",
    "houston",
    "san diego",
    "milton keynes",
    "stoke on trent",
    "new york",
    "los angeles",
    "brixton",
    "hackney",
    "stockport",
    "wolverhampton",
    "tallahassee",
]
STREETS = [
    "42 elm street",
    "17 church road",
    "221 baker street",
    "9 maple avenue",
    "3 willow close",
    "118 high street",
    "56 station road",
    "7 queens drive",
    "12 orchard lane",
    "305 sunset boulevard",
]
INSTITUTIONS = [
    "st mary's hospital",
    "st thomas hospital",
    "bulldog pharmacy",
    "lincoln high school",
    "riverside academy",
    "kings college",
    "greenfield primary",
    "oakwood clinic",
    "hillcrest medical centre",
    "northgate prison",
]
PHONES = [
    "555 867 5309",
    "07700 900123",
    "+44 7700 900456",
    "020 7946 0958",
    "(415) 555-0134",
    "+1 212 555 0199",
    "0161 496 0000",
    "07911 123456",
    "+353 85 123 4567",
    "212-555-0147",
]
EMAILS = [
    "jo.smith@example.org",
    "dmitri_k@mailbox.net",
    "priya.s@hotmail.co.uk",
    "kwame84@gmail.com",
    "sunny.days@outlook.com",
    "r.morales@work-mail.com",
    "jenny at gmail dot com",
    "tom.b@yahoo.com",
    "lizzie99@icloud.com",
    "a.haddad@clinic.nhs.uk",
]
URLS = [
    "www.myrecoveryblog.com",
    "https://facebook.com/margaret.okonkwo",
    "jennysjournal.co.uk",
    "www.priyapaints.net",
    "http://bit.ly/3xYz12",
    "mysobrietyjourney dot com",
    "www.kwamemusic.org",
    "tiktok.com/@lizzie99",
    "https://www.linkedin.com/in/rohan-patel",
    "dannysdiary.net",
]
HANDLES = [
    "@jenny_k",
    "@dmitri.paints",
    "@kwame_beats",
    "@lizzie99",
    "@sober_sam",
    "@priyaxx",
    "@the_real_omar",
    "instagram is sunny underscore days",
    "snapchat is mikey dot b",
    "tiktok handle is becca22",
]
IDS = [
    "078-05-1120",
    "485 777 3456",
    "mrn 00123456",
    "medical record number 4455667",
    "patient id 99887766",
    "nhs number 943 476 5919",
    "member id ab123456",
    "case number 2024-33871",
    "insurance number 77-441-209",
    "social security number 123-45-6789",
]
DATES = [
    "march fourth",
    "the third of march",
    "4 march 1985",
    "12/06/1990",
    "june 21st",
    "the twenty first of june",
    "october 3rd 1978",
    "2019-05-14",
    "the fifth of november",
    "april 9th",
]
AGES = [
    "93 years old",
    "ninety five years old",
    "aged 97",
    "she's 91",
    "101 years old",
    "ninety two years old",
    "turned 94",
    "99 year old",
    "aged ninety eight",
    "he's 96",
]

NAME_TEMPLATES = [
    "i talked to {a} and {b} yesterday",
    "my son {a} is seven",
    "so you said {a} was there too",
    "and then {a} called me",
    "my friend {a} thinks i drink too much",
    "i was with {a} the whole weekend",
    "{a} and i had a fight about money",
    "my daughter {a} won't talk to me",
    "did you tell {a} how you feel",
    "my wife {a} is worried",
    "i told {a} i would quit",
    "my sponsor {a} says it gets easier",
    "how did {a} react when you told her",
    "my boss {a} keeps shouting",
    "you mentioned {a} last time",
    "my neighbour {a} helps with the kids",
]
SURNAME_TEMPLATES = [
    "call {a} {s} about it",
    "my doctor is dr {s}",
    "hi mr {s} come in",
    "my teacher was mrs {s}",
    "i saw {a} {s} at the meeting",
    "her name is {a} {s}",
]
PLACE_TEMPLATES = [
    "i live in {p} near the hospital",
    "we moved from {p} last year",
    "my mum is still in {p}",
    "i grew up in {p}",
    "i drive to {p} every weekend",
    "the job in {p} fell through",
]
OTHER_TEMPLATES = {
    "street": ["i live at {x} with my mum", "you can send it to {x}", "the flat at {x} is too small"],
    "institution": ["they took me to {x} after the overdose", "my kids go to {x}", "i pick up my meds at {x}"],
    "phone": ["you can reach me on {x}", "my number is {x}", "call my sister on {x} if i miss it"],
    "email": ["email me at {x}", "my email is {x}", "send the forms to {x}"],
    "url": ["i write about it on {x}", "my blog is {x}", "have a look at {x}"],
    "handle": ["follow me {x}", "my account is {x}", "she posted it {x}"],
    "id": ["my {x} if you need it", "the letter had {x} on it", "i gave them {x}"],
    "date": ["my birthday is {x}", "i relapsed on {x}", "she was born {x}"],
    "age": ["my nan is {x}", "my grandfather is {x} and still drinks", "she was {x} when she passed"],
}


@dataclass(frozen=True)
class Case:
    text: str
    planted: tuple[tuple[str, str], ...]  # (identifier as written in the text, category)


def cases(seed: int = 11) -> list[Case]:
    """At least 400 planted identifiers over ten categories, spoken style, plus a written-style copy of some."""
    rng = random.Random(seed)
    out: list[Case] = []
    origins = list(FIRST_NAMES)
    for origin in origins:  # every first name twice, in two templates
        for name in FIRST_NAMES[origin]:
            for template in rng.sample(NAME_TEMPLATES, 2):
                other = rng.choice(FIRST_NAMES[rng.choice(origins)])
                text = template.format(a=name, b=other)
                planted = [(name, "name")] + ([(other, "name")] if "{b}" in template else [])
                out.append(Case(text, tuple(planted)))
    for surname in SURNAMES:
        first = rng.choice(FIRST_NAMES[rng.choice(origins)])
        template = rng.choice(SURNAME_TEMPLATES)
        text = template.format(a=first, s=surname)
        out.append(Case(text, tuple([(surname, "surname")] + ([(first, "name")] if "{a}" in template else []))))
    for place in PLACES:
        out.append(Case(rng.choice(PLACE_TEMPLATES).format(p=place), ((place, "place"),)))
    lists = {
        "street": STREETS,
        "institution": INSTITUTIONS,
        "phone": PHONES,
        "email": EMAILS,
        "url": URLS,
        "handle": HANDLES,
        "id": IDS,
        "date": DATES,
        "age": AGES,
    }
    for category, values in lists.items():
        for value in values:
            for template in rng.sample(OTHER_TEMPLATES[category], 2):
                out.append(Case(template.format(x=value), ((value, category),)))
    written = [Case(c.text[0].upper() + c.text[1:] + ".", c.planted) for c in rng.sample(out, 40)]
    for case in written:  # written style: names capitalised as a transcriber would
        text = case.text
        for value, category in case.planted:
            if category in ("name", "surname", "place", "institution"):
                text = text.replace(value, value.title())
        out.append(
            Case(
                text,
                tuple(
                    (v.title() if c in ("name", "surname", "place", "institution") else v, c) for v, c in case.planted
                ),
            )
        )
    return out


#: Ordinary therapy words that are also names or places: never to be removed in ordinary use.
ORDINARY_WORDS = [
    "feel",
    "hope",
    "will",
    "grace",
    "joy",
    "mark",
    "faith",
    "rose",
    "dawn",
    "bill",
    "frank",
    "patience",
    "sue",
    "may",
    "reading",
    "bath",
    "long",
    "son",
    "art",
    "chance",
    "trust",
    "summer",
    "happy",
    "rich",
]
ORDINARY_USES = [
    "how do you feel about that",
    "i hope you can see that",
    "what will you do next week",
    "there was grace in how you handled it",
    "it brought you joy",
    "you made your mark at work",
    "you have faith in yourself",
    "your mood rose after the walk",
    "it started to dawn on you",
    "the bill came and you panicked",
    "let's be frank about the drinking",
    "you showed a lot of patience",
    "you might sue them",
    "it may help to write it down",
    "reading helps you relax",
    "you took a bath to calm down",
    "how long have you been drinking",
    "your son needs you",
    "art is your outlet",
    "you had a chance to say no",
    "trust takes time",
    "last summer was hard",
    "you seem happy today",
    "a rich life",
]
