// @ts-check
// Short messages after an action, and errors that have no form to sit in. Never swallowed:
// an error toast stays until dismissed.

import { h, $ } from "./dom.js";

/**
 * @param {string} message
 * @param {{error?: boolean}} [options] an error toast stays until dismissed
 * @returns {HTMLElement}
 */
export function toast(message, { error = false } = {}) {
  const close = h("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss" }, "✕");
  const el = h("div", { class: error ? "toast toast--error" : "toast", role: error ? "alert" : "status" }, h("span", {}, message), close);
  close.addEventListener("click", () => el.remove());
  $("toasts").append(el);
  if (!error) setTimeout(() => el.remove(), 4000);
  return el;
}

/**
 * Shows an ApiError (or any error) as an error toast.
 * @param {any} err
 */
export const showError = (err) => toast(err?.message ?? String(err), { error: true });
