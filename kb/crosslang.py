"""Cross-language search: query words translated through a German-English dictionary
that a package ships, read as data (no service, nothing downloaded at run time).

The dictionary is Ding's de-en list (Debian's `trans-de-en`: /usr/share/trans/de-en, one
entry a line, "Deutsch {f} | Plural {pl} :: English | plural"). Without it (not
installed, or `KB_DICTIONARY` set to ""), search still works: queries are widened by the
synonym groups, twins and stems only; `/healthz` says so under "search_translation" and
a log line says it once per process.

Memory: the file is mapped (the operating system's page cache, shared by processes),
and the index is two arrays of 32-bit numbers, a hash of each headword and the offset of
its line (about 3 MB), sorted for binary search. It is built on first use, once per
process (a few seconds), and kept in `KB_DICTIONARY_CACHE` (default: the instance
folder) so that the next process only reads it. A lookup reads the few lines its hash
names and keeps only those whose headword really is the word (hashes may collide).

Translations of a word: the words of its entries' first sense group (before the first
"|"), annotations such as {f}, [fin.], (…) removed, entries of at most two content
words; ranked by how many entries give them, the first-named first; at most
`KB_TRANSLATIONS_PER_WORD` per direction.
"""
from __future__ import annotations

import array
import logging
import mmap
import os
import re
import threading
import zlib
from bisect import bisect_left
from collections import OrderedDict
from pathlib import Path

from flask import Flask, current_app

from kb.analysis import fold, language_analyzer

log = logging.getLogger(__name__)

DEFAULT_PATHS = ("/usr/share/trans/de-en",)
INDEX_FORMAT = b"HDDICT1\n"
LOOKUP_CACHE = 4096
_ANALYZERS = {"de": language_analyzer("de"), "en": language_analyzer("en")}

# A one-word item of a sense group: the word, then annotations, up to ";" or the end.
_ANNOTATION = rb"(?: ?(?:\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|/[^/]*/|<[^>]*>))*"
_ITEM = {
    "de": re.compile(rb"(?:^|; )([^\s;{}\[\]()/<>|]+)" + _ANNOTATION + rb" ?(?=;|$)"),
    "en": re.compile(rb"(?:^|; )(?:to )?([^\s;{}\[\]()/<>|]+)" + _ANNOTATION + rb" ?(?=;|$)"),
}
_LINE = re.compile(rb"^([^#\n][^\n]*?) :: ([^\n]*)$", re.M)
_STRIP = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|/[^/]*/|<[^>]*>")
_WORD = re.compile(r"[\w'’-]+")


def _hash(language: str, word: str) -> int:
    return zlib.crc32(f"{language}:{word}".encode())


def _first_group(side: bytes) -> bytes:
    return side.split(b" | ", 1)[0].strip()


class Dictionary:
    """A de-en dictionary file, mapped, with its headword index."""

    def __init__(self, path: Path, keys: array.array, offsets: array.array):
        self.path = path
        self.keys, self.offsets = keys, offsets
        with open(path, "rb") as file:
            self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        self._cache: OrderedDict[tuple[str, str], list] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def entries(self) -> int:
        return len(self.keys)

    # -- building -----------------------------------------------------------------------
    @classmethod
    def build(cls, path: Path) -> Dictionary:
        data = path.read_bytes()
        packed = []                     # hash << 32 | offset: one int a headword
        for match in _LINE.finditer(data):
            start = match.start()
            for language, side in (("de", match.group(1)), ("en", match.group(2))):
                for word in _ITEM[language].findall(_first_group(side)):
                    text = word.decode("utf-8", "replace").lower()
                    packed.append(_hash(language, fold(text)) << 32 | start)
        del data
        packed.sort()
        keys = array.array("I", (value >> 32 for value in packed))
        offsets = array.array("I", (value & 0xFFFFFFFF for value in packed))
        return cls(path, keys, offsets)

    @classmethod
    def load(cls, path: Path, cache_dir: Path | None) -> Dictionary:
        """The dictionary at `path`, its index read from `cache_dir` if built before."""
        stat = path.stat()
        name = f"dictionary-{zlib.crc32(str(path).encode()):08x}-{stat.st_size}-" \
               f"{int(stat.st_mtime)}.idx"
        cached = cache_dir / name if cache_dir else None
        if cached is not None and cached.exists():
            try:
                return cls._read_index(path, cached)
            except (OSError, ValueError, EOFError):
                log.warning("ignoring a damaged dictionary index %s", cached)
        dictionary = cls.build(path)
        if cached is not None:
            dictionary._write_index(cached)
        return dictionary

    @classmethod
    def _read_index(cls, path: Path, cached: Path) -> Dictionary:
        with open(cached, "rb") as file:
            if file.read(len(INDEX_FORMAT)) != INDEX_FORMAT:
                raise ValueError("not a dictionary index")
            count = int.from_bytes(file.read(8), "little")
            keys, offsets = array.array("I"), array.array("I")
            keys.fromfile(file, count)
            offsets.fromfile(file, count)
        return cls(path, keys, offsets)

    def _write_index(self, cached: Path) -> None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.part")
            with open(partial, "wb") as file:
                file.write(INDEX_FORMAT + len(self.keys).to_bytes(8, "little"))
                self.keys.tofile(file)
                self.offsets.tofile(file)
            os.replace(partial, cached)
        except OSError:
            log.info("could not keep the dictionary index in %s", cached.parent)

    # -- looking up -----------------------------------------------------------------------
    def _line(self, start: int) -> str:
        end = self._map.find(b"\n", start)
        return self._map[start:end if end >= 0 else len(self._map)].decode("utf-8", "replace")

    def translations(self, word: str, source: str, limit: int) -> list[tuple[str, ...]]:
        """The best `limit` translations of `word` from `source` ("de" or "en") into the
        other language, each as its content words (one or two)."""
        word = fold(word.lower())
        key = (source, word)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key][:limit]
        found = self._lookup(word, source)
        with self._lock:
            self._cache[key] = found
            if len(self._cache) > LOOKUP_CACHE:
                self._cache.popitem(last=False)
        return found[:limit]

    def _lookup(self, word: str, source: str) -> list[tuple[str, ...]]:
        target = "en" if source == "de" else "de"
        scores: dict[tuple[str, ...], float] = {}
        for number, form in enumerate(variants(word, source)):
            wanted = _hash(source, form)
            index = bisect_left(self.keys, wanted)
            while index < len(self.keys) and self.keys[index] == wanted:
                # A shorter form ("customs" -> "custom") may be another word: it counts less.
                self._score_line(self._line(self.offsets[index]), form, source, target,
                                 scores, 0.5 if number else 1.0)
                index += 1
        return [words for words, _score in sorted(scores.items(), key=lambda item: -item[1])]

    def _score_line(self, line: str, form: str, source: str, target: str,
                    scores: dict, factor: float) -> None:
        german, _sep, english = line.partition(" :: ")
        sides = {"de": german, "en": english}
        heads = _items(sides[source], source)
        if form not in [fold(" ".join(words).lower()) for words in heads if len(words) == 1]:
            return
        # The fewer senses the word shares its entry with, the closer the translation;
        # the first-named translation of an entry is its usual one.
        weight = factor / len(heads)
        for position, words in enumerate(_items(sides[target], target)):
            content = tuple(w for w in words if _ANALYZERS[target].term(w))
            if not 1 <= len(content) <= 2:
                continue
            scores[content] = scores.get(content, 0.0) + weight / (1.0 + 0.25 * position)


def _items(side: str, language: str) -> list[tuple[str, ...]]:
    """The items of a side's first sense group, annotations removed, each as its words."""
    items = []
    for item in _STRIP.sub(" ", side.split(" | ", 1)[0]).split(";"):
        words = _WORD.findall(item)
        if language == "en" and len(words) > 1 and words[0] == "to":
            words = words[1:]
        if words and len(words) <= 3:
            items.append(tuple(words))
    return items


def variants(word: str, language: str) -> list[str]:
    """`word` and its shorter forms that stem alike ("rechnungen" -> "rechnung"): the
    dictionary lists base forms."""
    analyzer = _ANALYZERS[language]
    stem = analyzer.term(word)
    found = [word]
    if stem is None:
        return found
    suffixes = ("en", "n", "e", "s", "es", "er", "ern", "nen") if language == "de" else (
        "s", "es", "ed", "ing", "d")
    candidates = [word[:-len(s)] for s in suffixes if word.endswith(s)]
    if language == "en":
        candidates += [word[:-3] + "y" for _ in [0] if word.endswith("ies")]
        candidates += [word[:-3] + "e" for _ in [0] if word.endswith("ing")]
    for candidate in candidates:
        if len(candidate) >= 3 and candidate not in found and analyzer.term(candidate) == stem:
            found.append(candidate)
    return found


# -- per process ------------------------------------------------------------------------------

_loaded: dict[str, Dictionary | None] = {}
_load_lock = threading.Lock()


def configured_path(app: Flask) -> Path | None:
    """The dictionary file the app is set to use, if it is there."""
    setting = app.config.get("KB_DICTIONARY")
    candidates = DEFAULT_PATHS if setting is None else ((setting,) if setting else ())
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def dictionary(app: Flask | None = None) -> Dictionary | None:
    """The app's dictionary, loaded on first use (once per process), or None."""
    app = app or current_app._get_current_object()
    path = configured_path(app)
    key = str(path) if path else ""
    if key in _loaded:
        return _loaded[key]
    with _load_lock:
        if key not in _loaded:
            _loaded[key] = _load(app, path)
    return _loaded[key]


def _load(app: Flask, path: Path | None) -> Dictionary | None:
    if path is None:
        log.warning("no German-English dictionary (install Debian's trans-de-en or set "
                    "KB_DICTIONARY): search across languages uses synonyms and stems only")
        return None
    cache = app.config.get("KB_DICTIONARY_CACHE") or app.instance_path
    try:
        loaded = Dictionary.load(path, Path(cache) if cache else None)
    except (OSError, ValueError):
        log.exception("could not read the dictionary %s", path)
        return None
    log.info("dictionary %s: %d headwords", path, loaded.entries)
    return loaded


def translations(word: str, *, app: Flask | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """A query word's translations as (language, words): German words for an English
    word and English words for a German one (a word may be looked up both ways)."""
    app = app or current_app._get_current_object()
    if not app.config.get("KB_TRANSLATE_QUERIES", True):
        return []
    found = dictionary(app)
    if found is None:
        return []
    limit = int(app.config.get("KB_TRANSLATIONS_PER_WORD", 3))
    result = []
    for source, target in (("de", "en"), ("en", "de")):
        if _ANALYZERS[source].term(word) is None:
            continue                   # a stop word of that language
        result += [(target, words) for words in found.translations(word, source, limit)]
    return result


def cache_key(app: Flask | None = None) -> str:
    """Names what translation the current searches use (for the result cache)."""
    app = app or current_app._get_current_object()
    if not app.config.get("KB_TRANSLATE_QUERIES", True):
        return "off"
    path = configured_path(app)
    return str(path) if path else "none"


def health_check(app: Flask) -> tuple[str, bool, dict]:
    """/healthz: which dictionary translates queries (search works without one)."""
    path = configured_path(app)
    loaded = _loaded.get(str(path)) if path else None
    details = {"dictionary": str(path) if path else None,
               "loaded": loaded is not None,
               "headwords": loaded.entries if loaded else 0}
    if path is None:
        details["note"] = ("no dictionary: queries are not translated (synonyms and stems "
                           "only); install Debian's trans-de-en")
    return "search_translation", True, details
