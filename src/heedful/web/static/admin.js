// Admin pages: the live signature example. As the admin types a signature format, show how
// the signed-in agent's reply would end, with the placeholders the server knows
// (heedful.care.config.PLACEHOLDERS). The server checks the format again on save; without
// JavaScript the "Preview without saving" button shows the same examples.
(function () {
  "use strict";
  const form = document.querySelector("form[data-signature-form]");
  if (!form) return;
  const who = JSON.parse(form.dataset.agent || "{}");
  const sample = form.dataset.sample || "";
  const teamInput = form.querySelector("[name=team]");
  const defaultInput = form.querySelector("[name=signature]");

  function render(format) {
    const values = Object.assign({}, who, { team: (teamInput && teamInput.value.trim()) || who.team });
    let problem = null;
    const text = format.replace(/\{\{|\}\}|\{([^{}]*)\}/g, function (match, name) {
      if (match === "{{") return "{";
      if (match === "}}") return "}";
      if (!(name in values)) {
        problem = "unknown placeholder {" + name + "}";
        return match;
      }
      return values[name];
    });
    return problem ? "(" + problem + ")" : text;
  }

  function update() {
    form.querySelectorAll("output[data-example-of]").forEach(function (out) {
      const input = form.querySelector("#" + out.dataset.exampleOf);
      if (!input) return;
      const format = input.value.replace(/\r\n/g, "\n");
      const used = format.trim() ? format : defaultInput.value.replace(/\r\n/g, "\n");
      out.textContent = sample.trimEnd() + render(used);
    });
  }

  form.addEventListener("input", update);
  update();
})();
