// @ts-check
// The dashboard: summary strip, expiry timeline, search and filters, and the token table, all
// drawn from the store. The table renders only the rows in view and asks the store for them, so
// its cost is the same for 10 tokens or 100,000; rows not fetched yet show as placeholders.

import { $, h } from "./dom.js";
import * as store from "./store.js";
import * as fmt from "./format.js";
import { confirmDelete, confirmRotate, openEdit, setEnabled } from "./dialogs.js";
import { copyKept } from "./secrets.js";
import { icon } from "./icons.js";

/** @typedef {import("./store.js").Token} Token */
/** @typedef {import("./store.js").Change} Change */
/** @typedef {import("./store.js").Query} Query */

const ROW_HEIGHT = 56; // px; must match .tokens tbody tr in styles.css
const OVERSCAN = 8;

/** @param {Change} change */
function onChange(change) {
  if (change.topic === "dashboard") {
    // A new query starts at the top; a refresh of the same one keeps the scroll position.
    if (change.fresh) $("table-scroll").scrollTop = 0;
    drawSummary();
    drawTimeline();
    drawFilters();
    drawCount();
    drawRows(true);
  } else if (change.topic === "rows") {
    drawCount();
    drawRows(true);
  } else if (change.topic === "revealed") {
    drawRows(true);
  }
}

// --- summary and timeline --------------------------------------------------------------------

function drawSummary() {
  const summary = store.summary();
  const set = (/** @type {string} */ id, /** @type {number} */ n) => ($(id).querySelector("[data-count]").textContent = fmt.count(n));
  set("stat-active", summary.active);
  set("stat-disabled", summary.disabled);
  set("stat-expiring", summary.expiring_soon);
  set("stat-expired", summary.expired);
  set("stat-stale", summary.stale);
  $("stat-expiring").querySelector("[data-label]").textContent = `Expiring in ${store.warningDays()} days`;
  $("stat-stale").querySelector("[data-label]").textContent = `Unused for ${store.staleDays()} days`;
  statButtons().forEach((b) => b.setAttribute("aria-pressed", String(statActive(b.dataset.filter ?? ""))));
}

/** The summary strip's buttons, each naming its filter (active, disabled, expiring, expired, stale). */
const statButtons = () => /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll(".stat"));

/** @param {string} filter */
function statActive(filter) {
  const query = store.query();
  if (filter === "expiring") return query.expiring_within_days !== null;
  if (filter === "stale") return query.unused_for_days !== null;
  return query.expiring_within_days === null && query.unused_for_days === null && query.state === filter;
}

function drawTimeline() {
  const weeks = store.timeline();
  const svg = $("timeline-chart");
  const max = Math.max(1, ...weeks);
  const total = weeks.reduce((a, b) => a + b, 0);
  const bar = 240 / weeks.length;
  const title = h("title", { svg: true, id: "timeline-desc" },
    total ? `${total} token${total === 1 ? "" : "s"} expire in the next ${weeks.length} weeks: ${weeks.map((n, i) => `week ${i + 1}: ${n}`).join(", ")}`
      : `No tokens expire in the next ${weeks.length} weeks`);
  const bars = weeks.map((n, i) => {
    const height = n ? Math.max(3, (n / max) * 52) : 1;
    return h("rect", {
      svg: true, class: n ? "bar" : "bar bar--zero", x: (i * bar + 2).toFixed(1), y: (56 - height).toFixed(1),
      width: (bar - 4).toFixed(1), height: height.toFixed(1), rx: 2, "data-week": i, "data-count": n,
    }, h("title", { svg: true }, `Week ${i + 1}: ${n}`));
  });
  const axis = h("line", { svg: true, class: "axis", x1: 0, x2: 240, y1: 57, y2: 57 });
  const labels = [h("text", { svg: true, x: 0, y: 64, class: "tick" }, "now"), h("text", { svg: true, x: 240, y: 64, class: "tick", "text-anchor": "end" }, `+${weeks.length} wk`)];
  svg.replaceChildren(title, ...bars, axis, ...labels);
}

// --- filters, search, sort -------------------------------------------------------------------

function drawFilters() {
  const query = store.query();
  /** @param {HTMLSelectElement} select @param {string[]} values @param {string} anyLabel @param {string | null} current */
  const fill = (select, values, anyLabel, current) => {
    select.replaceChildren(h("option", { value: "" }, anyLabel), ...values.map((v) => h("option", { value: v }, v)));
    select.value = current ?? "";
  };
  fill($("filter-service"), store.services().map((s) => s.name), "Any service", query.service);
  fill($("filter-scope"), store.knownScopes(), "Any scope", query.scope);
  $("filter-status").value = query.state ?? "";
  /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll(".tokens th[data-sort]")).forEach((th) => {
    const active = th.dataset.sort === query.sort;
    if (active) th.setAttribute("aria-sort", query.descending ? "descending" : "ascending");
    else th.removeAttribute("aria-sort");
  });
}

/** The count and the empty state, for the query the rows on show answer. */
function drawCount() {
  const n = store.total();
  const query = store.shownQuery();
  const filtered = query.state || query.service || query.scope || query.text || query.expiring_within_days || query.unused_for_days;
  $("result-count").textContent = `${fmt.count(n)} token${n === 1 ? "" : "s"}${filtered ? " match" : ""}`;
  const empty = n === 0;
  $("empty").hidden = !empty;
  $("tokens-table").classList.toggle("tokens--empty", empty);
  $("empty-title").textContent = filtered ? "No tokens match" : "No tokens yet";
  $("empty-text").textContent = filtered
    ? "Nothing matches this search and these filters. Clear them to see every token."
    : "Generate a token for a client of your API, or add a key a service gave you.";
  $("empty-actions").hidden = Boolean(filtered);
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let searchTimer;
function onSearch() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    store.setQuery({ text: $("search").value.trim() || null });
  }, 120);
}

/** @param {string} filter a stat button's: a token state, "expiring" or "stale" */
function onStat(filter) {
  const on = !statActive(filter);
  const state = filter !== "expiring" && filter !== "stale";
  store.setQuery({
    state: on && state ? /** @type {Query["state"]} */ (filter) : null,
    expiring_within_days: on && filter === "expiring" ? store.warningDays() : null,
    unused_for_days: on && filter === "stale" ? store.staleDays() : null,
  });
}

/** @param {Query["sort"]} key */
function onSort(key) {
  const query = store.query();
  if (query.sort === key) store.setQuery({ descending: !query.descending });
  else store.setQuery({ sort: key, descending: key === "created" || key === "last_used" });
}

// --- the table -----------------------------------------------------------------------------

let drawn = { start: -1, end: -1 };

function drawRows(force = false) {
  const total = store.total();
  const scroller = $("table-scroll");
  const head = $("tokens-table").tHead.offsetHeight;
  const top = Math.max(0, scroller.scrollTop - head);
  const visible = Math.ceil(scroller.clientHeight / ROW_HEIGHT);
  const first = Math.min(Math.floor(top / ROW_HEIGHT), Math.max(0, total - visible));
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(total, start + visible + OVERSCAN * 2);
  store.need(start, end);
  if (!force && start === drawn.start && end === drawn.end) return;
  drawn = { start, end };
  /** Stands in for `n` rows out of view: one row as tall as they would be. @param {number} n */
  const spacer = (n) => {
    if (n <= 0) return [];
    const td = h("td", { colspan: 8 });
    td.style.height = `${n * ROW_HEIGHT}px`;
    return [h("tr", { class: "spacer", "aria-hidden": "true" }, td)];
  };
  const before = spacer(start);
  const after = spacer(total - end);
  const body = [];
  let waiting = false;
  for (let i = start; i < end; i++) {
    const t = store.rowAt(i);
    waiting ||= !t;
    body.push(t ? row(t, i) : placeholder(i));
  }
  // Keep keyboard focus on the same control of the same token across a redraw.
  const focused = /** @type {HTMLElement | null} */ (document.activeElement?.closest("#rows button[data-action]") ?? null);
  const keep = focused && { id: focused.closest("tr")?.dataset.id ?? "", action: focused.dataset.action };
  $("rows").replaceChildren(...before, ...body, ...after);
  if (keep) $("rows").querySelector(`tr[data-id="${CSS.escape(keep.id)}"] [data-action="${keep.action}"]`)?.focus();
  $("tokens-table").setAttribute("aria-rowcount", String(total + 1));
  $("tokens-table").setAttribute("aria-busy", String(waiting));
}

/** A row whose token is still on its way: the same height, a grey bar where the name goes. */
const placeholder = (/** @type {number} */ index) =>
  h("tr", { class: "placeholder", "aria-rowindex": index + 2 },
    h("td", { colspan: 8 }, h("span", { class: "placeholder__bar" }), h("span", { class: "visually-hidden" }, "Loading")));

/** @param {Token} t @param {number} index its position among the tokens matching the query */
function row(t, index) {
  const live = t.state !== "deleted";
  const revealed = store.revealedValue(t.id);
  const kept = t.storage === "keychain";
  const expiresSoon = t.state === "active" && t.expires_at && new Date(t.expires_at).getTime() - Date.now() < store.warningDays() * 86400000;
  /** @param {string} action @param {string} label @param {string} glyph @param {Record<string, string>} [extra] */
  const iconBtn = (action, label, glyph, extra = {}) =>
    h("button", { type: "button", class: `icon-btn icon-btn--${action}`, "data-action": action, "aria-label": `${label} ${t.name}`, title: label, ...extra }, icon(glyph));

  return h("tr", { "data-id": t.id, "data-state": t.state, "aria-rowindex": index + 2 },
    h("td", { class: "cell-name" },
      h("a", { href: `#/token/${encodeURIComponent(t.id)}`, class: "token-name" }, t.name),
      h("span", { class: "muted small" }, t.service ?? (t.origin === "generated" ? "Generated" : "No service"))),
    h("td", { class: "cell-token" },
      h("code", { class: revealed ? "secret secret--shown" : "secret", "data-role": "secret" }, revealed ?? maskedHint(t.hint)),
      kept && live
        ? iconBtn("reveal", revealed ? "Hide token" : "Reveal token", revealed ? "eye-off" : "eye", { "aria-pressed": String(Boolean(revealed)) })
        : kept ? null : h("span", { class: "muted small", title: "Only the SHA-256 fingerprint is kept; the token cannot be shown again" }, "hash only: shown once"),
      t.secret_missing ? h("span", { class: "badge badge--bad", title: "The keychain no longer holds this secret" }, "missing") : null,
      t.needs_repair?.length
        ? h("span", { class: "badge badge--bad", "data-role": "needs-repair", title: `Written by an older version and unreadable: ${t.needs_repair.join(", ")}. Edit the token to set it, or delete it.` }, "needs repair")
        : null),
    h("td", { class: "cell-scopes", title: t.scopes.join(", ") }, fmt.scopesLabel(t.scopes)),
    h("td", {}, h("time", { datetime: t.created_at, title: fmt.dateTime(t.created_at) }, fmt.date(t.created_at)), h("span", { class: "muted small" }, `by ${t.created_by}`)),
    h("td", {}, t.last_used_at ? h("time", { datetime: t.last_used_at, title: fmt.dateTime(t.last_used_at) }, fmt.relative(t.last_used_at)) : h("span", { class: "muted" }, "Never")),
    h("td", { class: expiresSoon ? "warn" : t.state === "expired" ? "bad" : "" },
      t.expires_at ? h("time", { datetime: t.expires_at, title: fmt.dateTime(t.expires_at) }, fmt.date(t.expires_at)) : h("span", { class: "muted" }, "Never"),
      t.expires_at && live ? h("span", { class: "small" }, fmt.relative(t.expires_at)) : null),
    h("td", { class: "cell-status" }, live ? statusSwitch(t) : h("span", { class: "badge badge--muted" }, "Deleted")),
    h("td", { class: "cell-actions" }, live
      ? [
          kept ? iconBtn("copy", "Copy", "copy") : null,
          h("button", { type: "button", class: "link-btn", "data-action": "rotate", "aria-label": `Reset ${t.name}` }, "Reset"),
          iconBtn("edit", "Edit", "edit"),
          iconBtn("delete", "Delete", "delete"),
        ]
      : h("span", { class: "muted small" }, t.deleted_at ? `deleted ${fmt.relative(t.deleted_at)}` : "")),
  );
}

/** The Active/Disabled toggle. An expired token can be disabled, and shows that it expired. @param {Token} t */
export function statusSwitch(t) {
  const on = t.status === "active";
  return h("span", { class: "status" },
    h("button", { type: "button", role: "switch", class: "switch", "data-action": "toggle", "aria-checked": String(on), "aria-label": `${t.name} is ${on ? "active" : "disabled"}; switch to ${on ? "disable" : "enable"}` },
      h("span", { class: "switch__knob", "aria-hidden": "true" })),
    h("span", { class: `state state--${t.state}` }, fmt.stateLabel(t.state)));
}

/** The hint with dots where the hidden middle of the secret is. @param {string} hint */
export const maskedHint = (hint) => {
  const cut = hint.indexOf("…");
  return cut < 0 ? hint : `${hint.slice(0, cut)}••••••••${hint.slice(cut + 1)}`;
};

/**
 * Runs a row or details action on a token. Shared with the details page.
 * @param {string | undefined} action a button's data-action
 * @param {Token} t
 */
export function act(action, t) {
  switch (action) {
    case "toggle": return setEnabled(t, t.status !== "active");
    case "reveal": return store.toggleReveal(t.id);
    case "copy": return copyKept(t);
    case "rotate": return confirmRotate(t);
    case "edit": return openEdit(t);
    case "delete": return confirmDelete(t);
  }
}

/** @param {MouseEvent} event */
function onRowClick(event) {
  const button = /** @type {HTMLElement | null} */ (/** @type {Element} */ (event.target).closest("button[data-action]"));
  if (!button) return;
  const t = store.tokenById(button.closest("tr")?.dataset.id ?? "");
  if (t) act(button.dataset.action, t);
}

/** Home and End in the table go to the first and the last token, however many there are. @param {KeyboardEvent} event */
function onTableKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || (event.key !== "Home" && event.key !== "End")) return;
  event.preventDefault();
  const scroller = $("table-scroll");
  scroller.scrollTop = event.key === "Home" ? 0 : scroller.scrollHeight;
}

export function initDashboard() {
  $("search").addEventListener("input", onSearch);
  $("filter-status").addEventListener("change", () => store.setQuery({ state: $("filter-status").value || null, expiring_within_days: null, unused_for_days: null }));
  $("filter-service").addEventListener("change", () => store.setQuery({ service: $("filter-service").value || null }));
  $("filter-scope").addEventListener("change", () => store.setQuery({ scope: $("filter-scope").value || null }));
  statButtons().forEach((b) => b.addEventListener("click", () => onStat(b.dataset.filter ?? "")));
  document.querySelectorAll(".tokens th[data-sort] button").forEach((b) =>
    b.addEventListener("click", () => onSort(/** @type {Query["sort"]} */ (b.closest("th")?.dataset.sort))));
  $("refresh").addEventListener("click", () => store.refresh());
  $("rows").addEventListener("click", onRowClick);
  $("table-scroll").addEventListener("scroll", () => drawRows(), { passive: true });
  $("table-scroll").addEventListener("keydown", onTableKey);
  window.addEventListener("resize", () => drawRows(true));
  window.addEventListener("hashchange", store.hideAll);
  store.subscribe(onChange);
}
