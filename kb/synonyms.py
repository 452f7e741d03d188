"""Synonym groups: level 2 says which words mean the same in a search ("Retoure,
Rücksendung, return"), across languages. They apply when a query is parsed (kb.search_query
through kb.search_expansion): nothing is reindexed.

A query word belongs to a group when one of its stems (German or English, as the index's
analyzers make them) is the stem of a one-word term of the group in the same language;
"Rücksendungen" is in the group of "Rücksendung". The group's other terms become
alternatives of the word. A term of several words is searched as all of its words, and
is found only through the group's one-word terms.

Every process keeps the groups of each app in memory and reloads them when the
generation in the database (`SynonymState`, raised by every change in the same
transaction) is not the one it holds: checked once per request, or on every use outside
one.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from helpdesk.actions import check_version
from helpdesk.clock import utcnow
from helpdesk.errors import NotAllowed
from helpdesk.extensions import db
from kb import permissions as perms
from kb.analysis import _TOKENS, language_analyzer
from kb.index_schema import LANGS
from kb.synonym_models import SynonymGroup, SynonymState

MAX_GROUPS = 2000
MAX_TERMS = 20
MAX_TERM_CHARS = 60
_STATE_ID = 1
_EXTENSION = "kb_synonyms"


class SynonymRefused(ValueError):
    """Terms that cannot make a group; the message says why, to the editor."""


# -- terms ----------------------------------------------------------------------------

def _fold_key(term: str) -> str:
    return " ".join(term.split()).casefold()


def parse_terms(text: str) -> list[str]:
    """The terms of a group as typed (separated by commas or lines), each once, in order.
    Raises SynonymRefused for fewer than two terms, too many or too long ones."""
    seen: dict[str, str] = {}
    for raw in (text or "").replace("\n", ",").replace(";", ",").split(","):
        term = " ".join(raw.split())
        if not term:
            continue
        if len(term) > MAX_TERM_CHARS:
            raise SynonymRefused(_("“%(term)s…” is too long: a term has at most %(max)d "
                                   "characters.", term=term[:20], max=MAX_TERM_CHARS))
        if not _TOKENS.search(term):
            continue
        seen.setdefault(_fold_key(term), term)
    terms = list(seen.values())
    if len(terms) < 2:
        raise SynonymRefused(_("A group needs at least two terms, separated by commas."))
    if len(terms) > MAX_TERMS:
        raise SynonymRefused(_("A group has at most %(max)d terms.", max=MAX_TERMS))
    return terms


def _words(term: str) -> tuple[str, ...]:
    return tuple(match.group(0) for match in _TOKENS.finditer(term))


# -- changes (level 2 and admins) -------------------------------------------------------

def _check_editor(by) -> None:
    if not perms.is_editor(by):
        raise NotAllowed(_("Only level 2 can change synonyms."))


def _bump() -> None:
    """Raise the generation in this transaction (other processes reload), and forget
    this process's copy at once."""
    updated = db.session.execute(sa.update(SynonymState).where(
        SynonymState.id == _STATE_ID).values(generation=SynonymState.generation + 1))
    if not updated.rowcount:
        try:
            with db.session.begin_nested():
                db.session.add(SynonymState(id=_STATE_ID, generation=1))
        except IntegrityError:        # another transaction created the row first
            db.session.execute(sa.update(SynonymState).where(
                SynonymState.id == _STATE_ID).values(generation=SynonymState.generation + 1))
    forget()


def _check_unique(terms: list[str], exclude_id: int | None = None) -> None:
    """Refuse a group whose terms are exactly those of another group."""
    wanted = sorted(_fold_key(t) for t in terms)
    for group in all_groups():
        if group.id != exclude_id and sorted(_fold_key(t) for t in group.term_list) == wanted:
            raise SynonymRefused(_("This group exists already."))


def create_group(text: str, *, by, check: bool = True) -> SynonymGroup:
    """A new group from the terms in `text`. `check=False`: the importer and the demo."""
    if check:
        _check_editor(by)
    terms = parse_terms(text)
    if db.session.scalar(sa.select(sa.func.count()).select_from(SynonymGroup)) >= MAX_GROUPS:
        raise SynonymRefused(_("There are %(max)d synonym groups already.", max=MAX_GROUPS))
    _check_unique(terms)
    group = SynonymGroup(terms=", ".join(terms), updated_by=by, created_at=utcnow(),
                         updated_at=utcnow())
    db.session.add(group)
    _bump()
    db.session.flush()
    return group


def update_group(group: SynonymGroup, text: str, *, by,
                 seen_version: int | None = None) -> bool:
    """Replace the group's terms; False when they are the same."""
    _check_editor(by)
    check_version(group, seen_version)
    terms = parse_terms(text)
    if terms == group.term_list:
        return False
    _check_unique(terms, exclude_id=group.id)
    group.terms, group.updated_by, group.updated_at = ", ".join(terms), by, utcnow()
    _bump()
    db.session.flush()
    return True


def delete_group(group: SynonymGroup, *, by, seen_version: int | None = None) -> None:
    _check_editor(by)
    check_version(group, seen_version)
    db.session.delete(group)
    _bump()
    db.session.flush()


def all_groups() -> list[SynonymGroup]:
    return list(db.session.scalars(sa.select(SynonymGroup).order_by(
        sa.func.lower(SynonymGroup.terms), SynonymGroup.id)))


# -- export and import (kb.transfer) ------------------------------------------------------

def export_terms() -> list[list[str]]:
    """Every group as its list of terms (the export's synonyms file)."""
    return [group.term_list for group in all_groups()]


def import_terms(groups) -> tuple[int, list[str]]:
    """Add the groups of an export that are not here yet (the same terms, in any order
    and case, are the same group). Returns (how many were added, the reasons others
    were skipped)."""
    added, errors = 0, []
    if not isinstance(groups, list):
        return 0, ["synonyms must be a list of groups, each a list of terms"]
    existing = {tuple(sorted(_fold_key(t) for t in g.term_list)) for g in all_groups()}
    for entry in groups:
        text = ", ".join(str(t) for t in entry) if isinstance(entry, list) else str(entry)
        try:
            terms = parse_terms(text)
        except SynonymRefused as exc:
            errors.append(f"{text[:60]!r}: {exc}")
            continue
        key = tuple(sorted(_fold_key(t) for t in terms))
        if key in existing:
            continue
        db.session.add(SynonymGroup(terms=", ".join(terms), created_at=utcnow(),
                                    updated_at=utcnow()))
        existing.add(key)
        added += 1
    if added:
        _bump()
        db.session.flush()
    return added, errors


# -- query time -----------------------------------------------------------------------------

@dataclass
class _Groups:
    generation: int | None = None
    members: dict[int, list[tuple[str, ...]]] = field(default_factory=dict)
    by_stem: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_ANALYZERS = {lang: language_analyzer(lang) for lang in LANGS}


def _stems(word: str) -> dict[str, str]:
    return {lang: stem for lang, analyzer in _ANALYZERS.items()
            if (stem := analyzer.term(word))}


def _state(app) -> _Groups:
    return app.extensions.setdefault(_EXTENSION, _Groups())


def generation() -> int:
    """The generation in the database (0: no group was ever saved)."""
    return db.session.scalar(sa.select(SynonymState.generation).where(
        SynonymState.id == _STATE_ID)) or 0


def forget() -> None:
    """Drop this process's copy of the current app's groups (reloaded when next used)."""
    state = _state(current_app)
    state.generation = None
    if has_request_context():
        g.pop("kb_synonyms_checked", None)


def _current() -> _Groups:
    state = _state(current_app)
    if state.generation is not None and has_request_context() and g.get(
            "kb_synonyms_checked") == state.generation:
        return state
    now = generation()
    if now != state.generation:
        with state.lock:
            members, by_stem = {}, {}
            for group in db.session.scalars(sa.select(SynonymGroup).limit(MAX_GROUPS)):
                terms = [_words(term) for term in group.term_list]
                members[group.id] = [t for t in terms if t]
                for words in terms:
                    if len(words) == 1:
                        for lang, stem in _stems(words[0]).items():
                            by_stem.setdefault((lang, stem), set()).add(group.id)
            state.members, state.by_stem, state.generation = members, by_stem, now
    if has_request_context():
        g.kb_synonyms_checked = now
    return state


def alternatives(word: str) -> list[tuple[str, ...]]:
    """The other terms of every group `word` belongs to, each as its words."""
    state = _current()
    if not state.by_stem:
        return []
    stems = _stems(word)
    groups = set()
    for lang, stem in stems.items():
        groups |= state.by_stem.get((lang, stem), set())
    found: list[tuple[str, ...]] = []
    for group_id in sorted(groups):
        for words in state.members.get(group_id, ()):
            if len(words) == 1 and _stems(words[0]) == stems:
                continue                  # the word itself (or an inflection of it)
            if words not in found:
                found.append(words)
    return found


def cache_key() -> str:
    """Names the groups the current search uses (for the result cache)."""
    return str(_current().generation)
