// @ts-check
// The drawer that slides in from the right: "Generate new token" and "Add existing key" share
// one form. Required fields are checked as the user leaves them and again on submit.

import * as api from "./api.js";
import { $, fieldError } from "./dom.js";
import { fillServiceSelect, serviceNamed } from "./catalog.js";
import { tokensChanged } from "./store.js";
import { endOfLocalDay, expiryOutOfRange, parseScopes } from "./format.js";
import { showOnce } from "./dialogs.js";
import { toast } from "./toast.js";

/** @typedef {"generate" | "add"} Mode */

/** @type {Mode} */
let mode = "generate"; // or "add"
/** @type {HTMLElement | null} */
let returnFocus = null;

export const isDrawerOpen = () => !$("drawer").hidden;

/** @param {Mode} which */
export function openDrawer(which) {
  mode = which;
  returnFocus = /** @type {HTMLElement | null} */ (document.activeElement);
  const adding = mode === "add";
  const form = $("token-form");
  form.reset();
  ["f-name-error", "f-key-error", "f-scopes-error", "f-expiry-error", "form-error"].forEach((id) => fieldError(id, ""));
  $("drawer-title").textContent = adding ? "Add existing key" : "Generate new token";
  $("drawer-lead").textContent = adding
    ? "Store a key a service gave you. It goes into your OS keychain; only its name and details are listed."
    : "Tokenkeeper makes a strong random token and shows it to you once.";
  $("form-submit").textContent = adding ? "Add key" : "Generate token";
  $("f-key-field").hidden = !adding;
  $("f-keep-field").hidden = adding;
  fillServiceSelect($("f-service"));
  $("f-expiry").value = adding ? "never" : "30";
  syncExpiry();
  syncService();
  $("drawer").hidden = false;
  $("scrim").hidden = false;
  // Let the browser lay out the closed position first, so the slide-in animates.
  requestAnimationFrame(() => $("drawer").classList.add("drawer--open"));
  $("f-name").focus();
}

export function closeDrawer() {
  if (!isDrawerOpen()) return;
  $("f-key").value = "";
  $("drawer").classList.remove("drawer--open");
  $("drawer").hidden = true;
  $("scrim").hidden = true;
  returnFocus?.focus?.();
}

function syncExpiry() {
  const custom = $("f-expiry").value === "custom";
  $("f-expiry-date").hidden = !custom;
  $("f-expiry-date-label").hidden = !custom;
  if (!custom) fieldError("f-expiry-error", "");
}

function syncService() {
  const service = serviceNamed($("f-service").value);
  const hint = [];
  if (service) hint.push(`Sent as ${service.auth_header.replace("{token}", "<token>")}.`);
  if (service?.max_active) hint.push(`${service.name} allows ${service.max_active} active token${service.max_active === 1 ? "" : "s"}.`);
  $("f-service-hint").textContent = hint.join(" ");
}

/**
 * The expiry the form asks for, or why it cannot be used.
 * @returns {{value: string | null, error?: undefined} | {value?: undefined, error: string}}
 */
function expiresAt() {
  const choice = $("f-expiry").value;
  if (choice === "never") return { value: null };
  if (choice === "custom") {
    const day = $("f-expiry-date").value;
    if (!day) return { error: "Pick the day the token expires, or choose another expiration" };
    const at = /** @type {string} */ (endOfLocalDay(day));
    if (new Date(at) <= new Date()) return { error: "The expiry date must be in the future" };
    const tooLate = expiryOutOfRange(at);
    if (tooLate) return { error: tooLate };
    return { value: at };
  }
  return { value: new Date(Date.now() + Number(choice) * 86400000).toISOString() };
}

const checkName = () => {
  const ok = $("f-name").value.trim() !== "";
  fieldError("f-name-error", ok ? "" : "Name is required");
  return ok;
};
const checkKey = () => {
  const ok = mode !== "add" || $("f-key").value.trim() !== "";
  fieldError("f-key-error", ok ? "" : "Key is required: paste the key the service gave you");
  return ok;
};

/** @param {SubmitEvent} event */
async function submit(event) {
  event.preventDefault();
  fieldError("form-error", "");
  const expiry = expiresAt();
  fieldError("f-expiry-error", expiry.error ?? "");
  const valid = [checkName(), checkKey(), !expiry.error];
  if (valid.includes(false)) {
    $("token-form").querySelector('[aria-invalid]')?.focus();
    return;
  }
  /** @type {NodeListOf<HTMLInputElement>} */
  const ticked = document.querySelectorAll('#token-form input[name="scope"]:checked');
  const scopes = [
    ...[...ticked].map((c) => c.value),
    ...parseScopes($("f-scopes-more").value),
  ];
  /** @type {import("./types/GenerateRequest").GenerateRequest} */
  const input = {
    name: $("f-name").value.trim(),
    description: $("f-description").value,
    service: $("f-service").value || null,
    scopes: [...new Set(scopes)],
    expires_at: /** @type {string | null} */ (expiry.value), // set: an expiry error returned above
    keep: $("f-keep").checked,
  };
  const button = $("form-submit");
  button.disabled = true;
  try {
    if (mode === "add") {
      const token = await api.addToken(input, $("f-key").value);
      closeDrawer();
      toast(`Added “${token.name}”. The key is in your keychain.`);
    } else {
      const result = await api.generateToken(input);
      closeDrawer();
      showOnce(result);
    }
    tokensChanged();
  } catch (err) {
    // Put the message next to the field it is about when the kind says which one.
    if (/^(A token named|Name)/.test(err.message)) fieldError("f-name-error", err.message);
    else if (mode === "add" && /key/i.test(err.message) && err.kind !== "keychain_unavailable") fieldError("f-key-error", err.message);
    else fieldError("form-error", err.message);
  } finally {
    button.disabled = false;
  }
}

export function initDrawer() {
  $("token-form").addEventListener("submit", submit);
  $("drawer-close").addEventListener("click", closeDrawer);
  $("drawer-cancel").addEventListener("click", closeDrawer);
  $("scrim").addEventListener("click", closeDrawer);
  $("f-expiry").addEventListener("change", syncExpiry);
  $("f-service").addEventListener("change", syncService);
  $("f-name").addEventListener("blur", () => $("f-name").value && checkName());
  $("f-name").addEventListener("input", () => $("f-name").value && checkName());
  $("f-key").addEventListener("input", () => $("f-key").value && checkKey());
}
