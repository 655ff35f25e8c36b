// Scenario editor: validate as the trainer types (debounced) and show errors next to the editor.
(function () {
  "use strict";
  const area = document.getElementById("yaml");
  const box = document.getElementById("check");
  if (!area || !box) return;
  let timer = null;
  area.addEventListener("keydown", function (e) {
    if (e.key === "Tab") { // indent instead of leaving the editor
      e.preventDefault();
      const s = area.selectionStart;
      area.setRangeText("  ", s, area.selectionEnd, "end");
    }
  });
  area.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 700);
  });
  async function check() {
    const res = await fetch("/api/v1/trainer/scenarios/check", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ yaml: area.value }),
    });
    if (!res.ok) return;
    const out = await res.json();
    box.textContent = "";
    box.className = "check " + (out.ok ? "good" : "bad");
    if (out.ok) { box.textContent = "✓ " + out.scenario.id; return; }
    const ul = document.createElement("ul");
    ul.className = "errors";
    for (const part of out.error.split("; ")) {
      const li = document.createElement("li");
      li.textContent = part;
      ul.appendChild(li);
    }
    box.appendChild(ul);
  }
})();
