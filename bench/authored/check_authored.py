"""Check the authored fixtures under bench/authored against the devset articles.

Usage: python bench/authored/check_authored.py [DEVSET_DIR] [--root SET_DIR]
(default: ../shared/devset relative to the repository root; the set checked is this folder
unless --root names another of the same layout, such as bench/heldout)

It splits sentences with the summarizer's own splitter (run it in the project's
environment). It verifies that every
answer and planted file follows the format in README.md, that every evidence string is a
verbatim substring of ONE sentence of its article (at least 25 characters, or the whole
sentence), and that every quote occurs verbatim in the article once curly and straight
quote marks and whitespace are normalised, inside the sentences its evidence cites.
Exit status 1 when anything is wrong, each problem printed on its own line.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

AUTHORED_DIR = Path(__file__).resolve().parent
REPO_ROOT = AUTHORED_DIR.parents[1]
DEFAULT_DEVSET = REPO_ROOT / ".." / "shared" / "devset"
# The summarizer package of this checkout, also when run as a script from elsewhere.
sys.path.insert(0, str(REPO_ROOT))

MIN_EVIDENCE_CHARS = 25
MAX_EVIDENCE_STRINGS = 5
# The extraction schema (summarizer/models.py) caps every list at 8 items and every text field
# at 240 characters; an answer the server could not serve under that schema is useless.
MAX_ITEMS = 8
MAX_TEXT_CHARS = 240
MAX_UNIT_CHARS = 40
MAX_STATED_BY_CHARS = 120
KINDS_OF_ACTOR = {"person", "organisation", "group", "country"}
SECTIONS = ("who", "what", "where", "when", "key_figures", "quotes", "disputed_points")
PLANTED_KINDS = {
    "number_changed",
    "not_in_article",
    "wrong_evidence",
    "misattributed_quote",
    "wrong_role",
    "date_in_text_changed",
    "weekday_changed",
    "invented_dispute",
    "polarity_inverted",
    "unsupported_clause",
    "headline_unsupported",
}
# Fields every item of a section carries besides "evidence" (disputed_points keeps its
# evidence inside its sides). A value of None in the template means "string or null".
ITEM_FIELDS: dict[str, dict[str, type | None]] = {
    "headline": {"text": str},
    "who": {"name": str, "kind": str, "role": str},
    "what": {"description": str},
    "where": {"name": str, "role": str},
    "when": {"text": str, "date": None},
    "key_figures": {"value_text": str, "unit": None, "counts": str, "stated_by": None},
    "quotes": {"speaker": str, "role": str, "quote": str},
    "disputed_points": {"claim": str, "how_contested": str, "sides": list},
}
# Kinds bound to one section, and the fields a kind must change when it replaces an item.
KIND_SECTIONS = {
    "misattributed_quote": "quotes",
    "headline_unsupported": "headline",
    "invented_dispute": "disputed_points",
}
KIND_CHANGES = {
    "misattributed_quote": {"speaker"},
    "wrong_evidence": {"evidence"},
    "wrong_role": {"role"},
    "number_changed": {"value_text"},
}
SIDE_FIELDS: dict[str, type | None] = {"party": str, "position": str}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "`": "'"})


def split_sentences(text: str) -> list[str]:
    """The article's sentences exactly as the summarizer numbers them (its own splitter and
    text normalisation, not a copy that could drift)."""
    from summarizer.sources import make_article

    return [sentence.text for sentence in make_article(text, path="authored-check").sentences]


def article_sentences(path: Path) -> list[str]:
    """The sentences of a devset article (a BASIL ``.json`` record or a NewsWCL50 ``.txt``)
    as the summarizer loads and numbers them."""
    from summarizer.sources import load_paths

    loaded = load_paths([path])
    if not loaded.articles:
        reasons = "; ".join(str(error) for error in loaded.errors) or "not loaded"
        raise SystemExit(f"{path}: {reasons}")
    return [sentence.text for sentence in loaded.articles[0].sentences]


def normalise(text: str) -> str:
    return " ".join(text.translate(QUOTE_MARKS).split())


def place_of(path: Path) -> str:
    """How a fixture file is named in problem reports: section/cluster/outlet.json."""
    return "/".join(path.parts[-3:])


class Checker:
    def __init__(self, devset: Path) -> None:
        self.devset = devset
        self.problems: list[str] = []
        self.sentences_by_article: dict[str, list[str]] = {}

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def load_article(self, where: str, name: object) -> list[str] | None:
        if not isinstance(name, str):
            self.problem(where, "'article' must be a string like cluster/outlet.json")
            return None
        if name not in self.sentences_by_article:
            path = self.devset / name
            if not path.is_file():
                self.problem(where, f"article {name} not found under {self.devset}")
                return None
            self.sentences_by_article[name] = article_sentences(path)
        return self.sentences_by_article[name]

    def check_evidence(self, where: str, evidence: object, sentences: list[str]) -> list[str]:
        """The sentences the evidence cites (one per evidence string found)."""
        if not isinstance(evidence, list) or not evidence:
            self.problem(where, "evidence must be a non-empty list of strings")
            return []
        if len(evidence) > MAX_EVIDENCE_STRINGS:
            self.problem(where, f"more than {MAX_EVIDENCE_STRINGS} evidence strings")
        cited = []
        for span in evidence:
            if not isinstance(span, str):
                self.problem(where, f"evidence {span!r} is not a string")
                continue
            holders = [s for s in sentences if span in s]
            if not holders:
                self.problem(where, f"evidence not verbatim inside one sentence: {span!r}")
                continue
            if len(span) < MIN_EVIDENCE_CHARS and span not in holders:
                self.problem(where, f"evidence shorter than {MIN_EVIDENCE_CHARS} chars: {span!r}")
            cited.append(holders[0])
        return cited

    def check_fields(self, where: str, item: object, fields: dict[str, type | None]) -> bool:
        if not isinstance(item, dict):
            self.problem(where, "item must be an object")
            return False
        expected = set(fields) | ({"evidence"} if "sides" not in fields else set())
        if set(item) != expected:
            self.problem(where, f"fields {sorted(item)} != {sorted(expected)}")
            return False
        ok = True
        for field, kind in fields.items():
            value = item[field]
            if kind is None:
                if value is not None and not isinstance(value, str):
                    self.problem(where, f"{field} must be a string or null")
                    ok = False
            elif not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
                self.problem(where, f"{field} must be a non-empty {kind.__name__}")
                ok = False
            limit = {"unit": MAX_UNIT_CHARS, "stated_by": MAX_STATED_BY_CHARS}.get(
                field, MAX_TEXT_CHARS
            )
            if isinstance(value, str) and len(value) > limit:
                self.problem(where, f"{field} is {len(value)} characters, at most {limit}")
                ok = False
        return ok

    def check_item(self, where: str, section: str, item: object, sentences: list[str]) -> None:
        if not self.check_fields(where, item, ITEM_FIELDS[section]):
            return
        assert isinstance(item, dict)
        if section == "disputed_points":
            sides = item["sides"]
            if len(sides) < 2:
                self.problem(where, "a dispute needs at least two sides")
            for number, side in enumerate(sides):
                side_where = f"{where}.sides[{number}]"
                if self.check_fields(side_where, side, SIDE_FIELDS | {"evidence": list}):
                    self.check_evidence(side_where, side["evidence"], sentences)
            return
        cited = self.check_evidence(where, item["evidence"], sentences)
        if section == "who" and item["kind"] not in KINDS_OF_ACTOR:
            self.problem(where, f"kind {item['kind']!r} not one of {sorted(KINDS_OF_ACTOR)}")
        if section == "when" and item["date"] is not None and not DATE.match(item["date"]):
            self.problem(where, f"date {item['date']!r} is not YYYY-MM-DD")
        if section == "quotes" and cited:
            quote = normalise(item["quote"])
            if quote not in normalise(" ".join(sentences)):
                self.problem(where, f"quote not verbatim in the article: {item['quote']!r}")
            elif not any(quote in normalise(s) for s in cited) and quote not in normalise(
                " ".join(cited)
            ):
                self.problem(where, f"quote is not inside the sentences cited: {item['quote']!r}")

    def check_answer(self, path: Path) -> dict[str, Any] | None:
        where = place_of(path)
        answer: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        expected_keys = {"authored", "article", "headline", *SECTIONS}
        if set(answer) != expected_keys:
            self.problem(where, f"top-level keys {sorted(answer)} != {sorted(expected_keys)}")
            return None
        if answer["authored"] is not True:
            self.problem(where, '"authored" must be true')
        self.check_article_name(where, path, answer["article"])
        sentences = self.load_article(where, answer["article"])
        if sentences is None:
            return None
        self.check_item(f"{where} headline", "headline", answer["headline"], sentences)
        for section in SECTIONS:
            items = answer[section]
            if not isinstance(items, list):
                self.problem(where, f"{section} must be a list")
                continue
            if len(items) > MAX_ITEMS:
                self.problem(where, f"{section} has {len(items)} items, at most {MAX_ITEMS}")
            for number, item in enumerate(items):
                self.check_item(f"{where} {section}[{number}]", section, item, sentences)
        return answer

    def check_article_name(self, where: str, path: Path, article: object) -> None:
        # The devset article of the same name: a BASIL .json record or a NewsWCL50 .txt.
        expected = f"{path.parent.name}/{path.stem}.json"
        if isinstance(article, str) and article.endswith(".txt"):
            expected = f"{path.parent.name}/{path.stem}.txt"
        if article != expected:
            self.problem(where, f"'article' is {article!r}, the file's place says {expected!r}")

    def check_planted(self, path: Path, answer: dict[str, Any] | None) -> list[str]:
        where = place_of(path)
        planted = json.loads(path.read_text(encoding="utf-8"))
        if set(planted) != {"authored", "article", "planted"}:
            self.problem(
                where, f"top-level keys {sorted(planted)} are not authored/article/planted"
            )
            return []
        if planted["authored"] is not True:
            self.problem(where, '"authored" must be true')
        self.check_article_name(where, path, planted["article"])
        sentences = self.load_article(where, planted["article"])
        if sentences is None:
            return []
        if answer is None:
            self.problem(where, "no valid answer file for this article")
        kinds = []
        for number, entry in enumerate(planted["planted"]):
            entry_where = f"{where} planted[{number}]"
            fields = {"kind", "section", "replaces", "item", "why_wrong"}
            if not isinstance(entry, dict) or set(entry) != fields:
                self.problem(entry_where, f"entry must have exactly the fields {sorted(fields)}")
                continue
            kind, section, replaces = entry["kind"], entry["section"], entry["replaces"]
            if kind not in PLANTED_KINDS:
                self.problem(entry_where, f"unknown kind {kind!r}")
            kinds.append(kind)
            if section not in ITEM_FIELDS:
                self.problem(entry_where, f"unknown section {section!r}")
                continue
            if not isinstance(entry["why_wrong"], str) or not entry["why_wrong"].strip():
                self.problem(entry_where, "why_wrong must say why the item is wrong")
            # The headline is a single item: a planted headline replaces it (index 0).
            size = 1 if section == "headline" else len(answer[section]) if answer else 0
            if replaces is not None and (
                not isinstance(replaces, int)
                or isinstance(replaces, bool)
                or not 0 <= replaces < size
            ):
                self.problem(entry_where, f"replaces {replaces!r} outside 0..{size - 1}")
            elif replaces is not None and answer is not None:
                original = (
                    answer["headline"] if section == "headline" else answer[section][replaces]
                )
                if original == entry["item"]:
                    self.problem(entry_where, "planted item is identical to the one it replaces")
                self.check_kind_changes(entry_where, kind, original, entry["item"])
            if KIND_SECTIONS.get(kind, section) != section:
                self.problem(entry_where, f"{kind} belongs in {KIND_SECTIONS[kind]}, not {section}")
            self.check_item(entry_where, section, entry["item"], sentences)
        return kinds

    def check_kind_changes(self, where: str, kind: str, original: object, item: object) -> None:
        """A planted item must change what its kind says it changes."""
        if not isinstance(original, dict) or not isinstance(item, dict):
            return
        changed = {field for field in item if item.get(field) != original.get(field)}
        needed = KIND_CHANGES.get(kind)
        if needed and not changed & needed:
            self.problem(where, f"{kind} must change one of {sorted(needed)}")


def _served_items(authored_dir: Path, cluster: str, outlet: str) -> list[str]:
    """Every item an answer and its planted file serve, as comparable text."""
    items: list[str] = []
    answer_path = authored_dir / "articles" / cluster / outlet
    if answer_path.is_file():
        answer = json.loads(answer_path.read_text(encoding="utf-8"))
        items.append(json.dumps(["headline", answer.get("headline")], sort_keys=True))
        for section in SECTIONS:
            items += [
                json.dumps([section, item], sort_keys=True) for item in answer.get(section, [])
            ]
    planted_path = authored_dir / "planted" / cluster / outlet
    if planted_path.is_file():
        planted = json.loads(planted_path.read_text(encoding="utf-8"))
        items += [
            json.dumps([entry["section"], entry["item"]], sort_keys=True)
            for entry in planted.get("planted", [])
        ]
    return items


def check_verdicts(checker: Checker, path: Path, authored_dir: Path) -> None:
    """One verdict for every item served for the article, each about an item served."""
    where = place_of(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("authored") is not True:
        checker.problem(where, '"authored": true is missing')
    served = _served_items(authored_dir, path.parent.name, path.name)
    judged = []
    for number, row in enumerate(data.get("verdicts", [])):
        if not isinstance(row.get("supported"), bool):
            checker.problem(f"{where} verdicts[{number}]", "'supported' must be true or false")
        judged.append(json.dumps([row.get("section"), row.get("item")], sort_keys=True))
    for item in served:
        if item not in judged:
            checker.problem(where, f"no verdict for {item[:100]}")
    for item in judged:
        if item not in served:
            checker.problem(where, f"a verdict for an item not served: {item[:100]}")


def check_all(authored_dir: Path, devset: Path) -> tuple[list[str], dict[str, int], str]:
    """Problems found, planted items counted by kind, and a one-line summary."""
    checker = Checker(devset.resolve())
    answers: dict[str, dict[str, Any] | None] = {}
    answer_paths = sorted((authored_dir / "articles").glob("*/*.json"))
    for path in answer_paths:
        answers[f"{path.parent.name}/{path.name}"] = checker.check_answer(path)
    kind_counts: dict[str, int] = {}
    planted_paths = sorted((authored_dir / "planted").glob("*/*.json"))
    for path in planted_paths:
        for kind in checker.check_planted(path, answers.get(f"{path.parent.name}/{path.name}")):
            kind_counts[kind] = kind_counts.get(kind, 0) + 1
    verdict_paths = sorted((authored_dir / "verdicts").glob("*/*.json"))
    for path in verdict_paths:
        check_verdicts(checker, path, authored_dir)
    summary = (
        f"{len(answer_paths)} answer files, {len(planted_paths)} planted files, "
        f"{len(verdict_paths)} verdict files, "
        f"{sum(kind_counts.values())} planted items "
        f"({', '.join(f'{k} {v}' for k, v in sorted(kind_counts.items())) or 'none'}); "
        f"{len(checker.problems)} problems"
    )
    return checker.problems, kind_counts, summary


def main(argv: list[str]) -> int:
    """``check_authored.py [DEVSET_DIR] [--root SET_DIR]``: the set checked is this folder
    unless ``--root`` names another of the same layout (bench/heldout, ...)."""
    args = list(argv[1:])
    root = AUTHORED_DIR
    if "--root" in args:
        at = args.index("--root")
        root = Path(args[at + 1])
        del args[at : at + 2]
    devset = Path(args[0]) if args else DEFAULT_DEVSET
    problems, _, summary = check_all(root, devset)
    for problem in problems:
        print(problem)
    print(summary)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
