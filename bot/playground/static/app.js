// Callsheet playground: a Discord-like page over the emulator (no build step, no library).
"use strict";

const $ = (sel) => document.querySelector(sel);
const S = { me: null, members: [], channels: [], commands: [], flat: [], channel: null,
  messages: new Map(), selected: null, pending: [], source: null, dismissed: new Set(),
  active: 0 };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "html") node.innerHTML = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k in node && typeof v !== "string") node[k] = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// Discord's markdown, the parts the bot uses: code, bold, italics, strike, links, quotes, -# subtext
function md(text) {
  if (!text) return "";
  const blocks = [];
  let html = escapeHtml(text).replace(/```(?:\w*\n)?([\s\S]*?)```/g, (_, code) => {
    blocks.push(`<pre>${code}</pre>`);
    return `\u0000${blocks.length - 1}\u0000`;
  });
  html = html.split("\n").map((line) => {
    if (line.startsWith("-# ")) return `<span class="subtext">${line.slice(3)}</span>`;
    if (line.startsWith("&gt; ")) return `<span class="quote">${line.slice(5)}</span>`;
    return line;
  }).join("\n");
  html = html
    .replace(/`([^`\n]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>")
    .replace(/__([^_\n]+)__/g, "<u>$1</u>")
    .replace(/(^|[^*])\*([^*\n]+)\*/g, "$1<em>$2</em>")
    .replace(/(^|\W)_([^_\n]+)_(?=\W|$)/g, "$1<em>$2</em>")
    .replace(/~~([^~\n]+)~~/g, "<s>$1</s>")
    .replace(/&lt;@!?(\d+)&gt;/g, (_, id) => `<span class="mention">@${memberName(id)}</span>`)
    .replace(/&lt;#(\d+)&gt;/g, (_, id) => `<span class="mention">#${channelName(id)}</span>`)
    .replace(/&lt;t:(\d+)(?::\w)?&gt;/g, (_, t) => new Date(Number(t) * 1000).toLocaleString())
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+|\/[^)\s]*)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>');
  return html.replace(/\u0000(\d+)\u0000/g, (_, i) => blocks[Number(i)]);
}

function memberName(id) {
  const m = S.members.find((x) => x.id === id);
  return escapeHtml(m ? m.name : id === S.botId ? S.bot : "unknown");
}

function channelName(id) {
  const c = S.channels.find((x) => x.id === id);
  return escapeHtml(c ? c.name : "unknown");
}

function toast(text) {
  const t = $("#toast");
  t.textContent = text;
  t.hidden = !text;
}

async function post(url, body) {
  const init = body instanceof FormData ? { method: "POST", body }
    : { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } };
  const response = await fetch(url, init);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

// ---------------------------------------------------------------- state and events

async function load(memberId) {
  const query = memberId ? `?member=${memberId}` : "";
  const state = await (await fetch(`/api/state${query}`)).json();
  Object.assign(S, { me: state.me, members: state.members, channels: state.channels, commands: state.commands, bot: state.bot, botId: state.bot_id });
  S.flat = flatten(state.commands);
  S.channel = S.channel || state.channels[0].id;
  $("#guild-name").textContent = state.guild;
  renderMembers();
  renderChannels();
  renderLimits(state.limits);
  connect();
}

function connect() {
  if (S.source) S.source.close();
  S.source = new EventSource(`/api/events?member=${S.me}`);
  S.source.addEventListener("snapshot", (event) => {
    const data = JSON.parse(event.data);
    S.messages = new Map(data.messages.map((m) => [m.id, m]));
    S.channels = data.channels;
    renderChannels();
    renderMessages();
    $("#status").textContent = `playing ${meName()}`;
    $("#composer").disabled = $("#send").disabled = false;
    document.body.dataset.ready = "1";
  });
  S.source.addEventListener("change", (event) => {
    const data = JSON.parse(event.data);
    S.channels = data.channels;
    renderChannels();
    for (const m of data.messages) update(m);
  });
  S.source.onerror = () => { $("#status").textContent = "reconnecting…"; };
}

function meName() {
  const me = S.members.find((m) => m.id === S.me);
  return me ? me.name : "";
}

// ---------------------------------------------------------------- sidebars

function renderMembers() {
  const list = $("#member-list");
  list.replaceChildren(...S.members.map((m) => el("li", {
    class: m.id === S.me ? "active" : "", "data-member": m.name,
    onclick: () => { if (m.id !== S.me) { S.dismissed.clear(); clearComposer(); load(m.id); } },
  }, m.name, el("span", { class: "role", text: m.moderator ? "moderator" : "member" }))));
}

function renderChannels() {
  const list = $("#channel-list");
  list.replaceChildren(...S.channels.map((c) => el("li", {
    class: [c.parent_id ? "thread" : "", c.archived ? "archived" : "", c.id === S.channel ? "active" : ""].join(" "),
    "data-channel": c.id, title: c.archived ? "archived" : "",
    onclick: () => switchChannel(c.id),
  }, c.parent_id ? (c.private ? "🔒 " : "") + c.name : `# ${c.name}`)));
}

function switchChannel(id) {
  S.channel = id;
  const c = S.channels.find((x) => x.id === id);
  $("#channel-name").textContent = c ? c.name : "";
  $("#composer").placeholder = `Message ${c && !c.parent_id ? "#" : ""}${c ? c.name : ""} — type / for commands`;
  renderChannels();
  renderMessages();
}

function renderLimits(sections) {
  $("#limit-list").replaceChildren(...sections.map((s) => el("div", {},
    el("h3", { text: s.title }), el("ul", {}, s.items.map((i) => el("li", { text: i }))))));
}

// ---------------------------------------------------------------- messages

function visible(m) {
  return m.channel_id === S.channel && !m.deleted && !S.dismissed.has(m.id);
}

function renderMessages() {
  const box = $("#messages");
  const shown = [...S.messages.values()].filter(visible).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  box.replaceChildren(...shown.map(renderMessage));
  box.scrollTop = box.scrollHeight;
}

function update(m) {
  S.messages.set(m.id, m.deleted ? { ...(S.messages.get(m.id) || {}), ...m } : m);
  const box = $("#messages");
  const old = box.querySelector(`.message[data-id="${m.id}"]`);
  if (!visible(S.messages.get(m.id))) { if (old) old.remove(); return; }
  const node = renderMessage(m);
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  if (old) old.replaceWith(node); else box.append(node);
  if (atBottom || !old) box.scrollTop = box.scrollHeight;
}

function renderMessage(m) {
  const author = m.author || {};
  const ephemeral = (m.flags & 64) !== 0;
  const node = el("div", { class: `message${ephemeral ? " ephemeral" : ""}`, "data-id": m.id });
  const meta = m.interaction_metadata;
  if (meta && meta.name) node.append(el("div", { class: "used", text: `${meta.user.global_name || meta.user.username} used /${meta.name}` }));
  node.append(el("div", {},
    el("span", { class: "author", text: author.global_name || author.username },
      author.bot ? el("span", { class: "tag", text: "APP" }) : null),
    el("span", { class: "time", text: new Date(m.timestamp).toLocaleTimeString() })));
  if (m.type === 18) {
    node.append(el("div", { class: "thread-link", text: `started a thread: ${m.content}`,
      onclick: () => m.message_reference && switchChannel(m.message_reference.channel_id) }));
    return node;
  }
  if (m.flags & 128) node.append(el("div", { class: "thinking", text: `${author.global_name || "The app"} is thinking…` }));
  if (m.content) {
    const content = el("div", { class: "content", html: md(m.content) });
    if (m.edited_timestamp) content.append(el("span", { class: "edited", text: "(edited)" }));
    node.append(content);
  }
  const embedded = new Set();
  for (const e of m.embeds || []) {
    for (const key of ["image", "thumbnail"]) if (e[key] && e[key].url) embedded.add(e[key].url);
    node.append(renderEmbed(e));
  }
  const files = (m.attachments || []).filter((a) => !embedded.has(a.url));
  if (files.length) node.append(el("div", { class: "attachments" }, files.map(renderAttachment)));
  for (const row of m.components || []) node.append(renderRow(m, row));
  if (m.thread) node.append(el("div", { class: "thread-link", text: `🧵 ${m.thread.name}`, onclick: () => switchChannel(m.thread.id) }));
  if (ephemeral) {
    node.append(el("div", { class: "ephemeral-note" }, "👁 Only you can see this · ",
      el("a", { text: "Dismiss message", onclick: () => { S.dismissed.add(m.id); node.remove(); } })));
  }
  return node;
}

function renderEmbed(e) {
  const color = e.color !== undefined && e.color !== null ? `#${e.color.toString(16).padStart(6, "0")}` : null;
  const box = el("div", { class: "embed", style: color ? `border-left-color:${color}` : null });
  if (e.thumbnail && e.thumbnail.url) box.append(el("img", { class: "embed-thumb", src: e.thumbnail.url, alt: "" }));
  if (e.author && e.author.name) box.append(el("div", { class: "embed-author", text: e.author.name }));
  if (e.title) {
    const title = el("div", { class: "embed-title" });
    title.append(e.url ? el("a", { href: e.url, target: "_blank", text: e.title }) : e.title);
    box.append(title);
  }
  if (e.description) box.append(el("div", { class: "embed-desc", html: md(e.description) }));
  if (e.fields && e.fields.length) {
    box.append(el("div", { class: "embed-fields" }, e.fields.map((f) => el("div", { class: `embed-field${f.inline ? " inline" : ""}` },
      el("div", { class: "name", html: md(f.name) }), el("div", { class: "value", html: md(f.value) })))));
  }
  if (e.image && e.image.url) box.append(el("div", { class: "embed-image" }, el("img", { src: e.image.url, alt: "" })));
  if (e.footer && e.footer.text) box.append(el("div", { class: "embed-footer", text: e.footer.text }));
  return box;
}

function renderAttachment(a) {
  const type = a.content_type || "";
  if (type.startsWith("image/")) return el("img", { src: a.url, alt: a.filename, "data-filename": a.filename });
  if (type.startsWith("video/")) return el("video", { src: a.url, controls: true, preload: "metadata", "data-filename": a.filename });
  if (type.startsWith("audio/")) return el("div", { class: "file" }, el("div", { text: a.filename }), el("audio", { src: a.url, controls: true, preload: "metadata" }));
  return el("div", { class: "file" }, el("a", { href: a.url, download: a.filename, text: a.filename }), ` · ${(a.size / 1024).toFixed(1)} KB`);
}

function renderRow(m, row) {
  const children = row.type === 1 ? row.components : [row];
  return el("div", { class: "row" }, children.map((c) => renderComponent(m, c)));
}

function renderComponent(m, c) {
  if (c.type === 2) {
    const label = [c.emoji && c.emoji.name, c.label].filter(Boolean).join(" ");
    if (c.style === 5) return el("a", { class: "btn btn-5", href: c.url, target: "_blank", text: label });
    return el("button", { class: `btn btn-${c.style}`, disabled: !!c.disabled, "data-custom-id": c.custom_id, text: label,
      onclick: (ev) => interact(ev.currentTarget, "/api/click", { message: m.id, custom_id: c.custom_id }) });
  }
  if ([3, 5, 6, 7, 8].includes(c.type)) return renderSelect(m, c);
  if (c.type === 10) return el("div", { class: "content", html: md(c.content) });
  return el("span", { class: "subtext", text: `(component type ${c.type})` });
}

function renderSelect(m, c) {
  const many = (c.max_values || 1) > 1;
  const options = c.type === 3 ? c.options : c.type === 5 ? S.members.map((x) => ({ label: x.name, value: x.id })) : [];
  const select = el("select", { class: "menu", multiple: many, disabled: !!c.disabled, "data-custom-id": c.custom_id },
    many ? null : el("option", { value: "", disabled: true, selected: !options.some((o) => o.default), text: c.placeholder || "Make a selection" }),
    options.map((o) => el("option", { value: o.value, selected: !!o.default, title: o.description || "",
      text: [o.emoji && o.emoji.name, o.label].filter(Boolean).join(" ") })));
  const send = () => {
    const values = [...select.selectedOptions].map((o) => o.value).filter(Boolean);
    interact(select, "/api/select", { message: m.id, custom_id: c.custom_id, values });
  };
  if (!many) { select.addEventListener("change", send); return select; }
  return el("div", {}, select, el("button", { class: "btn btn-2", type: "button", text: "Choose", onclick: send }));
}

async function interact(control, url, body) {
  control.disabled = true;
  toast("");
  try {
    const answer = await post(url, { member: S.me, ...body });
    if (answer.modal) openModal(answer.modal, answer.interaction);
  } catch (error) {
    toast(error.message);
  } finally {
    control.disabled = false;
  }
}

// ---------------------------------------------------------------- modals

function openModal(modal, interaction) {
  $("#modal-title").textContent = modal.title;
  const body = $("#modal-body");
  body.replaceChildren();
  const walk = (c, label, description) => {
    if (c.type === 1) return c.components.forEach((x) => walk(x));
    if (c.type === 18) return walk(c.component, c.label, c.description);
    if (c.type === 10) return body.append(el("div", { class: "field", html: md(c.content) }));
    const field = el("div", { class: "field" }, el("label", { for: `m-${c.custom_id}`, text: label || c.label || "" }));
    if (description) field.append(el("div", { class: "desc", text: description }));
    if (c.type === 4) {
      const attrs = { id: `m-${c.custom_id}`, "data-custom-id": c.custom_id, placeholder: c.placeholder || "",
        required: c.required !== false, minlength: c.min_length, maxlength: c.max_length };
      const input = c.style === 2 ? el("textarea", attrs) : el("input", attrs);
      input.value = c.value || "";
      field.append(input);
    } else if (c.type === 3) {
      field.append(el("select", { id: `m-${c.custom_id}`, "data-custom-id": c.custom_id, "data-select": "1", multiple: (c.max_values || 1) > 1 },
        c.options.map((o) => el("option", { value: o.value, selected: !!o.default, text: o.label }))));
    }
    body.append(field);
  };
  modal.components.forEach((c) => walk(c));
  const form = $("#modal");
  form.onsubmit = async (event) => {
    event.preventDefault();
    const values = {};
    for (const input of body.querySelectorAll("[data-custom-id]")) {
      values[input.dataset.customId] = input.dataset.select ? [...input.selectedOptions].map((o) => o.value) : input.value;
    }
    $("#modal-submit").disabled = true;
    try {
      await post("/api/modal", { member: S.me, interaction, values });
      closeModal();
    } catch (error) {
      toast(error.message);
    } finally {
      $("#modal-submit").disabled = false;
    }
  };
  $("#modal-backdrop").hidden = false;
  const first = body.querySelector("input, textarea");
  if (first) first.focus();
}

function closeModal() { $("#modal-backdrop").hidden = true; }
$("#modal-cancel").addEventListener("click", closeModal);

// ---------------------------------------------------------------- composer

function flatten(commands) {
  const out = [];
  for (const c of commands) {
    const options = c.options || [];
    const subs = options.filter((o) => o.type === 1 || o.type === 2);
    if (!subs.length) { out.push({ path: c.name, name: c.name, sub: "", description: c.description, options }); continue; }
    for (const s of subs) {
      if (s.type === 1) out.push({ path: `${c.name} ${s.name}`, name: c.name, sub: s.name, description: s.description, options: s.options || [] });
      else for (const t of s.options || []) out.push({ path: `${c.name} ${s.name} ${t.name}`, name: c.name, sub: `${s.name} ${t.name}`, description: t.description, options: t.options || [] });
    }
  }
  return out;
}

function suggest() {
  const value = $("#composer").value;
  const box = $("#suggestions");
  if (!value.startsWith("/") || (S.selected && value.trim() === `/${S.selected.path}`)) { box.hidden = true; return; }
  const query = value.slice(1).trim().toLowerCase();
  const found = S.flat.filter((c) => c.path.startsWith(query)).concat(S.flat.filter((c) => !c.path.startsWith(query) && c.path.includes(query))).slice(0, 25);
  S.active = 0;
  box.replaceChildren(...found.map((c, i) => el("div", { class: `suggestion${i === 0 ? " active" : ""}`, "data-command": c.path,
    onmousedown: (ev) => { ev.preventDefault(); pick(c); } },
  el("strong", { text: `/${c.path}` }), el("span", { class: "desc", text: c.description || "" }))));
  box.hidden = found.length === 0;
}

function pick(command) {
  S.selected = command;
  $("#composer").value = `/${command.path}`;
  $("#suggestions").hidden = true;
  const box = $("#command-options");
  box.replaceChildren(...command.options.map(renderOption));
  box.hidden = command.options.length === 0;
  $("#composer").focus();
}

const TYPES = { 3: "text", 4: "whole number", 5: "true/false", 6: "member", 7: "channel", 8: "role", 10: "number", 11: "file" };

function renderOption(o) {
  const label = el("label", { title: o.description || "" }, o.name, o.required ? el("span", { class: "req", text: " *" }) : null);
  let input;
  if (o.type === 11) {
    input = el("input", { type: "file", "data-option": o.name });
  } else if (o.choices && o.choices.length) {
    input = el("select", { "data-option": o.name }, el("option", { value: "", text: "—" }),
      o.choices.map((c) => el("option", { value: JSON.stringify(c.value), text: c.name })));
  } else if (o.type === 5) {
    input = el("select", { "data-option": o.name }, ["", "true", "false"].map((v) => el("option", { value: v, text: v || "—" })));
  } else if (o.type === 6) {
    input = el("select", { "data-option": o.name }, el("option", { value: "", text: "—" }), S.members.map((m) => el("option", { value: m.id, text: m.name })));
  } else {
    input = el("input", { "data-option": o.name, type: o.type === 4 || o.type === 10 ? "number" : "text",
      min: o.min_value, max: o.max_value, maxlength: o.max_length, placeholder: o.description || TYPES[o.type] || "" });
  }
  const chip = el("div", { class: "option", "data-option-box": o.name }, label, input);
  if (o.type === 11) {
    chip.addEventListener("dragover", (ev) => { ev.preventDefault(); ev.stopPropagation(); chip.classList.add("drop"); });
    chip.addEventListener("dragleave", () => chip.classList.remove("drop"));
    chip.addEventListener("drop", (ev) => { ev.preventDefault(); ev.stopPropagation(); chip.classList.remove("drop"); input.files = ev.dataTransfer.files; });
  }
  chip.dataset.type = o.type;
  return chip;
}

function optionValues(form) {
  const options = {};
  for (const chip of $("#command-options").children) {
    const name = chip.dataset.optionBox;
    const type = Number(chip.dataset.type);
    const input = chip.querySelector("[data-option]");
    if (type === 11) { if (input.files.length) form.append(`option:${name}`, input.files[0]); continue; }
    const raw = input.value;
    if (raw === "") continue;
    if (input.tagName === "SELECT" && type !== 5 && type !== 6) options[name] = JSON.parse(raw);
    else if (type === 4) options[name] = parseInt(raw, 10);
    else if (type === 10) options[name] = parseFloat(raw);
    else if (type === 5) options[name] = raw === "true";
    else options[name] = raw;
  }
  return options;
}

function clearComposer() {
  S.selected = null;
  S.pending = [];
  $("#composer").value = "";
  $("#command-options").hidden = true;
  $("#command-options").replaceChildren();
  renderPending();
  $("#suggestions").hidden = true;
}

function renderPending() {
  const box = $("#pending-files");
  box.replaceChildren(...S.pending.map((f) => el("span", { text: `📎 ${f.name}` })));
  box.hidden = S.pending.length === 0;
}

async function send() {
  const text = $("#composer").value;
  const form = new FormData();
  toast("");
  if (text.startsWith("/")) {
    const typed = text.slice(1).trim();
    if (!S.selected || S.selected.path !== typed) {
      const match = S.flat.find((c) => c.path === typed);
      if (match) pick(match); else toast(`No command /${typed}`);
      return;
    }
    const c = S.selected;
    const payload = { member: S.me, channel: S.channel, name: c.name, subcommand: c.sub, options: optionValues(form) };
    form.append("payload", JSON.stringify(payload));
    $("#send").disabled = true;
    try {
      const answer = await post("/api/command", form);
      clearComposer();
      if (answer.modal) openModal(answer.modal, answer.interaction);
    } catch (error) { toast(error.message); } finally { $("#send").disabled = false; }
    return;
  }
  if (!text.trim() && !S.pending.length) return;
  form.append("payload", JSON.stringify({ member: S.me, channel: S.channel, content: text }));
  S.pending.forEach((f, i) => form.append(`file${i}`, f));
  $("#send").disabled = true;
  try { await post("/api/message", form); clearComposer(); } catch (error) { toast(error.message); } finally { $("#send").disabled = false; }
}

$("#composer").addEventListener("input", () => {
  if (S.selected && $("#composer").value.trim() !== `/${S.selected.path}`) {
    S.selected = null;
    $("#command-options").hidden = true;
  }
  suggest();
});
$("#composer").addEventListener("keydown", (ev) => {
  const box = $("#suggestions");
  const items = [...box.children];
  if (box.hidden || !items.length) return;
  if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
    ev.preventDefault();
    items[S.active].classList.remove("active");
    S.active = (S.active + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
    items[S.active].classList.add("active");
  } else if (ev.key === "Tab" || ev.key === "Enter") {
    ev.preventDefault();
    pick(S.flat.find((c) => c.path === items[S.active].dataset.command));
  } else if (ev.key === "Escape") box.hidden = true;
});
$("#composer-form").addEventListener("submit", (ev) => { ev.preventDefault(); send(); });
$("#file-input").addEventListener("change", (ev) => { S.pending.push(...ev.target.files); ev.target.value = ""; renderPending(); });
for (const zone of [$("#messages"), $("#composer-row")]) {
  zone.addEventListener("dragover", (ev) => { ev.preventDefault(); $("#messages").classList.add("drop"); });
  zone.addEventListener("dragleave", () => $("#messages").classList.remove("drop"));
  zone.addEventListener("drop", (ev) => {
    ev.preventDefault();
    $("#messages").classList.remove("drop");
    S.pending.push(...ev.dataTransfer.files);
    renderPending();
  });
}

load(null);
