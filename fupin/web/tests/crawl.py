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


def _code_lists() -> list[CodeList]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("fupin."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.codelists")
        except ModuleNotFoundError:
            continue
        found += [value for value in vars(module).values() if isinstance(value, CodeList)]
    return found


@dataclass
class RawCodeCheck:
    """Raw codes a person must not read: "app.model" record types, a code list's name followed by a numeric code
    ("致贫原因: 01"), and a word code (stage "apply", status "underway") in a Chinese page's text."""

    model_labels: set[str] = field(default_factory=set)
    named_codes: list[re.Pattern] = field(default_factory=list)
    word_codes: re.Pattern | None = None

    @classmethod
    def build(cls) -> "RawCodeCheck":
        labels = {model._meta.label_lower for model in apps.get_models()}
        named, words = [], set()
        for code_list in _code_lists():
            numeric = [item.code for item in code_list.codes if item.code.isdigit()]
            if numeric and code_list.name:
                names = {re.escape(code_list.name), re.escape(to_traditional(code_list.name))}
                named.append(re.compile(rf"(?:{'|'.join(names)})\s*[:：]\s*(?:{'|'.join(numeric)})(?!\d)"))
            for item in code_list.codes:
                # Word codes a person would never write: snake_case ones ("hand_in_hand", "paired_unit") and the
                # project stages and statuses (issue 25 found "apply"/"implement" in pages). Plain English words
                # ("village", "date") are left out: a Chinese page may hold a msgid not yet translated.
                if re.fullmatch(r"[a-z]+(?:_[a-z]+)+", item.code) or (
                        code_list.name in WORD_CODE_LISTS and re.fullmatch(r"[a-z]{4,}", item.code)):
                    words.add(item.code)
        pattern = re.compile(rf"(?<![A-Za-z_.@/-])(?:{'|'.join(sorted(words))})(?![A-Za-z_.@/-])") if words else None
        return cls(model_labels=labels, named_codes=named, word_codes=pattern)

    def problems(self, text: str, language: str) -> list[str]:
        found = [f"record type {match.group(0)}" for match in re.finditer(r"\b[a-z_]+\.[a-z_]+\b", text)
                 if match.group(0) in self.model_labels]
        found += [f"code {match.group(0)}" for pattern in self.named_codes for match in pattern.finditer(text)]
        if language.startswith("zh") and self.word_codes is not None:
            found += [f"word code {match.group(0)}" for match in self.word_codes.finditer(text)]
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
