// The stretch bot playground page: a Telegram-like chat with the real bot.
// Plain JavaScript, no build step. Talks to the playground's /api/ (see bot/playground/web.py)
// and follows the chat live over server-sent events.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const query = new URLSearchParams(window.location.search);
  const token = query.get("token") || "";

  const state = {
    user: null,
    users: [],
    zone: "UTC",
    source: null,
    rendered: new Map(), // message id -> {li, key, parts}
    toastTimer: 0,
    botUsername: "",
    deepLink: null, // the deep link whose dialog is open: {start}
  };

  // ------------------------------------------------------------------ API

  function withToken(url) {
    if (!token) return url;
    return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
  }

  async function api(method, path, body) {
    const headers = {};
    if (token) headers["X-Playground-Token"] = token;
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      throw new Error("The playground isn't answering. Is it still running?");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || `Request failed (${response.status})`);
    return data;
  }

  // Every user action goes through here: failures become a visible notice, never an
  // unhandled rejection.
  function action(fn) {
    const fail = (error) => toast(error.message || String(error));
    return (event) => {
      // Called synchronously so event.currentTarget is still set.
      try {
        Promise.resolve(fn(event)).catch(fail);
      } catch (error) {
        fail(error);
      }
    };
  }

  // ------------------------------------------------------------------ formatting

  function timeOf(seconds) {
    const date = new Date(seconds * 1000);
    try {
      return new Intl.DateTimeFormat("en-GB", {
        hour: "2-digit",
        minute: "2-digit",
        timeZone: state.zone,
      }).format(date);
    } catch (error) {
      return date.toISOString().slice(11, 16);
    }
  }

  function sizeOf(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ------------------------------------------------------------------ messages

  function mediaNode(m) {
    if (m.photo) {
      const img = el("img", "photo");
      img.src = withToken(m.photo.url);
      img.alt = m.photo.alt;
      if (m.photo.width && m.photo.height) {
        img.width = m.photo.width;
        img.height = m.photo.height;
      }
      return img;
    }
    if (m.animation) {
      if (m.animation.mime_type.startsWith("video/")) {
        const video = el("video", "photo");
        video.src = withToken(m.animation.url);
        video.autoplay = true;
        video.loop = true;
        video.muted = true;
        video.playsInline = true;
        video.setAttribute("aria-label", m.animation.alt);
        return video;
      }
      const img = el("img", "photo");
      img.src = withToken(m.animation.url);
      img.alt = m.animation.alt;
      return img;
    }
    if (m.document) {
      const link = el("a", "document");
      link.href = withToken(m.document.url);
      link.download = m.document.file_name;
      link.append(el("span", "doc-icon", "⬇"));
      const info = el("span", "doc-info");
      info.append(el("span", "doc-name", m.document.file_name));
      info.append(el("span", "doc-size", sizeOf(m.document.size)));
      link.append(info);
      link.setAttribute("aria-label", `Download ${m.document.file_name} (${sizeOf(m.document.size)})`);
      return link;
    }
    if (m.location) {
      const lat = m.location.latitude.toFixed(4);
      const lon = m.location.longitude.toFixed(4);
      return el("p", "location", `📍 Location ${lat}, ${lon}`);
    }
    return null;
  }

  function keyboardNode(m) {
    if (!m.buttons.length) return null;
    const box = el("div", "keyboard");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Buttons");
    for (const row of m.buttons) {
      const line = el("div", "kb-row");
      for (const button of row) {
        if (button.url) {
          const link = el("a", "kb-button", button.text);
          link.href = button.url;
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          line.append(link);
        } else {
          const node = el("button", "kb-button", button.text);
          node.type = "button";
          node.dataset.messageId = String(m.id);
          node.dataset.callbackData = button.callback_data || "";
          node.addEventListener("click", action(press));
          line.append(node);
        }
      }
      box.append(line);
    }
    return box;
  }

  // "/progress" in the bot's text is tappable, like in Telegram: it sends the command.
  const COMMAND = /(^|[\s(])(\/[A-Za-z0-9_]{1,32})(?=$|[\s.,!?:;)])/g;

  function linkCommands(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) =>
        node.parentElement.closest("a, code, pre, .tg-spoiler, tg-spoiler")
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT,
    });
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const node of nodes) {
      const text = node.nodeValue;
      if (!COMMAND.test(text)) continue;
      COMMAND.lastIndex = 0;
      const pieces = document.createDocumentFragment();
      let last = 0;
      for (const match of text.matchAll(COMMAND)) {
        const start = match.index + match[1].length;
        pieces.append(text.slice(last, start));
        const button = el("button", "command-link", match[2]);
        button.type = "button";
        button.addEventListener("click", action(() => sendText(match[2])));
        pieces.append(button);
        last = start + match[2].length;
      }
      pieces.append(text.slice(last));
      node.replaceWith(pieces);
    }
  }

  // t.me links to this bot act as in Telegram: a deep link (?start=code) starts the bot
  // with the code, for the current user or a new one (a dialog asks which).
  const TME_LINK = /(?:https?:\/\/)?(?:www\.)?t(?:elegram)?\.me\/[A-Za-z0-9_]{5,32}(?:\?start=[A-Za-z0-9_-]{1,64})?/g;

  function deepLink(href) {
    if (!state.botUsername) return null;
    let url;
    try {
      url = new URL(/^https?:\/\//i.test(href) ? href : `https://${href}`);
    } catch {
      return null;
    }
    if (!/^(www\.)?(t|telegram)\.me$/i.test(url.hostname)) return null;
    if (url.pathname.replace(/^\/+|\/+$/g, "").toLowerCase() !== state.botUsername.toLowerCase()) return null;
    const start = url.searchParams.get("start");
    return { start: start && /^[A-Za-z0-9_-]{1,64}$/.test(start) ? start : null };
  }

  function linkDeepLinks(root) {
    for (const anchor of root.querySelectorAll("a[href]")) {
      if (deepLink(anchor.getAttribute("href"))) anchor.classList.add("deep-link");
    }
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) =>
        node.parentElement.closest("a, code, pre") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const node of nodes) {
      const text = node.nodeValue;
      const matches = [...text.matchAll(TME_LINK)].filter((match) => deepLink(match[0]));
      if (!matches.length) continue;
      const pieces = document.createDocumentFragment();
      let last = 0;
      for (const match of matches) {
        pieces.append(text.slice(last, match.index));
        const link = el("a", "deep-link", match[0]);
        link.href = /^https?:\/\//i.test(match[0]) ? match[0] : `https://${match[0]}`;
        pieces.append(link);
        last = match.index + match[0].length;
      }
      pieces.append(text.slice(last));
      node.replaceWith(pieces);
    }
  }

  function openDeepLink(link) {
    const found = deepLink(link.getAttribute("href"));
    if (!found) return;
    state.deepLink = found;
    const current = state.users.find((user) => user.id === state.user);
    $("deeplink-text").textContent = found.start
      ? `This link starts @${state.botUsername} with the code ${found.start}, as Telegram would.`
      : `This link opens the chat with @${state.botUsername}.`;
    $("deeplink-current").textContent = `Open as ${current ? current.first_name : "this user"}`;
    $("deeplink-dialog").showModal();
  }

  async function followDeepLink(asNewUser) {
    const found = state.deepLink;
    $("deeplink-dialog").close();
    if (!found) return;
    state.deepLink = null;
    if (asNewUser) await newUser();
    if (found.start) await sendText(`/start ${found.start}`);
    else if (asNewUser) await sendText("/start");
    else toast(`You are in the chat with @${state.botUsername}.`);
  }

  function fillBubble(bubble, m) {
    bubble.replaceChildren();
    const media = mediaNode(m);
    if (media) bubble.append(media);
    if (m.html !== null && m.html !== "") {
      const text = el("div", "text");
      text.innerHTML = m.html; // sanitized on the server (whitelist: bot/playground/render.py)
      linkDeepLinks(text);
      if (m.from_bot) linkCommands(text);
      bubble.append(text);
    }
    const meta = el("span", "meta", (m.edited ? "edited " : "") + timeOf(m.date));
    meta.dataset.date = String(m.date);
    meta.dataset.edited = m.edited ? "1" : "";
    bubble.append(meta);
  }

  function buildMessage(m) {
    const li = el("li", "msg " + (m.from_bot ? "in" : "out"));
    li.dataset.id = String(m.id);
    const bubble = el("div", "bubble");
    li.append(bubble);
    return { li, bubble, keyboard: null, bodyKey: "", keyboardKey: "" };
  }

  function updateMessage(entry, m) {
    const bodyKey = JSON.stringify([m.html, m.photo, m.animation, m.document, m.location, m.edited, m.date]);
    if (bodyKey !== entry.bodyKey) {
      const oldMedia = entry.bodyKey ? JSON.parse(entry.bodyKey).slice(1, 5) : null;
      const newMedia = [m.photo, m.animation, m.document, m.location];
      const keep = oldMedia && JSON.stringify(oldMedia) === JSON.stringify(newMedia);
      const media = keep ? entry.bubble.querySelector(".photo, .document, .location") : null;
      fillBubble(entry.bubble, m);
      if (media) {
        // Keep the loaded image element (no flicker, no reload) when only the text changed.
        const fresh = entry.bubble.querySelector(".photo, .document, .location");
        if (fresh) fresh.replaceWith(media);
      }
      entry.bodyKey = bodyKey;
      entry.li.classList.toggle("edited", m.edited);
    }
    const keyboardKey = JSON.stringify(m.buttons);
    if (keyboardKey !== entry.keyboardKey) {
      const hadFocus = entry.keyboard && entry.keyboard.contains(document.activeElement);
      const focusedLabel = hadFocus ? document.activeElement.textContent : null;
      const fresh = keyboardNode(m);
      if (entry.keyboard) entry.keyboard.remove();
      if (fresh) entry.li.append(fresh);
      entry.keyboard = fresh;
      entry.keyboardKey = keyboardKey;
      if (hadFocus && fresh) {
        const same = [...fresh.querySelectorAll(".kb-button")].find((b) => b.textContent === focusedLabel);
        (same || fresh.querySelector(".kb-button")).focus();
      }
    }
  }

  function nearBottom() {
    const chat = $("chat");
    return chat.scrollHeight - chat.scrollTop - chat.clientHeight < 120;
  }

  function scrollToBottom() {
    const chat = $("chat");
    chat.scrollTop = chat.scrollHeight;
  }

  function renderChat(chat) {
    if (!chat || chat.user !== state.user) return;
    const list = $("messages");
    const stick = nearBottom();
    let added = false;
    const present = new Set();
    for (const m of chat.messages) {
      present.add(m.id);
      let entry = state.rendered.get(m.id);
      if (!entry) {
        entry = buildMessage(m);
        state.rendered.set(m.id, entry);
        list.append(entry.li); // ids only grow, so new messages go last
        added = true;
      }
      updateMessage(entry, m);
    }
    for (const [id, entry] of state.rendered) {
      if (!present.has(id)) {
        entry.li.remove(); // deleted by the bot
        state.rendered.delete(id);
      }
    }
    for (const node of list.querySelectorAll(".kb-button.pending")) node.classList.remove("pending");
    $("empty").hidden = chat.messages.length > 0;
    renderReplyKeyboard(chat.reply_keyboard);
    if (added && stick) scrollToBottom();
  }

  function renderReplyKeyboard(rows) {
    const box = $("reply-keyboard");
    box.replaceChildren();
    box.hidden = !rows || rows.length === 0;
    if (box.hidden) return;
    for (const row of rows) {
      const line = el("div", "kb-row");
      for (const raw of row) {
        const button = typeof raw === "string" ? { text: raw } : raw;
        const node = el("button", "reply-button", button.text);
        node.type = "button";
        node.addEventListener(
          "click",
          action(() => (button.request_location ? openLocation() : sendText(button.text))),
        );
        line.append(node);
      }
      box.append(line);
    }
  }

  function clearChat() {
    state.rendered.clear();
    $("messages").replaceChildren();
  }

  // ------------------------------------------------------------------ clock, users, menu

  function renderClock(clock) {
    if (clock.zone !== state.zone) {
      state.zone = clock.zone;
      // Message times are shown in the user's zone, like their phone would.
      for (const meta of document.querySelectorAll(".meta[data-date]")) {
        meta.textContent = (meta.dataset.edited ? "edited " : "") + timeOf(Number(meta.dataset.date));
      }
    }
    $("clock-local").textContent = clock.local;
    $("clock-local").dateTime = clock.now;
    $("clock-zone").textContent = clock.zone;
    $("clock-next").textContent = clock.next_reminder
      ? `Next reminder: ${clock.next_reminder}`
      : "No reminder planned yet";
  }

  function renderUsers(users) {
    state.users = users;
    const select = $("user-select");
    select.replaceChildren();
    for (const user of users) {
      const option = el("option", "", user.first_name);
      option.value = String(user.id);
      select.append(option);
    }
    select.value = String(state.user);
  }

  function renderCommands(commands) {
    const menu = $("command-menu");
    menu.replaceChildren();
    for (const command of commands) {
      const item = el("button", "menu-item");
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.append(el("span", "menu-command", `/${command.command}`));
      item.append(el("span", "menu-description", command.description));
      item.addEventListener(
        "click",
        action(async () => {
          closeMenu();
          await sendText(`/${command.command}`);
        }),
      );
      menu.append(item);
    }
    $("menu-button").disabled = commands.length === 0;
  }

  function openMenu() {
    const menu = $("command-menu");
    menu.hidden = false;
    $("menu-button").setAttribute("aria-expanded", "true");
    const first = menu.querySelector("button");
    if (first) first.focus();
  }

  function closeMenu() {
    $("command-menu").hidden = true;
    $("menu-button").setAttribute("aria-expanded", "false");
  }

  function renderCities(cities) {
    const list = $("city-list");
    list.replaceChildren();
    for (const city of cities) {
      const button = el("button", "city", city.name);
      button.type = "button";
      button.addEventListener(
        "click",
        action(async () => {
          $("location-dialog").close();
          await shareLocation(city.latitude, city.longitude);
        }),
      );
      list.append(button);
    }
  }

  // ------------------------------------------------------------------ notices

  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    // What was shown, newest last: a toast lasts 3.5 s, and whoever checks later can still see it.
    box.dataset.shown = `${box.dataset.shown || ""}${text}\n`.slice(-4000);
    window.clearTimeout(state.toastTimer);
    state.toastTimer = window.setTimeout(() => {
      box.hidden = true;
    }, 3500);
  }

  function showAnswer(answer) {
    if (answer.show_alert) {
      $("alert-text").textContent = answer.text;
      const dialog = $("alert-dialog");
      if (!dialog.open) dialog.showModal();
      $("alert-ok").focus();
    } else {
      toast(answer.text);
    }
  }

  // ------------------------------------------------------------------ actions

  async function sendText(text) {
    await api("POST", `/api/users/${state.user}/text`, { text });
  }

  async function shareLocation(latitude, longitude) {
    await api("POST", `/api/users/${state.user}/location`, { latitude, longitude });
  }

  async function press(event) {
    const button = event.currentTarget;
    button.classList.add("pending");
    await api("POST", `/api/users/${state.user}/press`, {
      message_id: Number(button.dataset.messageId),
      callback_data: button.dataset.callbackData,
    });
  }

  function openLocation() {
    $("coords-error").textContent = "";
    $("location-dialog").showModal();
  }

  async function submitCoords(event) {
    event.preventDefault();
    const latitude = Number.parseFloat($("latitude").value);
    const longitude = Number.parseFloat($("longitude").value);
    if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) {
      $("coords-error").textContent = "Latitude is a number from -90 to 90.";
      $("latitude").focus();
      return;
    }
    if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) {
      $("coords-error").textContent = "Longitude is a number from -180 to 180.";
      $("longitude").focus();
      return;
    }
    $("location-dialog").close();
    await shareLocation(latitude, longitude);
  }

  async function submitText(event) {
    event.preventDefault();
    const input = $("text");
    const text = input.value;
    if (!text.trim()) return;
    await sendText(text);
    input.value = "";
  }

  async function moveClock(path, body, button) {
    button.disabled = true;
    try {
      const result = await api("POST", path, body);
      renderClock(result.clock);
      if (result.note) toast(result.note);
    } finally {
      button.disabled = false;
    }
  }

  async function newUser() {
    const user = await api("POST", "/api/users", {});
    await switchUser(user.id);
  }

  // ------------------------------------------------------------------ live updates

  function listen() {
    if (state.source) state.source.close();
    const source = new EventSource(withToken(`/api/events?user=${state.user}`));
    state.source = source;
    const parse = (handler) => (event) => handler(JSON.parse(event.data));
    source.addEventListener("chat", parse(renderChat));
    source.addEventListener("users", parse(renderUsers));
    source.addEventListener("clock", parse(renderClock));
    source.addEventListener("answer", parse(showAnswer));
    source.addEventListener("open", () => {
      $("connection").textContent = "bot · playground";
      document.body.classList.remove("offline");
    });
    source.addEventListener("error", () => {
      $("connection").textContent = "reconnecting…";
      document.body.classList.add("offline");
    });
  }

  async function switchUser(userId) {
    const data = await api("GET", `/api/state?user=${userId}`);
    state.user = data.user;
    clearChat();
    renderUsers(data.users);
    renderClock(data.clock);
    renderChat(data.chat);
    scrollToBottom();
    const url = new URL(window.location.href);
    url.searchParams.set("user", String(state.user));
    window.history.replaceState(null, "", url);
    listen();
  }

  async function boot() {
    const wanted = query.get("user");
    const data = await api("GET", wanted ? `/api/state?user=${encodeURIComponent(wanted)}` : "/api/state");
    $("bot-name").textContent = data.bot.first_name;
    state.botUsername = data.bot.username;
    renderCommands(data.commands);
    renderCities(data.cities);
    await switchUser(data.user);
    // The command menu appears once the bot has called setMyCommands.
    if (!data.commands.length) {
      window.setTimeout(
        action(async () => renderCommands((await api("GET", `/api/state?user=${state.user}`)).commands)),
        1500,
      );
    }
  }

  function wire() {
    $("composer").addEventListener("submit", action(submitText));
    $("start-button").addEventListener("click", action(() => sendText("/start")));
    $("menu-button").addEventListener("click", () => {
      if ($("command-menu").hidden) openMenu();
      else closeMenu();
    });
    $("command-menu").addEventListener("keydown", (event) => {
      const items = [...$("command-menu").querySelectorAll("button")];
      const index = items.indexOf(document.activeElement);
      if (event.key === "Escape") {
        closeMenu();
        $("menu-button").focus();
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        items[(index + step + items.length) % items.length].focus();
      }
    });
    document.addEventListener("click", (event) => {
      const inside = $("command-menu").contains(event.target) || $("menu-button").contains(event.target);
      if (!inside) closeMenu();
    });
    $("location-button").addEventListener("click", openLocation);
    $("location-cancel").addEventListener("click", () => $("location-dialog").close());
    $("coords-form").addEventListener("submit", action(submitCoords));
    $("alert-ok").addEventListener("click", () => $("alert-dialog").close());
    $("user-select").addEventListener("change", action((event) => switchUser(Number(event.target.value))));
    $("new-user").addEventListener("click", action(newUser));
    $("next-reminder").addEventListener(
      "click",
      action((event) => moveClock("/api/clock/next-reminder", { user: state.user }, event.currentTarget)),
    );
    $("plus-day").addEventListener(
      "click",
      action((event) => moveClock("/api/clock/advance", { days: 1, user: state.user }, event.currentTarget)),
    );
    $("plus-week").addEventListener(
      "click",
      action((event) => moveClock("/api/clock/advance", { days: 7, user: state.user }, event.currentTarget)),
    );
    $("deeplink-current").addEventListener("click", action(() => followDeepLink(false)));
    $("deeplink-new").addEventListener("click", action(() => followDeepLink(true)));
    $("deeplink-cancel").addEventListener("click", () => $("deeplink-dialog").close());
    $("messages").addEventListener("click", (event) => {
      const link = event.target.closest("a.deep-link");
      if (!link) return;
      event.preventDefault();
      openDeepLink(link);
    });
    // Spoilers: tap to reveal, like Telegram.
    $("messages").addEventListener("click", (event) => {
      const spoiler = event.target.closest(".tg-spoiler, tg-spoiler");
      if (spoiler) spoiler.classList.add("revealed");
    });
  }

  wire();
  boot().catch((error) => toast(error.message || String(error)));
})();
