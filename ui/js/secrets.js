// @ts-check
// Copies. A copy is written and later cleared by the Rust side, so the copied secret never enters
// the page. (Revealed values, which do, live in the store and hide themselves after 30 seconds.)

import * as api from "./api.js";
import { toast, showError } from "./toast.js";

/** @param {{id: string, name: string}} token a kept token */
export async function copyKept(token) {
  try {
    const seconds = await api.copyToken(token.id);
    toast(`Copied “${token.name}”. The clipboard is cleared in ${seconds} s.`);
  } catch (err) {
    showError(err);
  }
}

/** Copies a value the page shows; `what` names it in the toast. @param {string} value @param {string} what */
export async function copyValue(value, what) {
  try {
    const seconds = await api.copyText(value);
    toast(`Copied the ${what}. The clipboard is cleared in ${seconds} s.`);
  } catch (err) {
    showError(err);
  }
}
