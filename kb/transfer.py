"""Import and export: a folder of Markdown files with a YAML front matter, one per article.

    ---
    title: Refund for a returned order
    language: en                 # en | de
    category: orders             # a category: its slug or its name in either language
                                 # (created if missing)
    tags: [refund, return]
    visibility: public           # public | internal
    status: published            # draft | in_review | published | archived
    summary: How refunds reach the customer.
    translation: refund-basics   # optional: the German and the English article with the
                                 # same key translate each other (one per language)
    ---
    Markdown body...

The file name (without .md) is the article's slug, so importing again updates.

The synonym groups (kb.synonyms) travel in `synonyms.yaml` beside the articles: a list
of groups, each a list of terms. Importing adds the groups that are not there yet.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import yaml

from helpdesk.config import LANGUAGE_CODES
from helpdesk.extensions import db
from helpdesk.text_input import clean_data, clean_text
from helpdesk.tickets.models import Category
from kb import curation, synonyms
from kb.curation import slugify
from kb.models import Article, ArticleStatus, Visibility
from kb.twins import TwinRefused

MAX_FILE_BYTES = 1_000_000


class BadFile(ValueError):
    """A file that cannot be imported; the message says why."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    synonym_groups: int = 0          # groups added from synonyms.yaml


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


class Categories:
    """The categories a file may name: by slug, or by its English or German name (any
    case). A category nobody has yet is created, named as the file names it.

    Created categories live in the file's savepoint: `keep_new` after it is released
    (returns their names, to report), `forget_new` after it is rolled back.
    """

    def __init__(self):
        self._by_key: dict[str, Category] = {}
        self._new: list[tuple[str, Category]] = []
        for category in db.session.scalars(sa.select(Category).order_by(Category.id)):
            for name in (category.name_de, category.name_en, category.slug):
                self._by_key[_key(name)] = category    # the slug wins over a name

    def find_or_create(self, value) -> Category | None:
        """Return the category `value` names (None for none); create it if unknown."""
        name = " ".join(str(value or "").split())
        if not name:
            return None
        category = self._by_key.get(_key(name)) or self._by_key.get(_key(slugify(name)))
        if category is None:
            if len(name) > 80:
                raise BadFile(f"category name longer than 80 characters: {name[:40]!r}…")
            category = Category(slug=_free_slug(slugify(name)), name_en=name, name_de=name)
            db.session.add(category)
            db.session.flush()
            self._by_key[_key(name)] = self._by_key[_key(category.slug)] = category
            self._new.append((name, category))
        return category

    def keep_new(self) -> list[str]:
        names, self._new = [name for name, _category in self._new], []
        return names

    def forget_new(self) -> None:
        for name, category in self._new:
            self._by_key.pop(_key(name), None)
            self._by_key.pop(_key(category.slug), None)
        self._new = []


def _free_slug(base: str) -> str:
    base = base[:60]
    taken = set(db.session.scalars(sa.select(Category.slug).where(
        Category.slug.like(f"{base[:50]}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base[:55]}-{n}", n + 1
    return slug


def parse_file(path: Path) -> tuple[dict, str]:
    """Return (front matter, Markdown body) of one file. Raises BadFile."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BadFile(f"larger than {MAX_FILE_BYTES // 1000} kB")
    try:
        text = clean_text(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise BadFile("not UTF-8 text") from None
    if not text.startswith("---"):
        raise BadFile("no front matter (the file must start with ---)")
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise BadFile("front matter is not closed with ---")
    try:
        front = yaml.safe_load(parts[0][3:]) or {}
    except yaml.YAMLError as exc:
        raise BadFile(f"front matter is not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(front, dict):
        raise BadFile("front matter must be a mapping of keys to values")
    # YAML escapes ("\\0", "\\x07") can still spell control characters.
    return clean_data(front), parts[1].lstrip("-").lstrip("\n").rstrip()


def _choice(front: dict, key: str, allowed, default: str) -> str:
    value = str(front.get(key, default)).strip().lower().replace(" ", "_")
    if value not in allowed:
        raise BadFile(f"{key} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def to_input(front: dict, body: str, slug: str,
             categories: Categories) -> tuple[curation.ArticleInput, ArticleStatus]:
    """Validate a parsed file and return what to save. Raises BadFile."""
    title = str(front.get("title") or "").strip()
    if not title:
        raise BadFile("title is missing")
    if not body.strip():
        raise BadFile("the article body is empty")
    category = categories.find_or_create(front.get("category"))
    tags = front.get("tags") or []
    data = curation.ArticleInput(
        title=title[:200], body=body, summary=str(front.get("summary") or "")[:500],
        language=_choice(front, "language", LANGUAGE_CODES, "en"),
        category=category,
        tags=tags if isinstance(tags, list) else str(tags),
        visibility=Visibility(_choice(front, "visibility", ("internal", "public"), "internal")),
        is_known_error=bool(front.get("known_error", False)),
        translation_key=str(front["translation"]) if front.get("translation") else None,
        slug=slug)
    status = ArticleStatus(_choice(front, "status", [s.value for s in ArticleStatus], "draft"))
    return data, status


def import_file(path: Path, categories: Categories, *, by=None) -> str:
    """Create or update the article of one file: "created", "updated" or "unchanged"."""
    slug = curation.slugify(path.stem)
    front, body = parse_file(path)
    data, status = to_input(front, body, slug, categories)
    article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
    try:
        if article is None:
            curation.create_article(data, by=by, status=status, check=False,
                                    comment=f"Imported from {path.name}")
            return "created"
        outcome = "unchanged"
        if curation.differs(article, data):
            curation.revise_article(article, data, by=by, check=False,
                                    comment=f"Imported from {path.name}")
            outcome = "updated"
    except TwinRefused as exc:            # the translation key is another pair's
        raise BadFile(str(exc)) from None
    if curation.set_status_as_system(article, status):
        outcome = "updated"
    return outcome


def import_folder(folder: Path, *, by=None, progress: Callable[[int, int], None] | None = None,
                  batch: int = 200) -> ImportReport:
    """Import every *.md file under `folder`; a bad file is reported and skipped.

    Commits every `batch` files (this is an operator command: the edge that commits).
    """
    files = sorted(Path(folder).rglob("*.md"))
    categories = Categories()
    report = ImportReport()
    for number, path in enumerate(files, 1):
        savepoint = db.session.begin_nested()
        try:
            outcome = import_file(path, categories, by=by)
            savepoint.commit()
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.new_categories += categories.keep_new()
        except (BadFile, OSError) as exc:
            savepoint.rollback()
            categories.forget_new()
            report.errors.append((str(path.relative_to(folder)), str(exc)))
        if number % batch == 0:
            db.session.commit()
        if progress:
            progress(number, len(files))
    report.synonym_groups = import_synonyms(Path(folder), report)
    db.session.commit()
    return report


SYNONYMS_FILE = "synonyms.yaml"


def import_synonyms(folder: Path, report: ImportReport) -> int:
    """Add the synonym groups of `folder`/synonyms.yaml that are not here yet."""
    path = folder / SYNONYMS_FILE
    if not path.is_file():
        return 0
    try:
        front = clean_data(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        report.errors.append((SYNONYMS_FILE, str(exc).splitlines()[0]))
        return 0
    groups = front.get("synonyms", []) if isinstance(front, dict) else front
    added, errors = synonyms.import_terms(groups)
    report.errors += [(SYNONYMS_FILE, reason) for reason in errors]
    return added


def render_file(article: Article) -> str:
    """Return the article as a Markdown file with front matter."""
    front = {"title": article.title, "language": article.language,
             "category": article.category.slug if article.category else None,
             "tags": article.tag_list, "visibility": article.visibility.value,
             "status": article.status.value, "summary": article.summary or None,
             "translation": article.translation_key, "known_error": article.is_known_error or None}
    front = {k: v for k, v in front.items() if v not in (None, [], "")}
    header = yaml.safe_dump(front, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{header}\n---\n{article.body.rstrip()}\n"


def export_folder(folder: Path) -> int:
    """Write every article to `folder`/<slug>.md. Returns how many."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for article in db.session.scalars(sa.select(Article).order_by(Article.id)):
        (folder / f"{article.slug}.md").write_text(render_file(article), encoding="utf-8")
        count += 1
    groups = synonyms.export_terms()
    if groups:
        (folder / SYNONYMS_FILE).write_text(yaml.safe_dump(
            {"synonyms": groups}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return count
