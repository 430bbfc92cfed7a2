// @ts-check
// The service <select> of the forms, filled from the store's services (read with the dashboard).

import { h } from "./dom.js";
import * as store from "./store.js";

export const serviceNamed = store.serviceNamed;

/**
 * Fills a <select> with "No service" plus every service, selecting `selected`.
 * @param {HTMLSelectElement} select @param {string | null} [selected] @param {string} [noneLabel]
 */
export function fillServiceSelect(select, selected = "", noneLabel = "No service") {
  select.replaceChildren(
    h("option", { value: "" }, noneLabel),
    ...store.services().map((s) => h("option", { value: s.name, selected: s.name === selected }, s.name)),
  );
  select.value = selected ?? "";
}
