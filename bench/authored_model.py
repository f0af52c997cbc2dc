"""A local OpenAI-compatible server that answers as a capable model would, from authored fixtures.

The answers under ``bench/authored/`` were written by hand by people playing a capable model
(see ``bench/authored/README.md``); they are not recorded traffic. This server serves them to
the real ``summarize`` pipeline, so the trust checks can be measured on real articles:

* it recognises which devset article a request is about by matching the numbered sentences of
  the prompt against the article texts;
* it maps each authored evidence text to the id the *current* sentence splitter gave it, so
  fixtures survive prompt and splitting changes;
* it converts the authored answer to whatever schema the request asks for (read from the tool
  definition, ``response_format`` or the schema instructor writes into the messages), and
  answers as a tool call or as JSON content accordingly;
* ``variant="planted"`` substitutes the planted items for the items they replace;
* it gives the same answer to every re-ask, so what ends up rejected is exactly what the
  checks catch.

Other request kinds (a story's alignment request, a verification request) are answered by
hooks: functions that get the parsed ``ModelRequest`` and return an answer object or None to
pass. The extraction answer is itself the last hook.

    with AuthoredModelServer(devset, [Path("bench/authored")], variant="planted") as server:
        summarize_folder(devset / "basil_...", base_url=server.base_url, model="authored")
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from summarizer.models import Article
from summarizer.sources import load_paths

Variant = Literal["correct", "planted"]
JsonObject = dict[str, Any]

# What a planted item is labelled when served; correct items carry None.
PLANTED_TAG = "_planted"


# --------------------------------------------------------------------------------------------
# Text matching
# --------------------------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})


def normalise(text: str) -> str:
    """Quote marks, dashes and whitespace unified, case folded: for matching texts only."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip().casefold()


# Indented too: a verification request lists the sentences under each item.
_SENTENCE_LINE = re.compile(r"^\s*\[(S\d+)\] (.*)$", re.MULTILINE)


def prompt_sentences(messages: Sequence[JsonObject]) -> list[tuple[str, str]]:
    """The numbered sentences ``[S3] ...`` of the first user message that has any."""
    for message in messages:
        if message.get("role") == "user":
            found = _SENTENCE_LINE.findall(str(message.get("content") or ""))
            if found:
                return found
    return []


def evidence_ids(evidence: Iterable[str], sentences: Sequence[tuple[str, str]]) -> list[str]:
    """The current ids of the sentences each authored evidence text is taken from.

    An evidence text inside one sentence maps to it; one that spans several (the splitter now
    cuts where it did not) maps to each sentence it covers; failing both, to the sentence that
    shares the longest run of characters with it. Unmatched texts are left out."""
    folded = [(sid, normalise(text)) for sid, text in sentences]
    ids: list[str] = []
    for text in evidence:
        wanted = normalise(text)
        if not wanted:
            continue
        hits = [sid for sid, sentence in folded if wanted in sentence][:1]
        if not hits:
            # Spanning sentences: those wholly inside it, and those it starts or ends inside.
            hits = [
                sid
                for sid, sentence in folded
                if (len(sentence) >= 12 and sentence in wanted) or _overhang(wanted, sentence) >= 15
            ]
        if not hits:
            best = max(folded, key=lambda pair: _shared_run(wanted, pair[1]), default=None)
            if best is not None and _shared_run(wanted, best[1]) >= min(25, len(wanted)):
                hits = [best[0]]
        for sid in hits:
            if sid not in ids:
                ids.append(sid)
    return ids


def _overhang(wanted: str, sentence: str) -> int:
    """How much of ``sentence`` ``wanted`` starts with its end, or ends with its start."""
    for size in range(min(len(wanted), len(sentence)), 0, -1):
        if wanted.endswith(sentence[:size]) or wanted.startswith(sentence[-size:]):
            return size
    return 0


def _shared_run(a: str, b: str) -> int:
    from difflib import SequenceMatcher

    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size


# --------------------------------------------------------------------------------------------
# The devset and the authored answers
# --------------------------------------------------------------------------------------------


@dataclass
class AuthoredArticle:
    """One devset article with its authored answer and planted items."""

    key: str  # "<cluster>/<outlet file>", as the fixtures' "article" field names it
    article: Article
    answer: JsonObject
    planted: list[JsonObject] = field(default_factory=list)
    folded_text: str = ""


def load_authored(devset: Path, roots: Iterable[Path]) -> dict[str, AuthoredArticle]:
    """Every article with an authored answer under ``roots`` (``articles/`` and ``planted/``)."""
    loaded: dict[str, AuthoredArticle] = {}
    for root in roots:
        for path in sorted((root / "articles").glob("*/*.json")):
            answer = json.loads(path.read_text(encoding="utf-8"))
            key = answer.get("article") or f"{path.parent.name}/{path.name}"
            article_path = devset / key
            articles = load_paths([article_path]).articles
            if not articles:
                raise SystemExit(f"{path}: devset article {article_path} does not load")
            loaded[key] = AuthoredArticle(
                key, articles[0], answer, folded_text=normalise(articles[0].text)
            )
    for root in roots:
        for path in sorted((root / "planted").glob("*/*.json")):
            planted = json.loads(path.read_text(encoding="utf-8"))
            key = planted.get("article") or f"{path.parent.name}/{path.name}"
            if key in loaded:
                loaded[key].planted.extend(planted.get("planted", []))
    return loaded


def recognise(
    sentences: Sequence[tuple[str, str]], articles: Iterable[AuthoredArticle]
) -> AuthoredArticle | None:
    """The article most of the prompt's sentences come from (None below half of them)."""
    if not sentences:
        return None
    probe = [normalise(text) for _, text in sentences]
    best, best_score = None, 0
    for candidate in articles:
        score = sum(1 for text in probe if text in candidate.folded_text)
        if score > best_score:
            best, best_score = candidate, score
    return best if best_score * 2 >= len(probe) else None


def answer_items(authored: AuthoredArticle, variant: Variant) -> JsonObject:
    """The authored answer, with the planted items in place for ``variant="planted"``.

    Each planted item carries its kind under ``PLANTED_TAG``; a planted item that replaces a
    correct one takes its index, one that is added goes at the end of its section."""
    answer = json.loads(json.dumps(authored.answer))
    if variant == "correct":
        return answer
    added: list[JsonObject] = []
    for planted in authored.planted:
        item = dict(planted["item"])
        item[PLANTED_TAG] = planted["kind"]
        section = planted["section"]
        if section == "headline":
            answer["headline"] = item
            continue
        items = answer.setdefault(section, [])
        replaces = planted.get("replaces")
        if (
            replaces is not None
            and 0 <= replaces < len(items)
            and PLANTED_TAG not in items[replaces]
        ):
            items[replaces] = item
        else:
            added.append({"section": section, "item": item})
    for extra in added:
        answer.setdefault(extra["section"], []).append(extra["item"])
    return answer


# --------------------------------------------------------------------------------------------
# Converting an answer to the schema a request asks for
# --------------------------------------------------------------------------------------------


def request_schema(request: JsonObject) -> JsonObject | None:
    """The JSON Schema the request wants filled in: the forced tool's parameters, the
    response_format's schema, or the schema instructor writes into the messages (json modes)."""
    tools = request.get("tools")
    if tools:
        return dict(tools[0]["function"].get("parameters") or {})
    response_format = request.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return dict(response_format["json_schema"].get("schema") or {})
    decoder = json.JSONDecoder()
    for message in request.get("messages", []):
        content = str(message.get("content") or "")
        for match in re.finditer(r"\{\s*\"", content):
            try:
                schema, _ = decoder.raw_decode(content, match.start())
            except ValueError:
                continue
            if isinstance(schema, dict) and "properties" in schema:
                return schema
    return None


def _resolve(schema: JsonObject, defs: JsonObject) -> JsonObject:
    while "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [_resolve(option, defs) for option in schema[key]]
            concrete = [option for option in options if option.get("type") != "null"]
            return concrete[0] if concrete else options[0]
    return schema


def _quote_as_event(quote: JsonObject) -> JsonObject:
    """A quote, for a schema without a quotes section: what a capable model writes as an event."""
    return {
        "description": f'{quote.get("speaker")} said "{quote.get("quote")}"',
        "evidence": quote.get("evidence", []),
        **({PLANTED_TAG: quote[PLANTED_TAG]} if PLANTED_TAG in quote else {}),
    }


def _legacy_dispute(point: JsonObject) -> JsonObject:
    """A dispute with sides, for a schema that wants asserted_by / contested_by."""
    sides = point.get("sides") or [{}, {}]
    first, second = sides[0], sides[1] if len(sides) > 1 else {}
    evidence = [e for side in sides for e in side.get("evidence", [])] + point.get("evidence", [])
    return {
        **point,
        "asserted_by": point.get("asserted_by") or first.get("party"),
        "contested_by": point.get("contested_by") or second.get("party"),
        "how_contested": point.get("how_contested") or second.get("position"),
        "evidence": list(dict.fromkeys(evidence))[:5],
    }


def convert(
    answer: JsonObject, schema: JsonObject, sentences: Sequence[tuple[str, str]]
) -> tuple[JsonObject, list[JsonObject]]:
    """``answer`` shaped to ``schema``, evidence texts turned into current sentence ids.

    Returns the answer and, per served item, a record ``{"section", "index", "item", "planted"}``
    (the item as served, its planted kind or None), so a harness can tell which items of the
    summary are planted. Sections the schema lacks are dropped (quotes become events when the
    schema has no quotes section); lists are cut to the schema's maxItems, dropping correct
    items before planted ones."""
    defs = schema.get("$defs", {})
    properties = schema.get("properties", {})
    answer = dict(answer)
    if "quotes" in answer and "quotes" not in properties and "what" in properties:
        answer["what"] = list(answer.get("what", [])) + [
            _quote_as_event(q) for q in answer["quotes"]
        ]
    served: list[JsonObject] = []
    shaped: JsonObject = {}
    for name, raw_property in properties.items():
        property_schema = _resolve(raw_property, defs)
        value = answer.get(name)
        if property_schema.get("type") == "array":
            item_schema = _resolve(property_schema.get("items", {}), defs)
            items = [dict(item) for item in (value or [])]
            if name == "disputed_points" and "sides" not in item_schema.get("properties", {}):
                items = [_legacy_dispute(item) for item in items]
            limit = property_schema.get("maxItems")
            if limit is not None and len(items) > limit:
                planted = [i for i in items if PLANTED_TAG in i]
                correct = [i for i in items if PLANTED_TAG not in i]
                keep = planted + correct[: max(0, limit - len(planted))]
                items = [i for i in items if any(i is k for k in keep)][:limit]
            shaped[name] = []
            for index, item in enumerate(items):
                converted = _shape_object(item, item_schema, defs, sentences)
                shaped[name].append(converted)
                served.append(
                    {"section": name, "index": index, "item": converted,
                     "planted": item.get(PLANTED_TAG)}
                )  # fmt: skip
        elif name == "headline":
            headline = value if isinstance(value, dict) else {"text": value, "evidence": []}
            if property_schema.get("type") == "object":
                shaped[name] = _shape_object(headline, property_schema, defs, sentences)
            else:
                shaped[name] = headline.get("text")
            served.append(
                {"section": "headline", "index": 0, "item": {"text": headline.get("text")},
                 "planted": headline.get(PLANTED_TAG)}
            )  # fmt: skip
        else:
            shaped[name] = value
    return shaped, served


def _shape_object(
    item: JsonObject, schema: JsonObject, defs: JsonObject, sentences: Sequence[tuple[str, str]]
) -> JsonObject:
    shaped: JsonObject = {}
    for name, raw_property in schema.get("properties", {}).items():
        property_schema = _resolve(raw_property, defs)
        value = item.get(name)
        if name == "evidence":
            shaped[name] = evidence_ids(value or [], sentences)[:5] or ["S1"]
        elif property_schema.get("type") == "array" and isinstance(value, list):
            element = _resolve(property_schema.get("items", {}), defs)
            shaped[name] = [
                _shape_object(v, element, defs, sentences) if isinstance(v, dict) else v
                for v in value
            ]
        elif property_schema.get("type") == "object" and isinstance(value, dict):
            shaped[name] = _shape_object(value, property_schema, defs, sentences)
        elif isinstance(value, str) and property_schema.get("maxLength"):
            shaped[name] = clip(value, int(property_schema["maxLength"]))
        else:
            shaped[name] = value
    return shaped


def clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to fit ``limit`` characters, as a model writing to a
    schema with that bound would keep it (fixtures are written without the bound)."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")


# --------------------------------------------------------------------------------------------
# Requests and hooks
# --------------------------------------------------------------------------------------------


@dataclass
class ModelRequest:
    """A chat completion request, parsed for hooks."""

    body: JsonObject
    messages: list[JsonObject]
    schema: JsonObject | None
    sentences: list[tuple[str, str]]
    article: AuthoredArticle | None

    @property
    def tool_name(self) -> str | None:
        tools = self.body.get("tools")
        return str(tools[0]["function"]["name"]) if tools else None


Hook = Callable[[ModelRequest], JsonObject | None]
"""Decides the answer to a request (an object to serialise as the tool call's arguments or as
JSON content), or returns None to let the next hook decide."""


@dataclass
class ServedAnswer:
    """What the server answered for one article, per item."""

    article: str
    items: list[JsonObject]
    requests: int = 0


class AuthoredModelServer:
    """``with AuthoredModelServer(devset, roots, variant="planted") as server: server.base_url``.

    ``hooks`` are tried in order before the extraction answer; ``served[article key]`` records
    what was answered for each article's extraction requests."""

    def __init__(
        self,
        devset: Path,
        roots: Iterable[Path],
        *,
        variant: Variant = "correct",
        hooks: Sequence[Hook] = (),
    ) -> None:
        self.articles = load_authored(devset, roots)
        self.variant = variant
        self.hooks = list(hooks)
        self.served: dict[str, ServedAnswer] = {}
        self.requests: list[JsonObject] = []
        self.unrecognised = 0
        self._lock = threading.Lock()
        self._recognised: dict[str, AuthoredArticle | None] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> AuthoredModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def parse(self, body: JsonObject) -> ModelRequest:
        messages = list(body.get("messages", []))
        sentences = prompt_sentences(messages)
        digest = hashlib.sha256(json.dumps(sentences).encode()).hexdigest()
        with self._lock:
            if digest not in self._recognised:
                self._recognised[digest] = recognise(sentences, self.articles.values())
            article = self._recognised[digest]
        return ModelRequest(body, messages, request_schema(body), sentences, article)

    def extraction_answer(self, request: ModelRequest) -> JsonObject | None:
        """The authored answer for the article the request is about, in the requested schema."""
        if request.article is None or request.schema is None:
            return None
        answer, served = convert(
            answer_items(request.article, self.variant), request.schema, request.sentences
        )
        with self._lock:
            record = self.served.setdefault(
                request.article.key, ServedAnswer(request.article.key, served)
            )
            record.items, record.requests = served, record.requests + 1
        return answer

    def answer(self, body: JsonObject) -> JsonObject:
        request = self.parse(body)
        for hook in [*self.hooks, self.extraction_answer]:
            decided = hook(request)
            if decided is not None:
                return decided
        with self._lock:
            self.unrecognised += 1
        raise LookupError("no authored answer for this request")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._send(200, {"object": "list", "data": [{"id": "authored"}]})

            def do_POST(self) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    length = int(self.headers.get("Content-Length", "0"))
                    body = json.loads(self.rfile.read(length) or b"{}")
                    with server._lock:
                        server.requests.append(body)
                    try:
                        answer = server.answer(body)
                    except LookupError as error:
                        # 404 is not retried by the client: the run fails fast and says why.
                        self._send(404, {"error": {"message": str(error), "type": "authored"}})
                        return
                    self._send(200, completion(body, answer))

            def _send(self, status: int, data: JsonObject) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def completion(request: JsonObject, answer: JsonObject) -> JsonObject:
    """A chat completion carrying ``answer``: a forced tool call when tools were sent, else
    JSON content. Token counts are estimated as characters / 4 (no tokenizer offline)."""
    arguments = json.dumps(answer)
    message: JsonObject
    if request.get("tools"):
        name = request["tools"][0]["function"]["name"]
        call = {"id": "call_authored", "type": "function",
                "function": {"name": name, "arguments": arguments}}  # fmt: skip
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
    else:
        message = {"role": "assistant", "content": arguments}
    prompt_tokens = sum(len(str(m.get("content") or "")) for m in request.get("messages", []))
    prompt_tokens = (prompt_tokens + len(json.dumps(request.get("tools") or []))) // 4
    completion_tokens = len(arguments) // 4
    return {
        "id": "chatcmpl-authored",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "authored"),
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls" if request.get("tools") else "stop",
                "message": message,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
