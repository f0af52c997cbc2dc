"""Who the article says spoke a quote: a small attribution resolver.

News prose attributes quotes in a few shapes, and these are the ones resolved here:

* a name with a speech verb in the same sentence: ``"...," Carney said`` / ``said Sen. Cruz``
  / ``Nadler, the committee chairman, told reporters`` / ``according to the White House``;
* a pronoun or a definite description (``he said``, ``the senator wrote``): carried from the
  most recent person named in the sentences before (for a description, preferably one the
  article calls by that noun, "Sen. Cruz" for "the senator");
* no speech verb at all (the second sentence of a long quote): the speaker of the sentence
  before.

It returns the words the article uses for the speaker ("Sen. Ted Cruz", "White House press
secretary Jay Carney"), or None when the text does not say; the caller compares names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

SPEECH_VERBS = (
    "said|says|say|told|tells|tell|wrote|writes|write|tweeted|tweets|added|adds|argued|argues|"
    "noted|notes|stated|explained|explains|warned|warns|claimed|claims|insisted|insists|"
    "acknowledged|acknowledges|asked|asks|replied|replies|recalled|recalls|declared|"
    "declares|announced|announces|testified|emphasized|stressed|suggested|suggests|countered|"
    "counters|responded|responds|complained|conceded|admitted|admits|predicted|urged|urges|"
    "posted|charged|contended|contends|observed|remarked|concluded|maintained|maintains|vowed|"
    "promised|reported|cautioned|boasted|scoffed|quipped|joked|lamented|asserted|asserts|"
    "agreed|agrees|denied|denies|called|calls|described|describes|branded|dubbed|labeled|"
    "pledged|saying|adding|writing|telling|noting|arguing|claiming|insisting|warning|"
    "asking|calling|according to"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VERB = re.compile(rf"\b(?:{SPEECH_VERBS})\b", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(he|she|they|we|i|it)\s*$", re.IGNORECASE)
_PRONOUN_AFTER = re.compile(r"^\s*(he|she|they|we|i|it)\b", re.IGNORECASE)
# A name: capitalised words, titles with full stops, initials, "de"/"van" particles, hyphens.
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|(?:de|van|von|al|bin|la|le)\b)"
_NAME = re.compile(rf"(?:[A-Z][\w'’.-]*)(?:\s+{_NAME_WORD})*")
_REFERENCE = re.compile(r"\bthe\s+((?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*)\s*,?\s*$")
_REFERENCE_AFTER = re.compile(r"^\s*,?\s*the\s+((?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*)")
_QUOTED = re.compile(r"[\"“”][^\"“”]*[\"“”]")
# A party and state after a lawmaker's name: "(D-Calif.)", ", R-Texas,".
PARTY_STATE = re.compile(r"\(?\b[DRI]-[A-Z][\w.]*(?:\s[A-Z][\w.]*)?\)?")
# Words in a name that make it an organisation, not a person a pronoun could refer to.
_ORGANISATION_WORDS = _words(
    "Post Times News Journal House Department Committee Party Court Congress Senate "
    "Association Center Centre Office Agency Administration Council Union Institute "
    "Bureau Network Press Service Services Commission Justice Foundation Group Tribune "
    "Daily Government Republicans Democrats University Garden Street Hall Building Square "
    "Park Capitol Twitter Facebook Fox CNN Guard Patrol Protection Police Army Navy Force "
    "Forces Coalition Alliance Federation Fund Company Corporation Inc Bank Ministry States "
    "County City Border Borders Fronteras Republic Kingdom Nations Organization "
    "Organisation Trust Board"
)
# Nouns by which an article refers back to a person ("the senator said").
_PERSON_NOUNS = _words(
    "senator congressman congresswoman lawmaker president spokesman spokeswoman "
    "spokesperson official secretary governor attorney judge leader chairman chairwoman "
    "speaker mayor candidate woman man lawyer director minister ambassador prosecutor "
    "sheriff commissioner congressmen lawmakers officials"
)
# Words that start sentences or clauses capitalised without naming anyone.
_NOT_NAMES = _words(
    "The A An But And In On At As It He She They We I This That These Those His Her Their "
    "Our Its If When While After Before Since Although Though However Meanwhile Still Yet "
    "So Then There Here What Who Why How Also Even Now Some Many Most More Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December Another According Under Over For With "
    "From By To Of Despite Beyond Prior"
)
# Title words that name a person's office ("Sen." is "the senator").
_TITLE_NOUNS = {
    "sen": "senator",
    "senator": "senator",
    "rep": "congressman",
    "representative": "congressman",
    "gov": "governor",
    "governor": "governor",
    "president": "president",
    "secretary": "secretary",
    "attorney": "attorney",
    "judge": "judge",
    "mayor": "mayor",
    "ambassador": "ambassador",
    "spokesman": "spokesman",
    "spokeswoman": "spokeswoman",
    "chairman": "chairman",
    "leader": "leader",
    "speaker": "speaker",
}
LOOK_BACK = 6  # sentences searched for the person a pronoun or description refers to


def mask_quotes(sentence: str) -> str:
    """The sentence with quoted words blanked out (same length), so names and verbs inside a
    quotation are not taken for its attribution. A quotation left open by the sentence before
    (odd count of quote marks, closing first) is blanked up to its closing mark; one opened and
    not closed, from its opening mark to the end."""
    sentence = PARTY_STATE.sub(lambda match: " " * len(match.group(0)), sentence)
    marks = [m.start() for m in re.finditer(r"[\"“”]", sentence)]
    if marks:
        first = marks[0]
        closes_first = sentence[first] == "”" or (
            sentence[first] == '"' and first > 0 and not sentence[first - 1].isspace()
        )
        # '... Port of Entry," he said. "In several ...': a quotation closed first (opened
        # in the sentence before) is blanked up to its mark, whatever the count of marks.
        if closes_first:
            sentence = " " * (first + 1) + sentence[first + 1 :]
            marks = marks[1:]
        if len(marks) % 2 == 1:
            last = marks[-1]
            sentence = sentence[:last] + " " * (len(sentence) - last)
    return _QUOTED.sub(lambda match: " " * len(match.group(0)), sentence)


def _clean_name(text: str) -> str | None:
    words = text.split()
    while words and words[0].strip(",") in _NOT_NAMES:
        words = words[1:]
    name = " ".join(words).strip(" ,;:")
    return name or None


def _names(text: str) -> list[str]:
    found = []
    for match in _NAME.finditer(text):
        name = _clean_name(match.group(0))
        if name:
            found.append(name)
    return found


# Trailing words between a subject and its verb: "former agents have told", "he later said".
_AUXILIARIES = re.compile(
    r"(?:\s+(?:has|have|had|will|would|also|later|then|again|repeatedly|once|had\s+been|"
    r"previously|separately|publicly|privately|earlier|often))+\s*$",
    re.IGNORECASE,
)
# Comma parts after a name that are not the name: appositions, participles, time and place.
_NOT_SUBJECT = re.compile(
    r"\s*(?:the|a|an|then|now|who|\w+ing|in|at|on|with|during|after|before|since|last|"
    r"this|earlier|later|according|speaking|\d)\b",
    re.IGNORECASE,
)
# What documents and publications say is theirs, not a person's: "the suit says".
DOCUMENT_NOUNS = frozenset(
    ["suit", "lawsuit", "indictment", "report", "statement", "letter", "draft", "release",
     "complaint", "filing", "document", "memo", "email", "e-mail", "cable", "order", "bill",
     "proclamation", "ruling", "review", "study", "analysis", "excerpts", "notice", "motion",
     "amendments", "amendment"]
)  # fmt: skip


def _subject_before(text: str) -> tuple[str, str] | None:
    """("name" | "pronoun" | "reference" | "document", words) for the speaker written before
    a verb."""
    clause = re.split(
        r"[;:]|\s[-–—]\s|\b(?:but|while|whereas|which|because|although)\b|,\s+and\b", text
    )[-1]
    clause = _AUXILIARIES.sub("", clause.rstrip())
    if not clause.strip(" ,"):
        # "He was considered for the job, and told reporters": the sentence's subject.
        opening = re.match(r"\s*(he|she|they|we|i)\b", text, re.IGNORECASE)
        return ("pronoun", opening.group(1)) if opening else None
    pronoun = _PRONOUN.search(clause)
    if pronoun:
        return "pronoun", pronoun.group(1)
    # Appositions and asides after the name are dropped: "Michael Elliott, the executive
    # director of the Marijuana Industry Group, a Colorado-based trade group, said";
    # "Ms. Nuland, reading the latest draft, complained".
    parts = [part for part in clause.split(",") if part.strip()]
    while len(parts) > 1 and _NOT_SUBJECT.match(parts[-1]):
        parts.pop()
    tail = parts[-1].strip() if parts else ""
    if _names(tail) and 8 < len(tail.split()) <= 16 and re.search(r"\band\b", tail):
        return "name", tail  # "Speaker Nancy Pelosi of California and Senator Chuck Schumer"
    if 0 < len(tail.split()) <= 8:
        words = set(fold_words(tail))
        if words & DOCUMENT_NOUNS and not _names(tail):
            return "document", tail
        reference = _REFERENCE.search(tail)
        if reference and not _names(reference.group(0)) and tail.lower().startswith("the"):
            return "reference", reference.group(1)
        if _names(tail) or words & _PERSON_NOUNS or len(tail.split()) <= 5:
            return "name", tail
    names = _names(tail) or _names(clause)
    if names:
        # The name closest to the verb, with the title words just before it.
        last = names[-1]
        start = clause.rfind(last)
        lead = re.search(r"((?:[A-Z][\w.]*\s+){0,3})$", clause[:start])
        return "name", ((lead.group(1) if lead else "") + last).strip()
    return None


def fold_words(text: str) -> list[str]:
    return re.findall(r"[a-z-]+", text.lower())


def _subject_after(text: str) -> tuple[str, str] | None:
    """The speaker written after a verb: ``said Carney`` / ``said the senator``."""
    text = re.sub(r"^\s*(?:to\s+)?", "", text)
    text = re.sub(r"\b(Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|St)\.", r"\1", text)  # "said Mr. Newsom"
    text = re.sub(r"^the\s+(?=[A-Z])", "", text)  # "according to the U.S. Attorney's Office"
    pronoun = _PRONOUN_AFTER.match(text)
    if pronoun:
        return "pronoun", pronoun.group(1)
    head = re.split(r"[.;:!?]|\bthat\b|\s[-–—]\s", text, maxsplit=1)[0]
    match = re.match(rf"\s*((?:[A-Z][\w.'’-]*\s+){{0,4}}{_NAME.pattern})", head)
    if match:
        name = _clean_name(match.group(1).split(",")[0])
        if name:
            return "name", name
    reference = _REFERENCE_AFTER.match(head)
    if reference:
        return "reference", reference.group(1)
    return None


# Verbs whose object is the listener, not the speaker: "told The Denver Post".
_LISTENER_VERBS = frozenset(["told", "tells", "tell", "telling", "asked", "asks", "asking"])


def _attribution_in(sentence: str, anchor: int | None) -> tuple[str, str] | None:
    """The speaker a speech verb in ``sentence`` names, the verb nearest ``anchor`` first.

    A participle ("..., calling the charges 'deeply serious'") shares the subject of the
    sentence's main verb, so finite verbs are tried before participles."""
    masked = mask_quotes(sentence)
    verbs = list(_VERB.finditer(masked))
    if anchor is not None:
        verbs.sort(key=lambda verb: abs(verb.start() - anchor))
    verbs.sort(key=lambda verb: verb.group(0).lower().endswith("ing"))
    for verb in verbs:
        before = _subject_before(masked[: verb.start()])
        after = None
        if verb.group(0).lower() not in _LISTENER_VERBS:
            after = _subject_after(masked[verb.end() :])
        # "said Smith" after a quote; "Smith said" otherwise. A name beats a pronoun.
        for found in (before, after) if before and before[0] == "name" else (after, before):
            if found is not None:
                return found
    return None


# Words before a name that make it a place: "enter the United States", "her native El
# Salvador", "in Los Angeles". People are not written "the John Smith" or "in John Smith".
_PLACE_BEFORE = r"(?:the|in|into|across|near|native|northern|southern|eastern|western)"


def _is_person_like(name: str, text: str) -> bool:
    words = name.split()
    if any(word.strip(".,") in _ORGANISATION_WORDS for word in words):
        return False
    if re.search(rf"\b{_PLACE_BEFORE}\s+{re.escape(name)}\b", text, re.IGNORECASE):
        return False
    # One capitalised word is as often a place or a party as a person, unless titled.
    return len(words) >= 2 or bool(
        re.search(rf"\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov)\.?\s+{re.escape(name)}", text)
    )


def _person_before(
    sentences: Sequence[str], index: int, noun: str | None, upto: int | None = None
) -> str | None:
    """The person a pronoun or description in sentence ``index`` refers to: the speaker of the
    latest attribution before it, else the most recent person named (before ``upto`` within
    the sentence), preferring one the article calls by ``noun`` ("the senator": "Sen. Cruz")."""
    fallback = None
    for position in range(index, max(-1, index - LOOK_BACK - 1), -1):
        text = mask_quotes(sentences[position])
        if position == index:
            text = text[:upto] if upto is not None else ""
        elif noun is None:
            spoken = _attribution_in(sentences[position], None)
            if spoken is not None and spoken[0] == "name" and _is_person_like(spoken[1], text):
                return spoken[1]
            # "Heather Cronk, co-director of Showing Up for Racial Justice, traveled to
            # Tijuana. She added: ...": a pronoun carries the subject of the sentence before,
            # not the last name in it; one that itself opens on "she" passes it further back.
            opener = opening_actor(sentences[position])
            if opener is not None and opener[0] == "person":
                return opener[1]
            if opener is not None and opener[0] == "pronoun":
                continue
        for name in reversed(_names(text)):
            if not _is_person_like(name, text):
                continue
            if noun is None:
                return name
            at = text.find(name)
            context = text[max(0, at - 40) : at + len(name) + 60].lower()
            title = name.split()[0].rstrip(".").lower()
            if _TITLE_NOUNS.get(title) == noun or noun in context:
                return name
            fallback = fallback or name
    return fallback


@dataclass(frozen=True)
class Attribution:
    """Who the article says spoke a quote, and how the text says it: ``named`` in the
    sentence itself, or ``carried`` from the sentences around it (a pronoun, "the senator",
    the sentence before a quotation's continuation)."""

    speaker: str
    how: Literal["named", "carried"]


def attribute(sentences: Sequence[str], index: int, quote: str | None = None) -> Attribution | None:
    """Who spoke the quote in ``sentences[index]``, or None when the text does not say (or
    says "the suit" or "it", whose authors the caller finds around the sentence).

    ``quote`` (the quoted words) anchors the search when a sentence holds several quotations."""
    sentence = sentences[index]
    anchor = None
    if quote:
        at = sentence.lower().find(quote.lower()[:30])
        anchor = at if at >= 0 else None
    found = _attribution_in(sentence, anchor)
    if found is None and anchor is not None:
        # No speech verb, the name right after the quotation: '"...," Mnuchin in an interview
        # broadcast Monday.'
        closing = re.search(r"[\"”]", sentence[anchor + 1 :])
        if closing is not None:
            after = sentence[anchor + 1 + closing.end() :]
            named = re.match(r"\s*((?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w'’-]+)\b", after)
            name = _clean_name(named.group(1)) if named else None
            if name is not None and not name.endswith(("'s", "’s")):
                return Attribution(name, "named")
    if found is None:
        # A sentence that only continues a quotation: its speaker is the one named in the
        # sentence before, or (a long quote attributed at its end) in the one after.
        for neighbour in (index - 1, index + 1):
            if 0 <= neighbour < len(sentences) and re.search(r"[\"“”]", sentences[neighbour]):
                carried = _attribution_in(sentences[neighbour], None)
                if carried is not None and carried[0] == "name":
                    return Attribution(carried[1], "carried")
                if carried is not None:
                    return None  # "..., the indictment says." then its continuation
        return None
    kind, words = found
    if kind == "name":
        return Attribution(words, "named")
    if kind == "document":
        return None  # a suit or a report speaks for authors the sentences around it name
    if kind == "pronoun" and words.lower() in ("it", "we", "i"):
        return None  # an institution or the quoted speaker itself: not resolved here
    noun = words.split()[-1].lower() if kind == "reference" else None
    if noun is not None and noun not in _PERSON_NOUNS:
        return None  # "the sponsor of the amendments": resolved by the caller's window
    verb_at = _VERB.search(mask_quotes(sentence))
    person = _person_before(sentences, index, noun, verb_at.start() if verb_at else None)
    return Attribution(person, "carried") if person else None


def quote_speaker(sentences: Sequence[str], index: int, quote: str | None = None) -> str | None:
    """The words naming who spoke the quote in ``sentences[index]`` (None when not said)."""
    found = attribute(sentences, index, quote)
    return found.speaker if found else None


def person_in(named: str) -> str | None:
    """The person's name in the words naming a speaker ("State Department spokeswoman
    Victoria Nuland": "Victoria Nuland"), or None when they name no person for certain."""
    for name in reversed(_names(PARTY_STATE.sub(" ", named))):
        if _is_person_like(name, named):
            return name
    return None


# A dateline ("WASHINGTON —", "Denver (AP) –") and an opening phrase of time or place
# ("On Friday,", "In a statement Tuesday,") come before a sentence's subject.
_DATELINE = re.compile(r"^\s*[A-Z][\w .,()]*?\s[-–—]+\s")
_OPENING_PHRASE = re.compile(
    r"^\s*(?:On|In|At|During|After|Before|Last|Earlier|Later|Since|Meanwhile|Separately|"
    r"Still|But|And|Yet|Now|Then)\b[^,]{0,60},\s*"
)
_OPENING_PRONOUN = re.compile(r"^\s*(?:(?:but|and|yet|so)\s+)?(?:he|she|they)\b", re.IGNORECASE)
SUBJECT_WINDOW = 8  # words: a subject named later than this is not the sentence's opening one


def opening_actor(sentence: str) -> tuple[str, str] | None:
    """("person", name) or ("pronoun", word) for who a sentence opens on: the subject of its
    first clause, after a dateline and an opening phrase of time or place. None when it
    opens on something else (a thing, a group, a document) or names no one early."""
    text = mask_quotes(sentence)
    text = _DATELINE.sub("", text, count=1)
    text = _OPENING_PHRASE.sub("", text, count=1)
    pronoun = _OPENING_PRONOUN.match(text)
    if pronoun:
        return "pronoun", pronoun.group(0).split()[-1]
    for match in _NAME.finditer(text):
        if len(text[: match.start()].split()) > SUBJECT_WINDOW:
            return None
        name = _clean_name(match.group(0))
        if name is None:
            continue
        if (
            name.endswith(("'s", "’s"))
            or not _is_person_like(name, text)
            or any(word.count(".") >= 2 for word in name.split())
        ):
            return None  # "Hunter's lawyer", "The House", "U.S. Customs": not a person
        return "person", name
    return None


def first_person(text: str) -> str | None:
    """The first person a statement names, when it opens on one ("Rep. Duncan Hunter indicted
    ..."); None when its subject is a thing, a group or someone's ("Hunter's attorney")."""
    found = opening_actor(text)
    return found[1] if found and found[0] == "person" else None
