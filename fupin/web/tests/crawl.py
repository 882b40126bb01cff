"""A crawler for the browser tests: from the home page it follows every same-origin GET link (bounded, one or two
pages per path pattern) with the browser's session, and reports pages that fail (5xx), that are too large, and
text that shows a raw code where a label exists (checked against the code lists and the model labels)."""

import importlib
import re
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from django.apps import apps
from django.conf import settings

from fupin.core.codelists import CodeList, to_traditional

MAX_PAGE_BYTES = 300 * 1024
WORD_CODE_LISTS = {"项目阶段", "项目状态"}  # code lists whose word codes leaked into pages (issue 25)
SKIPPED_PREFIXES = ("/logout/", "/i18n/", "/admin/", "/static/", "/media/")  # the admin is Django's own pages


class _Page(HTMLParser):
    """The links of a page and its visible text (scripts, styles and <code> left out)."""

    HIDDEN = {"script", "style", "code", "pre", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not dict(attrs).get("download"):
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def path_pattern(url: str) -> str:
    """/households/12/plan/?year=2019 → /households/#/plan/?year: numbers and area codes are one pattern."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$|\.)", "/#", parts.path)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def code_lists() -> list[CodeList]:
    """Every code list of the apps: their codelists modules and the few a models module keeps (比对数据来源 …)."""
    found: dict[int, CodeList] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("fupin."):
            continue
        for module_name in ("codelists", "models"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            found.update({id(value): value for value in vars(module).values() if isinstance(value, CodeList)})
    return list(found.values())


SNAKE_CODE = re.compile(r"[a-z]+(?:_[a-z]+)+")


def choice_codes() -> set[str]:
    """The snake_case values ("dibao_edge", "county_approved") of the models' choices and of every code list: what
    a page shows where it forgot the label."""
    codes = {item.code for code_list in code_lists() for item in code_list.codes}
    for model in apps.get_models():
        if not model.__module__.startswith("fupin."):
            continue
        for model_field in model._meta.get_fields():
            if getattr(model_field, "choices", None):
                codes.update(str(value) for value, _label in model_field.flatchoices)
    return {code for code in codes if SNAKE_CODE.fullmatch(code)}


def _alternatives(words: set[str]) -> re.Pattern | None:
    """One pattern for the words, each standing alone (not part of a longer name, path or address)."""
    if not words:
        return None
    return re.compile(rf"(?<![A-Za-z0-9_.@/-])(?:{'|'.join(sorted(words, key=len, reverse=True))})(?![A-Za-z0-9_.@/-])")


@dataclass
class RawCodeCheck:
    """Raw codes a person must not read: "app.model" record types, a code list's name followed by a numeric code
    ("致贫原因: 01"), a snake_case value of a choice or code list ("dibao_edge", "county_approved") in any language,
    and a one-word code (stage "apply", status "underway") in a Chinese page's text."""

    model_labels: set[str] = field(default_factory=set)
    named_codes: list[re.Pattern] = field(default_factory=list)
    word_codes: re.Pattern | None = None  # snake_case codes: raw in every language
    plain_codes: re.Pattern | None = None  # one-word codes of stages and statuses: raw on a Chinese page

    @classmethod
    def build(cls) -> "RawCodeCheck":
        labels = {model._meta.label_lower for model in apps.get_models()}
        named, words, plain = [], set(choice_codes()), set()
        for code_list in code_lists():
            numeric = [item.code for item in code_list.codes if item.code.isdigit()]
            if numeric and code_list.name:
                names = {re.escape(code_list.name), re.escape(to_traditional(code_list.name))}
                named.append(re.compile(rf"(?:{'|'.join(names)})\s*[:：]\s*(?:{'|'.join(numeric)})(?!\d)"))
            # Besides the snake_case codes ("hand_in_hand", "paired_unit") of every code list and choice, the
            # project stages and statuses (issue 25 found "apply"/"implement" in pages) on Chinese pages. Plain
            # English words ("village", "date") are left out: a Chinese page may hold a msgid not yet translated.
            plain.update(item.code for item in code_list.codes
                         if code_list.name in WORD_CODE_LISTS and re.fullmatch(r"[a-z]{4,}", item.code))
        return cls(model_labels=labels, named_codes=named, word_codes=_alternatives(words),
                   plain_codes=_alternatives(plain))

    def problems(self, text: str, language: str) -> list[str]:
        found = [f"record type {match.group(0)}" for match in re.finditer(r"\b[a-z_]+\.[a-z_]+\b", text)
                 if match.group(0) in self.model_labels]
        found += [f"code {match.group(0)}" for pattern in self.named_codes for match in pattern.finditer(text)]
        for pattern in (self.word_codes, self.plain_codes if language.startswith("zh") else None):
            if pattern is not None:
                found += [f"word code {match.group(0)}" for match in pattern.finditer(text)]
        return found


@dataclass
class Report:
    visited: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    too_large: list[str] = field(default_factory=list)
    raw_codes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # each page's time, to find the slow ones


def crawl(request_context, base_url: str, *, language: str, check: RawCodeCheck, start: str = "/",
          urls: list[str] | None = None, max_pages: int = 60, per_pattern: int = 2) -> Report:
    """Visit `urls` (a list found before) or discover from `start`; `request_context` is the browser context's
    API request context (the logged-in session's cookies)."""
    report = Report()
    queue = deque(urls if urls is not None else [start])
    seen, patterns = set(queue), {}
    discover = urls is None
    while queue and len(report.visited) < max_pages:
        url = queue.popleft()
        started = time.monotonic()
        response = request_context.get(base_url + url, max_redirects=5, timeout=60_000)
        report.seconds[url] = time.monotonic() - started
        report.visited.append(url)
        if response.status >= 500:
            report.errors.append(f"{response.status} {url}")
            continue
        if response.status == 404:
            report.broken.append(url)
            continue
        kind = response.headers.get("content-type", "")
        if "text/html" not in kind:
            continue
        body = response.body()
        if len(body) > MAX_PAGE_BYTES:
            report.too_large.append(f"{len(body) // 1024} KB {url}")
        parser = _Page()
        parser.feed(body.decode("utf-8", "replace"))
        report.raw_codes += [f"{url}: {problem}" for problem in check.problems(" ".join(parser.text), language)]
        if not discover:
            continue
        for href in parser.links:
            target, _ = urldefrag(urljoin(base_url + url, href))
            parts = urlsplit(target)
            if (f"{parts.scheme}://{parts.netloc}" != base_url or parts.path.startswith(SKIPPED_PREFIXES)
                    or "fresh=1" in parts.query):  # "count again now" recomputes on purpose: not a page to crawl
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            pattern = path_pattern(local)
            if local in seen or patterns.get(pattern, 0) >= per_pattern:
                continue
            seen.add(local)
            patterns[pattern] = patterns.get(pattern, 0) + 1
            queue.append(local)
    return report


LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME
