/* The editor's extras; the form works without them.
 * - a Markdown toolbar above the text,
 * - a live preview,
 * - a warning before leaving with unsaved changes,
 * - a draft kept on the server every few seconds (offered back at the next edit).
 * No inline scripts (the Content-Security-Policy forbids them), no libraries. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  var text = form && form.querySelector("textarea[data-editor]");
  if (!form || !text) { return; }
  var lang = document.documentElement.lang === "en" ? "en" : "nl";
  var words = {
    nl: { toolbar: "Opmaak", bold: "Vet", italic: "Cursief", heading: "Kop", list: "Lijst", link: "Link",
          preview: "Voorbeeld terwijl je typt", saved: "Concept bewaard", leave: "Je wijzigingen zijn nog niet opgeslagen." },
    en: { toolbar: "Formatting", bold: "Bold", italic: "Italic", heading: "Heading", list: "List", link: "Link",
          preview: "Preview as you type", saved: "Draft kept", leave: "Your changes are not saved yet." }
  }[lang];
  var token = form.querySelector("input[name=csrf_token]").value;
  var dirty = false;

  function wrap(before, after, placeholder) {
    var start = text.selectionStart, end = text.selectionEnd;
    var chosen = text.value.slice(start, end) || placeholder;
    text.setRangeText(before + chosen + after, start, end, "select");
    text.focus();
    text.dispatchEvent(new Event("input"));
  }
  function linePrefix(prefix) {
    var start = text.value.lastIndexOf("\n", text.selectionStart - 1) + 1;
    text.setRangeText(prefix, start, start, "end");
    text.focus();
    text.dispatchEvent(new Event("input"));
  }

  var toolbar = document.createElement("div");
  toolbar.className = "toolbar";
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", words.toolbar);
  [[words.bold, function () { wrap("**", "**", words.bold); }],
   [words.italic, function () { wrap("*", "*", words.italic); }],
   [words.heading, function () { linePrefix("## "); }],
   [words.list, function () { linePrefix("- "); }],
   [words.link, function () { wrap("[", "](adres)", words.link); }]].forEach(function (item) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "utrecht-button utrecht-button--secondary-action";
    button.textContent = item[0];
    button.addEventListener("click", item[1]);
    toolbar.appendChild(button);
  });
  text.parentNode.insertBefore(toolbar, text);

  var live = document.createElement("section");
  live.className = "preview live-preview";
  live.setAttribute("aria-live", "polite");
  var heading = document.createElement("h2");
  heading.textContent = words.preview;
  var body = document.createElement("div");
  body.className = "content";
  body.lang = "nl";
  live.appendChild(heading);
  live.appendChild(body);
  form.parentNode.insertBefore(live, form.nextSibling);
  var status = document.createElement("p");
  status.className = "hint draft-status";
  status.setAttribute("role", "status");
  form.appendChild(status);

  function post(url, fields) {
    var data = new FormData();
    data.append("csrf_token", token);
    Object.keys(fields).forEach(function (key) { data.append(key, fields[key]); });
    return fetch(url, { method: "POST", body: data, credentials: "same-origin" });
  }
  var previewTimer = null, draftTimer = null;
  function refreshPreview() {
    post(form.dataset.previewUrl, { body: text.value }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) { if (data) { body.innerHTML = data.html; } }).catch(function () {});
  }
  function keepDraft() {
    if (!form.dataset.draftUrl) { return; }
    var title = form.querySelector("input[name=title]");
    var base = form.querySelector("input[name=base]");
    post(form.dataset.draftUrl, { title: title ? title.value : "", body: text.value, base: base ? base.value : "" })
      .then(function (response) { if (response.ok) { status.textContent = words.saved; } }).catch(function () {});
  }
  form.addEventListener("input", function () {
    dirty = true;
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 400);
    clearTimeout(draftTimer);
    draftTimer = setTimeout(keepDraft, 3000);
  });
  form.addEventListener("submit", function () { dirty = false; clearTimeout(draftTimer); });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = words.leave; return words.leave; }
  });
  refreshPreview();
}());
