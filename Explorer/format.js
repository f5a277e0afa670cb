// Building pages from elements and text nodes only: every value from the chain is text, never markup.

/** Creates an element: `h("a", {href: "#/"}, "text", child, …)`; null and false children are skipped. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** A button that copies `text` to the clipboard and says so. */
export function copyButton(text, label = "Copy") {
  const button = h("button", { type: "button", class: "copy", "aria-label": `${label} ${text}` }, "Copy");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy";
    }
    setTimeout(() => (button.textContent = "Copy"), 1500);
  });
  return button;
}

/** A hash, address or other hex: shortened on screen, full in the title and the copy button; a link when `href`. */
export function hex(value, href = null, full = false) {
  if (value === null || value === undefined) return h("span", { class: "muted" }, "none");
  const text = String(value);
  const shown = full || text.length <= 20 ? text : `${text.slice(0, 10)}…${text.slice(-8)}`;
  const inner = href ? h("a", { href, class: "mono", title: text }, shown) : h("span", { class: "mono", title: text }, shown);
  return h("span", {}, inner, text.length > 20 ? copyButton(text) : null);
}

/** A number with thousands separators (u64 values above 2^53 arrive as decimal strings and stay exact). */
export function number(value) {
  if (typeof value === "string") return value.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  if (typeof value === "number") return value.toLocaleString("en-US");
  return String(value);
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** A time in milliseconds since the epoch as UTC and local time, with how long ago. */
export function time(ms) {
  const value = Number(ms);
  if (!Number.isFinite(value)) return String(ms);
  const date = new Date(value);
  const utc = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC`;
  const local = date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
  return h("time", { datetime: date.toISOString(), title: `${value} ms since 1970-01-01 UTC` },
    utc, h("span", { class: "muted" }, ` · ${local} local · ${ago(value)}`));
}

/** Seconds since the epoch (what licences use for validity) as a time. */
export function seconds(value) {
  const n = Number(value);
  if (!Number.isFinite(n) || n > 8.64e12) return number(value);
  return h("span", {}, time(n * 1000), h("span", { class: "muted" }, ` (${number(value)} s)`));
}

/** "5 s ago", "3 min ago", "in 2 days", "56 years ago". */
export function ago(ms) {
  const seconds = Math.round((Date.now() - ms) / 1000);
  const size = Math.abs(seconds);
  const [amount, unit] =
    size < 60 ? [size, "s"] : size < 3600 ? [Math.round(size / 60), "min"] : size < 86400 ? [Math.round(size / 3600), "h"]
      : size < 2 * 365 * 86400 ? [Math.round(size / 86400), "days"] : [Math.round(size / (365.25 * 86400)), "years"];
  return seconds >= 0 ? `${amount} ${unit} ago` : `in ${amount} ${unit}`;
}

/** A duration in milliseconds for people. */
export function duration(ms) {
  if (ms === null || ms === undefined) return "never";
  const n = Number(ms);
  if (n < 1000) return `${n} ms`;
  if (n < 120000) return `${(n / 1000).toFixed(1)} s`;
  return `${Math.round(n / 60000)} min`;
}

/** A definition list of [label, value] pairs, skipping null values. */
export function fields(pairs) {
  return h("dl", { class: "fields" }, pairs.filter((pair) => pair).flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]));
}

/** A table with a header row; rows are arrays of cells. */
export function table(headers, rows, caption = null) {
  return h("div", { class: "table-wrap" },
    h("table", {}, caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      h("thead", {}, h("tr", {}, headers.map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, cell)))))));
}

/** A status badge: green for good, red for bad, yellow for in between. */
export function badge(text, tone = "") {
  return h("span", { class: `badge ${tone}` }, text);
}

const GOOD = new Set(["success", "valid", "active", "activated", "passed", "normal", "committed", "approve", "yes"]);
const BAD = new Set(["rejected", "reverted", "outOfFuel", "trapped", "revoked", "failed", "halted", "holderMismatch", "unknown", "expired"]);

/** A badge coloured by what the status word means. */
export function statusBadge(status) {
  return badge(status, GOOD.has(status) ? "ok" : BAD.has(status) ? "bad" : "warn");
}

/** Hex to bytes; null when it is not hex. */
export function hexToBytes(text) {
  const digits = text.startsWith("0x") || text.startsWith("0X") ? text.slice(2) : text;
  if (digits.length % 2 !== 0 || /[^0-9a-fA-F]/.test(digits)) return null;
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Bytes to 0x-hex. */
export function bytesToHex(bytes) {
  return "0x" + Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
