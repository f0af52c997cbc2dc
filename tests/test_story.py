"""One story from several sources: number comparison, name resolution, checking the model's
alignment, and the synthesis itself, on hand-built summaries (no model)."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Any

import pytest

from summarizer.alignment import (
    Alignment,
    list_items,
    same_name,
    story_sources,
)
from summarizer.grounding import check_extraction
from summarizer.models import (
    Article,
    ArticleExtraction,
    ArticleSummary,
    GroundingReport,
    StoryAlignment,
    StoryMetadata,
    StorySummary,
    SummaryMetadata,
    TokenUsage,
)
from summarizer.numbers import compare_figures, parse_figure
from summarizer.render import render_story_html, render_story_markdown
from summarizer.sources import make_article
from summarizer.story import _batches
from summarizer.summary import build_summary
from summarizer.synthesis import (
    alignment_report,
    build_story,
)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # A lower bound against a range that starts at it: both can be true.
        ("more than 1 million", "between one million and two million", "agree"),
        ("300", "30", "conflict"),
        ("300", "310", "conflict"),
        ("about 300", "320", "agree"),
        ("about 300", "400", "conflict"),
        ("1.2 million", "1,195,000", "agree"),
        ("at most 50", "more than 60", "conflict"),
        ("at least 10", "at most 12", "agree"),
        ("between 5 and 10", "12 to 20", "conflict"),
        ("between 5 and 10", "8 to 20", "agree"),
        ("two million", "more than 1 million", "agree"),
    ],
)
def test_figures_are_compared_in_code(first: str, second: str, expected: str) -> None:
    a, b = parse_figure(first), parse_figure(second)
    assert a is not None
    assert b is not None
    status, explanation = compare_figures([("A", a), ("B", b)])
    assert status == expected, explanation
    assert "A:" in explanation
    assert "B:" in explanation


def test_a_conflict_is_explained_in_numbers() -> None:
    a, b = parse_figure("300"), parse_figure("30")
    assert a is not None
    assert b is not None
    assert compare_figures([("A", a), ("B", b)]) == ("conflict", "A: 300 cannot be B: 30")


@pytest.mark.parametrize(
    ("first", "second", "person", "expected"),
    [
        ("Mukhtar Tileuberdi", "Tleuberdi", True, True),  # transliteration, surname only
        ("Mr Pompeo", "Mike Pompeo", True, True),  # honorific
        ("Mike", "Mike Pompeo", True, False),  # a first name is not the person
        ("Uighurs", "Uyghurs", False, True),
        ("US", "United States", False, True),  # acronym
        ("Xinjiang region", "Xinjiang", False, True),  # kind word
        ("China", "Chinese Communist Party", False, False),  # shared stem is not one name
        ("Kazakhstan", "China", False, False),
        ("Foreign Minister Mukhtar Tleuberdi", "Mukhtar Tileuberdi", True, True),
    ],
)
def test_names_resolve_across_spellings(
    first: str, second: str, person: bool, expected: bool
) -> None:
    assert same_name(first, second, person=person) is expected
    assert same_name(second, first, person=person) is expected


# --------------------------------------------------------------------------------------------
# Two hand-built sources of one story
# --------------------------------------------------------------------------------------------

TEXT_A = (
    "US Secretary of State Mike Pompeo visited Nur-Sultan on February 2.\n\n"
    "He met Foreign Minister Mukhtar Tileuberdi for talks.\n\n"
    "Pompeo spoke of more than 1 million Uighur Muslims detained in Xinjiang.\n\n"
    "Police said 300 officers guarded the talks.\n\n"
    "Tleuberdi said Kazakhstan would not criticise China.\n\n"
    "China denies mistreating the Uighurs and calls the camps vocational training centres."
)
TEXT_B = (
    "Mr Pompeo urged Kazakhstan yesterday to press China over the Xinjiang region.\n\n"
    "He held talks with Kazakh Foreign Minister Mukhtar Tleuberdi.\n\n"
    "Rights groups estimate between one million and two million people, mostly Uighur Muslims, "
    "have been detained.\n\n"
    "About 30 officers guarded the talks, police said.\n\n"
    "China has repeatedly denied any mistreatment of Uighurs and says the camps provide "
    "vocational training.\n\n"
    "Pompeo also met families of detained ethnic Kazakhs."
)
ARTICLE_A = make_article(
    TEXT_A, path="a.txt", title="Pompeo in Nur-Sultan", published=date(2020, 2, 3)
)
ARTICLE_B = make_article(TEXT_B, path="b.txt", published=date(2020, 2, 3))

EXTRACTION_A: dict[str, Any] = {
    "headline": {"text": "Pompeo visited Nur-Sultan", "evidence": ["S1"]},
    "who": [
        {
            "name": "Mike Pompeo",
            "kind": "person",
            "role": "US Secretary of State",
            "evidence": ["S1"],
        },
        {
            "name": "Mukhtar Tileuberdi",
            "kind": "person",
            "role": "Foreign Minister",
            "evidence": ["S2"],
        },
    ],
    "what": [{"description": "Pompeo visited Nur-Sultan for talks.", "evidence": ["S1", "S2"]}],
    "where": [{"name": "Xinjiang", "role": "where people are detained", "evidence": ["S3"]}],
    "when": [{"text": "on February 2", "date": "2020-02-02", "evidence": ["S1"]}],
    "key_figures": [
        {
            "value_text": "more than 1 million",
            "unit": "people",
            "counts": "Uighur Muslims detained in Xinjiang",
            "stated_by": "Pompeo",
            "evidence": ["S3"],
        },
        {"value_text": "300", "counts": "officers guarding the talks", "evidence": ["S4"]},
    ],
    "disputed_points": [
        {
            "claim": "Uighur Muslims are detained in camps",
            "asserted_by": "Pompeo",
            "contested_by": "China",
            "how_contested": "calls the camps vocational training centres",
            "evidence": ["S3", "S6"],
        }
    ],
}
EXTRACTION_B: dict[str, Any] = {
    "headline": {"text": "Pompeo urged Kazakhstan to press China", "evidence": ["S1"]},
    "who": [
        {"name": "Mr Pompeo", "kind": "person", "role": "urged Kazakhstan", "evidence": ["S1"]},
        {"name": "Mukhtar Tleuberdi", "kind": "person", "role": "minister", "evidence": ["S2"]},
    ],
    "what": [
        {
            "description": "Pompeo held talks with the Kazakh foreign minister.",
            "evidence": ["S1", "S2"],
        },
        {"description": "Pompeo met families of detained ethnic Kazakhs.", "evidence": ["S6"]},
    ],
    "where": [{"name": "Xinjiang region", "role": "detentions", "evidence": ["S1"]}],
    "when": [{"text": "yesterday", "date": "2020-02-02", "evidence": ["S1"]}],
    "key_figures": [
        {
            "value_text": "between one million and two million",
            "unit": "people",
            "counts": "people detained, mostly Uighur Muslims",
            "stated_by": "Rights groups",
            "evidence": ["S3"],
        },
        {"value_text": "About 30", "counts": "officers guarding the talks", "evidence": ["S4"]},
    ],
    "disputed_points": [
        {
            "claim": "mistreatment of Uighurs in camps",
            "asserted_by": "Rights groups",
            "contested_by": "China",
            "how_contested": "says the camps provide vocational training",
            "evidence": ["S3", "S5"],
        }
    ],
}


def _summary(article: Article, extraction_data: dict[str, Any]) -> ArticleSummary:
    extraction = ArticleExtraction.model_validate(extraction_data)
    checks = check_extraction(extraction, article)
    assert all(check.ok for check in checks), [c.problems for c in checks if not c.ok]
    metadata = SummaryMetadata(
        source_path=article.path, article_id=article.id, title=article.title,
        published=article.published, sentence_count=len(article.sentences), model="m",
        backend="local", mode="tools", prompt_version="p@1", usage=TokenUsage(), attempts=1,
        grounding=GroundingReport(proposed=0, verified=0, rejected=0, score=1.0),
    )  # fmt: skip
    return build_summary(extraction, article, metadata)


SUMMARIES = [_summary(ARTICLE_A, EXTRACTION_A), _summary(ARTICLE_B, EXTRACTION_B)]


def _story(proposals: dict[str, Any] | None = None) -> StorySummary:
    sources = story_sources(SUMMARIES)
    alignment = Alignment(list_items(sources, SUMMARIES))
    alignment.link_by_code()
    if proposals is not None:
        alignment.add_proposals(StoryAlignment.model_validate(proposals))
    metadata = StoryMetadata(
        article_ids=[s.metadata.article_id for s in SUMMARIES], model="m", backend="local",
        prompt_version="story@1", usage=TokenUsage(), attempts=0,
        alignment=alignment_report(alignment, calls=0, levels=0),
    )  # fmt: skip
    return build_story(
        alignment,
        sources,
        articles={ARTICLE_A.id: ARTICLE_A, ARTICLE_B.id: ARTICLE_B},
        metadata=metadata,
    )


def test_code_alone_merges_spellings_and_lists_the_variants() -> None:
    story = _story()
    minister = next(actor for actor in story.who if "Mukhtar" in actor.name)
    spellings = {variant.name: variant.sources for variant in minister.variants}
    assert spellings["Mukhtar Tileuberdi"] == ["A"]
    assert spellings["Mukhtar Tleuberdi"] == ["B"]
    assert spellings["Tileuberdi"] == ["A"]
    assert spellings["Tleuberdi"] == ["A", "B"]  # A writes both: "Tleuberdi said ..." in S5
    assert [c.source for c in minister.roles] == ["A", "B"]
    pompeo = next(actor for actor in story.who if "Pompeo" in actor.name)
    assert {c.source for c in pompeo.roles} == {"A", "B"}
    pompeo_spellings = {variant.name: variant.sources for variant in pompeo.variants}
    assert pompeo_spellings == {"Mike Pompeo": ["A"], "Mr Pompeo": ["B"], "Pompeo": ["A", "B"]}
    assert len(story.who) == 2
    assert [place.name for place in story.where] in (["Xinjiang"], ["Xinjiang region"])
    assert len(story.when) == 1
    assert story.when[0].date == "2020-02-02"


def test_figures_are_compared_across_sources() -> None:
    story = _story()
    by_counts = {figure.counts: figure for figure in story.key_figures}
    detained = by_counts["Uighur Muslims detained in Xinjiang"]
    assert detained.status == "agree"
    assert [(v.source, v.value_text) for v in detained.values] == [
        ("A", "more than 1 million"),
        ("B", "between one million and two million"),
    ]
    officers = by_counts["officers guarding the talks"]
    assert officers.status == "conflict"
    assert "300" in officers.explanation
    assert "30" in officers.explanation
    # A conflict between outlets is a disputed point, citing both sides.
    between_sources = [d for d in story.disputed_points if d.kind == "between_sources"]
    assert len(between_sources) == 1
    assert [(s.citation.source, s.position) for s in between_sources[0].sides] == [
        ("A", "300"),
        ("B", "About 30"),
    ]


def test_party_disputes_merge_and_cite_each_side() -> None:
    story = _story()
    parties = [d for d in story.disputed_points if d.kind == "between_parties"]
    assert len(parties) == 1
    held_by = [side.held_by for side in parties[0].sides]
    assert held_by.count("China") == 2  # each outlet's wording of China's denial
    assert {"Pompeo", "Rights groups"} <= set(held_by)
    assert {side.citation.source for side in parties[0].sides} == {"A", "B"}


def test_coverage_lists_what_only_one_source_reports() -> None:
    story = _story()
    only_b = next(c for c in story.coverage if c.source == "B").only_here
    assert any("families of detained ethnic Kazakhs" in c.text for c in only_b)
    only_a = next(c for c in story.coverage if c.source == "A").only_here
    # Without the model, A's and B's paraphrased visit reports stay apart.
    assert any("visited Nur-Sultan" in c.text for c in only_a)
    assert next(c for c in story.coverage if c.source == "A").shared_items > 0


def test_a_confirmed_model_link_merges_paraphrases() -> None:
    story = _story({"same_event": [{"label": "visit", "items": ["A-E1", "B-E1"]}]})
    merged = [e for e in story.what if len(e.reported_by) == 2]
    assert len(merged) == 1
    assert story.metadata.alignment.proposed == 1
    assert story.metadata.alignment.verified == 1
    assert story.rejected == []


@pytest.mark.parametrize(
    ("proposal", "reason"),
    [
        ({"same_actor": [{"label": "x", "items": ["A-W1", "C-W9"]}]}, "C-W9 is not a listed item"),
        ({"same_actor": [{"label": "x", "items": ["A-W1", "B-E2"]}]}, "B-E2 is not a who item"),
        (
            {"same_actor": [{"label": "x", "items": ["A-W1", "B-W2"]}]},
            "'Mike Pompeo' (A-W1) and 'Mukhtar Tleuberdi' (B-W2) are different names",
        ),
        (
            {"same_event": [{"label": "x", "items": ["A-E1", "B-E2"]}]},
            "share",  # no shared wording: the link is unverifiable
        ),
    ],
)
def test_unconfirmed_model_links_are_rejected_not_merged(
    proposal: dict[str, Any], reason: str
) -> None:
    baseline = _story()
    story = _story(proposal)
    assert len(story.rejected) == 1
    assert any(reason in r for r in story.rejected[0].reasons), story.rejected[0].reasons
    assert story.metadata.alignment.verified == 0
    # Nothing was merged that code had kept apart.
    for section in ("who", "what"):
        assert len(getattr(story, section)) == len(getattr(baseline, section))


def test_story_reports_show_the_ledger() -> None:
    story = _story()
    markdown = render_story_markdown(story)
    assert "| officers guarding the talks | **conflict** |" in markdown
    assert "A: 300 cannot be B: about 30" in markdown
    assert "Mukhtar Tileuberdi (A), Mukhtar Tleuberdi (B), Tileuberdi (A)" in markdown
    html = render_story_html(story)
    assert 'class="status-conflict"' in html
    assert html.count('class="src"') >= 10  # citations carry their source's colour
    # Self-contained: nothing is fetched from the network when the page opens.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", html, re.I)


def test_batches_keep_to_the_prompt_size_and_mix_sources() -> None:
    items = list_items(story_sources(SUMMARIES), SUMMARIES)
    aligned = [item for item in items if item.section != "when"]
    batches = _batches(aligned, 3, rotation=0)
    assert all(1 <= len(batch) <= 3 for batch in batches)
    assert sorted(item.ref for batch in batches for item in batch) == sorted(
        item.ref for item in aligned
    )
    # A section larger than a batch is dealt across sources, so batches can align something.
    who_batches = [b for b in batches if b[0].section == "who"]
    assert all(len({item.source.label for item in b}) == 2 for b in who_batches)


def test_details_one_source_alone_gives_of_a_shared_actor_are_listed() -> None:
    from summarizer.synthesis import _adding_details

    items = list_items(story_sources(SUMMARIES), SUMMARIES)
    minister = [item for item in items if item.section == "who" and "leuberdi" in item.item.name]
    assert {item.source.label for item in minister} == {"A", "B"}
    # Two spellings of one name and a shorter title are no detail.
    assert _adding_details(minister) == []
    a, b = minister
    told = a.item.model_copy(
        update={"role": "Foreign Minister, appointed after a cabinet reshuffle"}
    )
    detailed = [dataclasses.replace(a, item=told), b]
    assert [item.source.label for item in _adding_details(detailed)] == ["A"]
