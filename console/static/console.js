// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // "Add a SKU row": copy the last row with the next index, emptied.
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var table = document.querySelector('[data-rows="' + button.dataset.addRow + '"] tbody');
    if (!table) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var last = table.querySelector("tr:last-child");
      var next = Number(last.dataset.row) + 1;
      var row = last.cloneNode(true);
      row.dataset.row = String(next);
      row.removeAttribute("data-id");
      row.querySelectorAll("[name], [id], [for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/skus-\d+-/, "skus-" + next + "-"));
        });
        if (el.name && /-id$/.test(el.name)) el.remove();
        else if ("value" in el) el.value = "";
      });
      row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
      table.appendChild(row);
      var first = row.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    });
  });
  // Segment rules: a value's suggestions (stages, yes/no, tags) follow the field chosen in its row.
  var rules = document.querySelector("[data-field-kinds]");
  if (rules) {
    var kinds = JSON.parse(rules.dataset.fieldKinds);
    rules.addEventListener("change", function (event) {
      var select = event.target;
      if (!/^rules-\d+-field$/.test(select.name || "")) return;
      var value = rules.querySelector('[name="' + select.name.replace(/-field$/, "-value") + '"]');
      var list = kinds[select.value] && document.getElementById("rule-values-" + kinds[select.value]);
      if (!value) return;
      if (list) value.setAttribute("list", list.id);
      else value.removeAttribute("list");
    });
  }
  // A new campaign: show the coupon or the points field, whichever the chosen grant needs.
  var kind = document.querySelector('select[name="action-kind"]');
  if (kind) {
    var showKind = function () {
      document.querySelectorAll("[data-for-kind]").forEach(function (part) {
        part.hidden = part.dataset.forKind !== kind.value;
      });
    };
    kind.addEventListener("change", showKind);
    showKind();
  }
  // A form whose submit was refused: bring the first invalid field into view and focus.
  var invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
})();
