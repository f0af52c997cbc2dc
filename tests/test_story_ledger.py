"""The story ledger a journalist can trust: figures compared only when they count one thing,
tallies and fractions read as such, days resolved against publication dates, names and places
told apart, proposals counted once, sources named and cited sentences quoted."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from summarizer.alignment import (
    Alignment,
    list_items,
    same_name,
    story_sources,
)
from summarizer.dates import day_mentions
from summarizer.models import (
    ArticleSummary,
    StoryAlignment,
    StoryMetadata,
    StorySummary,
    TokenUsage,
)
from summarizer.numbers import compare_figures, find_numbers, parse_figure
from summarizer.quantities import scope_problem
from summarizer.render import render_story_html, render_story_markdown
from summarizer.sources import load_file, make_article
from summarizer.story import StoryBuilder, _Spend
from summarizer.synthesis import (
    alignment_report,
    build_story,
)
from tests.test_story import _summary

# --------------------------------------------------------------------------------------------
# Figures as written
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "low", "parts"),
    [
        ("97-1", "tally", 97, [97, 1]),
        ("348-77", "tally", 348, [348, 77]),
        ("by a vote of 234 to 193", "tally", 234, [234, 193]),
        ("10-12", "range", 10, None),  # smaller first: a range, not a tally
        ("two-thirds", "exact", 2 / 3, None),
        ("more than half", "at_least", 0.5, None),
        ("hundreds of billions of dollars", "range", 200e9, None),
        ("about 300", "approximate", 300, None),
    ],
)
def test_tallies_fractions_and_magnitudes_are_read(
    text: str, kind: str, low: float, parts: list[float] | None
) -> None:
    value = parse_figure(text)
    assert value is not None
    assert value.kind == kind
    assert value.low == pytest.approx(low)
    assert value.parts == parts


def _headline(text: str) -> dict[str, object]:
    """A headline citing the first sentence, as the extraction schema wants it."""
    return {"text": text, "evidence": ["S1"]}


def test_a_date_is_not_a_tally() -> None:
    value = parse_figure("on 2019-03-08")
    assert value is not None
    assert value.kind != "tally"


def test_every_count_of_a_tally_is_a_number_the_sentence_states() -> None:
    stated = find_numbers("The Senate voted 97-1 to pass the measure.")
    assert 97 in stated
    assert 1 in stated
    assert pytest.approx(2 / 3) in find_numbers("It needs a two-thirds majority.")


def test_tallies_agree_only_count_for_count() -> None:
    first, second, same = parse_figure("348-77"), parse_figure("348-71"), parse_figure("348-77")
    assert first is not None
    assert second is not None
    assert same is not None
    assert compare_figures([("A", first), ("B", second)])[0] == "conflict"
    assert compare_figures([("A", first), ("B", same)])[0] == "agree"


def test_two_values_from_one_source_are_never_compared() -> None:
    low, high = parse_figure("28"), parse_figure("46")
    assert low is not None
    assert high is not None
    status, explanation = compare_figures([("A", low), ("A", high)])
    assert status == "agree", explanation


# --------------------------------------------------------------------------------------------
# What a figure counts
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "apart"),
    [
        (("people", "killed by the plague"), ("deaths", "from the plague"), False),
        ((None, "people killed by the plague"), (None, "deaths from the plague"), False),
        (
            ("USD", "campaign funds the couple misused"),
            ("USD", "airline ticket for a rabbit"),
            True,
        ),
        (("years", "Hunter's age"), ("years", "time his father served in the House"), True),
        (
            (None, "votes for the bill in the House"),
            (None, "votes for the bill in the Senate"),
            True,
        ),
        ((None, "national cases"), (None, "provincial cases"), True),
        (("people", "died of the disease"), ("people", "infected with the disease"), True),
        (
            (None, "close contacts traced in Beijing"),
            (None, "close contacts traced in Ordos"),
            True,
        ),
        (("USD", "cost of the wall"), ("dollars", "cost of the wall"), False),
        (
            ("USD", "money from the Treasury Department's forfeiture fund"),
            ("USD", "money from Defense Department construction projects"),
            True,
        ),
    ],
)
def test_figures_count_one_thing_only_within_one_scope(
    first: tuple[str | None, str], second: tuple[str | None, str], apart: bool
) -> None:
    assert (scope_problem(first, second) is not None) is apart


# --------------------------------------------------------------------------------------------
# Names and places
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "person", "place", "expected"),
    [
        ("Chuck Grassley", "Charles E. Grassley", True, False, True),
        ("Bob Mueller", "Robert W. Mueller III", True, False, True),
        ("R. Hunter", "Robert Hunter", True, False, True),
        ("Robert S. Mueller", "Robert W. Mueller", True, False, False),  # middle initials differ
        ("Hunter Biden", "Joe Biden", True, False, False),
        ("Mongolia", "Inner Mongolia", False, True, False),
        ("Inner Mongolia region", "Inner Mongolia", False, True, True),
        ("Colorado", "Pueblo, Colorado", False, True, False),
        ("Virginia", "Northern Virginia", False, True, False),
        ("Benghazi, Libya", "Benghazi", False, True, True),  # where it lies, not another place
        ("Italy and Hawaii", "Hawaii and Italy", False, True, True),
    ],
)
def test_nicknames_initials_and_qualified_places(
    first: str, second: str, person: bool, place: bool, expected: bool
) -> None:
    assert same_name(first, second, person=person, place=place) is expected


# --------------------------------------------------------------------------------------------
# Days
# --------------------------------------------------------------------------------------------


def test_weekdays_resolve_to_the_last_such_day_up_to_publication() -> None:
    # Friday 8 March 2019.
    mentions = day_mentions("The House on Friday approved the bill", date(2019, 3, 8))
    assert [m.day for m in mentions] == [date(2019, 3, 8)]
    mentions = day_mentions("voted on Thursday", date(2019, 3, 8))
    assert [m.day for m in mentions] == [date(2019, 3, 7)]
    mentions = day_mentions("on Nov. 16", date(2020, 11, 20))
    assert [m.day for m in mentions] == [date(2020, 11, 16)]
    # A month and day well after publication are last year's.
    mentions = day_mentions("in a Sept. 14 e-mail", date(2013, 5, 15))
    assert [m.day for m in mentions] == [date(2012, 9, 14)]


# --------------------------------------------------------------------------------------------
# The ledger of a story
# --------------------------------------------------------------------------------------------

FOX = make_article(
    "The House of Representatives on Friday approved the bill by a 234-193 vote.\n\n"
    "The American Civil Liberties Union urged lawmakers to vote against it.\n\n"
    "Most of the 2,000 pages were released unredacted.",
    path="fox.json",
    title="House approves bill",
    published=date(2019, 3, 8),
    source="Fox News",
)
NYT = make_article(
    "The House on Thursday passed the bill 234-193.\n\n"
    "The A.C.L.U. urged members to vote against the bill.\n\n"
    "Officials said 46 people were traced.",
    path="nyt.json",
    title="House passes bill",
    published=date(2019, 3, 8),
    source="The New York Times",
)
FOX_ANSWER: dict[str, Any] = {
    "headline": _headline("House approves bill"),
    "what": [
        {"description": "The House on Friday approved the bill by a 234-193 vote.",
         "evidence": ["S1"]},
        {"description": "Most of the pages were released unredacted.", "evidence": ["S3"]},
    ],
    "key_figures": [
        {"value_text": "234-193", "unit": "votes", "counts": "House vote on the bill",
         "evidence": ["S1"]},
        {"value_text": "2,000", "unit": "pages", "counts": "pages released", "evidence": ["S3"]},
    ],
}  # fmt: skip
NYT_ANSWER: dict[str, Any] = {
    "headline": _headline("House passes bill"),
    "what": [
        {"description": "The House on Thursday passed the bill 234-193.", "evidence": ["S1"]},
    ],
    "key_figures": [
        {"value_text": "234-193", "unit": "votes", "counts": "House vote on the bill",
         "evidence": ["S1"]},
        {"value_text": "46", "unit": "people", "counts": "people traced", "evidence": ["S3"]},
    ],
}  # fmt: skip


def _with_outlet(summary: ArticleSummary, outlet: str) -> ArticleSummary:
    return summary.model_copy(
        update={"metadata": summary.metadata.model_copy(update={"outlet": outlet})}
    )


SUMMARIES = [
    _with_outlet(_summary(FOX, FOX_ANSWER), "Fox News"),
    _with_outlet(_summary(NYT, NYT_ANSWER), "The New York Times"),
]


def _ledger(*proposals: dict[str, Any]) -> StorySummary:
    sources = story_sources(SUMMARIES)
    alignment = Alignment(list_items(sources, SUMMARIES))
    alignment.link_by_code()
    for proposal in proposals:
        alignment.add_proposals(StoryAlignment.model_validate(proposal))
    metadata = StoryMetadata(
        article_ids=[s.metadata.article_id for s in SUMMARIES], model="m", backend="local",
        prompt_version="story@1", usage=TokenUsage(), attempts=0,
        alignment=alignment_report(alignment, calls=0, levels=0),
    )  # fmt: skip
    return build_story(alignment, sources, articles={FOX.id: FOX, NYT.id: NYT}, metadata=metadata)


SAME_VOTE = {"same_event": [{"label": "the vote", "items": ["A-E1", "B-E1"]}]}


def test_one_event_on_two_days_is_a_weekday_discrepancy() -> None:
    story = _ledger(SAME_VOTE)
    weekday = [d for d in story.discrepancies if d.kind == "weekday"]
    assert len(weekday) == 1
    assert [(side.source, side.says) for side in weekday[0].sides] == [
        ("A", "Friday"),
        ("B", "Thursday"),
    ]
    assert "Friday 08 March 2019" in weekday[0].explanation
    assert "Thursday 07 March 2019" in weekday[0].explanation
    # Each side quotes the sentence it rests on.
    assert weekday[0].sides[0].citation.cited[0].text.startswith("The House of Representatives")


def test_equal_tallies_agree_and_unrelated_figures_are_not_compared() -> None:
    story = _ledger(
        {"same_figure": [{"label": "votes", "items": ["A-F1", "B-F1"]},
                         {"label": "wrong", "items": ["A-F2", "B-F2"]}]}
    )  # fmt: skip
    statuses = {figure.counts: figure.status for figure in story.key_figures}
    assert statuses["House vote on the bill"] == "agree"
    assert not [d for d in story.discrepancies if d.kind == "figure"]
    # Pages and people are not one quantity: the model's link is rejected, with the reason.
    assert any("count different things" in r for rej in story.rejected for r in rej.reasons)


def test_a_proposed_difference_is_kept_only_when_each_side_says_it() -> None:
    said = {
        "kind": "attribute",
        "about": "whether the pages were redacted",
        "sides": [{"item": "A-E2", "says": "unredacted"}, {"item": "B-E1", "says": "redacted"}],
    }
    story = _ledger(SAME_VOTE, {"differences": [said]})
    # B-E1 is about the vote, not the pages, and does not say "redacted".
    assert not [d for d in story.discrepancies if d.kind == "attribute"]
    assert any("does not say 'redacted'" in r for rej in story.rejected for r in rej.reasons)
    day = {
        "kind": "weekday",
        "about": "the day the House voted",
        "sides": [{"item": "A-E1", "says": "on Friday"}, {"item": "B-E1", "says": "Thursday"}],
    }
    story = _ledger(SAME_VOTE, {"differences": [day]})
    assert [d.found_by for d in story.discrepancies if d.kind == "weekday"] == [
        "model, checked by code"
    ]


def test_counts_add_up_and_a_repeated_proposal_is_counted_once() -> None:
    wrong = {"same_event": [{"label": "x", "items": ["A-E2", "B-E1"]}]}
    story = _ledger(SAME_VOTE, wrong, SAME_VOTE, wrong)
    report = story.metadata.alignment
    assert report.proposed == 2
    assert report.verified + report.rejected == report.proposed
    assert len(story.rejected) == 1


def test_story_outputs_name_outlets_and_quote_cited_sentences() -> None:
    story = _ledger(SAME_VOTE)
    assert [source.outlet for source in story.sources] == ["Fox News", "The New York Times"]
    markdown = render_story_markdown(story)
    assert "**A** Fox News: House approves bill (2019-03-08)" in markdown
    assert "> B S1: The House on Thursday passed the bill 234-193." in markdown
    assert "## Where the sources disagree" in markdown
    html = render_story_html(story)
    assert "<strong>The New York Times</strong>" in html
    assert "<b>S3</b> Most of the 2,000 pages were released unredacted." in html


# --------------------------------------------------------------------------------------------
# Sources by name
# --------------------------------------------------------------------------------------------


def test_a_text_files_headline_line_is_its_title(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(
        "White House Delays Tariffs for 30 Days\n\n"
        "WASHINGTON - The administration said on Monday it would delay the tariffs.\n",
        encoding="utf-8",
    )
    article = load_file(path)
    assert article.title == "White House Delays Tariffs for 30 Days"
    assert article.sentences[0].text.startswith("WASHINGTON")


def test_a_first_sentence_is_not_taken_for_a_headline(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(
        "The administration said on Monday it would delay the tariffs. Allies were relieved.\n\n"
        "More followed.\n",
        encoding="utf-8",
    )
    article = load_file(path)
    assert article.title is None
    assert article.sentences[0].text.startswith("The administration")


# --------------------------------------------------------------------------------------------
# Alignment rounds
# --------------------------------------------------------------------------------------------


class _CountingClient:
    model_name = "m"

    def __init__(self) -> None:
        self.requests = 0

    async def complete(self, messages: Any, model: Any, sampling: Any) -> Any:
        self.requests += 1
        attempt = SimpleNamespace(usage=TokenUsage(total_tokens=100))
        return SimpleNamespace(
            value=StoryAlignment(), attempts=[attempt], usage=TokenUsage(total_tokens=100)
        )


@pytest.mark.parametrize(("per_prompt", "levels_at_most"), [(60, 1), (2, 4)])
def test_no_round_resends_what_was_already_asked(per_prompt: int, levels_at_most: int) -> None:
    client = _CountingClient()
    summarizer = SimpleNamespace(client=client, sampling=None)
    builder = StoryBuilder(summarizer, max_items_per_prompt=per_prompt)  # type: ignore[arg-type]
    sources = story_sources(SUMMARIES)
    alignment = Alignment(list_items(sources, SUMMARIES))
    levels = asyncio.run(builder._align(alignment, sources, _Spend()))
    assert levels <= levels_at_most
    if per_prompt == 60:
        # Every section fitted one prompt: one request, no second round.
        assert client.requests == 1


def test_one_event_with_two_counts_of_one_thing_is_a_number_discrepancy() -> None:
    fox = make_article(
        "Among the allegations named in the 48-page indictment were family trips.",
        path="fox.json",
        published=date(2018, 8, 22),
    )
    hpo = make_article(
        "The 47-page indictment lists family trips paid with campaign money.",
        path="hpo.json",
        published=date(2018, 8, 22),
    )
    summaries = [
        _summary(fox, {"headline": _headline("The indictment names family trips"), "what": [
            {"description": "The 48-page indictment names family trips.", "evidence": ["S1"]}]}),
        _summary(hpo, {"headline": _headline("The indictment names family trips"), "what": [
            {"description": "The 47-page indictment lists family trips.", "evidence": ["S1"]}]}),
    ]  # fmt: skip
    sources = story_sources(summaries)
    alignment = Alignment(list_items(sources, summaries))
    alignment.link_by_code()
    metadata = StoryMetadata(
        article_ids=[], model="m", backend="local", prompt_version="story@1",
        usage=TokenUsage(), attempts=0, alignment=alignment_report(alignment, calls=0, levels=0),
    )  # fmt: skip
    story = build_story(alignment, sources, articles={}, metadata=metadata)
    numbers = [d for d in story.discrepancies if d.kind == "number"]
    assert [[side.says for side in d.sides] for d in numbers] == [["48 page", "47 page"]]


def test_a_source_never_holds_two_figures_of_one_group() -> None:
    first = make_article(
        "Police said 300 officers guarded the talks.\n\nAnother 40 officers guarded the hotel.",
        path="a.txt",
    )
    second = make_article("About 30 officers guarded the talks, police said.", path="b.txt")
    summaries = [
        _summary(first, {"headline": _headline("300 officers guarded the talks"), "key_figures": [
            {"value_text": "300", "counts": "officers guarding the talks", "evidence": ["S1"]},
            {"value_text": "40", "counts": "officers guarding the hotel", "evidence": ["S2"]}]}),
        _summary(second, {"headline": _headline("30 officers guarded the talks"), "key_figures": [
            {"value_text": "About 30", "counts": "officers guarding the talks",
             "evidence": ["S1"]}]}),
    ]  # fmt: skip
    sources = story_sources(summaries)
    alignment = Alignment(list_items(sources, summaries))
    alignment.link_by_code()  # A-F1 and B-F1 count one thing
    # B-F1 and A-F2 might be one thing too, but then A would stand against itself.
    alignment.add_proposals(
        StoryAlignment.model_validate(
            {"same_figure": [{"label": "officers", "items": ["A-F2", "B-F1"]}]}
        )
    )
    groups = alignment.groups("key_figures")
    assert sorted(len(group) for group in groups) == [1, 2]
    assert any("two figures of source A" in r for rej in alignment.rejected for r in rej.reasons)


def test_the_model_cannot_call_compatible_figures_a_conflict() -> None:
    first = make_article("There were roughly 520,000 arrests at the border last year.", path="a")
    second = make_article("Border arrests fell to 500,000 last year.", path="b")
    summaries = [
        _summary(first, {"headline": _headline("roughly 520,000 arrests"), "key_figures": [
            {"value_text": "roughly 520,000", "counts": "border arrests last year",
             "evidence": ["S1"]}]}),
        _summary(second, {"headline": _headline("Border arrests fell to 500,000"), "key_figures": [
            {"value_text": "500,000", "counts": "border arrests last year", "evidence": ["S1"]}]}),
    ]  # fmt: skip
    sources = story_sources(summaries)
    alignment = Alignment(list_items(sources, summaries))
    proposal = {
        "differences": [
            {
                "kind": "figure",
                "about": "border arrests last year",
                "sides": [{"item": "A-F1", "says": "520,000"}, {"item": "B-F1", "says": "500,000"}],
            }
        ]
    }
    alignment.add_proposals(StoryAlignment.model_validate(proposal))
    assert alignment.discrepancies.found == []
    assert any("compatible" in r for rej in alignment.rejected for r in rej.reasons)


def test_markdown_front_matter_names_the_outlet(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text(
        "---\ntitle: House passes bill\noutlet: The Daily Record\ndate: 2019-03-08\n---\n"
        "The House passed the bill on Friday.\n",
        encoding="utf-8",
    )
    article = load_file(path)
    assert article.source == "The Daily Record"
    assert article.title == "House passes bill"


def test_a_headline_line_needs_no_blank_line_after_it(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(
        "date 2024-03-12\nStorm closes Port Elling ferry terminal\n"
        "The ferry terminal in Port Elling closed on Monday.\n",
        encoding="utf-8",
    )
    article = load_file(path)
    assert article.title == "Storm closes Port Elling ferry terminal"
    assert article.sentences[0].text.startswith("The ferry terminal")
    assert article.published == date(2024, 3, 12)
