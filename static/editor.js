/* The editor's extras; the form works without them.
 * - a Markdown toolbar above each text,
 * - a live preview right next to (or, on narrow screens, under) the text: one per text, the
 *   same element the server put there after a "Preview" without JavaScript,
 * - the "Preview" button shows that preview in place instead of posting the form,
 * - a warning before leaving with unsaved changes,
 * - a draft kept on the server every few seconds (offered back at the next edit).
 * No inline scripts (the Content-Security-Policy forbids them), no libraries. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  var texts = form ? form.querySelectorAll("textarea[data-editor]") : [];
  if (!form || !texts.length) { return; }
  var lang = document.documentElement.lang === "en" ? "en" : "nl";
  var words = {
    nl: { toolbar: "Opmaak", bold: "Vet", italic: "Cursief", heading: "Kop", list: "Lijst", link: "Link",
          preview: "Voorbeeld", shown: "Het voorbeeld staat naast de tekst.", saved: "Concept bewaard",
          leave: "Je wijzigingen zijn nog niet opgeslagen." },
    en: { toolbar: "Formatting", bold: "Bold", italic: "Italic", heading: "Heading", list: "List", link: "Link",
          preview: "Preview", shown: "The preview is next to the text.", saved: "Draft kept",
          leave: "Your changes are not saved yet." }
  }[lang];
  var token = form.querySelector("input[name=csrf_token]").value;
  var dirty = false;

  function post(url, fields) {
    var data = new FormData();
    data.append("csrf_token", token);
    Object.keys(fields).forEach(function (key) { data.append(key, fields[key]); });
    return fetch(url, { method: "POST", body: data, credentials: "same-origin" });
  }

  function toolbarFor(text) {
    function wrap(before, after, placeholder) {
      var start = text.selectionStart, end = text.selectionEnd;
      var chosen = text.value.slice(start, end) || placeholder;
      text.setRangeText(before + chosen + after, start, end, "select");
      text.focus();
      text.dispatchEvent(new Event("input", { bubbles: true }));
    }
    function linePrefix(prefix) {
      var start = text.value.lastIndexOf("\n", text.selectionStart - 1) + 1;
      text.setRangeText(prefix, start, start, "end");
      text.focus();
      text.dispatchEvent(new Event("input", { bubbles: true }));
    }
    var toolbar = document.createElement("div");
    toolbar.className = "toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", words.toolbar);
    toolbar.setAttribute("aria-controls", text.id);
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
    return toolbar;
  }

  /* The preview next to one text: the server's (after a preview without JavaScript) or a new one. */
  function previewFor(text) {
    var panes = text.parentNode;
    var section = panes.querySelector(".preview");
    if (!section) {
      section = document.createElement("section");
      section.className = "preview";
      section.id = "preview" + text.id.slice(4);
      section.tabIndex = -1;
      var heading = document.createElement("h2");
      heading.className = "utrecht-heading-2";
      heading.id = section.id + "-heading";
      heading.textContent = words.preview;
      section.setAttribute("aria-labelledby", heading.id);
      var content = document.createElement("div");
      content.className = "content";
      content.lang = "nl";
      section.appendChild(heading);
      section.appendChild(content);
      panes.appendChild(section);
    }
    section.classList.add("live-preview");
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    section.appendChild(status);
    return { section: section, content: section.querySelector(".content"), status: status };
  }

  var editors = Array.prototype.map.call(texts, function (text) {
    text.parentNode.parentNode.insertBefore(toolbarFor(text), text.parentNode);
    var editor = { text: text, preview: previewFor(text), timer: null };
    editor.refresh = function () {
      return post(form.dataset.previewUrl, { body: text.value }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) { if (data) { editor.preview.content.innerHTML = data.html; } }).catch(function () {});
    };
    text.addEventListener("input", function () {
      clearTimeout(editor.timer);
      editor.timer = setTimeout(editor.refresh, 400);
    });
    return editor;
  });

  /* "Preview" shows the previews where they are, without posting the form. */
  Array.prototype.forEach.call(form.querySelectorAll("button[name=action][value=preview]"), function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      editors.forEach(function (editor) {
        clearTimeout(editor.timer);
        editor.refresh().then(function () {
          editor.preview.status.textContent = "";
          editor.preview.status.textContent = words.shown;
        });
      });
      editors[0].preview.section.scrollIntoView({ block: "nearest" });
    });
  });

  var draftStatus = document.createElement("p");
  draftStatus.className = "hint draft-status";
  draftStatus.setAttribute("role", "status");
  form.appendChild(draftStatus);
  var draftTimer = null;
  /* One draft for the form, or, where a form edits several pages (a proposal's revision), one
   * per page: its text says which (data-draft-page) and its title field shares its suffix. */
  function keepDraft() {
    if (!form.dataset.draftUrl) { return; }
    var base = form.querySelector("input[name=base]") || form.querySelector("input[name=head]");
    var perPage = editors.filter(function (editor) { return editor.text.dataset.draftPage; });
    (perPage.length ? perPage : [editors[0]]).forEach(function (editor) {
      var page = editor.text.dataset.draftPage;
      var title = form.querySelector("input[name=title" + (page ? editor.text.name.slice(4) : "") + "]");
      post(form.dataset.draftUrl + (page ? encodeURI(page) : ""), {
        title: title ? title.value : "", body: editor.text.value, base: base ? base.value : "",
        kind: form.dataset.draftKind || "", proposal: form.dataset.draftProposal || ""
      }).then(function (response) { if (response.ok) { draftStatus.textContent = words.saved; } }).catch(function () {});
    });
  }
  form.addEventListener("input", function () {
    dirty = true;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(keepDraft, 3000);
  });
  form.addEventListener("submit", function () { dirty = false; clearTimeout(draftTimer); });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = words.leave; return words.leave; }
  });
  /* After a "Preview" or "Review" without this script's help the answer's address ends in
   * #preview or #review: the toolbar and the live preview moved that place while loading, so
   * go there again once they are in. */
  var target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  Promise.all(editors.map(function (editor) { return editor.refresh(); })).then(function () {
    if (target) { target.scrollIntoView(); target.focus({ preventScroll: true }); }
  });
}());
