// The time-zone field: its list (every IANA zone, common ones first) narrows to the zones that
// hold what is typed, in any case ("tok" → Asia/Tokyo, Antarctica/Vostok, Asia/Vladivostok),
// whatever the browser's own matching of a datalist does.
(function () {
  "use strict";
  function narrow(input, list, all) {
    var typed = input.value.trim().toLowerCase();
    var shown = typed ? all.filter(function (zone) { return zone.toLowerCase().indexOf(typed) !== -1; }) : all;
    if (shown.length === 1 && shown[0].toLowerCase() === typed) shown = all;
    list.replaceChildren.apply(list, shown.map(function (zone) {
      var option = document.createElement("option");
      option.value = zone;
      return option;
    }));
    list.setAttribute("data-shown", String(shown.length));
  }
  function start() {
    document.querySelectorAll("input[list=tz-list]").forEach(function (input) {
      var list = document.getElementById("tz-list");
      if (!list) return;
      var all = Array.prototype.map.call(list.options, function (o) { return o.value; });
      input.addEventListener("input", function () { narrow(input, list, all); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
