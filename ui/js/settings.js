// @ts-check
// The Settings screen: display name, clipboard timeout, expiry warning, who this install is, and
// which version it runs (About).

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

/** @param {SubmitEvent} event */
async function save(event) {
  event.preventDefault();
  $("settings-error").textContent = "";
  const name = $("set-display-name").value.trim();
  fieldError("set-display-name-error", name ? "" : "Display name is required");
  const clip = readNumber("set-clipboard", "set-clipboard-error", 5, 3600, "Clipboard time");
  const warn = readNumber("set-warning", "set-warning-error", 1, 365, "Expiry warning");
  if (!name || clip === null || warn === null) return;
  try {
    await saveSettings({ display_name: name, clipboard_clear_seconds: clip, expiry_warning_days: warn });
    toast("Settings saved.");
  } catch (err) {
    $("settings-error").textContent = err.message;
  }
}

export function initSettings() {
  $("settings-form").addEventListener("submit", save);
  $("copy-public-key").addEventListener("click", () => copyValue($("my-public-key").value, "public key"));
  $("copy-set-member-key").addEventListener("click", () => copyValue($("set-member-key").value, "member key"));
}
