"""Checks of what an item claims, beyond its words being in the cited sentences.

Each check is a small function returning the problems it finds as editor's notes ("the quote
is not in the cited sentences", "the article gives these words to Jay Carney"), an empty list
when the item passes. They judge one field of one item against the text of its cited
sentences; ``summarizer.grounding`` decides which checks apply to which field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from summarizer.attribution import (
    LOOK_BACK,
    PARTY_STATE,
    attribute,
    first_person,
    opening_actor,
    person_in,
)
from summarizer.numbers import find_numbers
from summarizer.text import STOPWORDS, fold, found_in, name_words, tokens

# --------------------------------------------------------------------------------------------
# Numbers, dates, months, weekdays in any text field
# --------------------------------------------------------------------------------------------

_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_ABBREVIATIONS = {
    "jan": "january", "feb": "february", "mar": "march", "apr": "april", "jun": "june",
    "jul": "july", "aug": "august", "sep": "september", "sept": "september", "oct": "october",
    "nov": "november", "dec": "december",
}  # fmt: skip
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Digits as written, each part of a tally or range on its own ("348-77": 348 and 77).
_DIGITS = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+(?:\.\d+)?")
# Number words that state a quantity ("one" is left out: "one of the" states none).
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
    "half": 0.5, "third": 3, "thirds": 3, "quarter": 4,
}  # fmt: skip
# Magnitudes in words: stated when the same words are in the cited sentences.
_MAGNITUDES = re.compile(
    r"\b(?:dozens|scores|hundreds|thousands|millions|billions|trillions)"
    r"(?:\s+(?:of\s+)?(?:thousands|millions|billions|trillions))?\b",
    re.IGNORECASE,
)


# A month word that starts a name ("the March Without Borders", "March for Our Lives") or is a
# verb or noun ("the march reached Tijuana") names no month.
_MONTH_IN_NAME = re.compile(r"\s+(?:[A-Z][a-z]|for\s+[A-Z])")


@lru_cache(maxsize=1024)  # the same cited sentences (or whole article) for every field
def _months_named(text: str) -> frozenset[str]:
    """The folded month words of ``text`` that name a month: capitalised, not a name's."""
    named = set()
    for match in re.finditer(r"\b[A-Z][a-z]+\.?", text):
        word = match.group(0)
        if _month_of(word) is None:
            continue
        dated = re.match(r"\s*\d", text[match.end() :])  # "the Sept. 11 attack" is a date
        after_the = re.search(r"\bthe\s+$", text[: match.start()])
        if not dated and (_MONTH_IN_NAME.match(text, match.end()) or after_the):
            continue
        named.add(fold(word))
    return frozenset(named)


def _month_of(word: str) -> str | None:
    word = word.rstrip(".").lower()
    if word in _MONTH_NAMES and word != "may":
        return word
    return _MONTH_ABBREVIATIONS.get(word)


@lru_cache(maxsize=1024)
def _numbers_stated(text: str) -> tuple[tuple[float, ...], frozenset[str]]:
    # The same cited sentences (or the whole article) are read for every field of an item.
    return tuple(find_numbers(text)), frozenset(d.replace(",", "") for d in _DIGITS.findall(text))


# A number that is part of a name: "H.R. 1", "Amendment 64", "Proposition 8".
_NAMED_NUMBER = re.compile(r"\b([A-Z][\w.]*)\s+(\d+)\b")


def numbers_not_cited(label: str, text: str, cited: str, article: str = "") -> list[str]:
    """Every number, year, date, month and weekday written in ``text`` must be in ``cited``:
    "the 1974 law" citing a sentence about the 1976 law fails, as does "on Thursday". A
    number that is part of a name the article writes ("HR 1", "Amendment 64") is a name."""
    problems = []
    stated, cited_digits = _numbers_stated(cited)
    named = {
        match.group(2)
        for match in _NAMED_NUMBER.finditer(text)
        if article
        and re.search(rf"\b{re.escape(fold(match.group(1)))}\s+{match.group(2)}\b", fold(article))
    }
    for written in _DIGITS.findall(text):
        plain = written.replace(",", "")
        if plain in cited_digits or plain in named:
            continue
        value = float(plain)
        if any(abs(value - s) <= 1e-9 * max(abs(value), 1.0) for s in stated):
            continue
        # "$1.5 billion" in the text, "1.5 billion" or "$1,500,000,000" in the article: the
        # figure check weighs scales; here the digits as written are enough.
        problems.append(f"{label} says {written}, which the cited sentences do not state")
    cited_words = set(fold(cited).split())
    months = _months_named(text)
    cited_months = _months_named(cited) if months else frozenset()
    for word in fold(text).split():
        month = _month_of(word) if word in months else None
        if (
            month
            and month not in cited_months
            and not any(_MONTH_ABBREVIATIONS.get(w) == month for w in cited_months)
        ):
            problems.append(f"{label} names {month.title()}, which the cited sentences do not")
        elif word in _WEEKDAYS and word not in cited_words:
            problems.append(f"{label} says {word.title()}, which the cited sentences do not")
        elif word in _NUMBER_WORDS and word not in cited_words:
            value = _NUMBER_WORDS[word]
            if not any(abs(value - s) < 1e-9 for s in stated):
                problems.append(f"{label} says {word!r}, which the cited sentences do not state")
    for magnitude in _MAGNITUDES.findall(text):
        if fold(magnitude) not in fold(cited):
            problems.append(f"{label} says {magnitude!r}, which the cited sentences do not")
    return list(dict.fromkeys(problems))


# A number with the word after it ("25 percent", "$3 billion", "10 %"): its unit.
_NUMBER_WITH_UNIT = re.compile(r"(\$?)(\d[\d,]*(?:\.\d+)?)\s*(%|[a-z]+)?")
_PREPOSITION_THEN_WORD = re.compile(
    r"\b(?:on|of|for|in|from|to|at|among|against)\s+(?:the\s+)?([a-z]+)"
)


def figure_counts_another(value_text: str, counts: str, cited: Sequence[str]) -> list[str]:
    """A figure given what a sentence gives another number of the same unit: "The 25 percent
    tariffs on steel and 10 percent on aluminum" makes 10 percent the aluminum tariff, so
    "25 percent: tariff on aluminum imports" is wrong. What tells the numbers apart is what
    follows a preposition in each number's stretch ("on steel", "on aluminum"); the noun right
    after the unit ("tariffs") is shared and tells nothing."""
    own_values = {d.replace(",", "") for d in _DIGITS.findall(value_text)}
    counted = set(tokens(counts))
    if not own_values or not counted:
        return []
    for sentence in cited:
        lowered = sentence.lower()
        numbers = [
            (
                match.start(),
                match.group(2).replace(",", ""),
                match.group(1) + (match.group(3) or ""),
            )
            for match in _NUMBER_WITH_UNIT.finditer(lowered)
        ]
        if len(numbers) < 2:
            continue
        stretches = []
        for position, (start, value, unit) in enumerate(numbers):
            end = numbers[position + 1][0] if position + 1 < len(numbers) else len(lowered)
            stretch = lowered[start:end]
            objects = " ".join(m.group(1) for m in _PREPOSITION_THEN_WORD.finditer(stretch))
            stretches.append((value, unit, set(tokens(objects))))
        own = [s for s in stretches if s[0] in own_values]
        if len(own) != 1 or not own[0][1]:
            continue
        _, unit, own_told = own[0]
        if not own_told or counted & own_told:
            continue  # its own stretch says nothing ("and Campa-Najjar 17 percent"), or agrees
        for value, other_unit, told in stretches:
            if value in own_values or other_unit != unit:
                continue
            taken = sorted(counted & told)
            if taken:
                return [
                    f"the cited sentence gives {value} {unit.strip('$')} to {taken[0]!r}, "
                    f"not {value_text!r}"
                ]
    return []


_COUNT_WORDS = re.compile(
    r"\b(?:tens of (?:thousands|millions|billions)|twice|thrice|double|triple|half|"
    r"a few|several|dozens|scores|hundreds|thousands|millions|billions|trillions)\b",
    re.IGNORECASE,
)


def magnitude_stated(value_text: str, cited: str) -> bool:
    """A figure in words with no single number ("hundreds of billions of dollars", "tens of
    thousands", "twice") whose words are in the cited sentences."""
    words = _COUNT_WORDS.findall(value_text)
    return bool(words) and all(fold(word) in fold(cited) for word in words)


# --------------------------------------------------------------------------------------------
# Quotes
# --------------------------------------------------------------------------------------------

_QUOTE_MARKS = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "―": "-"}
)


def quote_form(text: str) -> str:
    """Quote marks, apostrophes, dashes and whitespace unified, case folded."""
    text = text.translate(_QUOTE_MARKS).replace("...", "…")
    return re.sub(r"\s+", " ", text).strip(" \"'").casefold()


def quote_not_in_text(quote: str, cited: str) -> list[str]:
    """The quoted words must be a span of the cited sentences (an ellipsis may join spans)."""
    haystack = quote_form(cited)
    parts = [part.strip(" ,.\"'") for part in quote_form(quote).split("…")]
    missing = [part for part in parts if part and part not in haystack]
    if missing:
        return [f"the quote is not in the cited sentences word for word: {missing[0][:80]!r}"]
    return []


_SUFFIXES = frozenset(["jr", "sr", "ii", "iii", "iv"])
_CAPITALISED_NAME = re.compile(r"(?:[A-Z][\w'’.-]+\s?){1,4}")


# A person's people: "Trump administration", "Hunter campaign" are named by "Trump", "Hunter".
COLLECTIVE_WORDS = frozenset(
    ["administration", "government", "campaign", "officials", "supporters", "allies",
     "aides", "team", "camp", "official", "supporter", "aide"]
)  # fmt: skip


def collective_head(party: str) -> str | None:
    """ "Trump" for "Trump administration" (or "the Trump administration"), else None."""
    words = party.split()
    if len(words) >= 2 and fold(words[-1]) in COLLECTIVE_WORDS:
        head = " ".join(w for w in words[:-1] if fold(w) != "the")
        return head or None
    return None


def names_match(claimed: str, named: str) -> bool:
    """``claimed`` names the same party as ``named``: its surname (last name word), all of its
    words, or its initials ("American Civil Liberties Union" ~ "the ACLU") are among
    ``named``'s ("Barack Obama" ~ "President Obama"); a person's administration or campaign
    is named by the person."""
    head = collective_head(claimed)
    if head is not None and _names_match(head, named):
        return True
    return _names_match(claimed, named)


def _names_match(claimed: str, named: str) -> bool:
    claimed_words = [w for w in name_words(claimed) if w not in _SUFFIXES]
    named_words = set(name_words(named)) | set(tokens(named))
    if not claimed_words or not named_words:
        return False
    if all(found_in(word, named_words) for word in claimed_words):
        return True
    initials = "".join(w[0] for w in fold(claimed).split() if w not in STOPWORDS)
    if len(initials) >= 2 and initials in named_words:
        return True
    named_initials = {"".join(w[0] for w in fold(named).split() if w not in STOPWORDS)}
    if any(w in named_initials for w in claimed_words if len(w) >= 2):
        return True
    return found_in(claimed_words[-1], named_words) and len(claimed_words[-1]) > 2


def _surname_of_someone(word: str, sentences: Sequence[str]) -> str | None:
    """``word`` when it is the surname of a person the article names in full ("Elliott" for
    "Mike Elliott"), else None: a lone capitalised word may be a paper or a place."""
    word = word.strip()
    if not _CAPITALISED_NAME.fullmatch(word) or " " in word or word.endswith(("’s", "'s")):
        return None
    for sentence in sentences:
        for match in re.finditer(
            rf"\b([A-Z][a-z]+)\s+(?:[A-Z]\.\s+)*{re.escape(word)}\b", sentence
        ):
            if match.group(1) not in ("The", "Mr", "Mrs", "Ms", "Dr", "Sen", "Rep", "Gov"):
                return word
    return None


def speaker_not_attributed(
    speaker: str, quote: str, sentences: Sequence[str], cited: Sequence[int]
) -> list[str]:
    """The speaker must be the party the article gives the quote to, in the sentence holding
    it (attribution verb there, or carried from the sentences before).

    Where the attribution names a person for certain, the speaker must be that person;
    otherwise (a pronoun the resolver cannot place, an institution, a document) the speaker
    must be named in the sentence holding the quote or the two before it."""
    form = quote_form(quote)[:40]
    holding = [i for i in cited if form and form in quote_form(sentences[i])] or list(cited)
    # The sentences just before, and any cited one a little further back that introduces the
    # speaker ("Chief Patrol Agent Rodney Scott said ... He also urged ...").
    start = min(holding)
    introduced = [sentences[i] for i in cited if start - LOOK_BACK <= i < start - 2]
    window = " ".join([*introduced, *sentences[max(0, start - 2) : max(holding) + 1]])
    named_elsewhere: str | None = None
    for index in holding:
        found = attribute(sentences, index, quote)
        if found is None:
            continue
        if names_match(speaker, found.speaker):
            return []
        person = person_in(found.speaker)
        if person is None and found.how == "named":
            person = _surname_of_someone(found.speaker, sentences)  # "Elliott said"
        if person is None:
            continue
        if found.how == "named":
            # The sentence itself names someone else with the verb: "..., Nadler said".
            return [f"the article gives these words to {person}, not {speaker}"]
        named_elsewhere = named_elsewhere or person
    if names_match(speaker, window):
        return []  # a pronoun or continuation resolved less surely than the text names it
    if named_elsewhere is not None:
        return [f"the article gives these words to {named_elsewhere}, not {speaker}"]
    return [f"the cited sentences do not say that {speaker} said this"]


# --------------------------------------------------------------------------------------------
# Roles and titles
# --------------------------------------------------------------------------------------------

# Words that make a role a title or office: these must be the actor's, not a neighbour's.
TITLE_WORDS = frozenset(
    [
        "president",
        "senator",
        "sen",
        "senate",
        "representative",
        "rep",
        "congressman",
        "congresswoman",
        "leader",
        "majority",
        "minority",
        "speaker",
        "secretary",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "ambassador",
        "attorney",
        "general",
        "governor",
        "gov",
        "chairman",
        "chairwoman",
        "chair",
        "chief",
        "director",
        "deputy",
        "commissioner",
        "minister",
        "judge",
        "justice",
        "mayor",
        "candidate",
        "adviser",
        "advisor",
        "counsel",
        "prosecutor",
        "sheriff",
        "founder",
        "ceo",
        "executive",
        "officer",
        "head",
        "member",
        "ranking",
        "whip",
        "vice",
        "press",
        "campaign",
        "manager",
        "democrat",
        "democratic",
        "republican",
        "gop",
        "independent",
        "professor",
        "economist",
        "analyst",
        "researcher",
        "lawyer",
        "counselor",
        "aide",
        "official",
        "strategist",
        "treasurer",
        "commissioner",
        "staff",
        "agent",
        "coordinator",
        "pastor",
    ]
)
_SEGMENT = re.compile(r"[,;()\[\]]|\s[-–—]+\s|\bwho\b|\bwhich\b|\bthat\b|\band\b")
# Share of a role's words that its cited sentences must hold somewhere.
MIN_ROLE_PRESENCE = 0.5


# Abbreviations news prose writes titles and states with.
_ABBREVIATED = {
    "gov": "governor", "sen": "senator", "rep": "congressman", "representative": "congressman",
    "congresswoman": "congressman", "lawmaker": "congressman", "atty": "attorney",
    "gen": "general", "lt": "lieutenant", "sec": "secretary", "pres": "president",
    "d": "democratic", "r": "republican", "i": "independent", "calif": "california",
    "ny": "new york", "ga": "georgia", "nm": "new mexico", "md": "maryland", "ky": "kentucky",
    "tex": "texas", "fla": "florida", "ill": "illinois", "mass": "massachusetts",
    "mich": "michigan", "pa": "pennsylvania", "va": "virginia", "wash": "washington",
    "ariz": "arizona", "colo": "colorado", "conn": "connecticut", "minn": "minnesota",
    "mo": "missouri", "nc": "north carolina", "sc": "south carolina", "nj": "new jersey",
    "okla": "oklahoma", "neb": "nebraska", "nev": "nevada", "ore": "oregon", "wis": "wisconsin",
    "tenn": "tennessee", "ind": "indiana", "ala": "alabama", "la": "louisiana", "vt": "vermont",
    "miss": "mississippi", "ark": "arkansas", "kan": "kansas", "del": "delaware",
    "mont": "montana", "wyo": "wyoming", "nh": "new hampshire", "nd": "north dakota",
    "sd": "south dakota", "ri": "rhode island", "utah": "utah", "iowa": "iowa",
}  # fmt: skip


@lru_cache(maxsize=8192)
def _token_set(text: str) -> frozenset[str]:
    # Every check of every actor looks at the article's sentences: their words once each.
    return frozenset(tokens(text))


@lru_cache(maxsize=8192)
def _title_tokens(text: str) -> tuple[str, ...]:
    """``tokens`` with abbreviated titles, parties and states written out ("Gov.", "D-Calif.")."""
    text = re.sub(r"\b([A-Z])\.([A-Z])\.", r"\1\2", text)  # "N.Y." -> "NY"
    out: list[str] = []
    for word in tokens(text):
        out.extend(tokens(_ABBREVIATED_TOKENS.get(word, word)))
    return tuple(out)


# The same, keyed as ``tokens`` writes the abbreviation ("Miss." is "mis").
_ABBREVIATED_TOKENS = {tokens(key)[0]: value for key, value in _ABBREVIATED.items()}


def role_not_attached(
    name: str, role: str, cited: Sequence[str], article: Sequence[str]
) -> list[str]:
    """A role's words must be said of this actor, and the words that identify it (titles such
    as "spokeswoman" or "attorney general"; for a short role also proper nouns such as
    "Oklahoma") must be attached to the actor in a sentence that names them: in the clause that
    names them ("Colorado Gov. John Hickenlooper") or in apposition ("Mason Tvert,
    communications director for ...", "Oklahoma's attorney general, Scott Pruitt,"), not to a
    neighbour. Sentences naming the actor count as well as the cited ones: a role is often
    given where someone is introduced, not where they act."""
    # An age is written "Kenia Elizabeth Avila, 35," as often as "35-year-old": the number
    # carries it (the number check weighs it), not the words "year" and "old".
    role_words = [
        w for w in _title_tokens(_AGE.sub(r"\1", role)) if w not in STOPWORDS and len(w) > 2
    ]
    if not role_words:
        return []
    own = set(name_words(name))
    # The sentences naming the actor and those next to them ("the chairman of the Joint
    # Chiefs confirmed ... Gen. Martin Dempsey responded").
    near = {
        neighbour
        for position, sentence in enumerate(article)
        if own & _token_set(sentence)
        for neighbour in (position - 1, position, position + 1)
        if 0 <= neighbour < len(article)
    }
    naming = list(cited) + [article[i] for i in sorted(near) if article[i] not in cited]
    said_words = set(_title_tokens(" ".join(naming)))
    # A role's words as written, not look-alikes: "foreigner" is not "Foreign" (of a foreign
    # minister named beside the actor), though the two spell alike.
    present = [w for w in role_words if w in said_words]
    if len(present) / len(role_words) < MIN_ROLE_PRESENCE:
        return [f"the article does not give {name} the role {role!r}"]
    problems: list[str] = []
    written = _folded(tuple(article))
    for part in _role_parts(role):
        problems += _title_not_held(name, part, own, naming, said_words, written)
    # What the role says they did ("who sponsored the amendment ...") must be said in a
    # sentence that names them or cites them, not only in a neighbour's.
    deed = re.search(r"\b(?:who|whose|which)\b(.*)$", role)
    if deed and not problems:
        # A sentence right after one naming them that says "he" or "she" is theirs too.
        about = [
            article[i]
            for i, sentence in enumerate(article)
            if own & _token_set(sentence)
            or (i > 0 and own & _token_set(article[i - 1]) and _HE_SHE.search(sentence))
        ]
        named = set(tokens(" ".join([*cited, *about])))
        words = [w for w in tokens(deed.group(1)) if w not in STOPWORDS and len(w) > 3]
        if len(words) >= 3 and sum(found_in(w, named) for w in words) * 2 < len(words):
            problems.append(
                f"the sentences naming {name} do not say that they{deed.group(0)[3:]!s}"
            )
    return problems[:1]


_HE_SHE = re.compile(r"\b(?:he|she|his|her)\b", re.IGNORECASE)


@lru_cache(maxsize=64)  # one article's sentences, read for every actor and quote in it
def _folded(article: tuple[str, ...]) -> str:
    return " ".join(fold(sentence) for sentence in article)


_AGE = re.compile(r"\b(\d{1,3})[- ]years?[- ]old\b", re.IGNORECASE)


def _role_parts(role: str) -> list[str]:
    """A role's conjuncts: "deputy national security adviser and now the White House chief
    of staff" is two titles, each checked."""
    parts = re.split(r"\s+and\s+(?:now\s+|later\s+|also\s+)?(?=(?:the|a|an)\s)|;", role)
    return [part for part in parts if part.strip()]


# Words that change which office a title names: a deputy director is not the director.
_QUALIFIERS = frozenset(
    ["deputy", "vice", "acting", "former", "assistant", "associate", "interim", "ranking",
     "minority", "majority", "lieutenant", "executive", "chief", "senior", "top"]
)  # fmt: skip


def _title_not_held(
    name: str,
    role: str,
    own: set[str],
    naming: Sequence[str],
    said_words: set[str],
    written: str = "",
) -> list[str]:
    # Two letters ("US", "EU") qualify a title as a country does, not as someone's own word.
    identity = [w for w in _head_title(role, written) if w not in own and len(w) > 2]
    if not identity:
        return []  # a description ("states suing Colorado"), not a title
    head_words = _head_words(role)
    missing = [w for w in head_words if w not in own and not found_in(w, said_words)]
    if missing:
        return [f"the article does not call {name} {missing[0]!r} ({role!r})"]
    own_titles: set[str] = set()
    others: dict[str, str] = {}
    qualifiers: set[str] = set()
    for sentence in naming:
        mine, theirs, qualified = _attached_words(sentence, own, identity)
        own_titles |= mine
        qualifiers |= qualified
        for word, holder in theirs.items():
            others.setdefault(word, holder)
    taken = [word for word in identity if word in others and word not in own_titles]
    if taken:
        holder = others[taken[0]]
        return [f"the article gives {taken[0]!r} of the role {role!r} to {holder}, not {name}"]
    dropped = sorted(qualifiers - set(_title_tokens(role)))
    if own_titles and dropped:
        return [f"the article calls {name} {dropped[0]} of that office, not {role!r}"]
    return []


def _head_words(role: str) -> list[str]:
    """Content words of a role's head phrase and of a proper-noun complement ("executive
    director of the Marijuana Policy Project"): each must be said of the actor."""
    head, rest = _HEAD_END.split(role, maxsplit=1)[0], role
    kept = [
        w for w in head.split() if w[:1].isupper() or _is_title_word(w) or fold(w) in _QUALIFIERS
    ]
    words = [w for w in _title_tokens(" ".join(kept)) if w not in STOPWORDS and len(w) > 2]
    # "director of the Marijuana Policy Project", "pastor from Chicago": the organisation or
    # place a title is of or from is part of it.
    complement = re.match(
        r"\s*(?:of|for|at|to|from|in)\s+(?:the\s+)?((?:[A-Z][\w.'’-]*\s*)+)",
        rest[len(head) :],
    )
    if complement:
        words += [w for w in _title_tokens(complement.group(1)) if w not in STOPWORDS]
    return list(dict.fromkeys(words))


_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*")
_POSSESSIVE = re.compile(r"['’]s\b")


_HEAD_END = re.compile(r",|\(|\b(?:of|for|to|who|whose|from|in|at|on|under|with|and)\b")


def _head_title(role: str, written: str = "") -> list[str]:
    """The words that identify a role: its title and the proper nouns qualifying it, up to
    the first "of", "for", comma... ("State Department spokeswoman", "Senate Majority
    Leader", "chairman" of "chairman of the Joint Chiefs of Staff"). Empty when the role is
    a description rather than a title."""
    head = _HEAD_END.split(role, maxsplit=1)[0]
    words = head.split()
    if not any(_is_title_word(w) or fold(w) in _ABBREVIATED for w in words):
        return []
    keep = [
        w
        for position, w in enumerate(words)
        if w[:1].isupper() or _is_title_word(w) or _written_title(words, position, written)
    ]
    return [t for w in keep for t in _title_tokens(w) if t not in STOPWORDS]


def _written_title(words: list[str], position: int, written: str) -> bool:
    """A lowercase word before a title word that the article writes with it ("economic
    adviser", "trade adviser"): a title the article gives someone, so part of the identity."""
    following = words[position + 1] if position + 1 < len(words) else ""
    word = fold(words[position])
    if not following or not _is_title_word(following) or word in STOPWORDS:
        return False
    return bool(written) and f"{word} {fold(following)}" in written


def _is_title_word(word: str) -> bool:
    """A title word, also as part of a hyphenated one ("co-director", "vice-chair")."""
    return fold(word) in TITLE_WORDS or any(
        fold(part) in TITLE_WORDS for part in word.split("-")[1:] if part
    )


def _person_after_title(segment: str, found: set[str]) -> str:
    """The person a title in this clause is written before ("House Speaker Paul Ryan"), if
    any: two or more capitalised words right after a title word, not an organisation's."""
    for match in re.finditer(r"([A-Za-z.]+)\s+((?:[A-Z][\w'’.-]+\s+){0,2}[A-Z][\w'’-]+)", segment):
        title, name = match.group(1), match.group(2)
        if not set(_title_tokens(title)) & found and fold(title) not in TITLE_WORDS:
            continue
        words = name.split()
        if len(words) >= 2 and not any(
            fold(w) in TITLE_WORDS or w in _ORGANISATION_WORDS for w in words
        ):
            return name
    return ""


_ORGANISATION_WORDS = frozenset(
    ["House", "Senate", "Department", "Committee", "Court", "Office", "Council", "Group",
     "Project", "Force", "Party", "Nations", "States", "District", "News", "Post", "Times",
     "Board", "Service", "Agency", "Administration", "Union", "Association", "Center"]
)  # fmt: skip


def _is_own(segment: str, own: set[str]) -> bool:
    """The clause names this actor: their name words, and not another person's given name
    before the shared surname ("Kellyanne Conway" is not "George T. Conway III")."""
    words = tokens(segment)
    if not own & set(words):
        return False
    raw = segment.split()
    for position, word in enumerate(raw):
        if fold(word) in own and position > 0:
            before = raw[position - 1]
            if (
                before[:1].isupper()
                and fold(before) not in own
                and fold(before.rstrip(".")) not in _ABBREVIATED
                and fold(before) not in TITLE_WORDS
                and fold(before.rstrip(".")) not in ("mr", "mrs", "ms", "dr", "miss")
                and len(before.rstrip(".")) > 1
            ):
                return False
    return True


_TRAILING_NAME = re.compile(r"((?:[A-Z][\w'’.-]+\s+){1,3}[A-Z][\w'’-]+)\s*$")
_APPOSITION = re.compile(r"\s*(?:the|a|an)\s")


def _attached_words(
    sentence: str, own: set[str], identity: list[str]
) -> tuple[set[str], dict[str, str], set[str]]:
    """The identity words attached to this actor in ``sentence``, those attached to another
    person (with that person's name), and qualifiers the article puts before this actor's
    title ("his deputy", "acting")."""
    segments = [segment for segment in _SEGMENT.split(sentence) if segment.strip()]
    words = [set(_title_tokens(segment)) for segment in segments]
    name_only = [
        len(segment.split()) <= 5
        and all(w[:1].isupper() for w in segment.split())
        and not any(w.strip(".,") in _ORGANISATION_WORDS for w in segment.split())
        for segment in segments
    ]
    mine: set[str] = set()
    theirs: dict[str, str] = {}
    qualified: set[str] = set()
    for position, segment in enumerate(segments):
        found = {w for w in identity if found_in(w, words[position])}
        if not found:
            continue
        if _is_own(segment, own):
            mine |= found
            qualified |= _qualifiers_before(segment, found)
            continue
        person = _person_after_title(segment, found)
        trailing = _TRAILING_NAME.search(segments[position - 1]) if position > 0 else None
        if person:
            owner = person
        elif position > 0 and name_only[position - 1] and not _POSSESSIVE.search(segment):
            owner = segments[position - 1]  # "Mason Tvert, communications director for ..."
            # "D-Miss.", "R-Calif.": a party and state after a name, not a name of its own.
            if PARTY_STATE.fullmatch(owner.strip()) and position > 1:
                owner = segments[position - 2]  # "Rep. Bennie Thompson, D-Miss., ranking ..."
        elif trailing and _APPOSITION.match(segment):
            owner = trailing.group(
                1
            )  # "the husband of Kellyanne Conway, the president's counselor"
        elif position + 1 < len(segments) and name_only[position + 1]:
            owner = segments[position + 1]  # "Oklahoma's attorney general, Scott Pruitt"
        else:
            continue  # "the chairman of the Joint Chiefs": attached to no one named here
        if _is_own(owner, own):
            mine |= found
            qualified |= _qualifiers_before(segment, found)
        else:
            for word in found:
                theirs.setdefault(word, owner.strip())
    return mine, theirs, qualified


def _qualifiers_before(segment: str, titles: set[str]) -> set[str]:
    words = _title_tokens(segment)
    found = set()
    for position, word in enumerate(words):
        if word in titles:
            found |= {w for w in words[max(0, position - 2) : position] if w in _QUALIFIERS}
    return found


# --------------------------------------------------------------------------------------------
# Polarity and unsupported clauses
# --------------------------------------------------------------------------------------------

_NEGATIONS = frozenset(["not", "no", "never", "none", "nobody", "nothing", "neither", "nor"])
# Words that carry a negative sense without a negation: "refused to" may be told as "did not".
_NEGATIVE_SENSE = frozenset(
    ["without", "refuse", "refused", "deny", "denied", "denie", "reject", "rejected", "fail",
     "failed", "lack", "lacked", "against", "unable", "declined", "decline", "halt", "block",
     "blocked", "stop", "stopped", "oppose", "opposed", "unanswered", "lacking", "absence",
     "instead", "despite", "non", "un", "hardly", "barely", "dismissed", "cannot", "cant",
     "rather", "failure", "refusal", "denial"]
)  # fmt: skip


def _negations(text: str) -> set[str]:
    lowered = text.lower().replace("’", "'")
    found = {w for w in re.findall(r"[a-z']+", lowered) if w in _NEGATIONS}
    if re.search(r"\w+n't\b|\bcannot\b|\byet to\b", lowered):  # "had yet to speak"
        found.add("not")
    return found


def polarity_changed(label: str, text: str, cited: str, *, added: bool = True) -> list[str]:
    """An item that says the opposite of its evidence: a negation added or dropped around a
    word it shares with the cited sentence ("opted not to tap" told as "opted to tap"), or a
    word swapped for its opposite ("supports" told as "opposes"). ``added=False`` leaves out
    the first (for a role's deed, often told from a sentence other than the cited one)."""
    said, evidence = _negations(text), _negations(cited)
    sense = set(tokens(cited)) & _NEGATIVE_SENSE
    if added and said and not evidence and not sense:
        return [f"{label} says {sorted(said)[0]!r}, but the cited sentences state no negation"]
    # The item may carry a negation in other words ("lacked sufficient funds" for "did not
    # have sufficient funds"): its negative-sense words count as negations here.
    # An item's negation may stand further from the word than the sentence's ("cannot yet
    # process the asylum seekers' claims" for "the claims could not be processed").
    item_negated, item_plain = _polarity_words(
        text, _NEGATIONS | _NEGATIVE_SENSE, reach=ITEM_NEGATION_REACH
    )
    cited_negated, cited_plain = _polarity_words(cited, _NEGATIONS)
    for word in item_plain:
        if word in cited_negated and word not in cited_plain and word not in item_negated:
            return [f"{label} leaves out the negation before {word!r} in the cited sentence"]
    if added:
        # "declined to join" told of a sentence that says "asked to join"; the sentence's own
        # negative-sense words ("failure to act") count here as the item's do.
        denied, stated = _polarity_words(cited, _NEGATIONS | _NEGATIVE_SENSE)
        refused = (
            set()
            if _REFUSED_TO.search(cited.lower())
            else {tokens(match.group(1))[0] for match in _REFUSED_TO.finditer(text.lower())}
        )
        for word in sorted(refused):
            if word in stated and word not in denied:
                return [f"{label} negates {word!r}, which the cited sentences state plainly"]
    for word in item_plain:
        for opposite in _OPPOSITES.get(word, ()):
            if opposite in cited_plain | cited_negated and word not in cited_plain | cited_negated:
                return [f"{label} says {word!r} where the cited sentence says {opposite!r}"]
    return []


# "declined to join", "refused to testify", "failed to act": the verb after "to" is denied.
_REFUSED_TO = re.compile(r"\b(?:declin|refus|fail)\w*\s+to\s+([a-z]+)")

# Words whose swap inverts a claim; stems as ``tokens`` writes them.
_OPPOSITE_PAIRS = [
    ("support", "oppose"), ("approve", "reject"), ("accept", "reject"), ("allow", "ban"),
    ("win", "lose"), ("won", "lost"), ("increase", "decrease"), ("rise", "fall"),
    ("agree", "disagree"), ("guilty", "innocent"), ("include", "exclude"), ("confirm", "deny"),
    ("legal", "illegal"), ("pass", "fail"), ("passed", "failed"), ("more", "fewer"),
    ("higher", "lower"), ("before", "after"), ("for", "against"), ("acquitted", "convicted"),
    ("open", "closed"), ("up", "down"), ("above", "below"), ("majority", "minority"),
    ("few", "most"), ("few", "many"),
]  # fmt: skip
_OPPOSITES: dict[str, list[str]] = {}
for _a, _b in _OPPOSITE_PAIRS:
    for _x, _y in ((_a, _b), (_b, _a)):
        for _form in {_x, _x + "s", _x + "ed", _x + "d"}:
            _OPPOSITES.setdefault(tokens(_form)[0], []).extend({tokens(_y)[0], tokens(_y + "s")[0]})

# Negations that govern the few words after them; the pronoun-like ones also the words just
# before ("Mr. Trump has released none").
_WIDE_NEGATIONS = frozenset(["nothing", "none", "nobody", "neither", "nor", "never"])


# Words after a negation it governs: in the cited sentence, and (more loosely) in the item.
NEGATION_REACH = 3
ITEM_NEGATION_REACH = 6


def _polarity_words(
    text: str, negators: frozenset[str], reach: int = NEGATION_REACH
) -> tuple[set[str], set[str]]:
    """Content words of ``text`` said under a negation, and those said without one."""
    lowered = text.lower().replace("’", "'").replace("cannot", "can not")
    lowered = re.sub(r"n't\b", " not", lowered)
    words = re.findall(r"[a-z]+", lowered)
    negated_at: set[int] = set()
    for position, word in enumerate(words):
        following = words[position + 1 : position + 2]
        if following and following[0] in ("only", "just", "without", "merely", "least"):
            continue  # "not only", "not without": no negation of what follows
        if word in negators:
            span = reach + 1 if word in _WIDE_NEGATIONS else reach
            negated_at.update(range(position + 1, min(len(words), position + 1 + span)))
            if word in _WIDE_NEGATIONS:
                negated_at.update(range(max(0, position - 2), position))
    negated: set[str] = set()
    plain: set[str] = set()
    for position, word in enumerate(words):
        if (word in STOPWORDS and word not in _OPPOSITES) or len(word) < 3 or word in negators:
            continue
        stemmed = tokens(word)[0] if tokens(word) else word
        (negated if position in negated_at else plain).add(stemmed)
    return negated, plain


# Consecutive content words the cited sentences lack that make an unsupported clause.
MAX_UNSUPPORTED_RUN = 4


def unsupported_clause(label: str, text: str, cited: str) -> list[str]:
    """A copied sentence with a claim appended passes a share-of-words test; this looks at the
    words left over: a run of several content words the cited sentences lack is a clause the
    article does not state."""
    cited_words = set(tokens(cited))
    run: list[str] = []
    longest: list[str] = []
    for word in tokens(text):
        if word in STOPWORDS or len(word) <= 2:
            continue
        if found_in(word, cited_words):
            run = []
        else:
            run.append(word)
            if len(run) > len(longest):
                longest = list(run)
    if len(longest) >= MAX_UNSUPPORTED_RUN:
        return [f"{label} adds {' '.join(longest)!r}, which the cited sentences do not say"]
    # Clause by clause: an appended "which the charity denied ever receiving" or "and called on
    # him to resign" has most of its own words missing, however well the rest is copied.
    for clause in _CLAUSE.split(text)[1:]:
        words = [w for w in tokens(clause) if w not in STOPWORDS | _NO_CLAIM_WORDS and len(w) > 2]
        if len(words) < 2:
            continue
        found = sum(found_in(word, cited_words) for word in words)
        if found * 2 <= len(words):
            shown = clause.strip(" ,;")
            return [f"{label} adds {shown!r}, which the cited sentences do not say"]
    return []


# A capitalised word after the first that names someone or something: "CIA", "Supreme Court".
_PROPER_WORD = re.compile(r"(?<!^)(?<![.:;!?]\s)\b[A-Z][\w’'.-]*")


def names_not_cited(label: str, text: str, cited: str) -> list[str]:
    """Every name a headline writes must be in the sentences it cites, as names in every other
    item must: "Obama concedes State Department ignored CIA warnings" citing sentences that
    never mention the CIA says more than they do. The first word is left out (a capital there
    says nothing); a name may be written out or as initials ("CIA", "C.I.A.")."""
    cited_words = set(tokens(cited.replace(".", "")))
    # "EU" for "European Union", "CBP" for "Customs and Border Protection".
    cited_initials: set[str] = set()
    for run in re.findall(r"[A-Z][\w’'-]*(?:\s+(?:and\s+|of\s+|for\s+)?[A-Z][\w’'-]*)+", cited):
        capitals = [w[0].lower() for w in run.split() if w[:1].isupper()]
        for start in range(len(capitals)):
            for end in range(start + 2, len(capitals) + 1):
                cited_initials.add("".join(capitals[start:end]))
    missing = []
    text = re.sub(r"\[S\d+\]\s*", "", text)  # sentence ids the model wrote into the text
    for match in _PROPER_WORD.finditer(text.strip()):
        word = match.group(0).rstrip(".")
        if fold(word) in _NAMELESS_CAPITALS or _month_of(word) or fold(word) in _WEEKDAYS:
            continue
        folded = tokens(word.replace(".", ""))
        if not folded or all(found_in(w, cited_words) for w in folded):
            continue
        if fold(word.replace(".", "")) in cited_initials:
            continue
        missing.append(word)
    if missing:
        return [f"{label} names {', '.join(missing)}, which the cited sentences do not"]
    return []


# Capitals that name no one: titles before a name, and words headlines capitalise.
_NAMELESS_CAPITALS = frozenset(["rep", "sen", "gov", "mr", "mrs", "ms", "dr", "gop", "i"])


# Where a statement's next clause starts, its subject carried over: "X indicted, suspends
# re-election bid"; "X declares an emergency and signs the spending bill".
_CARRIED_CLAUSE = re.compile(r",\s+|;\s+|\s+and\s+|\s+as\s+|\s+while\s+")


def deed_of_another(label: str, text: str, sentences: Sequence[str]) -> list[str]:
    """A statement that opens on a person says each of its clauses of that person; the cited
    sentence a clause is drawn from must not be about someone else: one that opens on another
    person and never names this one says it of that other person ("Hunter ..., suspends his
    re-election bid" from "Representative Chris Collins ... announced days later that he had
    suspended his re-election campaign")."""
    subject = first_person(text)
    if subject is None:
        return []
    sentence_words = [(sentence, set(tokens(sentence))) for sentence in sentences]
    for clause in _CARRIED_CLAUSE.split(text):
        words = [w for w in tokens(clause) if w not in STOPWORDS and len(w) > 2]
        if len(words) < 2:
            continue
        if _names_someone_else(clause, subject):
            continue  # the clause has its own subject
        scored = [
            (sum(found_in(w, said) for w in words), sentence) for sentence, said in sentence_words
        ]
        found, source = max(scored, key=lambda pair: pair[0], default=(0, ""))
        if found * 2 <= len(words) or names_match(subject, source):
            continue
        opener = opening_actor(source)
        if opener is not None and opener[0] == "person" and not names_match(opener[1], subject):
            shown = clause.strip(" ,;")
            return [
                f"{label} says {shown!r} of {subject}, but the cited sentence says it of "
                f"{opener[1]}"
            ]
    return []


def _names_someone_else(clause: str, subject: str) -> bool:
    person = first_person(clause)
    return person is not None and not names_match(person, subject)


# Words that carry no claim of their own in a clause: attribution, negation (the polarity
# check weighs it) and time adverbs ("but officials say they cannot yet process ...").
_NO_CLAIM_WORDS = frozenset(
    tokens(
        "say says said saying told tell tells not cannot never yet still also now just according"
    )
)

# Where an appended clause starts: ", which ...", "and called ...", ", the same ...".
_CLAUSE = re.compile(
    r",\s+(?=which|who|the|a|an|and|but|while|after)\b|\s+and\s+(?=[a-z]+ed\b)|;\s+"
)


# --------------------------------------------------------------------------------------------
# Disputes
# --------------------------------------------------------------------------------------------

# Words that put a contest in the text: someone denies, rejects, disputes...
CONTEST_WORDS = re.compile(
    r"\b(?:den(?:y|ies|ied|ial|ials)|reject\w*|disput\w*|dismiss\w*|false\w*|falsely|"
    r"counter\w*|challeng\w*|contest\w*|refut\w*|rebut\w*|disagree\w*|oppos\w*|object\w*|"
    r"criticiz\w*|criticis\w*|critic\w*|condemn\w*|slam\w*|blast\w*|attack\w*|accus\w*|"
    r"insist\w*|argu\w*|push(?:ed|ing)? back|wrong|untrue|not true|lie|lies|lied|misleading|"
    r"no evidence|baseless|sue[sd]?|suing|lawsuit\w*|complain\w*|protest\w*|resist\w*|"
    r"fought|fight\w*|block\w*|veto\w*|vote[sd]? against|grandstanding|ridicul\w*|"
    r"mock\w*|derid\w*|scoff\w*|disavow\w*|questioned|questioning|doubt\w*|skeptic\w*|"
    r"decr(?:y|ied|ies)|denounc\w*|rais\w+ concerns?|concern\w*|fault\w*|blame\w*|"
    r"ruled? against|struck down|illegal|unconstitutional|abuse|power grab|overreach\w*|"
    r"defend\w*|merit\w*|inaccurat\w*|incorrect\w*|erroneous\w*|mistaken\w*|selectively|motivated|bull(?:y|ies)|takeover|"
    r"undermin\w*|above the law|castigat\w*|feign\w*|allege\w*|charg\w*|"
    r"however|but|contrary|instead|rather|warn\w*|worr\w*|fear\w*|demand\w*|"
    # A stance refused: "do not want to negotiate", "have not been so optimistic".
    r"(?:not|never|n't)\s+(?:\w+\s+){0,2}?(?:want|accept|agree|support|believe|optimistic|"
    r"convinced|satisfied|justified))\b",
    re.IGNORECASE,
)


def contest_not_in_text(cited: str) -> list[str]:
    """The contest itself must be in the text: a denial, rejection, dispute... in the cited
    sentences of the sides."""
    if CONTEST_WORDS.search(cited):
        return []
    return ["the cited sentences show no one denying, rejecting or disputing anything"]


_DENIAL_VERB = re.compile(
    r"\b(?:den(?:y|ies|ied|ial)|reject\w*|disput\w*|dismiss\w*|refut\w*|rebut\w*|"
    r"false\w*|untrue)\b",
    re.IGNORECASE,
)
# A rejection may be written as resisting, refusing or opposing: "European leaders have
# resisted the idea of a quota" rejects quotas.
_DENIAL = re.compile(
    rf"{_DENIAL_VERB.pattern}|\b(?:not|never|no|nothing)\b|n't\b|"
    r"\b(?:resist\w*|refus\w*|oppos\w*|object\w*|fought|fight\w*|block\w*)\b",
    re.I,
)


def denial_said_by(party: str, text: str) -> str:
    """The denials ``text`` gives to ``party`` ("Pelosi denies that..."), as text."""
    found = []
    for verb in _DENIAL_VERB.finditer(text):
        before = " ".join(text[: verb.start()].split()[-6:])
        if names_match(party, before):
            found.append(verb.group(0))
    return " ".join(found)


def denial_not_in_text(label: str, said: str, cited: str) -> list[str]:
    """A party said to deny, reject or dispute something must do so in its cited sentences:
    "Pelosi denies it is a power grab" needs a denial there, not "Yes it is a power grab"."""
    verb = _DENIAL_VERB.search(said)
    if verb and not _DENIAL.search(cited.replace("’", "'")):
        return [f"{label} {verb.group(0)!r}, but the sentences cited for it deny nothing"]
    return []


_AGENT = r"(?:spokes\w*|lawyer|attorney|aide|representative|counsel|press secretary)"


def _speaks_for(party: str, sentence: str) -> bool:
    """The sentence's speaker speaks for the party: "a spokesman for Hunter", "Hunter's
    lawyer"."""
    words = [w for w in name_words(party) if len(w) > 2]
    if not words:
        return False
    surname = re.escape(words[-1])
    lowered = fold(sentence)
    return bool(
        re.search(rf"{_AGENT}\s+(?:for|of|to)\s+(?:\w+\s+){{0,4}}{surname}\b", lowered)
        or re.search(rf"\b{surname}\s+(?:\w+\s+)?{_AGENT}", lowered)
    )


def side_spoken_by_another(party: str, sentences: Sequence[str], cited: Sequence[int]) -> list[str]:
    """A side's sentences that all give their words to someone else (named with the verb)
    hold that person's position, not the party's."""
    others = []
    for index in cited:
        found = attribute(sentences, index)
        if found is None or found.how != "named":
            return []
        if names_match(party, found.speaker) or names_match(found.speaker, party):
            return []
        person = person_in(found.speaker)
        if person is None or person.endswith(("'s", "’s")) or _speaks_for(party, sentences[index]):
            return []
        others.append(person)
    if others:
        return [f"the sentences cited for {party} give their words to {others[0]}"]
    return []


def party_not_holding(
    party: str, sentence_texts: Sequence[str], whole: str, speakers: Sequence[str] = ()
) -> list[str]:
    """A side's party must be named in (or just before) the sentences it cites, or be who
    the article says speaks in them ("He also urged ..." after "Rodney Scott said")."""
    if names_match(party, whole) or any(names_match(party, s) for s in sentence_texts):
        return []
    if any(names_match(party, speaker) for speaker in speakers):
        return []
    return [f"{party} is not named in the sentences cited for its position"]


# --------------------------------------------------------------------------------------------
# Evidence that is an instruction
# --------------------------------------------------------------------------------------------

_INSTRUCTION = re.compile(
    r"\bignore (?:all |any |the )?(?:previous |prior |above |earlier )?instructions\b|"
    r"\b(?:you|the model|the assistant|the summary|summaries) (?:must|should) "
    r"(?:report|say|write|state|include)\b|"
    r"^\s*(?:please\s+)?(?:report|write|say|state|summari[sz]e) that\b|"
    r"\bsystem prompt\b|\bas an ai\b",
    re.IGNORECASE,
)


def cites_instruction(cited: str) -> list[str]:
    """Evidence that reads as an instruction to whoever summarises the article is not news."""
    if _INSTRUCTION.search(cited):
        return ["the cited sentence is an instruction inside the article, not something it reports"]
    return []
