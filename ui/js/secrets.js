// Revealed values and copies. A revealed token hides itself again after 30 seconds; a copy is
// written and later cleared by the Rust side, so the copied secret never enters the page.

import * as api from "./api.js";
import { toast, showError } from "./toast.js";

export const REVEAL_SECONDS = 30;

const revealed = new Map(); // token id -> {value, timer}
const listeners = new Set();

/** Calls `fn(id)` whenever a token is revealed or hidden again. */
export const onRevealChange = (fn) => listeners.add(fn);
const changed = (id) => listeners.forEach((fn) => fn(id));

/** The revealed value of a token, or undefined while it is hidden. */
export const revealedValue = (id) => revealed.get(id)?.value;

export async function toggleReveal(id) {
  if (revealed.has(id)) return hide(id);
  try {
    const value = await api.revealToken(id);
    const timer = setTimeout(() => hide(id), REVEAL_SECONDS * 1000);
    revealed.set(id, { value, timer });
    changed(id);
  } catch (err) {
    showError(err);
  }
}

export function hide(id) {
  const entry = revealed.get(id);
  if (!entry) return;
  clearTimeout(entry.timer);
  revealed.delete(id);
  changed(id);
}

export function hideAll() {
  [...revealed.keys()].forEach(hide);
}

export async function copyKept(token) {
  try {
    const seconds = await api.copyToken(token.id);
    toast(`Copied “${token.name}”. The clipboard is cleared in ${seconds} s.`);
  } catch (err) {
    showError(err);
  }
}

export async function copyValue(value, what) {
  try {
    const seconds = await api.copyText(value);
    toast(`Copied the ${what}. The clipboard is cleared in ${seconds} s.`);
  } catch (err) {
    showError(err);
  }
}
