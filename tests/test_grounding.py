"""The grounding checker on hand-made articles and items."""

from __future__ import annotations

import pytest

from summarizer.grounding import check_extraction, reask_message
from summarizer.models import ArticleExtraction
from summarizer.sources import make_article

ARTICLE = make_article(
    "U.S. Secretary of State Mike Pompeo visited Nur-Sultan on February 2.\n"
    "Mr Pompeo said he raised the issue with Foreign Minister Mukhtar Tleuberdi.\n"
    "The virus has killed more than 300 people and infected more than 14,000.\n"
    "Between one million and two million people are detained, the UN estimates.\n"
    "China denies that the facilities are internment camps.",
    path="hand-made.txt",
)


def _problems(**items: list[dict[str, object]]) -> list[tuple[str, tuple[str, ...]]]:
    extraction = ArticleExtraction.model_validate(
        {"headline": {"text": "Pompeo visits.", "evidence": ["S1"]}, **items}
    )
    checks = check_extraction(extraction, ARTICLE)
    assert checks[0].label == "headline"
    return [(c.label, c.problems) for c in checks[1:]]


def _actor(name: str, *evidence: str) -> dict[str, object]:
    return {"name": name, "kind": "person", "role": "Foreign Minister", "evidence": list(evidence)}


def _figure(text: str, *evidence: str) -> dict[str, object]:
    return {"value_text": text, "counts": "people", "evidence": list(evidence)}


@pytest.mark.parametrize(
    ("name", "evidence"),
    [
        ("Mike Pompeo", "S1"),
        ("Mr Pompeo", "S1"),
        ("Pompeo's", "S2"),
        ("MIKE POMPEO", "S2"),  # surname in the cited sentence, full name in the article
        ("Mukhtar Tileuberdi", "S2"),  # transliteration variant
    ],
)
def test_name_variants_are_accepted(name: str, evidence: str) -> None:
    assert _problems(who=[_actor(name, evidence)]) == [("who[0]", ())]


def test_invented_name_is_rejected() -> None:
    [(label, problems)] = _problems(who=[_actor("John Kerry", "S1")])
    assert label == "who[0]"
    assert "'John Kerry' does not appear in the article" in problems[0]


def test_name_not_in_the_cited_sentence_is_rejected() -> None:
    [(_, problems)] = _problems(who=[_actor("Tleuberdi", "S3")])
    assert "not in the cited sentences" in problems[0]


def test_citing_a_sentence_that_does_not_exist_is_rejected() -> None:
    [(_, problems)] = _problems(who=[_actor("Mike Pompeo", "S9")])
    assert problems == ("cites S9, but the article has only S1-S5",)


@pytest.mark.parametrize(
    "text",
    [
        "more than 300",
        "300",
        "14,000",
        "more than 14 thousand",
        "between 1 million and 2 million",
        "one million to two million",
    ],
)
def test_figures_stated_in_the_cited_sentence_are_accepted(text: str) -> None:
    evidence = "S3" if "300" in text or "14" in text else "S4"
    assert _problems(key_figures=[_figure(text, evidence)]) == [("key_figures[0]", ())]


@pytest.mark.parametrize("text", ["30", "3,000", "more than 400", "one billion"])
def test_figures_not_stated_are_rejected(text: str) -> None:
    [(_, problems)] = _problems(key_figures=[_figure(text, "S3", "S4")])
    assert "is not stated in the cited sentences" in problems[0]


def test_repeated_item_is_rejected_as_a_repeat() -> None:
    results = _problems(who=[_actor("Mike Pompeo", "S1"), _actor("Mike Pompeo", "S1")])
    assert results == [("who[0]", ()), ("who[1]", ("repeats who[0]",))]


def test_event_must_share_its_words_with_the_cited_sentence() -> None:
    good: dict[str, object] = {
        "description": "China denies the facilities are camps.", "evidence": ["S5"],
    }  # fmt: skip
    bad: dict[str, object] = {
        "description": "Pompeo announced sanctions against Beijing banks.", "evidence": ["S5"],
    }  # fmt: skip
    assert _problems(what=[good, bad]) == [
        ("what[0]", ()),
        (
            "what[1]",
            (
                "description words pompeo, announced, sanction, against, beijing, bank are "
                "not in the cited sentences",
            ),
        ),
    ]


def test_time_must_be_written_in_the_cited_sentence() -> None:
    ok: dict[str, object] = {"text": "on February 2", "evidence": ["S1"]}
    wrong: dict[str, object] = {"text": "on March 5", "evidence": ["S1"]}
    assert [p for _, p in _problems(when=[ok, wrong])] == [
        (),
        ("the time 'on March 5' is not written in the cited sentences",),
    ]


def test_the_reask_message_names_each_failed_item_and_why_without_pydantic_boilerplate() -> None:
    extraction = ArticleExtraction.model_validate(
        {
            "headline": {"text": "h", "evidence": ["S1"]},
            "who": [_actor("Mike Pompeo", "S1"), _actor("John Kerry", "S1")],
        }
    )
    failures = [c for c in check_extraction(extraction, ARTICLE) if not c.ok]
    message = reask_message(failures, ARTICLE)
    assert "- who[1]:" in message
    assert "John Kerry" in message
    assert "who[0]" not in message  # the verified item is not asked about again
    assert "validation error" not in message
    assert "errors.pydantic.dev" not in message


def _dispute(asserted_by: str, contested_by: str = "China") -> dict[str, object]:
    return {
        "claim": "the facilities are internment camps",
        "asserted_by": asserted_by,
        "contested_by": contested_by,
        "how_contested": "China denies it",
        "evidence": ["S4", "S5"],
    }


def test_disputed_point_parties_must_be_named_in_the_article() -> None:
    results = _problems(
        disputed_points=[
            _dispute("the UN"),
            _dispute("China has been using its military to suppress minority rights"),
            _dispute(
                "The United Nations and human rights groups estimate that between one "
                "million and two million people are detained in camps"
            ),
        ]
    )
    assert results[0] == ("disputed_points[0]", ())
    assert "does not appear in the article" in results[1][1][0]
    assert "should name a party in a few words" in results[2][1][0]


def test_headline_is_checked_against_its_cited_sentences() -> None:
    def headline_problems(headline: str) -> tuple[str, ...]:
        extraction = ArticleExtraction.model_validate(
            {"headline": {"text": headline, "evidence": ["S1", "S5"]}}
        )
        return check_extraction(extraction, ARTICLE)[0].problems

    assert headline_problems("Pompeo visits Nur-Sultan; China denies the camps") == ()
    names, words = headline_problems("Pompeo announces sanctions on Chinese banks in Geneva")
    assert names == "headline names Geneva, which the cited sentences do not"
    assert words.startswith("headline words")
    assert "sanction" in words


def test_a_paragraph_is_not_a_figure_even_if_it_holds_a_number_word() -> None:
    paragraph = (
        "The world is a continent that includes many countries and it has been ruled by one "
        "person for years"
    )
    [(_, problems)] = _problems(key_figures=[_figure(paragraph, "S1", "S2", "S3")])
    assert problems == ("value_text should be the figure as written, a few words, not 19",)


def test_a_person_is_not_a_place() -> None:
    # The embedded model listed "Mike Pompeo" under where; the article writes "Mr Pompeo".
    results = _problems(
        where=[
            {"name": "Mike Pompeo", "role": "visitor", "evidence": ["S2"]},
            {"name": "Nur-Sultan", "role": "visited", "evidence": ["S1"]},
        ]
    )
    assert "is a person (the article writes 'Mr Pompeo')" in results[0][1][0]
    assert results[1] == ("where[1]", ())


def test_a_role_word_that_only_looks_like_the_articles_is_not_its_role() -> None:
    # "Foreign" stands beside Pompeo only as the minister's title; "foreigner" is not it.
    results = _problems(who=[_actor("Mike Pompeo", "S2"), _actor("Mukhtar Tleuberdi", "S2")])
    assert results == [("who[0]", ()), ("who[1]", ())]  # "visitor" is no title: not judged
    foreigner = {**_actor("Mike Pompeo", "S2"), "role": "foreigner"}
    minister = {**_actor("Mukhtar Tleuberdi", "S2"), "role": "Foreign Minister"}
    results = _problems(who=[foreigner, minister])
    assert "does not give Mike Pompeo the role 'foreigner'" in results[0][1][0]
    assert results[1] == ("who[1]", ())
