"""When two names name one person or one place.

Reporters write the same person as "Chuck Grassley" and "Charles E. Grassley", "Bob Mueller" and
"Robert S. Mueller III": a first name may be a nickname of the other's, and initials, middle
names and suffixes come and go. Places are stricter: "Inner Mongolia" is not "Mongolia", and
"Northern Virginia" is not "Virginia": a word that qualifies a place name makes another place.
"""

from __future__ import annotations

import re

from summarizer.text import fold, spelled_alike

# Short forms of English first names news copy uses, each mapped to its full form(s). Small on
# purpose: a pair belongs here only when reporters really write both for one person.
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "abe": ("abraham",),
    "al": ("albert", "alan", "allan", "alfred"),
    "alex": ("alexander", "alexandra"),
    "andy": ("andrew",),
    "ben": ("benjamin",),
    "bernie": ("bernard",),
    "beto": ("robert",),
    "bill": ("william",),
    "billy": ("william",),
    "bob": ("robert",),
    "bobby": ("robert",),
    "charlie": ("charles",),
    "chris": ("christopher", "christine", "christina"),
    "chuck": ("charles",),
    "dan": ("daniel",),
    "danny": ("daniel",),
    "dave": ("david",),
    "dick": ("richard",),
    "don": ("donald",),
    "ed": ("edward", "edwin"),
    "eddie": ("edward",),
    "fred": ("frederick",),
    "greg": ("gregory",),
    "hank": ("henry",),
    "jack": ("john",),
    "jeff": ("jeffrey",),
    "jim": ("james",),
    "jimmy": ("james",),
    "joe": ("joseph",),
    "johnny": ("john",),
    "jon": ("jonathan",),
    "ken": ("kenneth",),
    "larry": ("lawrence",),
    "liz": ("elizabeth",),
    "matt": ("matthew",),
    "meg": ("margaret",),
    "mike": ("michael",),
    "mitch": ("mitchell",),
    "nick": ("nicholas",),
    "pat": ("patrick", "patricia"),
    "pete": ("peter",),
    "phil": ("philip", "phillip"),
    "rich": ("richard",),
    "rick": ("richard",),
    "rob": ("robert",),
    "ron": ("ronald",),
    "sam": ("samuel", "samantha"),
    "steve": ("steven", "stephen"),
    "sue": ("susan",),
    "ted": ("edward", "theodore"),
    "tom": ("thomas",),
    "tony": ("anthony",),
    "will": ("william",),
}
# Words after a surname that name no one: "Robert S. Mueller III", "Martin Luther King Jr.".
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Words that turn a place into another place: "Inner Mongolia", "North Carolina", "New Mexico".
_PLACE_QUALIFIERS = frozenset(
    {
        "inner",
        "outer",
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "upper",
        "lower",
        "central",
        "greater",
        "new",
        "old",
        "little",
        "great",
    }
)


def first_names_match(first: str, second: str) -> bool:
    """Two folded first names of one person: equal, spelled alike, one a nickname of the other
    ("chuck"/"charles"), or an initial of the other ("r"/"robert")."""
    if first == second or spelled_alike(first, second):
        return True
    if len(first) == 1 or len(second) == 1:
        return first[0] == second[0]
    return second in _NICKNAMES.get(first, ()) or first in _NICKNAMES.get(second, ())


def person_words(name: str) -> list[str]:
    """A person's name as folded words, without suffixes ("Jr.", "III")."""
    return [word for word in fold(name).split() if word not in _SUFFIXES]


def same_person(first: list[str], second: list[str]) -> bool:
    """Whether two full names (folded words, honorifics already dropped) name one person: the
    same surname, and first names that match when both give one; middle names and initials
    present in one only are allowed ("Robert W. Hunter" is "Bob Hunter"), and so are words of
    a title before the name ("Foreign Minister Mukhtar Tleuberdi")."""
    if not first or not second:
        return False
    if not spelled_alike(first[-1], second[-1]):
        return False
    given_a, given_b = first[:-1], second[:-1]
    if not given_a or not given_b:
        return True
    for position_a, word_a in enumerate(given_a):
        for position_b, word_b in enumerate(given_b):
            if first_names_match(word_a, word_b) and (len(word_a) > 1 or len(word_b) > 1):
                # Middle parts present in both must agree ("Robert S." is not "Robert W.").
                rest_a, rest_b = given_a[position_a + 1 :], given_b[position_b + 1 :]
                return not (rest_a and rest_b) or first_names_match(rest_a[0], rest_b[0])
    return False


def place_qualifiers(name: str) -> frozenset[str]:
    """The qualifying words of a place name: {"inner"} for "Inner Mongolia"."""
    return frozenset(word for word in re.findall(r"\w+", fold(name)) if word in _PLACE_QUALIFIERS)


def qualified_apart(first: str, second: str) -> bool:
    """Whether one place name qualifies the other into another place ("Inner Mongolia" /
    "Mongolia", "Northern Virginia" / "Virginia"): they must never be merged."""
    return place_qualifiers(first) != place_qualifiers(second)
