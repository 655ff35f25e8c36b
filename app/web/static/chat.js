// Chat page: send a reply, stream the customer's answer (SSE over fetch), show the score chip.
// All text goes in with textContent, never innerHTML, so nothing a rep or customer types can run.
(function () {
  "use strict";
  const chat = document.getElementById("chat");
  if (!chat) return;
  const sessionId = chat.dataset.session;
  const T = JSON.parse(document.getElementById("i18n").textContent);
  const list = document.getElementById("messages");
  const form = document.getElementById("composer");
  const box = document.getElementById("reply");
  const send = document.getElementById("send");
  const err = document.getElementById("err");
  const over = document.getElementById("over");

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function bubble(role, text) {
    const m = el("div", "msg msg-" + role);
    m.appendChild(el("div", "who", role === "customer" ? T.customer : T.you));
    const b = el("div", "bubble", text);
    m.appendChild(b);
    list.appendChild(m);
    list.scrollTop = list.scrollHeight;
    m.scrollIntoView({ block: "end" });
    return { msg: m, body: b };
  }

  function feedback(s) {
    const d = el("details", "fb");
    const sum = el("summary", "chip band-" + s.band);
    sum.title = T.view_feedback;
    sum.appendChild(el("b", null, s.score));
    sum.appendChild(el("span", null, T.band + " " + s.band));
    d.appendChild(sum);
    const body = el("div", "fb-body");
    body.appendChild(el("p", "fb-text", s.feedback));
    const ul = el("ul", "crit");
    for (const c of s.criteria) {
      const li = el("li");
      li.appendChild(el("span", "crit-name", T.crit[c.id] || c.id));
      const bar = el("span", "bar");
      const fill = el("i");
      const known = c.score !== null && c.score !== undefined;
      fill.style.width = (known ? Math.max(0, Math.min(100, Number(c.score))) : 0) + "%";
      bar.appendChild(fill);
      li.appendChild(bar);
      li.appendChild(el("b", null, known ? c.score : "—"));
      li.appendChild(el("small", null, c.comment));
      ul.appendChild(li);
    }
    body.appendChild(ul);
    body.appendChild(el("h4", null, T.better_reply));
    body.appendChild(el("blockquote", "better", s.better_reply));
    if (s.citations && s.citations.length) {
      body.appendChild(el("h4", null, T.citations));
      const cl = el("ul", "cites");
      for (const c of s.citations) {
        const li = el("li");
        const cite = el("cite");
        const link = el("a", null, c.source);
        // The passage page shows the cited text highlighted in its document.
        link.href = "/knowledge/passage?source=" + encodeURIComponent(c.source) +
          "&text=" + encodeURIComponent(c.text.slice(0, 60)) + "#cited";
        cite.appendChild(link);
        li.appendChild(cite);
        li.appendChild(el("span", null, c.text));
        cl.appendChild(li);
      }
      body.appendChild(cl);
    }
    d.appendChild(body);
    return d;
  }

  function finished() {
    form.classList.add("hidden");
    over.classList.remove("hidden");
    chat.dataset.active = "false";
  }

  async function readEvents(res, on) {
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = "message", data = "";
        for (const line of frame.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        on(event, data ? JSON.parse(data) : null);
      }
    }
  }

  async function submit(ev) {
    ev.preventDefault();
    const text = box.value;
    err.textContent = "";
    if (!text.trim()) { box.focus(); return; }
    send.disabled = true;
    const rep = bubble("rep", text);
    rep.msg.classList.add("pending");
    box.value = "";
    const cust = bubble("customer", "");
    cust.body.classList.add("typing");
    cust.body.title = T.thinking;
    try {
      const res = await fetch("/api/v1/sessions/" + sessionId + "/messages/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ text: text }),
      });
      if (!res.ok) {
        let detail = res.status + "";
        try { detail = (await res.json()).detail || detail; } catch (e) { /* not JSON */ }
        throw new Error(detail);
      }
      await readEvents(res, function (event, data) {
        if (event === "customer") {
          cust.body.textContent += data.delta;
          cust.msg.scrollIntoView({ block: "end" });
        } else if (event === "score") {
          rep.msg.appendChild(feedback(data));
        } else if (event === "done") {
          cust.body.textContent = data.text;
          cust.body.classList.remove("typing");
          if (data.done) finished();
        } else if (event === "error") {
          // Scoring failed after the reply was saved: offer it back so the rep can send it again.
          throw new Error(data.detail + (data.request_id ? " (" + data.request_id + ")" : ""));
        }
      });
      rep.msg.classList.remove("pending");
    } catch (e) {
      cust.msg.remove();
      rep.msg.remove();
      box.value = text;
      err.textContent = e.message;
    } finally {
      send.disabled = false;
      if (chat.dataset.active === "true") box.focus();
    }
  }

  form.addEventListener("submit", submit);
  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  document.getElementById("finish").addEventListener("click", async function () {
    this.disabled = true;
    await fetch("/api/v1/sessions/" + sessionId + "/finish", { method: "POST" });
    window.location.href = "/sessions/" + sessionId + "/scorecard";
  });
  list.scrollTop = list.scrollHeight;
  if (chat.dataset.active === "true") box.focus();
})();
