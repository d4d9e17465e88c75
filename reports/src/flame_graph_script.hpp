#pragma once
// The script of every flame graph: zoom, search and hover over the frames
// flame_graph.cpp laid out. It finds its <svg> by id (an SVG script has no
// document.currentScript) and reads each frame from its attributes: data-x
// and data-w in samples, data-d the depth, data-name, data-fill.

namespace vigil::reports {

inline constexpr const char* kFlameGraphScript = R"JS(
(function (svg) {
  var W = +svg.getAttribute("data-width"), PAD = +svg.getAttribute("data-pad"), CHAR = 7;
  var total = +svg.getAttribute("data-total");
  var frames = Array.prototype.map.call(svg.querySelectorAll("g.f"), function (g) {
    return {g: g, x: +g.getAttribute("data-x"), w: +g.getAttribute("data-w"), d: +g.getAttribute("data-d"),
            name: g.getAttribute("data-name"), fill: g.getAttribute("data-fill"),
            rect: g.querySelector("rect"), text: g.querySelector("text"), info: g.querySelector("title").textContent};
  });
  var details = svg.querySelector(".details"), matched = svg.querySelector(".matched");
  var reset = svg.querySelector(".reset"), searchButton = svg.querySelector(".search");
  var zoomed = null, term = "";

  function label(name, width) {
    var n = Math.floor((width - 6) / CHAR);
    if (n < 3) return "";
    return name.length <= n ? name : name.substring(0, n - 2) + "..";
  }

  function layout() {
    var zx = zoomed ? zoomed.x : 0, zw = zoomed ? zoomed.w : total, zd = zoomed ? zoomed.d : 0;
    var scale = (W - 2 * PAD) / zw;
    frames.forEach(function (f) {
      var inside = f.d >= zd && f.x >= zx && f.x + f.w <= zx + zw;
      var ancestor = f.d < zd && f.x <= zx && f.x + f.w >= zx + zw;
      var x = ancestor ? PAD : PAD + (f.x - zx) * scale, w = ancestor ? W - 2 * PAD : f.w * scale;
      if ((!inside && !ancestor) || w < 0.1) {
        f.g.style.display = "none";
        return;
      }
      f.g.style.display = "";
      f.g.style.opacity = ancestor ? "0.55" : "";
      f.rect.setAttribute("x", x.toFixed(2));
      f.rect.setAttribute("width", Math.max(w - 0.5, 0.1).toFixed(2));
      f.text.setAttribute("x", (x + 3).toFixed(2));
      f.text.textContent = label(f.name, w);
    });
    reset.style.display = zoomed ? "" : "none";
  }

  function search(t) {
    term = t || "";
    var re = null, lower = term.toLowerCase();
    try { re = new RegExp(term, "i"); } catch (e) { re = null; }
    var hits = [];
    frames.forEach(function (f) {
      var hit = term !== "" && (re ? re.test(f.name) : f.name.toLowerCase().indexOf(lower) >= 0);
      f.rect.setAttribute("fill", hit ? "rgb(230,0,230)" : f.fill);
      if (hit) hits.push(f);
    });
    // Samples under any match, each counted once: a match inside another
    // match (recursion) adds nothing.
    hits.sort(function (a, b) { return a.x - b.x; });
    var covered = 0, end = 0;
    hits.forEach(function (f) {
      var start = Math.max(f.x, end);
      if (f.x + f.w > start) covered += f.x + f.w - start;
      end = Math.max(end, f.x + f.w);
    });
    var share = total > 0 ? covered / total * 100 : 0;
    matched.textContent = term === "" ? "" : "Matched: " + share.toFixed(1) + "% (" + covered + " of " + total + " samples)";
    svg.setAttribute("data-matched-samples", covered);
    return share;
  }

  frames.forEach(function (f) {
    f.g.addEventListener("click", function () {
      zoomed = f.d === 0 ? null : f;
      layout();
    });
    f.g.addEventListener("mouseover", function () { details.textContent = f.info; });
    f.g.addEventListener("mouseout", function () { details.textContent = ""; });
  });
  reset.addEventListener("click", function () {
    zoomed = null;
    layout();
  });
  searchButton.addEventListener("click", function () {
    var t = window.prompt("Search (regular expression)", term);
    if (t !== null) search(t);
  });
  var box = document.getElementById(svg.id + "-search");
  if (box) {
    box.addEventListener("input", function () { search(box.value); });
    searchButton.style.display = "none";
  }
  svg.vigilSearch = search;
  layout();
})
)JS";

}  // namespace vigil::reports
