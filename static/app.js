// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');

  // Markdown preview tabs: <div data-editor> holding a textarea and a .preview.
  document.querySelectorAll("[data-editor]").forEach(function (box) {
    var area = box.querySelector("textarea");
    var preview = box.querySelector(".preview");
    var tabs = box.querySelectorAll(".editor-tabs button");
    if (!area || !preview) return;
    tabs.forEach(function (tab) {
      tab.addEventListener("click", function (ev) {
        ev.preventDefault();
        tabs.forEach(function (t) { t.classList.toggle("active", t === tab); });
        var showPreview = tab.dataset.mode === "preview";
        area.hidden = showPreview;
        preview.hidden = !showPreview;
        if (!showPreview) return;
        var body = new FormData();
        body.append("body", area.value);
        fetch(box.dataset.previewUrl, {method: "POST", body: body,
               headers: {"X-CSRFToken": csrf ? csrf.content : ""}, credentials: "same-origin"})
          .then(function (r) { return r.json(); })
          .then(function (data) { preview.innerHTML = data.html || ""; });
      });
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
})();
