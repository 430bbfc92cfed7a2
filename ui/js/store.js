// @ts-check
// The window's one source of truth: the query, the rows of it the table has fetched, the counts,
// the services, the settings, the open token and the revealed values. Views read it and redraw
// when it tells them something changed (subscribe); they change it only through its functions.
// The latest request wins: an answer to a query or a token the user has since left is dropped.

import * as api from "./api.js";
import { showError } from "./toast.js";

/**
 * The types that cross IPC are generated from the Rust ones (./types/, ts-rs).
 * @typedef {import("./types/ListQuery").ListQuery} Query what the table lists, in which order
 * @typedef {import("./types/Token").Token} Token
 * @typedef {import("./types/Summary").Summary} Summary
 * @typedef {import("./types/Service").Service} Service
 * @typedef {import("./types/Settings").Settings} Settings
 * @typedef {import("./types/TokenDetails").TokenDetails} OpenToken
 * @typedef {{
 *   rows: Token[], total: number, offset: number, summary: Summary, timeline: number[],
 *   warning_days: number, stale_days: number, scopes?: string[],
 * }} Page one window of rows and the counts (the core's DashboardPage)
 *
 * @typedef {"dashboard" | "rows" | "revealed" | "open" | "settings"} Topic
 * What changed: "dashboard" a new answer to the query (counts, services, first rows; `fresh`
 * when the query itself changed), "rows" more rows fetched, "revealed" a value shown or hidden
 * (`id`), "open" the open token read again (or `error` why it could not be), "settings" saved.
 * @typedef {{ topic: Topic, fresh?: boolean, id?: string, error?: unknown }} Change
 */

/** Rows fetched per request; the table asks for the chunks around what it shows. */
export const CHUNK = 50;
/** Chunks kept; the ones farthest from the rows in view are dropped first. */
const KEEP_CHUNKS = 12;
/** A revealed value hides itself again, and leaves the page, after this many seconds. */
export const REVEAL_SECONDS = 30;

/** @type {Query} */
const NO_FILTER = { state: null, service: null, scope: null, text: null, expiring_within_days: null, unused_for_days: null, sort: "name", descending: false };

const state = {
  /** @type {Query} The query the controls say; the rows may still answer an older one. */
  query: NO_FILTER,
  /** @type {Summary} */
  summary: { active: 0, disabled: 0, expiring_soon: 0, expired: 0, stale: 0 },
  /** @type {number[]} Active tokens expiring in each of the next weeks. */
  timeline: [],
  warningDays: 30,
  /** Days without use after which a key counts as unused (the stale setting). */
  staleDays: 90,
  /** @type {Service[]} */
  services: [],
  /** @type {Set<string>} Every scope seen on a fetched row, for the scope filter. */
  scopes: new Set(),
  /** @type {Settings | null} */
  settings: null,
  /** @type {string | null} The token the details page shows. */
  openId: null,
  /** @type {OpenToken | null} */
  open: null,
  /** @type {Map<string, {value: string, timer: ReturnType<typeof setTimeout>}>} */
  revealed: new Map(),
};

/**
 * The rows on show: the answer to `query` (request number `gen`), `total` rows in all, of which
 * the chunks in `chunks` (chunk index -> rows) have been fetched.
 * @type {{ gen: number, query: Query | null, key: string, total: number, chunks: Map<number, Token[]> }}
 */
let view = { gen: 0, query: null, key: "", total: 0, chunks: new Map() };
/** The number of the latest dashboard request; an answer to an older one is dropped. */
let latest = 0;
/** Chunks being fetched for the view on show. */
let fetching = new Set();
/** The rows the table last asked for (start inclusive, end exclusive). */
let wanted = { start: 0, end: CHUNK };

// --- subscribing -------------------------------------------------------------------------------

/** @type {Set<(change: Change) => void>} */
const subscribers = new Set();

/**
 * Calls `fn(change)` after every change; the one way views hear about each other's work.
 * @param {(change: Change) => void} fn
 * @returns {() => void} to unsubscribe
 */
export function subscribe(fn) {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

/** @param {Change} change */
function notify(change) {
  subscribers.forEach((fn) => fn(change));
}

// --- reading -----------------------------------------------------------------------------------

/** The query the controls say (what the user asked for last). */
export const query = () => state.query;
/** The query the rows on show answer (lags `query()` while its answer loads). */
export const shownQuery = () => view.query ?? state.query;
/** How many tokens match the query on show. */
export const total = () => view.total;
export const summary = () => state.summary;
export const timeline = () => state.timeline;
export const warningDays = () => state.warningDays;
export const staleDays = () => state.staleDays;
export const services = () => state.services;
/** @param {string} name */
export const serviceNamed = (name) => state.services.find((s) => s.name === name);
export const knownScopes = () => [...state.scopes].sort();
export const openToken = () => state.open;
/** The revealed value of a token, or undefined while it is hidden. @param {string} id */
export const revealedValue = (id) => state.revealed.get(id)?.value;

/**
 * The row at `index` of the query on show, or undefined until its chunk arrives.
 * @param {number} index
 */
export const rowAt = (index) => view.chunks.get(Math.floor(index / CHUNK))?.[index % CHUNK];

/** A fetched row by id (the table's buttons name their row by id). @param {string} id */
export function tokenById(id) {
  for (const rows of view.chunks.values()) {
    const t = rows.find((r) => r.id === id);
    if (t) return t;
  }
  return undefined;
}

// --- the dashboard -----------------------------------------------------------------------------

/**
 * One window of rows plus the counts.
 * @param {Query} q @param {number} offset @param {number} limit
 * @returns {Promise<Page>}
 */
function fetchPage(q, offset, limit) {
  return api.dashboardPage(q, offset, limit);
}

/** @param {{start: number, end: number}} range */
function chunksOf({ start, end }) {
  const first = Math.floor(Math.max(0, start) / CHUNK);
  const last = Math.max(first, Math.floor((Math.max(start + 1, end) - 1) / CHUNK));
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** @param {Page} page */
function takeCounts(page) {
  state.summary = page.summary;
  state.timeline = page.timeline;
  state.warningDays = page.warning_days;
  state.staleDays = page.stale_days;
  // Every scope in the store when the core counts them; otherwise those of the rows seen so far.
  if (page.scopes) state.scopes = new Set(page.scopes);
  else page.rows.forEach((t) => t.scopes.forEach((s) => state.scopes.add(s)));
}

/**
 * Reads the dashboard again for the current query: the rows in view, the counts and the
 * services. A new query starts at the top; the same one keeps the rows in view. Resolves when
 * this request is answered or overtaken by a newer one.
 */
export async function refresh() {
  const gen = ++latest;
  const q = state.query;
  const key = JSON.stringify(q);
  const fresh = key !== view.key;
  const range = fresh ? { start: 0, end: Math.max(CHUNK, wanted.end - wanted.start) } : wanted;
  const chunks = chunksOf(range);
  try {
    // One request for the chunks in view, cut into chunks here.
    const [page, services] = await Promise.all([fetchPage(q, chunks[0] * CHUNK, chunks.length * CHUNK), api.services()]);
    if (gen !== latest) return; // the user asked for something else meanwhile
    const rows = chunks.map((c, i) => /** @type {[number, Token[]]} */ ([c, page.rows.slice(i * CHUNK, (i + 1) * CHUNK)]));
    view = { gen, query: q, key, total: page.total, chunks: new Map(rows.filter(([, r]) => r.length)) };
    fetching = new Set();
    if (fresh) wanted = range;
    state.services = services;
    takeCounts(page);
    notify({ topic: "dashboard", fresh });
  } catch (err) {
    if (gen === latest) showError(err);
  }
}

/**
 * Changes the query (only the fields given) and reads the dashboard for it.
 * @param {Partial<Query>} change
 */
export function setQuery(change) {
  state.query = { ...state.query, ...change };
  return refresh();
}

/**
 * The table shows rows `start`..`end`: fetch the chunks of them not here yet, and drop the
 * chunks farthest from them.
 * @param {number} start @param {number} end
 */
export function need(start, end) {
  wanted = { start, end };
  if (view.gen !== latest || !view.query) return; // a newer answer is on its way
  for (const c of chunksOf(wanted)) {
    if (c * CHUNK < view.total && !view.chunks.has(c) && !fetching.has(c)) fetchChunk(c);
  }
  if (view.chunks.size > KEEP_CHUNKS) {
    const middle = (start + end) / 2 / CHUNK;
    const far = [...view.chunks.keys()].sort((a, b) => Math.abs(b - middle) - Math.abs(a - middle));
    far.slice(0, view.chunks.size - KEEP_CHUNKS).forEach((c) => view.chunks.delete(c));
  }
}

/** @param {number} chunk */
async function fetchChunk(chunk) {
  const shown = view;
  const inFlight = fetching;
  inFlight.add(chunk);
  try {
    const page = await fetchPage(/** @type {Query} */ (shown.query), chunk * CHUNK, CHUNK);
    if (shown !== view || shown.gen !== latest) return;
    view.chunks.set(chunk, page.rows);
    view.total = page.total;
    takeCounts(page);
    notify({ topic: "rows" });
  } catch (err) {
    if (shown === view) showError(err);
  } finally {
    inFlight.delete(chunk);
  }
}

/** Lists the active keys unused for the stale setting's days, with every other filter cleared. */
export function showStale() {
  state.query = { ...NO_FILTER, sort: state.query.sort, descending: state.query.descending, unused_for_days: state.staleDays };
  return refresh();
}

// --- the open token ----------------------------------------------------------------------------

let openRequest = 0;

/**
 * Shows token `id` on the details page: reads it (again), the latest request winning.
 * @param {string} id
 */
export async function openTokenById(id) {
  const request = ++openRequest;
  state.openId = id;
  try {
    const shown = await api.showToken(id);
    if (request !== openRequest) return;
    state.open = shown;
    notify({ topic: "open" });
  } catch (error) {
    if (request !== openRequest) return;
    state.open = null;
    notify({ topic: "open", error });
  }
}

/** The details page is left: no token is open, and an answer still on its way is dropped. */
export function closeToken() {
  openRequest++;
  state.openId = null;
  state.open = null;
}

/** Tokens changed (here or in `tok`): read the dashboard and the open token again. */
export function tokensChanged() {
  refresh();
  if (state.openId) openTokenById(state.openId);
}

// --- revealed values ---------------------------------------------------------------------------

/** @param {string} id */
function revealChanged(id) {
  notify({ topic: "revealed", id });
  // Read the open token again: a reveal adds to its Activity and "last used".
  if (id === state.openId) openTokenById(id);
}

/** Shows a kept secret in place for REVEAL_SECONDS, or hides it if shown. @param {string} id */
export async function toggleReveal(id) {
  if (state.revealed.has(id)) return hide(id);
  try {
    const value = await api.revealToken(id);
    const timer = setTimeout(() => hide(id), REVEAL_SECONDS * 1000);
    state.revealed.set(id, { value, timer });
    revealChanged(id);
  } catch (err) {
    showError(err);
  }
}

/** Hides a revealed value; the page no longer holds it. @param {string} id */
export function hide(id) {
  const entry = state.revealed.get(id);
  if (!entry) return;
  clearTimeout(entry.timer);
  state.revealed.delete(id);
  revealChanged(id);
}

export function hideAll() {
  [...state.revealed.keys()].forEach(hide);
}

// --- settings ----------------------------------------------------------------------------------

/** Reads the settings. */
export async function loadSettings() {
  state.settings = await api.settings();
  return /** @type {Settings} */ (state.settings);
}

/**
 * Saves the settings and resolves to them as kept; the dashboard is read again (the expiry
 * warning and the unused days change its counts).
 * @param {Settings} settings
 */
export async function saveSettings(settings) {
  const saved = await api.updateSettings(settings);
  state.settings = saved;
  notify({ topic: "settings" });
  tokensChanged();
  return saved;
}
