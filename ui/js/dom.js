// @ts-check
// A tiny element builder: pages are built from nodes and text, never from HTML strings, so
// token names and descriptions can never turn into markup.

/**
 * h("button", {class: "btn", dataset: {id}}, "Copy")
 * @param {string} tag
 * @param {Record<string, any>} [attrs] attributes; `dataset` and `text` are set as properties
 * @param {...unknown} children nodes, or values shown as text; null, undefined and false skipped
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = /** @type {HTMLElement} */ (document.createElementNS(
    tag === "svg" || attrs.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
    tag,
  ));
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false || key === "svg") continue;
    if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * The element with this id. Typed `any` on purpose: which element an id names is written in
 * index.html, out of tsc's sight; the checks aim at what crosses IPC (./types/).
 * @param {string} id
 * @returns {any}
 */
export const $ = (id) => document.getElementById(id);

/**
 * Shows `message` under a form field, or clears it.
 * @param {string} id
 * @param {string | null} [message]
 */
export function fieldError(id, message) {
  const el = $(id);
  el.textContent = message ?? "";
  const input = document.querySelector(`[aria-describedby~="${id}"]`);
  if (input) input.toggleAttribute("aria-invalid", Boolean(message));
}
