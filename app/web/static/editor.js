// Scenario editor: validate as the trainer types (debounced), show errors next to the editor,
// and put the cursor on the line the first error points at.
(function () {
  "use strict";
  const area = document.getElementById("yaml");
  const box = document.getElementById("check");
  if (!area || !box) return;
  let timer = null;

  function lineOf(message) {
    const m = /line (\d+)/.exec(message);
    if (m) return parseInt(m[1], 10) - 1;
    const key = /^([A-Za-z_]+)/.exec(message); // "states[2].lines: ..." -> the top-level key "states"
    if (!key) return -1;
    const lines = area.value.split("\n");
    return lines.findIndex(function (l) { return l.startsWith(key[1] + ":"); });
  }

  function select(line) {
    if (line < 0) return;
    const lines = area.value.split("\n");
    let start = 0;
    for (let i = 0; i < line && i < lines.length; i++) start += lines[i].length + 1;
    area.setSelectionRange(start, start + (lines[line] || "").length);
    area.scrollTop = Math.max(0, line * parseFloat(getComputedStyle(area).lineHeight) - 60);
  }

  function show(out) {
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

  async function check() {
    const res = await fetch("/api/v1/trainer/scenarios/check", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ yaml: area.value }),
    });
    if (res.ok) show(await res.json());
  }

  area.addEventListener("keydown", function (e) {
    if (e.key === "Tab") { // indent instead of leaving the editor
      e.preventDefault();
      area.setRangeText("  ", area.selectionStart, area.selectionEnd, "end");
    }
  });
  area.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 700);
  });
  const first = box.querySelector(".errors li");
  if (first) select(lineOf(first.textContent));
})();
