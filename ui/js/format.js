// @ts-check
// How values read on screen: local dates, relative times, scope labels, state names.

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relFmt = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

// The system's languages can include tags Intl rejects (a "C" locale); fall back to English.
function numberFormat() {
  try {
    return new Intl.NumberFormat(navigator.languages, { useGrouping: true });
  } catch {
    return new Intl.NumberFormat("en", { useGrouping: true });
  }
}
const numberFmt = numberFormat();

/**
 * 10,000 (grouped the user's way).
 * @param {number} n
 */
export const count = (n) => numberFmt.format(n);

/** @param {string | null | undefined} iso */
export const date = (iso) => (iso ? dateFmt.format(new Date(iso)) : "");
/** @param {string | null | undefined} iso */
export const dateTime = (iso) => (iso ? dateTimeFmt.format(new Date(iso)) : "");

/**
 * "3 days ago", "in 2 hours", "just now".
 * @param {string} iso
 * @param {number} [now] milliseconds since the epoch
 */
export function relative(iso, now = Date.now()) {
  const diff = (new Date(iso).getTime() - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 45) return "just now";
  /** @type {Array<[number, Intl.RelativeTimeFormatUnit, number]>} */
  const steps = [
    [60, "second", 1],
    [3600, "minute", 60],
    [86400, "hour", 3600],
    [86400 * 30, "day", 86400],
    [86400 * 365, "month", 86400 * 30],
    [Infinity, "year", 86400 * 365],
  ];
  for (const [limit, unit, size] of steps) {
    if (abs < limit) return relFmt.format(Math.round(diff / size), unit);
  }
  return "";
}

/**
 * The seed's rule: the number of scopes, or the name when there is exactly one.
 * @param {string[]} scopes
 */
export function scopesLabel(scopes) {
  if (!scopes.length) return "None";
  if (scopes.length === 1) return scopes[0];
  return `${scopes.length} scopes`;
}

/** @param {string} state a TokenState */
export const stateLabel = (state) =>
  /** @type {Record<string, string>} */ ({ active: "Active", disabled: "Disabled", expired: "Expired", deleted: "Deleted" })[state] ?? state;

/** @param {string} kind an EventKind */
export const eventLabel = (kind) =>
  /** @type {Record<string, string>} */ ({
    created: "Created",
    imported: "Added",
    revealed: "Revealed",
    copied: "Copied",
    used: "Used by a program",
    verified: "Verified",
    edited: "Edited",
    enabled: "Enabled",
    disabled: "Disabled",
    rotated: "Reset",
    deleted: "Deleted",
    exported: "Exported",
    merged: "Merged from a vault file",
    reminded: "Reminder sent",
  })[kind] ?? kind;

/**
 * Splits "read, billing:read" into trimmed, distinct scopes.
 * @param {string} text
 * @returns {string[]}
 */
export function parseScopes(text) {
  return [...new Set(text.split(",").map((s) => s.trim()).filter(Boolean))];
}

/**
 * An <input type=date> value (local day) as the end of that day in UTC ISO form, or null.
 * @param {string} value
 * @returns {string | null}
 */
export function endOfLocalDay(value) {
  if (!value) return null;
  const [y, m, d] = value.split("-").map(Number);
  return new Date(y, m - 1, d, 23, 59, 59).toISOString();
}

/**
 * Why an expiry time (ISO, from endOfLocalDay) cannot be stored, or "" when it can: the core
 * keeps dates through 9999-12-31 (UTC) and refuses later ones, which JSON would not even carry
 * in the form the core reads.
 * @param {string | null} iso
 */
export function expiryOutOfRange(iso) {
  if (!iso) return "";
  return new Date(iso).getUTCFullYear() > 9999 ? "The expiry date must be no later than 9999-12-31" : "";
}

/**
 * An ISO time as the local day for an <input type=date>.
 * @param {string | null | undefined} iso
 */
export function toDateInput(iso) {
  if (!iso) return "";
  const t = new Date(iso);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

/**
 * Single quotes for a POSIX shell, `'\''` for a quote inside.
 * @param {unknown} s
 */
export function shellQuote(s) {
  return `'${String(s).replaceAll("'", "'\\''")}'`;
}

/**
 * The usage snippet for a token of `service`, from its header template: every value from the
 * service single-quoted for a POSIX shell, so pasting it runs curl and nothing else whatever a
 * vault file put into the service; only `$TOKEN` expands. The twin of `tok show`'s snippet
 * (crates/cli/src/output.rs).
 * @param {import("./types/Service").Service | null | undefined} service
 */
export function usageSnippet(service) {
  const template = service?.auth_header ?? "Authorization: Bearer {token}";
  const header = template
    .split("{token}")
    .map((part) => (part === "" ? "" : shellQuote(part)))
    .join('"$TOKEN"');
  const url = service?.base_url
    ? shellQuote(`${service.base_url.replace(/\/+$/, "")}/...`)
    : "https://api.example.com/...";
  return `curl -H ${header} ${url}`;
}
