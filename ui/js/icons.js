// Line icons drawn as inline SVG, so they look the same on every system whatever its fonts.

import { h } from "./dom.js";

const shapes = {
  eye: [["path", { d: "M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z" }], ["circle", { cx: 12, cy: 12, r: 3 }]],
  "eye-off": [["path", { d: "M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z" }], ["circle", { cx: 12, cy: 12, r: 3 }], ["path", { d: "M3 3l18 18" }]],
  copy: [["rect", { x: 9, y: 9, width: 12, height: 12, rx: 2 }], ["path", { d: "M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1" }]],
  edit: [["path", { d: "M12 20h9" }], ["path", { d: "M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z" }]],
  delete: [["path", { d: "M18 6 6 18M6 6l12 12" }]],
};

/** An icon by name (eye, eye-off, copy, edit, delete), hidden from screen readers. */
export function icon(name) {
  return h("svg", { viewBox: "0 0 24 24", class: "icon", "aria-hidden": "true", focusable: "false" },
    shapes[name].map(([tag, attrs]) => h(tag, { svg: true, ...attrs })));
}
