// rulelint catalog report: filters that run from file:// (no server, no network).
(function () {
  "use strict";
  function value(id) { var el = document.getElementById(id); return el ? el.value.trim().toLowerCase() : ""; }
  function apply() {
    var query = value("search"), vendor = value("vendor"), platform = value("platform");
    var items = document.querySelectorAll("[data-filterable]");
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var text = (el.getAttribute("data-text") || el.textContent).toLowerCase();
      var vendors = (el.getAttribute("data-vendors") || "").split(" ");
      var platforms = (el.getAttribute("data-platforms") || "").split(" ");
      var shown = (!query || text.indexOf(query) >= 0) &&
                  (!vendor || vendors.indexOf(vendor) >= 0) &&
                  (!platform || platforms.indexOf(platform) >= 0);
      el.hidden = !shown;
    }
    var groups = document.querySelectorAll("[data-group]");
    for (var j = 0; j < groups.length; j++) {
      var visible = groups[j].querySelectorAll("[data-filterable]:not([hidden])").length;
      groups[j].hidden = visible === 0;
      var counter = groups[j].querySelector("[data-visible]");
      if (counter) { counter.textContent = String(visible); }
    }
    var total = document.getElementById("visible-total");
    if (total) {
      var seen = {}, rows = document.querySelectorAll("[data-filterable][data-technique]:not([hidden])");
      for (var k = 0; k < rows.length; k++) { seen[rows[k].getAttribute("data-technique")] = true; }
      total.textContent = String(Object.keys(seen).length);
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    ["search", "vendor", "platform"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) { el.addEventListener("input", apply); el.addEventListener("change", apply); }
    });
    apply();
  });
})();
