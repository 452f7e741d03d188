// Knowledge base: ticket-page suggestions with one-click insert, and answers as a
// customer types a new ticket's subject. Pages work without it.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  // `log`: {from, ref} for the search log. While one box is typed in, each search sends
  // the reference of the last one (sid), so the log keeps the words the person settled on.
  function fetchResults(url, query, log) {
    var sep = url.indexOf("?") >= 0 ? "&" : "?";
    var extra = "";
    if (log && log.from) extra += "&from=" + encodeURIComponent(log.from);
    if (log && log.ref) extra += "&sid=" + encodeURIComponent(log.ref);
    return fetch(url + sep + "q=" + encodeURIComponent(query) + extra,
                 {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) {
        if (log && data.search_ref) log.ref = data.search_ref;
        return data;
      });
  }

  // --- Staff ticket page: insert an article into the reply -------------------------
  // An internal article may only go into an internal note: its Insert button shows
  // only while the composer is on "Internal note" (the server refuses it otherwise).
  var composer = document.getElementById("composer");

  function isNote() {
    var kind = composer && composer.querySelector('input[name="kind"]:checked');
    return !!kind && kind.value === "internal";
  }

  function insertedBox() {
    return composer && composer.querySelector("[data-kb-inserted]");
  }

  function articleIds() {
    var field = composer.querySelector('input[name="article_ids"]');
    return {field: field, list: (field.value || "").split(",").filter(Boolean)};
  }

  function syncNoteOnly() {
    var note = isNote();
    document.querySelectorAll("#kb-panel [data-kb-note-only]").forEach(function (button) {
      button.hidden = !note;
    });
    var box = insertedBox();
    if (!box) return;
    var internal = box.querySelector('[data-kb-inserted-list] li[data-visibility="internal"]');
    box.querySelector("[data-kb-internal-warning]").hidden = note || !internal;
    box.hidden = !box.querySelector("[data-kb-inserted-list] li");
  }

  function addToInsertedList(item, text) {
    var box = insertedBox();
    if (!box) return;
    var ul = box.querySelector("[data-kb-inserted-list]");
    if (ul.querySelector('li[data-article-id="' + item.dataset.articleId + '"]')) return;
    var li = el("li", {"data-article-id": item.dataset.articleId,
                       "data-visibility": item.dataset.visibility || "public"}, item.dataset.title);
    li.dataset.insertedText = text;
    if (item.dataset.visibility === "internal") {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", {"class": "badge internal"}, box.dataset.internalLabel));
    }
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("button", {type: "button", "class": "link small", "data-kb-remove": ""},
                      box.dataset.removeLabel));
    ul.appendChild(li);
  }

  function removeInserted(li) {
    var ids = articleIds();
    ids.field.value = ids.list.filter(function (id) {
      return id !== li.dataset.articleId;
    }).join(",");
    var area = composer.querySelector('textarea[name="body"]');
    var text = li.dataset.insertedText;
    if (text && area.value.indexOf(text) >= 0) {
      area.value = area.value.replace(text + "\n", "").replace(text, "");
      area.dispatchEvent(new Event("input", {bubbles: true}));
    }
    li.remove();
    syncNoteOnly();
  }

  function insertArticle(item) {
    if (!composer) return;
    if (item.dataset.visibility === "internal" && !isNote()) return;
    var area = composer.querySelector('textarea[name="body"]');
    var text = "[" + item.dataset.title + "](" + item.dataset.url + ")";
    if (item.dataset.summary) text += "\n" + item.dataset.summary;
    var before = area.value.slice(0, area.selectionStart || area.value.length);
    var after = area.value.slice(area.selectionEnd || area.value.length);
    var gapBefore = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    area.value = before + gapBefore + text + "\n" + after;
    area.dispatchEvent(new Event("input", {bubbles: true}));
    var ids = articleIds();
    if (ids.list.indexOf(item.dataset.articleId) < 0) ids.list.push(item.dataset.articleId);
    ids.field.value = ids.list.join(",");
    addToInsertedList(item, text);
    syncNoteOnly();
    area.focus();
  }

  function insertButton(hit, panel) {
    var button = el("button", {type: "button", "class": "secondary small", "data-kb-insert": ""},
                    panel.dataset.insertLabel);
    if (hit.visibility === "internal") button.setAttribute("data-kb-note-only", "");
    return button;
  }

  function resultItem(hit, panel) {
    var li = el("li", {"data-article-id": String(hit.id), "data-title": hit.title,
                       "data-summary": hit.summary || "", "data-visibility": hit.visibility,
                       "data-url": panel.dataset.baseUrl + hit.url});
    li.appendChild(el("a", {href: hit.open_url || hit.url, target: "_blank", rel: "noopener"},
                      hit.title));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", {"class": "badge kb-lang"}, hit.language.toUpperCase()));
    if (hit.visibility === "internal") {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", {"class": "badge internal"}, panel.dataset.internalLabel));
    }
    var snippet = el("div", {"class": "small muted"});
    snippet.innerHTML = hit.snippet;   // server-escaped, only <mark> added
    li.appendChild(snippet);
    if (composer && panel.dataset.mayInsert && hit.status === "published") {
      if (hit.visibility === "internal") {
        li.appendChild(el("div", {"class": "kb-note-only small"}, panel.dataset.noteOnlyText));
        if (panel.dataset.mayNote) li.appendChild(insertButton(hit, panel));
      } else {
        li.appendChild(insertButton(hit, panel));
      }
    }
    return li;
  }

  var panel = document.getElementById("kb-panel");
  if (panel) {
    var list = panel.querySelector("[data-kb-results]");
    panel.addEventListener("click", function (ev) {
      var button = ev.target.closest("[data-kb-insert]");
      if (!button) return;
      ev.preventDefault();
      insertArticle(button.closest("li"));
      button.textContent = "✓";
    });
    var search = panel.querySelector("form.kb-panel-search");
    search.addEventListener("submit", function (ev) { ev.preventDefault(); });
    var input = search.querySelector('input[name="q"]');
    var initial = list.innerHTML;
    var panelLog = {from: "ticket", ref: null};
    input.addEventListener("input", debounce(function () {
      var q = input.value.trim();
      if (!q) { list.innerHTML = initial; syncNoteOnly(); return; }
      fetchResults(panel.dataset.searchUrl, q, panelLog).then(function (data) {
        list.innerHTML = "";
        (data.results || []).forEach(function (hit) { list.appendChild(resultItem(hit, panel)); });
        if (!list.children.length) list.appendChild(el("li", {"class": "muted small"},
                                                       data.message || panel.dataset.emptyText));
        syncNoteOnly();
      });
    }, 250));
  }
  if (composer) {
    composer.querySelectorAll('input[name="kind"]').forEach(function (radio) {
      radio.addEventListener("change", syncNoteOnly);
    });
    composer.addEventListener("click", function (ev) {
      var button = ev.target.closest("[data-kb-remove]");
      if (!button) return;
      ev.preventDefault();
      removeInserted(button.closest("li"));
    });
    syncNoteOnly();
  }

  // --- New-ticket form: answers while the customer types the subject ---------------
  var box = document.getElementById("subject-suggestions");
  var subject = document.querySelector('#new-ticket-form input[name="subject"]');
  var searchRefs = document.getElementById("kb-searches");
  var subjectLog = {ref: null};

  function keepRef(ref) {
    // The form carries its searches' references: a ticket sent anyway marks them filed.
    if (!searchRefs || !ref) return;
    var refs = searchRefs.value ? searchRefs.value.split(",") : [];
    if (refs.indexOf(ref) < 0) refs.push(ref);
    searchRefs.value = refs.slice(-20).join(",");
  }

  if (box && subject && box.dataset.searchUrl) {
    var show = debounce(function () {
      var q = subject.value.trim();
      if (q.length < 3) { box.hidden = true; box.innerHTML = ""; return; }
      fetchResults(box.dataset.searchUrl, q, subjectLog).then(function (data) {
        keepRef(data.search_ref);
        box.innerHTML = "";
        var hits = data.results || [];
        if (!hits.length) { box.hidden = true; return; }
        box.appendChild(el("p", {"class": "kb-suggest-head"}, box.dataset.heading));
        var ul = el("ul", {"class": "kb-suggestions"});
        hits.forEach(function (hit) {
          var li = el("li", {"data-article-id": String(hit.id)});
          li.appendChild(el("a", {href: hit.open_url || hit.url, target: "_blank",
                                  rel: "noopener"}, hit.title));
          if (hit.summary) li.appendChild(el("div", {"class": "small muted"}, hit.summary));
          var form = el("form", {method: "post", action: hit.url + "/answered",
                                 "class": "inline-form"});
          form.appendChild(el("input", {type: "hidden", name: "csrf_token",
                                        value: csrf ? csrf.content : ""}));
          // Counted as a ticket avoided, with what the customer typed as the search.
          form.appendChild(el("input", {type: "hidden", name: "source", value: "new_ticket"}));
          form.appendChild(el("input", {type: "hidden", name: "q", value: q}));
          form.appendChild(el("button", {type: "submit", "class": "secondary small",
                                         "data-kb-answered": ""}, box.dataset.answeredLabel));
          li.appendChild(form);
          ul.appendChild(li);
        });
        box.appendChild(ul);
        box.hidden = false;
      });
    }, 300);
    subject.addEventListener("input", show);
    if (subject.value) show();
  }
})();

// Article editor: pick the translation by search (the search's JSON, filtered to the
// other language); "Choose" puts its number into the form, which links it. Without
// script the form takes the number typed in.
(function () {
  "use strict";
  var box = document.querySelector("[data-kb-twin-search]");
  var form = document.getElementById("twin-form");
  if (!box || !form || !window.fetch) return;
  var input = box.querySelector('input[type="search"]');
  var list = box.querySelector("[data-kb-twin-results]");
  var number = form.querySelector('input[name="twin"]');
  var timer;
  box.hidden = false;

  function item(hit) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = hit.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = hit.title;
    li.appendChild(link);
    li.appendChild(document.createTextNode(" #" + hit.id + " "));
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link small";
    button.setAttribute("data-kb-twin-choose", String(hit.id));
    button.textContent = box.dataset.chooseLabel;
    li.appendChild(button);
    return li;
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      list.innerHTML = "";
      if (q.length < 2) return;
      fetch(box.dataset.searchUrl + "&q=" + encodeURIComponent(q),
            {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) {
          list.innerHTML = "";
          (data.results || []).forEach(function (hit) { list.appendChild(item(hit)); });
          if (!list.children.length) {
            var li = document.createElement("li");
            li.className = "muted";
            li.textContent = data.message || box.dataset.emptyText;
            list.appendChild(li);
          }
        });
    }, 250);
  });
  list.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-kb-twin-choose]");
    if (!button) return;
    ev.preventDefault();
    number.value = button.getAttribute("data-kb-twin-choose");
    form.querySelector('button[type="submit"]').focus();
  });
})();
