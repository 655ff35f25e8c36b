// 资料库 / Library: polls the JSON list while a build runs and updates each row's status and bar.
(function () {
  "use strict";
  const box = document.getElementById("library");
  if (!box) return;
  const T = JSON.parse(document.getElementById("i18n").textContent);
  const building = document.getElementById("library-building");

  function update(doc) {
    const row = box.querySelector('tr[data-doc="' + CSS.escape(doc.name) + '"]');
    if (!row) return false;
    const tag = row.querySelector(".lib-status");
    tag.textContent = T[doc.status] || doc.status;
    tag.className = "tag lib-status lib-" + doc.status;
    const bar = row.querySelector(".lib-bar");
    bar.hidden = !(doc.status === "queued" || doc.status === "indexing");
    bar.querySelector("i").style.width = doc.progress + "%";
    row.querySelector(".lib-error").textContent = doc.error || "";
    return true;
  }

  function poll() {
    fetch(box.dataset.poll, { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data) return;
        let known = true;
        for (const doc of data.documents) known = update(doc) && known;
        if (!known) { window.location.reload(); return; }  // a document added elsewhere
        building.hidden = !data.building;
        if (data.building) setTimeout(poll, 1000);
      })
      .catch(() => setTimeout(poll, 3000));
  }
  if (!building.hidden || box.querySelector(".lib-bar:not([hidden])")) poll();
})();
