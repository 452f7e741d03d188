"""KB pages: search, read, write, review, history. Load -> check -> act -> commit -> render
(helpdesk.actions.run_action); the lists come from kb.queries."""
from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from helpdesk.accounts.models import Level
from helpdesk.actions import ButtonForm, run_action
from helpdesk.errors import wants_json
from helpdesk.extensions import db, limiter
from helpdesk.stale_forms import shows_form_on_stale_token
from helpdesk.tickets.categories import categories_by_slug, category_choice, category_choices
from helpdesk.tickets.models import Category
from kb import (
    answers,
    bp,
    curation,
    feedback,
    gaps,
    queries,
    readers,
    reviews,
    search,
    search_log,
    ticket_links,
    twins,
)
from kb import permissions as perms
from kb.diff import diff_revisions
from kb.evidence_views import result_url
from kb.forms import AnsweredForm, ArticleForm, FeedbackForm, TransitionForm
from kb.models import AnswerSource, Article, ArticleFeedback, Visibility


def get_readable_article_or_404(article_id: int) -> Article:
    """Return the article if the current user may read it; otherwise abort with 404."""
    article = db.session.get(Article, article_id)
    if article is None or not perms.can_read_article(current_user, article):
        abort(404)
    return article


def _article(article_id: int):
    """The loader of `run_action` for an article the current user may read."""
    return lambda: get_readable_article_or_404(article_id)


def _for_me(predicate):
    """`predicate(current_user, article)` as the check of `run_action`."""
    return lambda article: predicate(current_user, article)


def _to_article(message: str, endpoint: str = "kb.show_article"):
    """An answer to an action: back to the article (or its history) with `message`."""
    def answer(article, _result=None):
        flash(message, "success")
        return redirect(url_for(endpoint, article_id=article.id))
    return answer


def _changed_meanwhile(endpoint: str = "kb.show_article"):
    """The answer when someone else changed the article first."""
    def answer(article, _form):
        flash(_("Someone else changed this article just now. Please check it and try "
                "again."), "warning")
        return redirect(url_for(endpoint, article_id=article.id))
    return answer


# -- search ---------------------------------------------------------------------------

@bp.get("/search", endpoint="search")
@bp.get("/", endpoint="search")       # registered first: url_for builds /kb/
def search_view():
    args = request.args
    as_json = args.get("format") == "json" or wants_json()
    per_page = min(max(args.get("limit", 10, type=int) or 10, 1), 50)
    result = search.search(args.get("q", ""), current_user, category=args.get("category"),
                           language=args.get("language"), page=args.get("page", 1, type=int),
                           per_page=per_page, highlight=True)
    # The search log (kb.search_log): `from` names the page that asked, `sid` the row the
    # same typeahead wrote before; results link through kb.open_result with `ref`.
    ref = search_log.log_search(result, user=current_user, source=args.get("from"),
                                language=args.get("language") or search.get_locale_name(),
                                previous=args.get("sid"))
    if as_json:
        return jsonify(query=result.query, page=result.page, has_next=result.has_next,
                       corrected=result.corrected, did_you_mean=result.did_you_mean,
                       message=result.message, unavailable=result.unavailable,
                       search_ref=ref,
                       results=[dict(hit.as_json(), url=url_for("kb.show_article",
                                                                article_id=hit.id),
                                     open_url=result_url(hit.id, result.query, ref))
                                for hit in result.hits])
    categories = categories_by_slug()
    browse = [] if result.query else queries.browse_articles(
        current_user, category=categories.get(args.get("category")),
        language=args.get("language"))
    return render_template("kb/search.html", result=result, categories=categories, args=args,
                           browse=browse, may_create=perms.can_create_article(current_user),
                           search_ref=ref)


# -- reading --------------------------------------------------------------------------

@bp.get("/articles/<int:article_id>")
@bp.get("/articles/<int:article_id>/<slug>")
def show_article(article_id, slug=None):
    article = get_readable_article_or_404(article_id)
    staff = perms.can_give_feedback(current_user, article)
    reader = None if staff else readers.reader_key(create=False)
    return render_template(
        "kb/article.html", article=article,
        translations=queries.translations_of(article, current_user),
        feedback_form=FeedbackForm(formdata=None) if staff else None,
        open_feedback=feedback.open_feedback_for(article) if perms.reads_drafts(
            current_user) else [],
        used_on=ticket_links.tickets_using(article) if staff else [],
        answer_report=answers.answer_report(article) if staff else None,
        answered_form=None if staff else AnsweredForm(formdata=None, q=request.args.get("q")),
        has_answered=bool(reader) and answers.has_answered(article, reader),
        action_form=TransitionForm(formdata=None, version=article.version), may=_may(article),
        **views_curation.article_extras(article))


def _may(article: Article) -> dict[str, bool]:
    user = current_user
    return {"edit": perms.can_edit_article(user, article),
            "submit": perms.can_submit_for_review(user, article),
            "publish": perms.can_publish(user, article),
            "send_back": perms.can_send_back(user, article),
            "archive": perms.can_archive(user, article),
            "history": perms.can_view_history(user, article),
            "feedback": perms.can_give_feedback(user, article)}


# -- writing --------------------------------------------------------------------------

def _input_from(form: ArticleForm) -> curation.ArticleInput:
    category = db.session.get(Category, form.category.data) if form.category.data else None
    return curation.ArticleInput(
        title=form.title.data, summary=form.summary.data or "", body=form.body.data,
        language=form.language.data, category=category, tags=form.tags.data or "",
        visibility=Visibility(form.visibility.data), is_known_error=form.is_known_error.data,
        translation_key=form.translation_key.data or None)


def _article_form(article: Article | None = None) -> ArticleForm:
    if article is None or request.method == "POST":
        form = ArticleForm()
    else:
        # Every field from the article (not obj=, which would give the select a Category
        # object it cannot match, so a save dropped the category).
        form = ArticleForm(
            title=article.title, summary=article.summary, body=article.body,
            category=article.category_id, tags=article.tags, language=article.language,
            visibility=article.visibility.value, is_known_error=article.is_known_error,
            translation_key=article.translation_key or "", version=article.version,
            base_revision=queries.latest_revision_number(article))
    form.category.choices = _category_choices(article)
    form.article = article
    return form


def _category_choices(article: Article | None) -> list:
    """The active categories, plus the article's own if it was deactivated (else lost)."""
    choices = category_choices()
    own = article.category if article is not None else None
    if own is not None and str(own.id) not in {choice.value for choice in choices}:
        choices.append(category_choice(own))
    return choices


@bp.route("/articles/new", methods=["GET", "POST"])
@shows_form_on_stale_token
@login_required
def new_article():
    if not perms.can_create_article(current_user):
        abort(404)          # a page about no article, not for them (helpdesk.actions)
    form = _article_form()
    if current_user.is_agent and current_user.level == Level.l3 and request.method == "GET":
        form.is_known_error.data = True
    if request.method == "GET":
        gaps.prefill(form, request.args, current_user)    # "write an article" from a gap

    def act(_nothing, form):
        article = curation.create_article(_input_from(form), by=current_user,
                                          comment=form.comment.data or "")
        gaps.note_article(article, request.args, by=current_user)
        return article.id

    def done(_nothing, article_id):
        flash(_("Draft saved. Submit it for review or publish it when it is ready."),
              "success")
        return redirect(url_for("kb.show_article", article_id=article_id))

    def page(_nothing, form):
        return render_template("kb/edit.html", form=form, article=None,
                               **views_curation.editor_extras(None)), \
            400 if form.errors else 200
    return run_action(lambda: None, act, form=form, invalid=page, done=done,
                      rejected={twins.TwinRefused: _key_refused(page)})


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
@shows_form_on_stale_token
@login_required
def edit_article(article_id):
    def act(article, form):
        return curation.revise_article(article, _input_from(form), by=current_user,
                                       comment=form.comment.data or "",
                                       seen_version=form.seen_version())

    def done(article, revision):
        if revision is None:
            flash(_("No changes to save."), "info")
        else:
            flash(_("Saved as a new revision."), "success")
        return redirect(url_for("kb.show_article", article_id=article.id))
    # revise_article compares the version itself: saving no change is never a conflict.
    return run_action(_article(article_id), act, done=done,
                      may=_for_me(perms.can_edit_article), form=_article_form,
                      check_version_of_form=False, invalid=_edit_page, stale=_edit_conflict,
                      rejected={twins.TwinRefused: _key_refused(_edit_page)})


def _edit_page(article: Article, form: ArticleForm):
    return render_template("kb/edit.html", form=form, article=article,
                           translations=queries.translations_of(article, current_user),
                           **views_curation.editor_extras(article)), \
        400 if form.errors else 200


def _key_refused(page):
    """The translation key went to another article meanwhile: the form, with the reason."""
    def answer(article, form, exc):
        form.translation_key.errors = [*form.translation_key.errors, str(exc)]
        return page(article, form)
    return answer


def _edit_conflict(article: Article, form: ArticleForm):
    """Someone saved first: keep the editor's text, show what changed, let them save again."""
    base = queries.revision(article, form.base_revision_number())
    changes = diff_revisions(base, article) if base else []
    form.version.data = str(article.version)
    form.base_revision.data = str(queries.latest_revision_number(article))
    flash(_("Someone else saved this article while you were editing. Your text is still "
            "here; check their changes below and save again."), "warning")
    return render_template("kb/edit.html", form=form, article=article, conflict=changes,
                           conflict_base=base,
                           translations=queries.translations_of(article, current_user),
                           **views_curation.editor_extras(article)), 409


def _transition(article_id: int, action, may, done_message: str):
    """Move the article along its life cycle (submit, publish, send back, archive)."""
    return run_action(
        _article(article_id),
        lambda article, form: action(article, by=current_user,
                                     comment=form.comment.data or "",
                                     seen_version=form.seen_version()),
        may=_for_me(may), form=TransitionForm(), done=_to_article(done_message),
        stale=_changed_meanwhile())


@bp.post("/articles/<int:article_id>/submit")
@login_required
def submit_article(article_id):
    return _transition(article_id, curation.submit_for_review, perms.can_submit_for_review,
                       _("Submitted for review. Level 2 will look at it."))


@bp.post("/articles/<int:article_id>/publish")
@login_required
def publish_article(article_id):
    return _transition(article_id, curation.publish, perms.can_publish, _("Published."))


@bp.post("/articles/<int:article_id>/send-back")
@login_required
def send_back_article(article_id):
    return _transition(article_id, curation.send_back, perms.can_send_back,
                       _("Sent back to draft."))


@bp.post("/articles/<int:article_id>/archive")
@login_required
def archive_article(article_id):
    return _transition(article_id, curation.archive, perms.can_archive, _("Archived."))


# -- history --------------------------------------------------------------------------

@bp.get("/articles/<int:article_id>/history")
@login_required
def article_history(article_id):
    article = get_readable_article_or_404(article_id)
    if not perms.can_view_history(current_user, article):
        abort(404)          # revisions hold drafts: seeing them is reading drafts
    revisions = queries.revisions_of(article)
    by_number = {r.number: r for r in revisions}
    newest = revisions[0].number if revisions else 0
    b = by_number.get(request.args.get("b", newest, type=int)) or (revisions[0] if revisions
                                                                   else None)
    a = by_number.get(request.args.get("a", (b.number - 1) if b else 0, type=int))
    return render_template("kb/history.html", article=article, revisions=revisions, a=a, b=b,
                           changes=diff_revisions(a, b) if a and b else [],
                           action_form=TransitionForm(formdata=None, version=article.version),
                           may_restore=perms.can_restore_revision(current_user, article),
                           events=reviews.events_of(article))


@bp.post("/articles/<int:article_id>/revisions/<int:number>/restore")
@login_required
def restore_revision(article_id, number):
    def act(article, form):
        revision = queries.revision(article, number) or abort(404)
        return curation.restore_revision(article, revision, by=current_user,
                                         seen_version=form.seen_version())
    return run_action(
        _article(article_id), act, may=_for_me(perms.can_restore_revision),
        form=TransitionForm(), stale=_changed_meanwhile("kb.article_history"),
        done=_to_article(_("Revision %(number)d restored as a new revision.", number=number)))


# -- feedback and review --------------------------------------------------------------

@bp.post("/articles/<int:article_id>/feedback")
@login_required
def add_feedback(article_id):
    def act(article, form):
        return feedback.add_feedback(article, kind=form.kind.data, text=form.text.data,
                                     by=current_user)

    def invalid(article, _form):
        flash(_("Please describe what should change."), "error")
        return redirect(url_for("kb.show_article", article_id=article.id))
    return run_action(_article(article_id), act, may=_for_me(perms.can_give_feedback),
                      form=FeedbackForm(), invalid=invalid,
                      done=_to_article(_("Thank you! Level 2 will review your note.")))


def get_visible_feedback_or_404(feedback_id: int) -> ArticleFeedback:
    """Return the suggestion or flag if the current user sees it: those who read drafts
    see an article's open feedback on its page. Otherwise abort with 404."""
    item = db.session.get(ArticleFeedback, feedback_id)
    if item is None or not perms.reads_drafts(current_user):
        abort(404)
    return item


@bp.post("/feedback/<int:feedback_id>/resolve")
@login_required
def resolve_feedback(feedback_id):
    def done(item, _result):
        flash(_("Marked as done."), "success")
        return redirect(request.form.get("next_page") == "article"
                        and url_for("kb.show_article", article_id=item.article_id)
                        or url_for("kb.review"))
    return run_action(lambda: get_visible_feedback_or_404(feedback_id),
                      lambda item, _form: feedback.resolve_feedback(item, by=current_user),
                      may=lambda _item: perms.can_review(current_user), form=ButtonForm(),
                      done=done)


@bp.get("/review")
@login_required
def review():
    if not perms.can_review(current_user):
        abort(404)
    return render_template("kb/review.html", in_review=feedback.articles_in_review(),
                           open_feedback=feedback.open_feedback(),
                           drafts=queries.recent_drafts(), form=ButtonForm(formdata=None),
                           **views_curation.curation_lists())


# -- customers: "this answered my question" -------------------------------------------

def _answered_limit() -> str:
    return current_app.config["KB_ANSWERED_RATE_LIMIT"]


@bp.post("/articles/<int:article_id>/answered")
@limiter.limit(_answered_limit, methods=["POST"])
def mark_answered(article_id):
    form = AnsweredForm()
    source = form.answer_source()

    def done(article, counted):
        # A repeat gets the same answer as the first click; it just does not count again.
        if wants_json():
            return readers.remember_reader(jsonify(ok=True, counted=counted))
        flash(_("Glad we could help! No ticket was filed.") if source == AnswerSource.new_ticket
              else _("Thank you! Glad this article helped."), "success")
        return readers.remember_reader(redirect(url_for("kb.show_article",
                                                        article_id=article.id)))
    return run_action(_article(article_id),
                      lambda article, form: answers.record_answer(
                          article, reader_key=readers.reader_key(), source=source,
                          query=form.q.data),
                      form=form, done=done)


# Curation pages and actions (twins, review dates and owners, ratings): kb/views_curation.py,
# which builds on the loaders above.
from kb import views_curation  # noqa: E402
