// @ts-check
// The details page of one token: General (description, value, usage), Scopes, Details
// (timestamps) and Activity tabs, with the same actions as the table row. It draws the store's
// open token, which the store reads again after a change or a reveal.

import { $, h } from "./dom.js";
import * as store from "./store.js";
import * as fmt from "./format.js";
import { act, maskedHint, statusSwitch } from "./dashboard.js";
import { showError } from "./toast.js";

/** @typedef {import("./store.js").Token} Token */

/** @param {import("./store.js").Change} change */
function onChange(change) {
  if (change.topic !== "open") return;
  const shown = store.openToken();
  if (change.error) {
    showError(change.error);
    location.hash = "#/";
  } else if (shown) draw(shown);
}

/** @param {import("./store.js").OpenToken} shown */
function draw({ token: t, service, events }) {
  const live = t.state !== "deleted";
  const kept = t.storage === "keychain";
  $("details-name").textContent = t.name;
  $("details-sub").replaceChildren(
    h("span", { class: `state state--${t.state}` }, fmt.stateLabel(t.state)),
    ` · ${t.service ?? "No service"} · ${t.origin === "generated" ? "Generated" : "Added"} · id `,
    h("code", {}, t.id),
  );
  /** @param {string} action @param {string} label */
  const button = (action, label, cls = "btn") => h("button", { type: "button", class: cls, "data-action": action }, label);
  $("details-actions").replaceChildren(...(live
    ? [statusSwitch(t), kept ? button("copy", "Copy") : null, button("rotate", "Reset"), button("edit", "Edit"), button("delete", "Delete", "btn btn--danger")].filter(Boolean)
    : [h("span", { class: "badge badge--muted" }, `Deleted ${fmt.dateTime(t.deleted_at)}`)]));

  const revealed = store.revealedValue(t.id);
  $("panel-general").replaceChildren(
    h("h2", { class: "visually-hidden" }, "General"),
    h("dl", { class: "facts" },
      h("dt", {}, "Description"), h("dd", { id: "details-description" }, t.description || h("span", { class: "muted" }, "No description")),
      h("dt", {}, "Token"),
      h("dd", { class: "value-row" },
        h("code", { class: revealed ? "secret secret--shown" : "secret", id: "details-secret" }, revealed ?? maskedHint(t.hint)),
        kept && live ? button("reveal", revealed ? "Hide" : "Show", "btn btn--small") : null,
        kept && live ? button("copy", "Copy", "btn btn--small") : null,
        !kept ? h("span", { class: "muted small" }, "Only the SHA-256 fingerprint is kept; this token cannot be shown again.") : null),
    ),
    h("h3", {}, "Use it"),
    h("p", { class: "muted small" }, service ? `${service.name} expects the token in this header:` : "Send the token in this header:"),
    h("pre", { class: "snippet", id: "usage-snippet" }, h("code", {}, fmt.usageSnippet(service))),
  );

  $("panel-scopes").replaceChildren(
    h("h2", { class: "visually-hidden" }, "Scopes"),
    t.scopes.length
      ? h("ul", { class: "chips", id: "details-scopes" }, t.scopes.map((s) => h("li", { class: "chip" }, s)))
      : h("p", { class: "muted" }, "This token has no scopes."),
  );

  /** @param {string} label @param {string | null} iso */
  const when = (label, iso) => [h("dt", {}, label), h("dd", {}, iso ? h("time", { datetime: iso }, `${fmt.dateTime(iso)} (${fmt.relative(iso)})`) : h("span", { class: "muted" }, "—"))];
  $("panel-details").replaceChildren(
    h("h2", { class: "visually-hidden" }, "Details"),
    h("dl", { class: "facts", id: "details-times" },
      when("Created", t.created_at), h("dt", {}, "Created by"), h("dd", {}, t.created_by),
      when("Updated", t.updated_at), when("Last used", t.last_used_at), when("Expires", t.expires_at),
      when("Reset", t.rotated_at),
      t.previous_valid_until ? when("Old value valid until", t.previous_valid_until) : null,
      t.deleted_at ? when("Deleted", t.deleted_at) : null,
      h("dt", {}, "Stored"), h("dd", {}, kept ? "Secret in the OS keychain" : "SHA-256 fingerprint only"),
      h("dt", {}, "Fingerprint"), h("dd", {}, fingerprintLabel(t))),
  );

  $("panel-activity").replaceChildren(
    h("h2", { class: "visually-hidden" }, "Activity"),
    h("ol", { class: "activity", id: "details-activity" }, events.map((e) =>
      h("li", {}, h("strong", {}, fmt.eventLabel(e.kind)), ` by ${e.actor} `, h("time", { datetime: e.at, title: fmt.dateTime(e.at) }, fmt.relative(e.at)),
        e.detail ? h("span", { class: "muted small" }, ` · ${e.detail}`) : null))),
  );
}

/** The General, Scopes, Details and Activity tabs. */
const tabList = () => [.../** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("#details-tabs [role=tab]"))];

/** @param {HTMLElement} tab @param {boolean} [focus] */
function selectTab(tab, focus = false) {
  tabList().forEach((t) => {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls") ?? "").hidden = !on;
  });
  if (focus) tab.focus();
}

/** @param {KeyboardEvent} event */
function onTabKey(event) {
  const tabs = tabList();
  const i = tabs.indexOf(/** @type {HTMLElement} */ (document.activeElement));
  /** @type {Record<string, number>} */
  const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
  const next = moves[event.key];
  if (next === undefined || i < 0) return;
  event.preventDefault();
  selectTab(tabs[(next + tabs.length) % tabs.length], true);
}

export function initDetails() {
  tabList().forEach((t) => t.addEventListener("click", () => selectTab(t)));
  $("details-tabs").addEventListener("keydown", onTabKey);
  $("view-details").addEventListener("click", (/** @type {MouseEvent} */ event) => {
    const button = /** @type {HTMLElement | null} */ (/** @type {Element} */ (event.target).closest("button[data-action]"));
    const shown = store.openToken();
    if (button && shown) act(button.dataset.action, shown.token);
  });
  store.subscribe(onChange);
}

export const resetTabs = () => selectTab($("tab-general"));

/** An added key's fingerprint is keyed to this install, and unknown until its secret arrives. @param {Token} t */
function fingerprintLabel(t) {
  if (t.origin === "imported" && !t.fingerprint) return "Unknown: the secret has not arrived here";
  const kind = t.origin === "imported" ? "HMAC-SHA256, keyed to this install" : "SHA-256";
  return [h("code", { class: "wrap" }, t.fingerprint), h("span", { class: "muted small" }, ` (${kind})`)];
}
