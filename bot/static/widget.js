/*
 * Trợ lý hạ tầng số: the embeddable chat widget.
 *
 *   <script src="https://HOST/widget.js" data-title="Trợ lý hạ tầng số" async></script>
 *
 * It talks to the server it was loaded from (the origin of its own src, or data-api),
 * lives in a shadow root so the host page's CSS and the widget's CSS never meet, and
 * builds every node with createElement/textContent: nothing the user or the server
 * sends is ever parsed as HTML.
 */
(() => {
  "use strict";
  if (window.__htsAssistantLoaded) return;
  window.__htsAssistantLoaded = true;

  const script = document.currentScript ||
    Array.from(document.querySelectorAll("script[src]")).reverse()
      .find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src));
  if (!script) return;
  const ORIGIN = new URL(script.src, location.href).origin;
  const API = (script.dataset.api || ORIGIN).replace(/\/+$/, "");
  const TITLE = script.dataset.title || "Trợ lý hạ tầng số";
  const STORAGE_KEY = "hts-assistant:v1";
  const MAX_CHARS = 1000;             // bot/config.py DEFAULT_MAX_MESSAGE_CHARS
  const MAX_KEPT_ENTRIES = 60;        // of the conversation kept in sessionStorage
  const REQUEST_TIMEOUT_MS = 30000;   // the server itself gives up on Rasa sooner

  const EXAMPLES = [
    ["Người dân thường hỏi", [
      "Hộ nghèo có được nhà nước hỗ trợ điện thoại thông minh không?",
      "Điện thoại của tôi chỉ có 2G, tôi phải làm gì?",
    ]],
    ["Cán bộ thường hỏi", [
      "Mục tiêu tốc độ băng rộng cố định của Tuyên Quang năm 2025?",
      "Tỉnh nào đặt mục tiêu số thuê bao băng rộng cố định trên 100 dân cao nhất?",
    ]],
  ];

  const TEXT = {
    launcher: "Hỏi trợ lý",
    launcherLabel: "Hỏi trợ lý – mở khung trò chuyện",   // starts with the visible text
    subtitle: "Trả lời theo kế hoạch phát triển hạ tầng số của các tỉnh",
    close: "Đóng trợ lý",
    newChat: "Cuộc trò chuyện mới",
    inputLabel: "Câu hỏi của bạn",
    placeholder: "Nhập câu hỏi…",
    send: "Gửi",
    sendLabel: "Gửi câu hỏi",
    note: "Vui lòng không nhập số điện thoại, số CCCD hay thông tin cá nhân. Hãy đối chiếu với văn bản nguồn.",
    welcome: "Xin chào! Tôi trả lời các câu hỏi về kế hoạch phát triển hạ tầng số của các tỉnh và các " +
      "chương trình viễn thông công ích (hỗ trợ điện thoại thông minh, dừng công nghệ 2G). " +
      "Câu trả lời kèm đường dẫn tới văn bản nguồn để bạn đối chiếu. Bạn có thể bắt đầu với một câu hỏi gợi ý:",
    typing: "Trợ lý đang soạn câu trả lời…",
    you: "Bạn hỏi:",
    bot: "Trợ lý trả lời:",
    sources: "Nguồn:",
    suggestions: "Gợi ý trả lời",
    helpfulQuestion: "Câu trả lời có hữu ích không?",
    helpful: "Hữu ích",
    notHelpful: "Chưa hữu ích",
    thanks: "Cảm ơn bạn đã phản hồi.",
    commentLabel: "Góp ý thêm (không bắt buộc)",
    commentSend: "Gửi góp ý",
    commentThanks: "Đã ghi nhận góp ý. Cảm ơn bạn!",
    feedbackFailed: "Chưa gửi được phản hồi. Vui lòng thử lại sau.",
    retry: "Thử lại",
    unreachable: "Không kết nối được với máy chủ trợ lý. Vui lòng kiểm tra kết nối mạng và thử lại.",
    timeout: "Máy chủ trợ lý phản hồi quá lâu. Vui lòng thử lại.",
    serverError: "Máy chủ trợ lý đang gặp sự cố. Vui lòng thử lại sau.",
    copy: "Sao chép",
    copyLabel: "Sao chép câu trả lời",
    copied: "Đã sao chép.",
    copyFailed: "Chưa sao chép được; hãy chọn đoạn văn rồi sao chép.",
    download: "Tải cuộc trò chuyện",
    downloadLabel: "Tải cuộc trò chuyện (tệp văn bản)",
    expand: "Mở rộng khung trò chuyện",
    confirmNew: "Xóa cuộc trò chuyện hiện tại và bắt đầu cuộc mới?",
    confirmYes: "Bắt đầu cuộc mới",
    confirmNo: "Giữ lại",
    fileTitle: "Cuộc trò chuyện với trợ lý hạ tầng số",
    fileYou: "Bạn",
    fileBot: "Trợ lý",
    page: "trang",
  };
  // Answers that are not about anything (greetings, thanks, help): no thumbs under them.
  const NO_FEEDBACK_KINDS = ["chitchat"];

  // ---- state kept across reloads of the host page (same tab) ----
  const storage = (() => {
    try {
      const probe = "__hts_probe__";
      window.sessionStorage.setItem(probe, "1");
      window.sessionStorage.removeItem(probe);
      return window.sessionStorage;
    } catch (e) {
      return null;   // storage disabled: keep the conversation in memory only
    }
  })();

  // The sender id is issued and signed by the server (POST /api/session, bot/sessions.py);
  // "" until the first question asks for one.
  function newSender() {
    return "";
  }

  async function ensureSession(renew) {
    if (state.sender && !renew) return;
    const response = await request("/api/session", {});
    const data = response.ok ? await response.json() : null;
    if (!data || typeof data.sender !== "string") throw new Error(TEXT.unreachable);
    state.sender = data.sender;
    saveState();
  }

  function loadState() {
    try {
      const saved = JSON.parse((storage && storage.getItem(STORAGE_KEY)) || "null");
      if (saved && /^s1\.[A-Za-z0-9_.-]{1,61}$/.test(saved.sender) && Array.isArray(saved.entries)) {
        return { sender: saved.sender, entries: saved.entries, open: !!saved.open, wide: !!saved.wide };
      }
    } catch (e) { /* unreadable: start afresh */ }
    return { sender: newSender(), entries: [], open: false, wide: false };
  }

  const state = loadState();

  function saveState() {
    if (!storage) return;
    state.entries = state.entries.slice(-MAX_KEPT_ENTRIES);
    try {
      storage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (e) { /* quota exceeded: the conversation just is not kept */ }
  }

  // ---- DOM helpers: text only, never HTML ----
  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children || []) {
      if (child !== null && child !== undefined) node.append(child);   // strings become text nodes
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  function icon(pathData) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", pathData);
    svg.append(path);
    return svg;
  }
  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z",
    expand: "M4 4h6v2H7.4l4.3 4.3-1.4 1.4L6 7.4V10H4V4zm16 16h-6v-2h2.6l-4.3-4.3 1.4-1.4 4.3 4.3V14h2v6z",
    copy: "M16 1H4a2 2 0 0 0-2 2v14h2V3h12V1zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2zm0 16H8V7h11v14z",
    download: "M5 20h14v-2H5v2zM19 9h-4V3H9v6H5l7 7 7-7z",
    restart: "M17.65 6.35A8 8 0 1 0 19.73 14h-2.08A6 6 0 1 1 12 6c1.66 0 3.14.69 4.22 1.78L13 11h7V4l-2.35 2.35z",
    up: "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z",
    down: "M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-1 4.6v.3c0 .4.2.8.4 1.1l1.1 1 6.6-6.6c.4-.4.6-.9.6-1.4V5a2 2 0 0 0-2-2H7c-.8 0-1.5.5-1.8 1.2l-3 7.1c-.1.2-.2.5-.2.7v2z",
  };

  const URL_PATTERN = /(https?:\/\/[^\s<>"']+)/g;
  // Bot text with its web addresses as links; everything else stays plain text.
  function richText(text) {
    const out = document.createDocumentFragment();
    String(text).split(URL_PATTERN).forEach((part, index) => {
      if (index % 2 === 0) {
        if (part) out.append(part);
        return;
      }
      const trail = part.match(/[.,;:!?)\]]+$/);
      const url = trail ? part.slice(0, -trail[0].length) : part;
      out.append(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url }));
      if (trail) out.append(trail[0]);
    });
    return out;
  }

  // ---- building the widget ----
  const host = document.createElement("hts-assistant");
  const shadow = host.attachShadow({ mode: "open" });
  const root = el("div", { class: "root", hidden: true });
  const stylesheet = el("link", { rel: "stylesheet", href: ORIGIN + "/widget.css" });
  // Once styled, the panel has its size: a conversation restored after a reload is
  // scrolled to its last message then (before, the log has no height to scroll).
  const reveal = () => {
    const first = root.hidden;
    root.hidden = false;
    if (first) requestAnimationFrame(() => scrollToEnd());
  };
  stylesheet.addEventListener("load", reveal);
  stylesheet.addEventListener("error", reveal);   // unstyled but usable beats invisible
  setTimeout(reveal, 4000);
  shadow.append(stylesheet, root);

  const launcher = el("button", {
    type: "button", class: "launcher", "aria-label": TEXT.launcherLabel,
    "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "hts-panel",
    onclick: () => (panel.hidden ? openPanel() : closePanel()),
  }, [icon(ICONS.chat), el("span", { class: "launcher-text", text: TEXT.launcher })]);

  const log = el("div", {
    class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Nội dung trò chuyện", tabindex: "0",
  });
  const input = el("textarea", {
    id: "hts-input", rows: "1", maxlength: String(MAX_CHARS), placeholder: TEXT.placeholder,
    "aria-describedby": "hts-note", autocomplete: "off",
  });
  const sendButton = el("button", { type: "submit", class: "send", "aria-label": TEXT.sendLabel, text: TEXT.send });
  const form = el("form", { class: "composer", onsubmit: (event) => { event.preventDefault(); submitInput(); } }, [
    el("label", { for: "hts-input", class: "visually-hidden", text: TEXT.inputLabel }),
    input, sendButton,
  ]);
  const expandButton = el("button", {
    type: "button", class: "icon-button expand", "aria-label": TEXT.expand, title: TEXT.expand,
    "aria-pressed": "false", onclick: () => setWide(!state.wide),
  }, [icon(ICONS.expand)]);
  // "Cuộc trò chuyện mới" asks first (in the panel, not a browser dialog).
  const confirmBar = el("div", { class: "confirm", role: "alertdialog", "aria-labelledby": "hts-confirm-text", hidden: true }, [
    el("p", { id: "hts-confirm-text", text: TEXT.confirmNew }),
    el("button", { type: "button", class: "danger confirm-yes", text: TEXT.confirmYes, onclick: () => { hideConfirm(); newConversation(); } }),
    el("button", { type: "button", class: "confirm-no", text: TEXT.confirmNo, onclick: () => { hideConfirm(); input.focus(); } }),
  ]);
  const panel = el("div", {
    id: "hts-panel", class: "panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "hts-title", hidden: true,
  }, [
    el("div", { class: "header" }, [
      el("div", { class: "titles" }, [
        el("h2", { id: "hts-title", class: "title", text: TITLE }),
        el("p", { class: "subtitle", text: TEXT.subtitle }),
      ]),
      expandButton,
      el("button", { type: "button", class: "icon-button close", "aria-label": TEXT.close, title: TEXT.close, onclick: () => closePanel() },
        [icon(ICONS.close)]),
    ]),
    el("div", { class: "toolbar" }, [
      el("button", { type: "button", class: "tool new-chat", onclick: askNewConversation },
        [icon(ICONS.restart), el("span", { text: TEXT.newChat })]),
      el("button", { type: "button", class: "tool download", "aria-label": TEXT.downloadLabel, onclick: downloadConversation },
        [icon(ICONS.download), el("span", { text: TEXT.download })]),
    ]),
    confirmBar,
    log,
    form,
    el("p", { id: "hts-note", class: "note", text: TEXT.note }),
  ]);
  root.append(launcher, panel);

  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.stopPropagation();
      closePanel();
    }
  });
  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter breaks the line; never while an IME (Telex, VNI) composes.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submitInput();
    }
  });
  input.addEventListener("input", () => {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  });

  // On a phone the panel covers the page: it behaves as a modal dialog and keeps Tab inside.
  // (also a short window: a laptop at 200 % zoom, see widget.css).
  const phone = window.matchMedia("(max-width: 600px), (max-height: 560px)");
  panel.addEventListener("keydown", (event) => {
    if (event.key !== "Tab" || !phone.matches) return;
    const focusable = Array.from(panel.querySelectorAll("button:not([disabled]), textarea, a[href], [tabindex='0']"))
      .filter((node) => node.getClientRects().length > 0);
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && shadow.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && shadow.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });

  function setWide(wide) {
    state.wide = wide;
    panel.classList.toggle("wide", wide);
    expandButton.setAttribute("aria-pressed", String(wide));
    saveState();
    scrollToEnd();
  }

  function showPanel() {
    panel.classList.toggle("wide", !!state.wide);
    expandButton.setAttribute("aria-pressed", String(!!state.wide));
    panel.setAttribute("aria-modal", String(phone.matches));
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", TEXT.close);
    root.classList.add("open");
  }

  function openPanel() {
    showPanel();
    state.open = true;
    saveState();
    scrollToEnd();
    input.focus();
  }

  function closePanel() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", TEXT.launcherLabel);
    root.classList.remove("open");
    state.open = false;
    saveState();
    launcher.focus();
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function append(node) {
    log.append(node);
    scrollToEnd();
    return node;
  }

  // A new answer is shown from its start (on a phone a long answer would otherwise be
  // read from its end) and screen readers are moved to it.
  function showAnswer(node) {
    node.setAttribute("tabindex", "-1");
    log.append(node);
    log.scrollTop += node.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    node.focus({ preventScroll: true });
    return node;
  }

  // ---- rendering the conversation ----
  function renderWelcome() {
    const groups = EXAMPLES.map(([label, questions]) => el("div", { class: "examples" }, [
      el("p", { class: "examples-label", text: label }),
      el("div", { class: "chips", role: "group", "aria-label": label },
        questions.map((question) => el("button", {
          type: "button", class: "chip", text: question, onclick: () => send(question),
        }))),
    ]));
    return el("div", { class: "turn bot welcome" }, [
      el("div", { class: "bubble bot" }, [el("p", { text: TEXT.welcome })]),
      el("p", { class: "welcome-note", text: TEXT.note }),
      ...groups,
    ]);
  }

  // "14:05", or "05/12 14:05" for another day; "" for entries saved before timestamps.
  function stampText(at) {
    const when = new Date(at);
    if (!at || isNaN(when.getTime())) return "";
    const two = (n) => String(n).padStart(2, "0");
    const time = two(when.getHours()) + ":" + two(when.getMinutes());
    return when.toDateString() === new Date().toDateString() ? time
      : two(when.getDate()) + "/" + two(when.getMonth() + 1) + " " + time;
  }
  function renderStamp(at) {
    const text = stampText(at);
    return text ? el("time", { class: "stamp", datetime: new Date(at).toISOString(), text }) : null;
  }

  function renderUser(entry) {
    return el("div", { class: "turn user" }, [
      el("span", { class: "visually-hidden", text: TEXT.you }),
      el("div", { class: "bubble user", text: entry.text }),
      renderStamp(entry.at),
    ]);
  }

  const clean = (part) => (typeof part === "string" ? part.trim() : "");

  // The whole label, readable and unique: the plan's province, document and section
  // (with its page when the plan has pages), or a legal text's name and topic with its
  // web site. Never cut: two sections of one plan must not look alike.
  function sourceLabel(source) {
    if (typeof source.plan !== "string" || !source.plan) {
      const url = typeof source.url === "string" && /^https?:\/\//i.test(source.url) ? source.url : null;
      const site = url ? new URL(url).hostname.replace(/^www\./, "") : "";
      const named = [clean(source.document), clean(source.section)].filter(Boolean).join(" – ");
      return site && !named.includes(site) ? named + " (" + site + ")" : named || site;
    }
    const page = Number.isInteger(source.page) && source.page > 0 ? ", " + TEXT.page + " " + source.page : "";
    return [clean(source.province), clean(source.document), clean(source.section) + page].filter(Boolean).join(" – ");
  }

  function sourceLink(source) {
    const label = sourceLabel(source);
    if (typeof source.plan !== "string" || !source.plan) {
      // Not a plan (a programme's legal text): link its published address, web only.
      const url = typeof source.url === "string" && /^https?:\/\//i.test(source.url) ? source.url : null;
      return url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: label })
        : el("span", { class: "source", text: label });
    }
    let href = API + "/plans/" + encodeURIComponent(source.plan);
    if (typeof source.anchor === "string" && source.anchor) href += "#" + encodeURIComponent(source.anchor);
    return el("a", { href, target: "_blank", rel: "noopener", text: label });
  }

  function renderSources(sources) {
    const seen = new Set();
    const items = [];
    for (const source of Array.isArray(sources) ? sources : []) {
      if (!source || typeof source !== "object") continue;
      const key = [source.plan, source.anchor, source.province, source.document, source.section, source.url].join("|");
      if (seen.has(key)) continue;
      seen.add(key);
      items.push(el("li", {}, [sourceLink(source)]));
    }
    if (!items.length) return null;
    return el("div", { class: "sources" }, [
      el("p", { class: "sources-label", text: TEXT.sources }),
      el("ul", {}, items),
    ]);
  }

  function renderTable(table) {
    if (!table || !Array.isArray(table.columns) || !Array.isArray(table.rows)) return null;
    const cell = (value) => (value === null || value === undefined ? "" : String(value));
    const rows = table.rows.filter(Array.isArray);
    // A column with the same value on every row (the year) is said once, in the caption.
    const constant = table.columns.map((c, i) => rows.length > 1 && i > 0 && rows.every((r) => cell(r[i]) === cell(rows[0][i])));
    const kept = (values) => values.filter((v, i) => !constant[i]);
    const notes = table.columns.map((c, i) => (constant[i] ? cell(c) + ": " + cell(rows[0][i]) : null)).filter(Boolean);
    const caption = [cell(table.title), ...notes].filter(Boolean).join(" · ");
    return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": table.title || "Bảng so sánh" }, [
      el("table", {}, [
        caption ? el("caption", { text: caption }) : null,
        el("thead", {}, [el("tr", {}, kept(table.columns).map((c) => el("th", { scope: "col", text: cell(c) })))]),
        el("tbody", {}, rows.map((row) => el("tr", {}, kept(row).map((value) => el("td", { text: cell(value) }))))),
      ]),
    ]);
  }

  // The answer as plain text (its messages, table rows and sources): what "Sao chép"
  // copies and what the downloaded conversation holds.
  function answerText(entry) {
    const meta = entry.meta || {};
    const lines = (Array.isArray(entry.messages) ? entry.messages : [])
      .filter((m) => m && typeof m.text === "string" && m.text).map((m) => m.text);
    const table = meta.table;
    if (table && Array.isArray(table.columns) && Array.isArray(table.rows)) {
      lines.push([table.title, table.columns.join(" | ")].filter(Boolean).join("\n"));
      table.rows.filter(Array.isArray).forEach((row) => lines.push(row.map((v) => (v === null || v === undefined ? "" : String(v))).join(" | ")));
    }
    const sources = (Array.isArray(meta.sources) ? meta.sources : []).filter((x) => x && typeof x === "object");
    if (sources.length) {
      lines.push(TEXT.sources);
      sources.forEach((source) => {
        const href = source.plan ? API + "/plans/" + encodeURIComponent(source.plan) + (source.anchor ? "#" + encodeURIComponent(source.anchor) : "")
          : (typeof source.url === "string" && /^https?:\/\//i.test(source.url) ? source.url : "");
        lines.push("- " + sourceLabel(source) + (href ? " " + href : ""));
      });
    }
    return lines.join("\n");
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    const area = el("textarea", { class: "visually-hidden", "aria-hidden": "true" });
    area.value = text;
    shadow.append(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    if (!done) throw new Error("copy");
  }

  function renderActions(entry) {
    const status = el("p", { class: "copy-status", role: "status" });
    const copy = el("button", {
      type: "button", class: "copy", "aria-label": TEXT.copyLabel,
      onclick: async () => {
        try {
          await copyText(answerText(entry));
          status.textContent = TEXT.copied;
        } catch (e) {
          status.textContent = TEXT.copyFailed;
        }
      },
    }, [icon(ICONS.copy), el("span", { text: TEXT.copy })]);
    return el("div", { class: "actions" }, [renderStamp(entry.at), copy, status]);
  }

  function renderFeedback(entry) {
    const messageId = entry.meta && entry.meta.message_id;
    if (!messageId || NO_FEEDBACK_KINDS.includes(entry.meta.kind)) return null;
    const status = el("p", { class: "feedback-status", role: "status" });
    const up = el("button", { type: "button", class: "thumb up", "aria-label": TEXT.helpful, title: TEXT.helpful }, [icon(ICONS.up)]);
    const down = el("button", { type: "button", class: "thumb down", "aria-label": TEXT.notHelpful, title: TEXT.notHelpful }, [icon(ICONS.down)]);
    const commentBox = el("textarea", { class: "comment", rows: "2", maxlength: "1000", "aria-label": TEXT.commentLabel, placeholder: TEXT.commentLabel });
    const commentForm = el("form", { class: "comment-form", hidden: true }, [
      commentBox, el("button", { type: "submit", class: "comment-send", text: TEXT.commentSend }),
    ]);
    const mark = () => {
      up.setAttribute("aria-pressed", String(entry.feedback === "up"));
      down.setAttribute("aria-pressed", String(entry.feedback === "down"));
    };
    const post = async (helpful, comment) => {
      const body = { message_id: messageId, helpful };
      if (comment) body.comment = comment;
      const response = await request("/api/feedback", body);
      if (!response.ok) throw new Error("feedback " + response.status);
    };
    const rate = async (value) => {
      const previous = entry.feedback;
      entry.feedback = value;
      mark();
      try {
        await post(value === "up");
        saveState();
        status.textContent = TEXT.thanks;
        commentForm.hidden = value !== "down";
      } catch (e) {
        entry.feedback = previous;
        mark();
        status.textContent = TEXT.feedbackFailed;
      }
    };
    up.addEventListener("click", () => rate("up"));
    down.addEventListener("click", () => rate("down"));
    commentForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const comment = commentBox.value.trim();
      if (!comment) return;
      try {
        await post(false, comment);
        commentForm.hidden = true;
        status.textContent = TEXT.commentThanks;
      } catch (e) {
        status.textContent = TEXT.feedbackFailed;
      }
    });
    mark();
    return el("div", { class: "feedback" }, [
      el("span", { class: "feedback-label", text: TEXT.helpfulQuestion }), up, down, status, commentForm,
    ]);
  }

  function renderBot(entry) {
    const meta = entry.meta || {};
    const hasTable = !!(meta.table && Array.isArray(meta.table.rows) && meta.table.rows.length);
    const parts = [el("span", { class: "visually-hidden", text: TEXT.bot })];
    for (const message of Array.isArray(entry.messages) ? entry.messages : []) {
      if (!message || typeof message !== "object") continue;
      if (typeof message.text === "string" && message.text) {
        // With a table the text's list would repeat it: keep only its first line.
        const text = hasTable ? message.text.split("\n")[0] : message.text;
        parts.push(el("div", { class: "bubble bot" }, [richText(text)]));
      }
      const buttons = Array.isArray(message.buttons) ? message.buttons : [];
      if (buttons.length) {
        parts.push(el("div", { class: "chips quick-replies", role: "group", "aria-label": TEXT.suggestions },
          buttons.map((button) => el("button", {
            type: "button", class: "chip", text: String(button.title),
            onclick: () => send(String(button.payload), String(button.title)),
          }))));
      }
    }
    parts.push(renderTable(meta.table), renderSources(meta.sources), renderActions(entry), renderFeedback(entry));
    return el("div", { class: "turn bot" }, parts);
  }

  function renderAll() {
    log.replaceChildren(renderWelcome());
    for (const entry of state.entries) {
      try {
        if (entry && entry.role === "user") log.append(renderUser(entry));
        else if (entry && entry.role === "bot") log.append(renderBot(entry));
      } catch (e) { /* a stored entry this version cannot show: skip it */ }
    }
    scrollToEnd();
  }

  // ---- the conversation as a text file ----
  function conversationText() {
    const lines = [TEXT.fileTitle, location.href.split("#")[0], ""];
    for (const entry of state.entries) {
      if (!entry) continue;
      const when = entry.at ? " (" + new Date(entry.at).toLocaleString("vi-VN") + ")" : "";
      if (entry.role === "user") lines.push(TEXT.fileYou + when + ":", entry.text, "");
      else if (entry.role === "bot") lines.push(TEXT.fileBot + when + ":", answerText(entry), "");
    }
    return lines.join("\r\n");
  }

  function downloadConversation() {
    const blob = new Blob(["\ufeff" + conversationText()], { type: "text/plain;charset=utf-8" });
    const link = el("a", { href: URL.createObjectURL(blob), download: "cuoc-tro-chuyen-" + new Date().toISOString().slice(0, 10) + ".txt" });
    shadow.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  function hideConfirm() { confirmBar.hidden = true; }
  function askNewConversation() {
    if (!state.entries.length) { newConversation(); return; }
    confirmBar.hidden = false;
    confirmBar.querySelector(".confirm-no").focus();
  }

  // ---- talking to the server ----
  async function request(path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      return await fetch(API + path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
        signal: controller.signal,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  let busy = false;

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    log.setAttribute("aria-busy", String(value));
  }

  function submitInput() {
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    input.style.height = "auto";
    send(text);
  }

  // Send `message`; the user's bubble shows `shown` (a quick reply's title) or the message.
  function send(message, shown) {
    if (busy) return;
    if (panel.hidden) openPanel();
    const entry = { role: "user", text: shown || message, at: new Date().toISOString() };
    state.entries.push(entry);
    saveState();
    append(renderUser(entry));
    ask(message);
  }

  async function ask(message) {
    setBusy(true);
    const typing = append(el("div", { class: "turn bot typing" }, [
      el("div", { class: "bubble bot dots", role: "status", "aria-label": TEXT.typing }, [
        el("span", { class: "visually-hidden", text: TEXT.typing }),
        el("span", { class: "dot" }), el("span", { class: "dot" }), el("span", { class: "dot" }),
      ]),
    ]));
    try {
      let response;
      try {
        await ensureSession(false);
        response = await request("/api/chat", { sender: state.sender, message });
        if (response.status === 401) {        // expired, or the server's key changed
          await ensureSession(true);
          response = await request("/api/chat", { sender: state.sender, message });
        }
      } catch (error) {
        throw new Error(error && error.name === "AbortError" ? TEXT.timeout : TEXT.unreachable);
      }
      let data = null;
      try { data = await response.json(); } catch (e) { /* not JSON: handled below */ }
      if (!response.ok || !data || !Array.isArray(data.messages)) {
        const serverMessage = data && data.error && typeof data.error.message === "string" && data.error.message;
        throw new Error(serverMessage || (response.status >= 500 ? TEXT.serverError : TEXT.unreachable));
      }
      const entry = { role: "bot", messages: data.messages, meta: data.meta || {}, feedback: null, at: new Date().toISOString() };
      state.entries.push(entry);
      saveState();
      typing.remove();
      showAnswer(renderBot(entry));
    } catch (error) {
      typing.remove();
      showError(error.message || TEXT.unreachable, message);
    } finally {
      setBusy(false);
    }
  }

  function showError(text, message) {
    const box = el("div", { class: "turn bot error", role: "alert" }, [
      el("p", { class: "error-text", text }),
    ]);
    const retry = el("button", {
      type: "button", class: "retry", text: TEXT.retry,
      onclick: () => {
        if (busy) return;
        box.remove();
        ask(message);   // the user's bubble is already there: resend only
      },
    });
    box.append(retry);
    append(box);
  }

  function newConversation() {
    hideConfirm();
    state.sender = newSender();
    state.entries = [];
    saveState();
    renderAll();
    input.value = "";
    input.focus();
  }

  function mount() {
    (document.body || document.documentElement).append(host);
    renderAll();
    if (state.open) {
      showPanel();                 // reopened after a reload, without stealing focus
      requestAnimationFrame(() => scrollToEnd());   // the last message in view
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
