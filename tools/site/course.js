// The course site's two behaviours, no library needed: live sliders from precomputed frames, and search.
(function () {
  "use strict";

  // Live sliders: data-frames holds {mode, sliders: [{label, values, default}], frames}.
  // "each": frames[i][j] shows slider i at value j, the others at their defaults.
  // "grid": frames[j0 * n1 + j1] shows both sliders of a 2-D explorer at once.
  function liveWidget(root) {
    var table = JSON.parse(root.getAttribute("data-frames"));
    var inputs = Array.prototype.slice.call(root.querySelectorAll("input[data-slider]"));
    var image = root.querySelector("img.live-image");
    function show(moved) {
      if (table.mode === "each") {
        inputs.forEach(function (input, k) {
          if (k !== moved) { input.value = table.sliders[k]["default"]; }
        });
      }
      inputs.forEach(function (input, k) { input.nextElementSibling.textContent = table.sliders[k].values[+input.value]; });
      var src = table.mode === "grid"
        ? table.frames[(+inputs[0].value) * table.sliders[1].values.length + (+inputs[1].value)]
        : table.frames[moved][+inputs[moved].value];
      if (image.getAttribute("src") !== src) { image.setAttribute("src", src); }
    }
    inputs.forEach(function (input, k) { input.addEventListener("input", function () { show(k); }); });
    var play = root.querySelector("button.live-play");
    if (play) {
      var timer = null;
      play.addEventListener("click", function () {
        if (timer) { clearInterval(timer); timer = null; play.innerHTML = "&#9654; play"; return; }
        var input = inputs[0];
        if (+input.value >= +input.max) { input.value = 0; }
        play.innerHTML = "&#10074;&#10074; pause";
        timer = setInterval(function () {
          if (+input.value >= +input.max) { clearInterval(timer); timer = null; play.innerHTML = "&#9654; play"; return; }
          input.value = +input.value + 1; show(0);
        }, 120);
      });
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll(".live-widget"), liveWidget);

  // Search: every heading of every page is a record {page, notebook, id, title, text}; all words must match.
  var lang = document.documentElement.lang || "en";  // each edition searches its own pages
  var records = (window.COURSE_SEARCH || []).filter(function (r) { return (r.lang || "en") === lang; });
  function escapeHtml(s) { return s.replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  function search(query) {
    var words = query.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 1; });
    if (!words.length) { return []; }
    var hits = [];
    records.forEach(function (r) {
      var title = r.title.toLowerCase(), text = r.text.toLowerCase(), score = 0;
      for (var i = 0; i < words.length; i++) {
        var inTitle = title.indexOf(words[i]) >= 0, count = text.split(words[i]).length - 1;
        if (!inTitle && !count) { return; }
        score += (inTitle ? 10 : 0) + Math.min(count, 10);
      }
      hits.push({record: r, score: score});
    });
    hits.sort(function (a, b) { return b.score - a.score; });
    return hits.slice(0, 12).map(function (h) { return h.record; });
  }
  function snippet(text, word) {
    var at = Math.max(0, text.toLowerCase().indexOf(word) - 60);
    var piece = escapeHtml(text.slice(at, at + 160));
    return (at > 0 ? "&hellip;" : "") + piece.replace(new RegExp("(" + word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + ")", "ig"), "<mark>$1</mark>");
  }
  Array.prototype.forEach.call(document.querySelectorAll(".course-search"), function (box) {
    var input = box.querySelector("input"), list = box.querySelector(".search-results");
    input.addEventListener("input", function () {
      var word = input.value.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 1; })[0] || "";
      list.innerHTML = search(input.value).map(function (r) {
        return '<li><a href="' + r.page + (r.id ? "#" + encodeURIComponent(r.id) : "") + '">' + escapeHtml(r.title) +
          '</a><span class="where">' + escapeHtml(r.notebook) + "</span>" + snippet(r.text, word) + "</li>";
      }).join("") || (input.value.trim() ? (lang === "ko" ? "<li>찾는 내용이 없습니다.</li>" : "<li>No match.</li>") : "");
    });
  });
})();
