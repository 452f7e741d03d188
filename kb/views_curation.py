"""KB curation pages and actions: translation twins, owners and review dates, reader
ratings, and what the article page, the editor and the curation list show of them.
Load -> check -> act -> commit -> answer (helpdesk.actions.run_action)."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from helpdesk.accounts.models import User
from helpdesk.actions import VersionedForm, run_action
from helpdesk.config import LANGUAGE_CODES
from helpdesk.extensions import db, limiter
from kb import bp, curation, ratings, readers, reviews, twins
from kb import permissions as perms
from kb.forms import OwnerForm, RatingForm, TwinForm
from kb.models import Article
from kb.views import get_readable_article_or_404


@bp.app_template_filter("kb_date")
def kb_date(value, fmt: str = "medium") -> str:
    """A date (a review-by date) in the reader's language."""
    return format_date(value, fmt) if value else ""


def _article(article_id: int):
    return lambda: get_readable_article_or_404(article_id)


def _editor(_article) -> bool:
    return perms.is_editor(current_user)


def _back(article: Article, anchor: str | None = None):
    """Where an action answers: the curation list, the editor or the article page."""
    target = request.form.get("next_page")
    if target == "review":
        return redirect(url_for("kb.review"))
    if target == "edit":
        return redirect(url_for("kb.edit_article", article_id=article.id))
    return redirect(url_for("kb.show_article", article_id=article.id, _anchor=anchor))


def _changed_meanwhile(article, _form):
    flash(_("Someone else changed this article just now. Please check it and try again."),
          "warning")
    return _back(article)


# -- what the pages show ----------------------------------------------------------------

def _owner_form(article: Article, form: OwnerForm | None = None) -> OwnerForm:
    form = form or OwnerForm(formdata=None, owner=article.owner_id,
                             review_by=article.review_by, version=article.version)
    form.owner.choices = [SelectChoice(str(user.id), user.name)
                          for user in reviews.owner_candidates(article.owner)]
    return form


def article_extras(article: Article) -> dict:
    """The article page: language switch, and for editors the article's curation state
    (translation, owner and review date, ratings); for readers the rating form."""
    editor = perms.is_editor(current_user)
    extras = {"twin": twins.readable_twin(article, current_user), "curation": None,
              "rating_form": None}
    if editor:
        extras["curation"] = {
            "twin": twins.twin_of(article), "behind": twins.out_of_date(article),
            "past_due": reviews.is_past_due(article), "owner_form": _owner_form(article),
            "button": VersionedForm(formdata=None, version=article.version),
            "ratings": ratings.summary(article), "comments": ratings.comments(article)}
    if ratings.can_rate(current_user, article):
        vote = ratings.vote_of(article, readers.reader_key(create=False))
        extras["rating_form"] = RatingForm(formdata=None, comment=vote.comment if vote else "")
        extras["my_vote"] = vote
    return extras


def editor_extras(article: Article | None) -> dict:
    """The editor: the translation picker (an existing article only, editors only)."""
    if article is None or not perms.is_editor(current_user):
        return {"twin_picker": None}
    twin = twins.twin_of(article)
    others = [code for code in LANGUAGE_CODES if code != article.language] or ["en"]
    return {"twin_picker": {
        "twin": twin, "form": TwinForm(formdata=None, version=article.version),
        "language": others[0],
        "search_url": url_for("kb.search", format="json", language=others[0])}}


def curation_counts() -> dict[str, int]:
    """How many rows each of the curation list's own sections has (for a count in the
    navigation): out-of-date translations, past-due reviews, poor ratings."""
    return {"translations": twins.outdated_count(), "past_due": reviews.past_due_count(),
            "poorly_rated": ratings.poorly_rated_count()}


def curation_lists() -> dict:
    """The curation list's sections: out-of-date translations, past-due reviews, poor
    ratings; each row with the action that resolves it."""
    return {"outdated_translations": twins.outdated_articles(),
            "past_due": reviews.past_due(), "poorly_rated": ratings.poorly_rated(),
            "version_form": VersionedForm}


# -- translation twins --------------------------------------------------------------------

@bp.post("/articles/<int:article_id>/translation")
@login_required
def link_translation(article_id):
    form = TwinForm()

    def act(article, form):
        other = db.session.get(Article, form.twin_id())
        if other is None or not perms.can_read_article(current_user, other):
            raise twins.TwinRefused(_("There is no article %(id)d.", id=form.twin_id()))
        linked = curation.link_translation(article, other, by=current_user,
                                           seen_version=form.seen_version())
        return other, linked

    def done(article, result):
        other, linked = result
        flash(_("Linked: “%(title)s” is the translation of this article.", title=other.title)
              if linked else _("These articles were already linked."), "success")
        return redirect(url_for("kb.edit_article", article_id=article.id))

    def invalid(article, form):
        flash(_("Enter the number of an article, e.g. 42."), "error")
        return redirect(url_for("kb.edit_article", article_id=article.id))

    def refused(article, _form, exc):
        flash(str(exc), "error")
        return redirect(url_for("kb.edit_article", article_id=article.id))
    return run_action(_article(article_id), act, may=_editor, form=form, invalid=invalid,
                      done=done, stale=_changed_meanwhile, check_version_of_form=False,
                      rejected={twins.TwinRefused: refused})


@bp.post("/articles/<int:article_id>/translation/unlink")
@login_required
def unlink_translation(article_id):
    def done(article, former):
        flash(_("“%(title)s” is no longer linked as its translation.", title=former.title)
              if former else _("This article had no translation linked."), "success")
        return _back(article)
    return run_action(_article(article_id),
                      lambda article, form: curation.unlink_translation(
                          article, by=current_user, seen_version=form.seen_version()),
                      may=_editor, form=VersionedForm(), done=done,
                      stale=_changed_meanwhile, check_version_of_form=False)


@bp.post("/articles/<int:article_id>/translation/confirm")
@login_required
def confirm_translation(article_id):
    def done(article, twin):
        flash(_("Noted: the article still matches its translation.") if twin
              else _("The translation was not out of date."), "success")
        return _back(article)
    return run_action(_article(article_id),
                      lambda article, form: curation.confirm_translation(
                          article, by=current_user, seen_version=form.seen_version()),
                      may=_editor, form=VersionedForm(), done=done,
                      stale=_changed_meanwhile, check_version_of_form=False)


# -- owners and review dates ------------------------------------------------------------------

@bp.post("/articles/<int:article_id>/review/confirm")
@login_required
def confirm_review(article_id):
    def done(article, next_date):
        flash(_("Noted: still accurate. Next review by %(date)s.", date=kb_date(next_date)),
              "success")
        return _back(article)
    return run_action(_article(article_id),
                      lambda article, form: curation.confirm_review(
                          article, by=current_user, seen_version=form.seen_version()),
                      may=_editor, form=VersionedForm(), done=done,
                      stale=_changed_meanwhile, check_version_of_form=False)


@bp.post("/articles/<int:article_id>/owner")
@login_required
def set_owner(article_id):
    def act(article, form):
        owner = db.session.get(User, form.owner.data) if form.owner.data else None
        return curation.set_owner(article, owner=owner, review_by=form.review_by.data,
                                  by=current_user, seen_version=form.seen_version())

    def done(article, changed):
        flash(_("Owner and review date saved.") if changed else _("No changes to save."),
              "success" if changed else "info")
        return _back(article, "curation")

    def invalid(article, form):
        flash(_("Please choose an owner and a valid date."), "error")
        return _back(article, "curation")
    return run_action(_article(article_id), act, may=_editor,
                      form=lambda article: _owner_form(article, OwnerForm()), invalid=invalid,
                      done=done, stale=_changed_meanwhile, check_version_of_form=False)


# -- reader ratings -----------------------------------------------------------------------------

def _rating_limit() -> str:
    return ratings.setting("KB_RATING_RATE_LIMIT")


def _signed_in() -> bool:
    return bool(current_user.is_authenticated)


@bp.post("/articles/<int:article_id>/rating")
@limiter.limit(_rating_limit, methods=["POST"], exempt_when=_signed_in)
def rate_article(article_id):
    def done(article, first):
        flash(_("Thank you for your rating!") if first else _("Your rating was updated."),
              "success")
        return readers.remember_reader(redirect(url_for("kb.show_article",
                                                        article_id=article.id,
                                                        _anchor="rating")))

    def invalid(article, _form):
        flash(_("Please choose “Yes” or “No”."), "error")
        return redirect(url_for("kb.show_article", article_id=article.id, _anchor="rating"))
    return run_action(_article(article_id),
                      lambda article, form: ratings.rate(
                          article, reader_key=readers.reader_key(), helpful=form.is_helpful(),
                          comment=form.comment.data or ""),
                      may=lambda article: ratings.can_rate(current_user, article),
                      form=RatingForm(), invalid=invalid, done=done)
