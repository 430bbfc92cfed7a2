// The services the forms and filters offer, loaded once and refreshed with the dashboard, and the
// "tokens changed" signal every view listens to.

import * as api from "./api.js";
import { h } from "./dom.js";

let known = [];

export async function loadServices() {
  known = await api.services();
  return known;
}

export const services = () => known;
export const serviceNamed = (name) => known.find((s) => s.name === name);

/** Fills a <select> with "No service" plus every service, selecting `selected`. */
export function fillServiceSelect(select, selected = "", noneLabel = "No service") {
  select.replaceChildren(
    h("option", { value: "" }, noneLabel),
    ...known.map((s) => h("option", { value: s.name, selected: s.name === selected }, s.name)),
  );
  select.value = selected ?? "";
}

/** Tells every view that tokens changed (here or in `tok`), so they read them again. */
export const tokensChanged = () => document.dispatchEvent(new CustomEvent("tokens-changed"));
export const onTokensChanged = (fn) => document.addEventListener("tokens-changed", fn);
