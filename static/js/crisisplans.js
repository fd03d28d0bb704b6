// Crisis plans: add rows to the people sections of the plan form; the print button.
(function () {
  "use strict";

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.dataset.addRow;
      var fieldset = button.closest("[data-formset]");
      var total = fieldset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
      var template = fieldset.querySelector("template.people-empty-row");
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      fieldset.querySelector(".people-rows").insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var inputs = fieldset.querySelectorAll(".people-rows .people-row:last-child input");
      if (inputs.length) { inputs[0].focus(); }
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
