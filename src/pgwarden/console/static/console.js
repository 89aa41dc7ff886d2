// pgwarden console: refresh the panels in place, and copy fix SQL. The page works without this file.
(function () {
  "use strict";
  var seconds = parseFloat(document.body.getAttribute("data-refresh")) || 10;

  function wireCopy(root) {
    root.querySelectorAll("button.copy").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var code = button.parentElement.querySelector("code");
        var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(code.textContent).then(done, function () { select(code); });
        } else {
          select(code);
          try { document.execCommand("copy"); done(); } catch (e) { /* selected: the user copies it */ }
        }
      });
    });
  }

  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function refresh() {
    fetch("panels", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        var main = document.getElementById("panels");
        var y = window.scrollY;
        main.innerHTML = html;
        window.scrollTo(0, y);
        wireCopy(main);
        var nav = main.querySelector("nav.chips"), state = document.getElementById("state");
        if (nav && state) {
          state.className = "state tone-" + nav.getAttribute("data-state");
          state.textContent = nav.getAttribute("data-word");
        }
        document.body.setAttribute("data-refreshed", new Date().toISOString());
      })
      .catch(function () { /* the console itself is away: keep what is shown, try again */ })
      .finally(function () { setTimeout(refresh, seconds * 1000); });
  }

  wireCopy(document);
  setTimeout(refresh, seconds * 1000);
})();
