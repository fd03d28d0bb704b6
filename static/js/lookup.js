// The "Who" look-up (contacts.forms.WhoMixin): htmx posts the term and puts the matches, radio
// buttons named "person", under the field. From the field itself Arrow down/up choose among
// them and Enter takes the one chosen (the first when none is), so linking the citizen is one
// key and Enter never saves the form half-written while staff search.
(function () {
  "use strict";

  function radios(field) {
    var matches = document.getElementById(field.dataset.lookup);
    return matches ? Array.prototype.slice.call(matches.querySelectorAll("input[type=radio][name=person]")) : [];
  }

  function choose(options, index) {
    options[index].checked = true;
    options[index].dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!field.dataset || !field.dataset.lookup || event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    var options = radios(field);
    if (!options.length) {
      return;
    }
    var current = options.findIndex(function (option) { return option.checked; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = current === -1 ? (step === 1 ? 0 : options.length - 1) : current + step;
      choose(options, (next + options.length) % options.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (current === -1 || options[current].value === "") {
        choose(options, 0);
      }
    }
  });
})();
