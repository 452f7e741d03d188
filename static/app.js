// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');

  // File inputs with limits (data-max-bytes, data-max-files, accept): chosen files are
  // checked before anything is uploaded; the form is not sent while one breaks a limit.
  // (The server checks again.) Registered first, so no other submit handler runs then.
  document.querySelectorAll('input[type="file"][data-max-bytes]').forEach(function (input) {
    var box = document.createElement("ul");
    box.className = "errors upload-errors";
    box.setAttribute("role", "alert");
    box.hidden = true;
    input.insertAdjacentElement("afterend", box);
    var accepted = (input.getAttribute("accept") || "").toLowerCase().split(",")
      .filter(function (a) { return a; });
    function typeOk(file) {
      if (!accepted.length) return true;
      var name = file.name.toLowerCase(), type = (file.type || "").toLowerCase();
      return accepted.some(function (a) {
        if (a.charAt(0) === ".") return name.slice(-a.length) === a;
        if (a.slice(-2) === "/*") return type.indexOf(a.slice(0, -1)) === 0;
        return type === a;
      });
    }
    function problems() {
      var files = Array.prototype.slice.call(input.files || []), found = [];
      if (files.length > Number(input.dataset.maxFiles)) found.push(input.dataset.tooMany);
      files.forEach(function (file) {
        if (file.size > Number(input.dataset.maxBytes)) {
          found.push(input.dataset.tooLarge.replace("{name}", file.name));
        } else if (!typeOk(file) && input.dataset.badType) {
          found.push(input.dataset.badType.replace("{name}", file.name));
        }
      });
      return found;
    }
    function check() {
      var found = problems();
      box.textContent = "";
      found.forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        box.appendChild(item);
      });
      box.hidden = !found.length;
      input.setCustomValidity(found.join(" "));
      return !found.length;
    }
    input.addEventListener("change", check);
    if (input.form) {
      input.form.addEventListener("submit", function (ev) {
        if (check()) return;
        ev.preventDefault();
        ev.stopImmediatePropagation();
        input.focus();
      });
    }
  });

  // Markdown preview tabs: <div data-editor> holding a textarea (in its Write panel) and a
  // .preview. They become ARIA tabs: one tab stop, arrow keys / Home / End switch.
  document.querySelectorAll("[data-editor]").forEach(function (box) {
    var area = box.querySelector("textarea");
    var preview = box.querySelector(".preview");
    var tablist = box.querySelector(".editor-tabs");
    var tabs = Array.prototype.slice.call(box.querySelectorAll(".editor-tabs button"));
    if (!area || !preview || !tablist) return;
    tablist.setAttribute("role", "tablist");
    tabs.forEach(function (tab) {
      var panel = document.getElementById(tab.getAttribute("aria-controls"));
      tab.setAttribute("role", "tab");
      if (panel) {
        panel.setAttribute("role", "tabpanel");
        panel.setAttribute("aria-labelledby", tab.id);
      }
    });
    function select(tab) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.classList.toggle("active", on);
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        var panel = document.getElementById(t.getAttribute("aria-controls"));
        if (panel) panel.hidden = !on;
      });
      if (tab.dataset.mode !== "preview") return;
      var body = new FormData();
      body.append("body", area.value);
      fetch(box.dataset.previewUrl, {method: "POST", body: body,
             headers: {"X-CSRFToken": csrf ? csrf.content : ""}, credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) { preview.innerHTML = data.html || ""; });
    }
    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function (ev) {
        ev.preventDefault();
        select(tab);
      });
      tab.addEventListener("keydown", function (ev) {
        var next = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1}[ev.key];
        if (next === undefined) return;
        ev.preventDefault();
        var target = tabs[(next + tabs.length) % tabs.length];
        target.focus();
        select(target);
      });
    });
    tabs.forEach(function (t) {
      var on = t.classList.contains("active");
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
    });
  });

  // Reply composer: public reply and internal note look different while typing.
  document.querySelectorAll("form.composer").forEach(function (form) {
    var radios = form.querySelectorAll('input[name="kind"]');
    var submit = form.querySelector("[data-submit-label]");
    function sync() {
      var internal = form.querySelector('input[name="kind"]:checked');
      internal = internal && internal.value === "internal";
      form.classList.toggle("internal", internal);
      if (submit) {
        submit.textContent = internal ? submit.dataset.noteLabel : submit.dataset.submitLabel;
        submit.classList.toggle("note", internal);
      }
    }
    radios.forEach(function (r) { r.addEventListener("change", sync); });
    sync();
    // The first public reply to a customer asks for confirmation before it goes out.
    form.addEventListener("submit", function (ev) {
      var internal = form.querySelector('input[name="kind"]:checked');
      internal = internal && internal.value === "internal";
      var confirmBox = form.querySelector('input[name="confirmed_public"]');
      if (!internal && form.dataset.firstPublic === "1" && confirmBox && !confirmBox.checked) {
        if (window.confirm(form.dataset.confirmText)) {
          confirmBox.checked = true;
        } else {
          ev.preventDefault();
        }
      }
    });
  });

  // Buttons that need a confirmation (data-confirm="question").
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.dataset.confirm)) ev.preventDefault();
    });
  });

  // Drafts: text typed into a form is kept in this tab (sessionStorage) until the server
  // says the form went through (its submit token in <meta name="sent-forms">), so a login
  // in between or a lost session does not lose it. It comes back only into empty fields.
  (function () {
    var store, sentMeta = document.querySelector('meta[name="sent-forms"]');
    try { store = window.sessionStorage; } catch (e) { return; }
    if (!store || !sentMeta) return;
    var sent = sentMeta.content.split(" "), day = 24 * 3600 * 1000;
    function read(key) {
      try { return JSON.parse(store.getItem(key)) || {}; } catch (e) { return {}; }
    }
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf("draft:") === 0) {
        var old = read(key);
        if (!old.at || Date.now() - old.at > day || (old.token && sent.indexOf(old.token) !== -1)) {
          store.removeItem(key);
        }
      }
    }
    document.querySelectorAll('form[method="post"]').forEach(function (form) {
      if (!form.querySelector("textarea")) return;
      var key = "draft:" + new URL(form.action, window.location.href).pathname;
      var fields = form.querySelectorAll(
        'textarea[name], input[name][type="text"], input[name][type="email"]');
      function save(token) {
        var values = {}, typed = false;
        fields.forEach(function (f) { values[f.name] = f.value; typed = typed || !!f.value; });
        if (!typed) { store.removeItem(key); return; }
        var draft = {at: Date.now(), values: values, token: token || read(key).token};
        try { store.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full */ }
      }
      var draft = read(key), empty = true;
      fields.forEach(function (f) { empty = empty && !f.value; });
      if (draft.values && empty) {
        fields.forEach(function (f) {
          if (draft.values[f.name]) f.value = draft.values[f.name];
        });
        var note = document.createElement("p");
        note.className = "hint draft-restored";
        note.textContent = sentMeta.dataset.restored;
        form.insertBefore(note, form.firstChild);
      }
      form.addEventListener("input", function () { save(); });
      form.addEventListener("submit", function () {
        var token = form.querySelector('input[name="submit_token"]');
        save(token ? token.value : "");
      });
    });
  })();
})();
