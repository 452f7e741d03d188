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

  function fetchResults(url, query) {
    var sep = url.indexOf("?") >= 0 ? "&" : "?";
    return fetch(url + sep + "q=" + encodeURIComponent(query),
                 {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {results: []}; });
  }

  // --- Staff ticket page: insert an article into the reply -------------------------
  function insertArticle(item) {
    var form = document.getElementById("composer");
    if (!form) return;
    var area = form.querySelector('textarea[name="body"]');
    var ids = form.querySelector('input[name="article_ids"]');
    var text = "[" + item.dataset.title + "](" + item.dataset.url + ")";
    if (item.dataset.summary) text += "\n" + item.dataset.summary;
    var before = area.value.slice(0, area.selectionStart || area.value.length);
    var after = area.value.slice(area.selectionEnd || area.value.length);
    var gapBefore = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    area.value = before + gapBefore + text + "\n" + after;
    area.dispatchEvent(new Event("input", {bubbles: true}));
    var list = (ids.value || "").split(",").filter(Boolean);
    if (list.indexOf(item.dataset.articleId) < 0) list.push(item.dataset.articleId);
    ids.value = list.join(",");
    var box = form.querySelector("[data-kb-inserted]");
    if (box) {
      box.hidden = false;
      var span = box.querySelector("[data-kb-inserted-list]");
      if (span.textContent.indexOf(item.dataset.title) < 0) {
        span.textContent += (span.textContent ? ", " : "") + item.dataset.title;
      }
    }
    area.focus();
  }

  var panel = document.getElementById("kb-panel");
  if (panel) {
    var list = panel.querySelector("[data-kb-results]");
    var canInsert = !!document.getElementById("composer");
    panel.addEventListener("click", function (ev) {
      var button = ev.target.closest("[data-kb-insert]");
      if (!button) return;
      ev.preventDefault();
      insertArticle(button.closest("li"));
      button.textContent = "✓";
    });
    var input = panel.querySelector('input[name="kbq"]');
    var initial = list.innerHTML;
    input.addEventListener("input", debounce(function () {
      var q = input.value.trim();
      if (!q) { list.innerHTML = initial; return; }
      fetchResults(panel.dataset.searchUrl, q).then(function (data) {
        list.innerHTML = "";
        (data.results || []).forEach(function (hit) {
          var li = el("li", {"data-article-id": String(hit.id), "data-title": hit.title,
                             "data-summary": hit.summary || "",
                             "data-url": panel.dataset.baseUrl + hit.url});
          li.appendChild(el("a", {href: hit.url, target: "_blank", rel: "noopener"}, hit.title));
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("span", {"class": "badge kb-lang"}, hit.language.toUpperCase()));
          var snippet = el("div", {"class": "small muted"});
          snippet.innerHTML = hit.snippet;   // server-escaped, only <mark> added
          li.appendChild(snippet);
          if (canInsert && hit.status === "published") {
            li.appendChild(el("button", {type: "button", "class": "secondary small",
                                         "data-kb-insert": ""}, panel.dataset.insertLabel));
          }
          list.appendChild(li);
        });
        if (!list.children.length) list.appendChild(el("li", {"class": "muted small"},
                                                       data.message || panel.dataset.emptyText));
      });
    }, 250));
  }

  // --- New-ticket form: answers while the customer types the subject ---------------
  var box = document.getElementById("subject-suggestions");
  var subject = document.querySelector('#new-ticket-form input[name="subject"]');
  if (box && subject && box.dataset.searchUrl) {
    var show = debounce(function () {
      var q = subject.value.trim();
      if (q.length < 3) { box.hidden = true; box.innerHTML = ""; return; }
      fetchResults(box.dataset.searchUrl, q).then(function (data) {
        box.innerHTML = "";
        var hits = data.results || [];
        if (!hits.length) { box.hidden = true; return; }
        box.appendChild(el("p", {"class": "kb-suggest-head"}, box.dataset.heading));
        var ul = el("ul", {"class": "kb-suggestions"});
        hits.forEach(function (hit) {
          var li = el("li", {"data-article-id": String(hit.id)});
          li.appendChild(el("a", {href: hit.url, target: "_blank", rel: "noopener"}, hit.title));
          if (hit.summary) li.appendChild(el("div", {"class": "small muted"}, hit.summary));
          var form = el("form", {method: "post", action: hit.url + "/answered",
                                 "class": "inline-form"});
          form.appendChild(el("input", {type: "hidden", name: "csrf_token",
                                        value: csrf ? csrf.content : ""}));
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
