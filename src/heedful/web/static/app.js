// Heedful's pages work without this file; it adds live updates, keyboard shortcuts and the
// composer's live count, coach and one-click suggestions. Plain JavaScript, no dependencies.
"use strict";

(function () {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  const announce = (text) => {
    const el = document.getElementById("announcer");
    if (el) { el.textContent = ""; window.setTimeout(() => { el.textContent = text; }, 50); }
  };
  const typing = (target) =>
    target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));

  // -- keyboard shortcuts ---------------------------------------------------------------------
  function openHelp() {
    const dialog = document.getElementById("help");
    if (dialog && !dialog.open) dialog.showModal();
  }

  function queueRows() { return Array.from(document.querySelectorAll("#queue .row")); }

  function selectRow(index) {
    const rows = queueRows();
    if (!rows.length) return;
    const i = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach((r) => r.classList.remove("selected"));
    rows[i].classList.add("selected");
    const link = rows[i].querySelector(".row-link");
    if (link) link.focus();
  }

  function currentRow() {
    const rows = queueRows();
    const active = document.activeElement && document.activeElement.closest("#queue .row");
    return active || rows.find((r) => r.classList.contains("selected")) || null;
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const page = document.body.dataset.page;
    const key = event.key;
    if (key === "?") { event.preventDefault(); openHelp(); return; }
    if (key === "/") {
      const search = document.querySelector('[data-shortcut="search"]');
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    if (page === "inbox") inboxKey(event, key);
    if (page === "conversation") conversationKey(event, key);
  }

  function inboxKey(event, key) {
    const rows = queueRows();
    const row = currentRow();
    const index = row ? rows.indexOf(row) : -1;
    if (key === "j") { event.preventDefault(); selectRow(index + 1); }
    else if (key === "k") { event.preventDefault(); selectRow(index < 0 ? 0 : index - 1); }
    else if (row && (key === "Enter" || key === "o")) {
      event.preventDefault(); window.location.href = row.querySelector(".row-link").href;
    } else if (row && key === "r") {
      event.preventDefault(); window.location.href = row.querySelector(".row-link").href + "#composer";
    } else if (row && key === "a") {
      event.preventDefault(); window.location.href = row.querySelector(".row-link").href + "#assign";
    } else if (row && key === "e") {
      event.preventDefault(); window.location.href = row.querySelector(".row-link").href + "#resolve";
    }
  }

  function conversationKey(event, key) {
    const targets = { r: "reply-text", a: "assign-to", e: "resolve-button" };
    const el = targets[key] && document.getElementById(targets[key]);
    if (!el) return;
    event.preventDefault();
    if (key === "e") {
      const status = document.getElementById("status-select");
      if (status) status.value = "resolved";
    }
    el.focus();
    el.scrollIntoView({ block: "center" });
  }

  // -- live inbox -----------------------------------------------------------------------------
  function liveInbox() {
    const region = document.getElementById("queue-region");
    const status = document.getElementById("live-status");
    if (!region || !window.EventSource) return;
    const setStatus = (state, text) => {
      if (!status) return;
      status.dataset.state = state;
      status.querySelector(".label").textContent = text;
    };
    if (region.dataset.live !== "on") { setStatus("off", "Live updates paused on later pages"); return; }
    let pending = null;
    const refresh = () => {
      const query = region.dataset.query;
      const selected = currentRow();
      const selectedId = selected ? selected.dataset.id : null;
      fetch("/?" + (query ? query + "&" : "") + "partial=1", { headers: { Accept: "text/html" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
        .then((html) => {
          const before = new Set(queueRows().map((r) => r.dataset.id));
          region.innerHTML = html;
          const fresh = queueRows().filter((r) => !before.has(r.dataset.id));
          fresh.forEach((r) => r.classList.add("fresh"));
          if (selectedId) {
            const again = queueRows().find((r) => r.dataset.id === selectedId);
            if (again) again.classList.add("selected");
          }
          announce(fresh.length ? fresh.length + " new conversation" + (fresh.length > 1 ? "s" : "") + " in the inbox" : "Inbox updated");
        })
        .catch(() => setStatus("error", "Live updates: could not refresh"));
    };
    const source = new EventSource("/api/v1/stream");
    source.addEventListener("ready", () => setStatus("on", "Live"));
    source.addEventListener("messages", () => {
      window.clearTimeout(pending);
      pending = window.setTimeout(refresh, 250);
    });
    source.onerror = () => setStatus("error", "Live updates reconnecting…");
  }

  // -- composer -------------------------------------------------------------------------------
  const URL_RE = /(?:https?:\/\/|www\.)[^\s<>"]+/gi;

  function lengthOf(text, unit) {
    if (unit === "weighted") {
      let n = 0;
      const stripped = text.replace(URL_RE, () => { n += 23; return ""; });
      for (const ch of stripped.normalize("NFC")) {
        const cp = ch.codePointAt(0);
        const light = cp <= 0x10ff || (cp >= 0x2000 && cp <= 0x200d) ||
          (cp >= 0x2010 && cp <= 0x201f) || (cp >= 0x2032 && cp <= 0x2037);
        n += light ? 1 : 2;
      }
      return n;
    }
    if (unit === "graphemes" && window.Intl && Intl.Segmenter) {
      return Array.from(new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)).length;
    }
    return Array.from(text).length;
  }

  function composer() {
    const box = document.getElementById("composer");
    if (!box) return;
    const form = document.getElementById("reply-form");
    const text = document.getElementById("reply-text");
    const count = document.getElementById("reply-count");
    const sig = box.querySelector("#signature-preview .sig");
    const findings = document.getElementById("coach-findings");
    const ack = document.getElementById("ack-box");
    const ackText = document.getElementById("acknowledgement");
    const conversation = document.querySelector("[data-conversation]").dataset.conversation;
    const max = parseInt(box.dataset.max || "0", 10);
    const unit = box.dataset.unit || "characters";
    const mode = () => (form.querySelector('input[name="mode"]:checked') || {}).value || "public";
    const signature = () => (mode() === "private" ? box.dataset.signaturePrivate : box.dataset.signaturePublic) || "";

    const updateCount = () => {
      const n = lengthOf(text.value + signature(), unit);
      count.textContent = max ? n + " / " + max + (unit === "characters" ? "" : " (" + unit + ")") : n + " characters";
      count.classList.toggle("over", Boolean(max) && n > max);
      sig.textContent = signature() || "(none)";
    };

    let timer = null;
    let seq = 0;
    // One call per pause in typing: the coach's findings on the draft and, where the page has
    // the suggestions box, help articles and similar resolved cases for the customer's latest
    // message and the draft (also once on load, with an empty draft).
    const runCoach = () => {
      if (!findings || box.dataset.coach !== "on") return;
      const mine = ++seq;
      const draft = text.value;
      if (!draft.trim()) findings.innerHTML = "";
      if (!draft.trim() && !suggest) return;
      fetch("/conversations/" + conversation + "/coach", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify({ text: draft, mode: mode(), suggestions: Boolean(suggest) }),
      })
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then((body) => {
          if (mine !== seq) return;
          showFindings(draft.trim() ? body.findings || [] : []);
          if (suggest && body.articles) showSuggestions(body.articles, body.similar_cases || []);
        })
        .catch(() => {});
    };

    // -- suggestions: help articles and replies that resolved similar cases ------------------
    const suggest = document.getElementById("suggestions");
    const element = (tag, className, content) => {
      const el = document.createElement(tag);
      if (className) el.className = className;
      if (content) el.textContent = content;
      return el;
    };
    const insertButton = (label, insert, aria) => {
      const b = element("button", "secondary insert", label);
      b.type = "button";
      b.dataset.insert = insert;
      b.setAttribute("aria-label", aria);
      return b;
    };
    const fillList = (list, items, render, emptyText) => {
      if (!list) return;
      list.innerHTML = "";
      items.forEach((item) => list.append(render(item)));
      if (!items.length) list.append(element("li", "empty", emptyText));
    };
    const showSuggestions = (articles, cases) => {
      fillList(document.getElementById("suggested-articles"), articles, (a) => {
        const li = element("li", "suggestion");
        li.dataset.kind = "article";
        const link = element("a", "suggestion-title", a.title);
        link.href = a.url; link.target = "_blank"; link.rel = "noopener noreferrer";
        li.append(link, element("span", "suggestion-url", a.url));
        if (a.snippet) li.append(element("p", "snippet", a.snippet));
        if (a.why && a.why.length) li.append(element("p", "why", a.why.join("; ")));
        li.append(insertButton("Insert link", a.insert, "Insert the link to “" + a.title + "” into the reply"));
        return li;
      }, "No help article matches the customer's message.");
      fillList(document.getElementById("suggested-cases"), cases, (c) => {
        const li = element("li", "suggestion");
        li.dataset.kind = "case";
        const head = element("p", "case-customer");
        const link = element("a", "", "#" + c.conversation_id);
        link.href = "/conversations/" + c.conversation_id;
        head.append(link, " " + c.customer);
        li.append(head, element("blockquote", "case-reply", c.reply));
        if (c.why && c.why.length) li.append(element("p", "why", c.why.join("; ")));
        li.append(insertButton("Insert reply", c.insert, "Insert the reply that resolved case " + c.conversation_id));
        return li;
      }, "No resolved case is like this one yet.");
    };
    // Insert at the cursor (replacing a selection), spaced from the words around it; then the
    // count and the coach run again as if the agent had typed it.
    let placed = false;  // the agent has been in the draft: its caret says where
    text.addEventListener("focus", () => { placed = true; });
    const insertAtCursor = (snippet) => {
      const start = placed ? text.selectionStart : text.value.length;
      const end = placed ? text.selectionEnd : start;
      const before = text.value.slice(0, start);
      const after = text.value.slice(end);
      const lead = before && !/\s$/.test(before) ? " " : "";
      const trail = after && !/^\s/.test(after) ? " " : "";
      const piece = lead + snippet + trail;
      text.value = before + piece + after;
      const caret = before.length + piece.length;
      text.focus();
      text.setSelectionRange(caret, caret);
      schedule();
      announce("Inserted into the reply");
    };
    if (suggest) suggest.querySelectorAll("button[data-insert]").forEach((b) => { b.hidden = false; });
    const showFindings = (items) => {
      findings.innerHTML = "";
      items.forEach((f) => {
        const li = document.createElement("li");
        li.className = "finding sev-" + f.severity;
        li.dataset.rule = f.rule;
        const head = document.createElement("strong");
        head.textContent = f.severity + " · " + f.rule.replace(/_/g, " ");
        const msg = document.createElement("span");
        msg.textContent = " " + f.message;
        li.append(head, msg);
        const quoted = (text.value + signature()).slice(f.start, f.end);
        if (quoted && f.end - f.start < 200) {
          const q = document.createElement("q"); q.textContent = quoted; li.append(" ", q);
        }
        if (f.suggestion) {
          const s = document.createElement("p"); s.className = "suggestion"; s.textContent = f.suggestion; li.append(s);
        }
        if (f.rule === "pii_in_public" || f.rule === "take_offline") {
          const b = document.createElement("button");
          b.type = "button"; b.className = "secondary"; b.textContent = "Take it offline";
          b.addEventListener("click", takeOffline); li.append(b);
        }
        findings.append(li);
      });
    };
    const schedule = () => { updateCount(); window.clearTimeout(timer); timer = window.setTimeout(runCoach, 300); };

    const takeOffline = () => {
      const priv = form.querySelector('input[name="mode"][value="private"]');
      if (!priv || priv.disabled) return;
      priv.checked = true;
      if (ack) { ack.hidden = false; ackText.disabled = false; }
      announce("Switched to a private message, with a short public acknowledgement");
      schedule();
      text.focus();
    };
    form.querySelectorAll('input[name="mode"]').forEach((r) => r.addEventListener("change", () => {
      if (mode() === "public" && ack) { ack.hidden = true; ackText.disabled = true; }
      schedule();
    }));
    const offline = document.getElementById("take-offline");
    if (offline) offline.addEventListener("click", takeOffline);
    // The platform's private-message window: counted down from the server's figure, so the
    // private option closes on time even when the page stays open.
    const windowNote = document.getElementById("private-window");
    const secondsLeft = windowNote ? parseInt(windowNote.dataset.secondsLeft || "", 10) : NaN;
    if (windowNote && secondsLeft >= 0) {
      window.setTimeout(() => {
        const priv = form.querySelector('input[name="mode"][value="private"]');
        const pub = form.querySelector('input[name="mode"][value="public"]');
        if (priv) {
          if (priv.checked && pub && !pub.disabled) { pub.checked = true; if (ack) { ack.hidden = true; ackText.disabled = true; } }
          priv.disabled = true;
        }
        if (offline) offline.disabled = true;
        windowNote.className = "window closed";
        windowNote.textContent = "Private messages are not possible any more: the platform's window has closed. Reply in public, or wait for the customer to write privately.";
        announce("The private-message window has closed");
      }, Math.min(secondsLeft, 2147483) * 1000);
    }
    text.addEventListener("input", schedule);
    // Any [data-insert] button (the suggestions' too, also those drawn later) inserts its text.
    document.addEventListener("click", (event) => {
      const b = event.target.closest && event.target.closest("[data-insert]");
      if (!b || !box.contains(b)) return;
      event.preventDefault();
      insertAtCursor(b.dataset.insert || "");
    });
    updateCount();
    if (suggest) runCoach();  // the suggestions for the customer's latest message, ranked fully
    if (window.location.hash === "#composer") text.focus();
    const focusFor = { "#assign": "assign-to", "#resolve": "resolve-button" }[window.location.hash];
    if (focusFor && document.getElementById(focusFor)) {
      if (focusFor === "resolve-button") document.getElementById("status-select").value = "resolved";
      document.getElementById(focusFor).focus();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.addEventListener("keydown", onKey);
    document.querySelectorAll('[data-action="help"]').forEach((b) => b.addEventListener("click", openHelp));
    liveInbox();
    composer();
  });
})();
