// @ts-check
// The Settings screen: display name, clipboard timeout, expiry warning, expiry reminders, when a
// key counts as unused, who this install is, and which version it runs (About).

import * as api from "./api.js";
import { $, h, fieldError } from "./dom.js";
import { loadSettings, saveSettings } from "./store.js";
import { copyValue } from "./secrets.js";
import { toast, showError } from "./toast.js";

export async function openSettings() {
  try {
    const [s, about] = await Promise.all([loadSettings(), api.about()]);
    $("set-display-name").value = s.display_name;
    $("set-clipboard").value = s.clipboard_clear_seconds;
    $("set-warning").value = s.expiry_warning_days;
    $("set-reminders").value = s.reminder_days.join(", ");
    $("set-stale").value = s.stale_days;
    const fact = (/** @type {string} */ label, /** @type {string} */ value) => [h("dt", {}, label), h("dd", {}, h("code", { class: "wrap" }, value))];
    $("about-version").textContent = `Tokenkeeper ${about.version}`;
    $("identity").replaceChildren(
      ...fact("Vault id", about.identity.vault_id),
      ...fact("Keychain entry", about.identity.keychain_service),
      ...fact("Data directory", about.identity.data_dir),
    );
    // Made in the keychain on first use, so it may take a moment (or fail if the keychain is away).
    $("my-public-key").value = about.identity.public_key ?? "";
    $("my-public-key").value = await api.publicKey();
    $("set-member-key").value = (await api.memberKey()).member_key;
  } catch (err) {
    showError(err);
  }
}

/**
 * The whole number in field `id` if it lies in [min, max]; otherwise null, with the error shown.
 * @param {string} id
 * @param {string} errorId
 * @param {number} min
 * @param {number} max
 * @param {string} what
 * @returns {number | null}
 */
function readNumber(id, errorId, min, max, what) {
  const n = Number($(id).value);
  const ok = $(id).value !== "" && Number.isInteger(n) && n >= min && n <= max;
  fieldError(errorId, ok ? "" : `${what} must be a whole number from ${min} to ${max}`);
  return ok ? n : null;
}

/**
 * The reminder days typed as "30, 7, 1, 0" (commas or spaces between them, "7d" reads as 7; empty
 * is none), or null with the error shown when something in it is not a whole number of days. The
 * core checks the range and says so next to the field.
 * @returns {number[] | null}
 */
function readDays() {
  const parts = /** @type {string} */ ($("set-reminders").value).split(/[\s,]+/).filter(Boolean);
  const bad = parts.find((p) => !/^\d{1,4}d?$/i.test(p));
  fieldError("set-reminders-error", bad === undefined ? "" : `"${bad}" is not a number of days; write whole numbers separated by commas, like 30, 7, 1, 0`);
  return bad === undefined ? parts.map((p) => parseInt(p, 10)) : null;
}

/** Which field of the form a refused setting belongs to (the core names it). */
const FIELD_ERRORS = /** @type {Record<string, string>} */ ({
  display_name: "set-display-name-error",
  clipboard_clear_seconds: "set-clipboard-error",
  expiry_warning_days: "set-warning-error",
  reminder_days: "set-reminders-error",
  stale_days: "set-stale-error",
});

/** @param {SubmitEvent} event */
async function save(event) {
  event.preventDefault();
  $("settings-error").textContent = "";
  const name = $("set-display-name").value.trim();
  fieldError("set-display-name-error", name ? "" : "Display name is required");
  const clip = readNumber("set-clipboard", "set-clipboard-error", 5, 3600, "Clipboard time");
  const warn = readNumber("set-warning", "set-warning-error", 1, 365, "Expiry warning");
  const days = readDays();
  const stale = readNumber("set-stale", "set-stale-error", 1, 3650, "Unused after");
  if (!name || clip === null || warn === null || days === null || stale === null) return;
  try {
    const saved = await saveSettings({ display_name: name, clipboard_clear_seconds: clip, expiry_warning_days: warn, reminder_days: days, stale_days: stale });
    // Shown as the core keeps them: sorted, each day once.
    $("set-reminders").value = saved.reminder_days.join(", ");
    toast("Settings saved.");
  } catch (err) {
    const field = FIELD_ERRORS[err.field ?? ""];
    if (field) fieldError(field, err.message);
    else $("settings-error").textContent = err.message;
  }
}

export function initSettings() {
  $("settings-form").addEventListener("submit", save);
  $("copy-public-key").addEventListener("click", () => copyValue($("my-public-key").value, "public key"));
  $("copy-set-member-key").addEventListener("click", () => copyValue($("set-member-key").value, "member key"));
}
