// Tables that sort in the browser, and the filters form's multi-selects (issue 15).
//
// Without this script every header is a link the server answers with the rows in that order;
// with it, a small table (`table[data-client-sort]`, every row on the page) sorts in place and
// the URL changes to the same link, so a reload or a shared link shows the same order.
// Numbers sort by `data-value`, dates by `data-sort-value`, words by their text; blank cells
// (`data-blank`) stay last either way; the totals row sits in <tfoot> and never moves.
(function () {
  "use strict";

  function sortParam(url, table, key, descending) {
    var params = new URLSearchParams(url.search);
    var kept = params.getAll("sort").filter(function (v) { return v.indexOf(table + ":") !== 0; });
    params.delete("sort");
    kept.forEach(function (v) { params.append("sort", v); });
    params.append("sort", table + ":" + key + (descending ? ":desc" : ""));
    return url.pathname + "?" + params.toString();
  }

  function sortKey(cell) {
    if (cell.hasAttribute("data-value")) return { num: parseFloat(cell.getAttribute("data-value")) };
    if (cell.hasAttribute("data-sort-value")) return { text: cell.getAttribute("data-sort-value") };
    return { text: cell.textContent.trim().toLowerCase() };
  }

  function compare(a, b) {
    if (a.num !== undefined && b.num !== undefined) return a.num - b.num;
    var x = a.text !== undefined ? a.text : String(a.num);
    var y = b.text !== undefined ? b.text : String(b.num);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  function sortTable(table, link) {
    var name = table.getAttribute("data-client-sort");
    var key = link.getAttribute("data-sort");
    var wanted = new URL(link.href, window.location.href).searchParams.getAll("sort")
      .filter(function (v) { return v.indexOf(name + ":" + key) === 0; })[0] || "";
    var descending = /:desc$/.test(wanted);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var cellOf = function (row) { return row.querySelector('td[data-key="' + key + '"]'); };
    var present = rows.filter(function (r) { var c = cellOf(r); return c && !c.hasAttribute("data-blank"); });
    var blank = rows.filter(function (r) { return present.indexOf(r) < 0; });
    var keyed = present.map(function (r, i) { return { row: r, key: sortKey(cellOf(r)), i: i }; });
    keyed.sort(function (a, b) {
      var order = compare(a.key, b.key);
      return (descending ? -order : order) || a.i - b.i;
    });
    keyed.map(function (k) { return k.row; }).concat(blank).forEach(function (r) { body.appendChild(r); });

    var here = new URL(window.location.href);
    table.querySelectorAll("thead a[data-sort]").forEach(function (other) {
      var th = other.closest("th");
      var mark = other.querySelector(".sort-mark");
      var column = other.getAttribute("data-sort");
      var next;
      if (other === link) {
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        if (mark) mark.textContent = descending ? " ▼" : " ▲";
        next = !descending;
      } else {
        th.removeAttribute("aria-sort");
        if (mark) mark.textContent = "";
        next = other.getAttribute("data-first") === "desc";
      }
      other.setAttribute("href", sortParam(here, name, column, next));
    });
    var value = name + ":" + key + (descending ? ":desc" : "");
    window.history.replaceState(null, "", sortParam(here, name, key, descending));
    keepElsewhere(table, name, value);
  }

  // The page's other links and forms to this page (presets, the no-work toggle, other tables'
  // headers and pages, the filters and search forms) carry the new order too.
  function keepElsewhere(table, name, value) {
    var path = window.location.pathname;
    document.querySelectorAll("a[href]").forEach(function (a) {
      if (table.contains(a)) return;
      var target = new URL(a.href, window.location.href);
      if (target.origin !== window.location.origin || target.pathname !== path) return;
      var params = new URLSearchParams(target.search);
      var kept = params.getAll("sort").filter(function (v) { return v.indexOf(name + ":") !== 0; });
      params.delete("sort");
      kept.concat([value]).forEach(function (v) { params.append("sort", v); });
      a.setAttribute("href", target.pathname + "?" + params.toString());
    });
    document.querySelectorAll("form[method=get]").forEach(function (form) {
      var action = new URL(form.getAttribute("action") || path, window.location.href);
      if (action.pathname !== path) return;
      form.querySelectorAll('input[type=hidden][name=sort]').forEach(function (input) {
        if (input.value.indexOf(name + ":") === 0) input.remove();
      });
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "sort";
      input.value = value;
      form.appendChild(input);
    });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("table[data-client-sort] thead a[data-sort]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    sortTable(link.closest("table"), link);
  });

  // ---- the filters form: "All …" clears the others; projects narrow to chosen workspaces ----

  function chosen(select) {
    return Array.prototype.filter.call(select.options, function (o) { return o.selected && o.value; })
      .map(function (o) { return o.value; });
  }

  function narrowProjects(form) {
    var workspaces = form.querySelector("select[name=workspace]");
    var projects = form.querySelector("select[name=project]");
    if (!workspaces || !projects) return;
    var picked = chosen(workspaces);
    Array.prototype.forEach.call(projects.options, function (o) {
      if (!o.hasAttribute("data-workspace")) return;
      var outside = picked.length > 0 && picked.indexOf(o.getAttribute("data-workspace")) < 0;
      o.disabled = outside;
      o.hidden = outside;
      if (outside) o.selected = false;
    });
    projects.querySelectorAll("optgroup").forEach(function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
  }

  function onChange(event) {
    var select = event.target;
    if (!select.matches || !select.matches("form.filters select[data-multi]")) return;
    var all = select.querySelector('option[value=""]');
    if (all) {
      var others = chosen(select);
      if (all.selected && others.length && select.getAttribute("data-all") !== "1") {
        // "All …" picked anew: every other choice goes.
        Array.prototype.forEach.call(select.options, function (o) { o.selected = o === all; });
      } else if (others.length) {
        all.selected = false;
      }
      select.setAttribute("data-all", all.selected ? "1" : "0");
    }
    if (select.name === "workspace") narrowProjects(select.form);
  }

  function init() {
    document.querySelectorAll("form.filters select[data-multi]").forEach(function (select) {
      var all = select.querySelector('option[value=""]');
      if (all && !chosen(select).length) all.selected = true;
      select.setAttribute("data-all", all && all.selected ? "1" : "0");
    });
    document.querySelectorAll("form.filters").forEach(narrowProjects);
  }

  document.addEventListener("change", onChange);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
