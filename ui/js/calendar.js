// @ts-check
// "Add to calendar": every expiry, with its reminders, saved as an .ics file (the one
// `tok calendar -o` writes) where the user picks in the system file chooser.

import * as api from "./api.js";
import { $ } from "./dom.js";
import * as fmt from "./format.js";
import { toast, showError } from "./toast.js";

async function addToCalendar() {
  const button = /** @type {HTMLButtonElement} */ ($("add-to-calendar"));
  button.disabled = true;
  try {
    const path = await api.choosePath("calendar");
    if (!path) return;
    const { events, path: written } = await api.writeCalendar(path);
    const what = events === 1 ? "1 token expiry" : `${fmt.count(events)} token expiries`;
    toast(`Saved ${what} to ${written}. Open it with your calendar app to add the reminders.`);
  } catch (err) {
    showError(err);
  } finally {
    button.disabled = false;
  }
}

export function initCalendar() {
  $("add-to-calendar").addEventListener("click", addToCalendar);
}
