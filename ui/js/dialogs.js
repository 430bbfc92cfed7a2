// @ts-check
// The modal dialogs: show-once after generate or reset, confirm delete, reset with its grace
// period, and edit. Each reports its errors inline and leaves the dialog open to try again.

import * as api from "./api.js";
import { $, fieldError } from "./dom.js";
import { fillServiceSelect } from "./catalog.js";
import { tokensChanged } from "./store.js";
import { endOfLocalDay, expiryOutOfRange, parseScopes, toDateInput } from "./format.js";
import { copyValue } from "./secrets.js";
import { toast, showError } from "./toast.js";

/** @typedef {import("./types/Token").Token} Token */

/** @type {Token | null} */
let current = null; // the token the open dialog acts on

/** @param {string} id */
function open(id) {
  const dlg = $(id);
  if (!dlg.open) dlg.showModal();
  return dlg;
}
const close = (/** @type {string} */ id) => $(id).close();

/**
 * Disables a dialog's buttons while its command runs, so a double click cannot act twice.
 * @template T
 * @param {HTMLElement} dlg
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
export async function busy(dlg, work) {
  const buttons = [...dlg.querySelectorAll("button")];
  buttons.forEach((b) => (b.disabled = true));
  try {
    return await work();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

// --- show once -----------------------------------------------------------------------------

/**
 * Shows a new token's value once: after generate, or after resetting a generated token.
 * @param {import("./types/ShownOnce").ShownOnce} result
 * @param {{rotated?: boolean}} [options]
 */
export function showOnce(result, { rotated = false } = {}) {
  const kept = result.token.storage === "keychain";
  $("shown-title").textContent = rotated ? `New value for “${result.token.name}”` : `Copy your new token “${result.token.name}”`;
  $("shown-warning").textContent = kept
    ? "Copy it now and store it somewhere safe. A copy is kept in your keychain, so you can reveal it later."
    : "Copy it now and store it somewhere safe. It will not be shown again: Tokenkeeper keeps only its SHA-256 fingerprint.";
  $("shown-secret").value = result.secret;
  $("shown-vault").value = result.vault_id;
  open("dlg-shown");
  $("shown-copy-secret").focus();
}

function forgetShown() {
  // The value leaves the page when the dialog closes, however it is closed.
  $("shown-secret").value = "";
  $("shown-vault").value = "";
}

// --- delete --------------------------------------------------------------------------------

/** @param {Token} token */
export function confirmDelete(token) {
  current = token;
  $("delete-title").textContent = `Delete “${token.name}”?`;
  fieldError("delete-error", "");
  open("dlg-delete");
  $("delete-cancel").focus();
}

async function doDelete() {
  const token = /** @type {Token} */ (current);
  const dlg = $("dlg-delete");
  await busy(dlg, async () => {
    try {
      await api.deleteToken(token.id);
      close("dlg-delete");
      toast(`Deleted “${token.name}”.`);
      tokensChanged();
      if (location.hash.startsWith("#/token/")) location.hash = "#/";
    } catch (err) {
      $("delete-error").textContent = err.message;
    }
  });
}

// --- reset (rotate) --------------------------------------------------------------------------

/** @param {Token} token */
export function confirmRotate(token) {
  current = token;
  const imported = token.origin === "imported";
  $("rotate-title").textContent = `Reset “${token.name}”?`;
  $("rotate-text").textContent = imported
    ? "Paste the new key the service issued. Tokenkeeper stores it in place of the old one, keeping the name, scopes and history."
    : "Tokenkeeper issues a new value with the same name, scopes and settings. Update everything that uses the old value.";
  $("rotate-form").reset();
  $("rotate-key-field").hidden = !imported;
  fieldError("rotate-key-error", "");
  $("rotate-error").textContent = "";
  open("dlg-rotate");
  /** @type {HTMLInputElement} */ (document.querySelector('#rotate-form input[name="grace"]:checked')).focus();
}

/** @param {SubmitEvent} event */
async function doRotate(event) {
  event.preventDefault();
  const token = /** @type {Token} */ (current);
  const imported = token.origin === "imported";
  const key = $("rotate-key").value;
  if (imported && !key.trim()) {
    fieldError("rotate-key-error", "Paste the new key from the service");
    $("rotate-key").focus();
    return;
  }
  const grace = /** @type {import("./types/Grace").Grace} */ (new FormData($("rotate-form")).get("grace"));
  await busy($("dlg-rotate"), async () => {
    try {
      const result = await api.rotateToken(token.id, grace, imported ? key : null);
      $("rotate-key").value = "";
      close("dlg-rotate");
      tokensChanged();
      if (result.secret) showOnce(result, { rotated: true });
      else toast(`Stored the new key for “${token.name}”.`);
    } catch (err) {
      $("rotate-error").textContent = err.message;
    }
  });
}

// --- edit ----------------------------------------------------------------------------------

/** @param {Token} token */
export function openEdit(token) {
  current = token;
  $("edit-title").textContent = `Edit “${token.name}”`;
  $("e-name").value = token.name;
  fillServiceSelect($("e-service"), token.service ?? "");
  $("e-description").value = token.description;
  $("e-scopes").value = token.scopes.join(", ");
  $("e-expires").value = toDateInput(token.expires_at);
  fieldError("e-name-error", "");
  $("edit-error").textContent = "";
  open("dlg-edit");
  $("e-name").focus();
}

/** @param {SubmitEvent} event */
async function doEdit(event) {
  event.preventDefault();
  const token = /** @type {Token} */ (current);
  const name = $("e-name").value.trim();
  if (!name) {
    fieldError("e-name-error", "Name is required");
    $("e-name").focus();
    return;
  }
  fieldError("e-name-error", "");
  const tooLate = expiryOutOfRange(endOfLocalDay($("e-expires").value));
  if (tooLate) {
    $("edit-error").textContent = tooLate;
    $("e-expires").focus();
    return;
  }
  /** @type {import("./types/EditInput").EditInput} */
  const input = {
    name,
    description: $("e-description").value,
    service: $("e-service").value || null,
    scopes: parseScopes($("e-scopes").value),
    expires_at: endOfLocalDay($("e-expires").value),
  };
  await busy($("dlg-edit"), async () => {
    try {
      await api.editToken(token.id, input);
      close("dlg-edit");
      toast(`Saved “${name}”.`);
      tokensChanged();
    } catch (err) {
      $("edit-error").textContent = err.message;
    }
  });
}

// --- status --------------------------------------------------------------------------------

/**
 * @param {Token} token
 * @param {boolean} enabled
 */
export async function setEnabled(token, enabled) {
  try {
    await api.setTokenEnabled(token.id, enabled);
    toast(`${enabled ? "Enabled" : "Disabled"} “${token.name}”.`);
  } catch (err) {
    showError(err);
  } finally {
    tokensChanged();
  }
}

export function initDialogs() {
  $("shown-copy-secret").addEventListener("click", () => copyValue($("shown-secret").value, "token"));
  $("shown-copy-vault").addEventListener("click", () => copyValue($("shown-vault").value, "vault id"));
  $("shown-ok").addEventListener("click", () => close("dlg-shown"));
  $("dlg-shown").addEventListener("close", forgetShown);
  $("delete-cancel").addEventListener("click", () => close("dlg-delete"));
  $("delete-confirm").addEventListener("click", doDelete);
  $("rotate-cancel").addEventListener("click", () => close("dlg-rotate"));
  $("rotate-form").addEventListener("submit", doRotate);
  $("dlg-rotate").addEventListener("close", () => ($("rotate-key").value = ""));
  $("edit-cancel").addEventListener("click", () => close("dlg-edit"));
  $("edit-form").addEventListener("submit", doEdit);
}

/** True while any modal dialog is open (keyboard shortcuts stay out of its way). */
export const anyDialogOpen = () => [...document.querySelectorAll("dialog")].some((d) => d.open);
