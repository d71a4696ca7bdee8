/* Comments on a passage: select words in a text (an element .passage-text with data-path,
 * data-revision and data-label) and a button "comment on this passage" fills the comment
 * form's hidden anchor fields (exact, prefix, suffix, start, end, revision, path).
 * Offsets are counted over the text content without the links the server added (paragraph
 * links, notes), as the server counts its rendered plain text, and are sent in code points:
 * the browser counts UTF-16 units, so characters beyond the BMP are converted.
 * Without this script every paragraph has a link to comment on it. No inline scripts
 * (the Content-Security-Policy forbids them), no libraries. */
(function () {
  "use strict";
  var form = document.querySelector("form#comment-form");
  var texts = document.querySelectorAll(".passage-text");
  if (!form || !texts.length) { return; }
  var ADDED = ".passage-link, .passage-tools, .passage-note";
  var CONTEXT = 32;
  var chosen = null;

  function textNodes(container) {
    var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentElement.closest(ADDED) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    var nodes = [], at = 0, node;
    while ((node = walker.nextNode())) { nodes.push({ node: node, start: at }); at += node.data.length; }
    return nodes;
  }

  function codePoints(text) { return Array.from(text).length; }

  function isLow(code) { return code >= 0xDC00 && code <= 0xDFFF; }
  function isHigh(code) { return code >= 0xD800 && code <= 0xDBFF; }

  function anchorOf(container, range) {
    var nodes = textNodes(container);
    var text = nodes.map(function (item) { return item.node.data; }).join("");
    var start = null, end = null;
    nodes.forEach(function (item) {
      if (!range.intersectsNode(item.node)) { return; }
      var from = item.node === range.startContainer ? item.start + range.startOffset : item.start;
      var to = item.node === range.endContainer ? item.start + range.endOffset : item.start + item.node.data.length;
      if (start === null) { start = from; }
      end = to;
    });
    if (start === null || end <= start) { return null; }
    while (start < end && /\s/.test(text.charAt(start))) { start += 1; }
    while (end > start && /\s/.test(text.charAt(end - 1))) { end -= 1; }
    if (end <= start) { return null; }
    var prefix = text.slice(Math.max(0, start - CONTEXT), start);
    if (prefix && isLow(prefix.charCodeAt(0))) { prefix = prefix.slice(1); }
    var suffix = text.slice(end, end + CONTEXT);
    if (suffix && isHigh(suffix.charCodeAt(suffix.length - 1))) { suffix = suffix.slice(0, -1); }
    var startPoints = codePoints(text.slice(0, start));
    var exact = text.slice(start, end);
    return {
      revision: container.dataset.revision, path: container.dataset.path, exact: exact,
      prefix: prefix, suffix: suffix, start: startPoints, end: startPoints + codePoints(exact)
    };
  }

  function fill(anchor) {
    Object.keys(anchor).forEach(function (key) {
      var input = form.querySelector("input[name='anchor-" + key + "']");
      if (input) { input.value = String(anchor[key]); }
    });
    var shown = form.querySelector(".passage-chosen");
    if (shown) {
      shown.querySelector("q").textContent = anchor.exact.length > 300 ? anchor.exact.slice(0, 297) + "..." : anchor.exact;
      shown.hidden = false;
    }
    var body = form.querySelector("textarea[name=body]");
    if (body) { body.focus(); }
  }

  texts.forEach(function (container) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "utrecht-button utrecht-button--secondary-action passage-button";
    button.textContent = container.dataset.label;
    button.hidden = true;
    var holder = document.createElement("p");
    holder.className = "passage-action";
    holder.appendChild(button);
    container.after(holder);
    button.addEventListener("click", function () {
      if (chosen && chosen.container === container) { fill(chosen.anchor); }
    });
    container.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && chosen && chosen.container === container) { button.focus(); }
    });
  });

  document.addEventListener("selectionchange", function () {
    var selection = document.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) { return; }
    var range = selection.getRangeAt(0);
    var found = null;
    texts.forEach(function (container) {
      if (container.contains(range.commonAncestorContainer)) { found = container; }
    });
    if (!found) { return; }
    var anchor = anchorOf(found, range);
    if (!anchor) { return; }
    chosen = { container: found, anchor: anchor };
    texts.forEach(function (container) {
      container.nextElementSibling.querySelector(".passage-button").hidden = container !== found;
    });
  });
})();
