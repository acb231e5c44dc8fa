// tas_classify workbench: the little the pages need beyond HTML forms. Every form works without
// it; with it, a correction is saved without leaving the page and the verdict panel is redrawn
// from the server (HTML rendered and escaped there), and the keyboard drives the review.
(function () {
  "use strict";

  // ---- forms that ask first (deleting a review): no inline handlers, the page's CSP forbids them
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  // ---- progress page: poll until the ledger is classified, then show the review
  var card = document.getElementById("progress-card");
  if (card) {
    var id = card.dataset.review;
    var poll = function () {
      fetch("/api/reviews/" + id, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (r) {
          var bar = document.getElementById("progress");
          var text = document.getElementById("progress-text");
          if (r.total) { bar.max = r.total; bar.value = r.done; }
          text.textContent = r.done + (r.total ? " / " + r.total : "") + " 行";
          if (r.status === "classifying") { setTimeout(poll, 250); } else { location.reload(); }
        })
        .catch(function () { setTimeout(poll, 1000); });
    };
    setTimeout(poll, 150);
    return;
  }

  var review = document.getElementById("review");
  if (!review) { return; }
  var reviewId = review.dataset.review;
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.group"));
  var current = -1;

  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "toast";
      document.body.appendChild(box);
    }
    box.textContent = message;
    box.style.display = "block";
    clearTimeout(box.timer);
    box.timer = setTimeout(function () { box.style.display = "none"; }, 3000);
  }

  function select(i, focus) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r) { r.classList.remove("selected"); });
    rows[current].classList.add("selected");
    if (focus !== false) { rows[current].focus(); }
  }

  function refreshVerdict() {
    return fetch("/reviews/" + reviewId + "/verdict-panel")
      .then(function (r) { return r.text(); })
      .then(function (html) { document.getElementById("verdict-panel").innerHTML = html; });
  }

  function show(row, group) {
    row.classList.toggle("reviewed", group.reviewed);
    row.classList.toggle("at-risk", group.needs_review && !group.reviewed);
    row.classList.toggle("corrected", group.code !== group.model_code);
    row.querySelector(".code-id").textContent = group.code;
    row.querySelector(".code-name").textContent = group.name;
    var picker = row.querySelector(".picker");
    picker.value = group.code;
    var chosen = picker.options[picker.selectedIndex];
    row.querySelector("td.code").title = chosen ? chosen.title : "";
    row.querySelector(".mark").textContent = group.reviewed ? "已复核" : "";
    var was = row.querySelector(".was");
    if (group.code !== group.model_code) {
      if (!was) {
        was = document.createElement("div");
        was.className = "was";
        row.querySelector("td.code").appendChild(was);
      }
      was.textContent = "模型 model: " + group.model_code;
    } else if (was) {
      was.remove();
    }
  }

  function save(row) {
    var code = row.querySelector(".picker").value;
    return fetch("/api/reviews/" + reviewId + "/groups/" + row.dataset.key, {
      method: "PUT",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ code: code, reviewed: true })
    })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error(body.error || r.statusText); }
          return body;
        });
      })
      .then(function (group) {
        show(row, group);
        return refreshVerdict();
      })
      .catch(function (e) { toast("未保存 not saved: " + e.message); });
  }

  rows.forEach(function (row, i) {
    var form = row.querySelector("form.correct");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      select(i, false);
      save(row);
    });
    row.querySelector(".picker").addEventListener("change", function () {
      select(i, false);
      save(row);
    });
    row.addEventListener("click", function () { select(i, false); });
  });

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea") {
      if (event.key === "Escape") { event.target.blur(); select(current < 0 ? 0 : current); }
      return;
    }
    // a focused link or button keeps its own keys (Enter follows the link, presses the button)
    if (tag === "a" || tag === "button" || event.target.isContentEditable) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var row = rows[current];
    switch (event.key) {
      case "j": case "ArrowDown": select(current + 1); break;
      case "k": case "ArrowUp": select(current - 1); break;
      case "Enter": case "a":
        if (row) { save(row).then(function () { select(current + 1); }); }
        break;
      case "c": if (row) { row.querySelector(".picker").focus(); } break;
      case "u": document.getElementById("undo-form").submit(); break;
      case "/": document.getElementById("q").focus(); break;
      default: return;
    }
    event.preventDefault();
  });

  if (rows.length) { select(0, false); }
})();
