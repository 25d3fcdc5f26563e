"""Just enough of nginx to check deploy/web/nginx.conf without an nginx binary: its syntax
(directives, blocks, quoted strings, comments), which ``location`` a URI selects (nginx's
order: an exact ``=`` match; else the longest prefix, final if it is ``^~``; else the first
matching regex in file order; else that longest prefix), and what a GET of a URI answers
given the files of a build (``return``, ``alias``, ``try_files`` with its internal redirect
to the last argument). Loaded by the deploy tests with importlib (not a test module)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] | None = None

    def children(self, name: str) -> list[Directive]:
        return [d for d in self.block or [] if d.name == name]

    def child(self, name: str) -> Directive:
        (found,) = self.children(name)
        return found


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<comment>\#[^\n]*)
      | '(?P<single>(?:[^'\\]|\\.)*)'
      | "(?P<double>(?:[^"\\]|\\.)*)"
      | (?P<punct>[{};])
      | (?P<word>[^\s{};'"#][^\s{};]*)
    )""",
    re.VERBOSE | re.DOTALL,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"cannot read nginx config at {text[pos : pos + 40]!r}")
        pos = m.end()
        if m.group("comment") is not None:
            continue
        if m.group("punct") is not None:
            out.append(("punct", m.group("punct")))
        elif m.group("single") is not None:
            out.append(("word", re.sub(r"\\(.)", r"\1", m.group("single"))))
        elif m.group("double") is not None:
            out.append(("word", re.sub(r"\\(.)", r"\1", m.group("double"))))
        else:
            out.append(("word", m.group("word")))
    return out


def parse(text: str) -> Directive:
    """The whole file as the children of a root directive."""
    tokens = _tokens(text)
    pos = 0

    def block(top: bool) -> list[Directive]:
        nonlocal pos
        out: list[Directive] = []
        words: list[str] = []
        while pos < len(tokens):
            kind, value = tokens[pos]
            pos += 1
            if kind == "word":
                words.append(value)
            elif value == ";":
                assert words, "an empty directive"
                out.append(Directive(words[0], words[1:]))
                words = []
            elif value == "{":
                assert words, "a block without a name"
                out.append(Directive(words[0], words[1:], block(top=False)))
                words = []
            else:  # "}"
                assert not top and not words, "unbalanced braces"
                return out
        assert top and not words, "unterminated block or directive"
        return out

    return Directive("", [], block(top=True))


def load(path: Path) -> Directive:
    return parse(path.read_text())


@dataclass
class Location:
    modifier: str  # "", "=", "^~", "~", "~*"
    pattern: str
    directive: Directive = field(repr=False)

    def matches(self, uri: str) -> bool:
        if self.modifier == "=":
            return uri == self.pattern
        if self.modifier in ("", "^~"):
            return uri.startswith(self.pattern)
        flags = re.IGNORECASE if self.modifier == "~*" else 0
        return re.search(self.pattern, uri, flags) is not None


def locations(server: Directive) -> list[Location]:
    out = []
    for d in server.children("location"):
        if len(d.args) == 2:
            out.append(Location(d.args[0], d.args[1], d))
        else:
            (pattern,) = d.args
            out.append(Location("", pattern, d))
    return out


def select(server: Directive, uri: str) -> Location | None:
    locs = locations(server)
    for loc in locs:
        if loc.modifier == "=" and loc.matches(uri):
            return loc
    prefixes = [loc for loc in locs if loc.modifier in ("", "^~") and loc.matches(uri)]
    longest = max(prefixes, key=lambda loc: len(loc.pattern), default=None)
    if longest is not None and longest.modifier == "^~":
        return longest
    for loc in locs:
        if loc.modifier in ("~", "~*") and loc.matches(uri):
            return loc
    return longest


@dataclass
class Answer:
    status: int
    location: Location | None
    file: str | None = None  # the build file (or aliased path) served
    uri: str = ""  # the URI finally served, after internal redirects (nginx's $uri)


def get(server: Directive, uri: str, files: set[str], redirects: int = 0) -> Answer:
    """What a GET of ``uri`` answers, the build being ``files`` (paths such as
    "/index.html") and any aliased path existing."""
    loc = select(server, uri)
    if loc is None:
        return Answer(404, None, uri=uri)
    block = loc.directive
    ret = block.children("return")
    if ret:
        return Answer(int(ret[0].args[0]), loc, uri=uri)
    alias = block.children("alias")
    if alias:
        return Answer(200, loc, alias[0].args[0], uri=uri)
    tries = block.children("try_files")
    if tries:
        *candidates, last = tries[0].args
        for candidate in candidates:
            path = candidate.replace("$uri", uri)
            if path in files:
                return Answer(200, loc, path, uri=path)
        if last.startswith("="):
            return Answer(int(last[1:]), loc, uri=uri)
        if redirects >= 10:  # nginx: "rewrite or internal redirection cycle"
            return Answer(500, loc, uri=uri)
        return get(server, last, files, redirects + 1)
    return Answer(200 if uri in files else 404, loc, uri if uri in files else None, uri=uri)


def map_value(http: Directive, variable: str, source: str) -> str:
    """The value an http-level ``map $x $variable`` gives ``source`` (exact strings first,
    then regexes in order, then default)."""
    (block,) = [m for m in http.children("map") if m.args[1] == variable]
    entries = [(d.name, d.args[0]) for d in block.block or []]
    default = ""
    for key, value in entries:
        if key == "default":
            default = value
        elif not key.startswith("~") and key == source:
            return value
    for key, value in entries:
        if key.startswith("~*") and re.search(key[2:], source, re.IGNORECASE):
            return value
        if key.startswith("~") and not key.startswith("~*") and re.search(key[1:], source):
            return value
    return default
