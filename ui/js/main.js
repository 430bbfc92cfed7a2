// @ts-check
// Entry module of the Tokenkeeper window: routes between dashboard, details and settings,
// wires keyboard shortcuts, and has the store read tokens again when the window regains focus.

import * as api from "./api.js";
import { $ } from "./dom.js";
import { initCalendar } from "./calendar.js";
import { initDashboard } from "./dashboard.js";
import { initDetails, resetTabs } from "./details.js";
import { anyDialogOpen, initDialogs } from "./dialogs.js";
import { closeDrawer, initDrawer, isDrawerOpen, openDrawer } from "./drawer.js";
import { initSettings, openSettings } from "./settings.js";
import { initScan, openScan } from "./scan.js";
import { initTeam, openTeam } from "./team.js";
import { initVaultFile } from "./vaultfile.js";
import { closeToken, openTokenById, refresh, showStale } from "./store.js";
import { initIntake } from "./intake.js";

const views = ["view-dashboard", "view-details", "view-team", "view-scan", "view-settings"];

function route() {
  const hash = location.hash || "#/";
  let view = "view-dashboard";
  if (hash.startsWith("#/token/")) {
    view = "view-details";
    resetTabs();
    openTokenById(decodeURIComponent(hash.slice(8)));
  } else if (hash === "#/settings") {
    view = "view-settings";
    closeToken();
    openSettings();
  } else if (hash === "#/scan") {
    view = "view-scan";
    closeToken();
    openScan();
  } else if (hash === "#/team") {
    view = "view-team";
    closeToken();
    openTeam();
  } else if (hash === "#/stale") {
    // Where the monthly "unused keys" notification leads: the dashboard, filtered to them.
    closeToken();
    history.replaceState(null, "", "#/");
    showStale();
  } else {
    closeToken();
    refresh();
  }
  views.forEach((v) => ($(v).hidden = v !== view));
  $("nav-tokens").toggleAttribute("aria-current", view === "view-dashboard" || view === "view-details");
  $("nav-team").toggleAttribute("aria-current", view === "view-team");
  $("nav-scan").toggleAttribute("aria-current", view === "view-scan");
  $("nav-settings").toggleAttribute("aria-current", view === "view-settings");
}

/** Whether keys typed on `el` are text (so they are not shortcuts). @param {any} el */
const typing = (el) => el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

/** @param {KeyboardEvent} event */
function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape" && isDrawerOpen()) {
    event.preventDefault();
    closeDrawer();
    return;
  }
  if (typing(event.target) || anyDialogOpen() || isDrawerOpen()) return;
  if (event.key === "/") {
    event.preventDefault();
    if (location.hash !== "" && location.hash !== "#/") location.hash = "#/";
    $("search").focus();
    $("search").select();
  } else if (event.key === "n") {
    event.preventDefault();
    openDrawer("generate");
  }
}

async function showStartupProblems() {
  try {
    const { reconcile } = await api.about();
    const notes = [];
    if (reconcile.deferred) notes.push(`The OS keychain could not be reached, so keys cannot be revealed or stored right now: ${reconcile.deferred}`);
    if (reconcile.flagged_missing) notes.push(`${reconcile.flagged_missing} token(s) have lost their secret in the keychain; they are marked "missing".`);
    if (notes.length) {
      $("banner").textContent = notes.join(" ");
      $("banner").hidden = false;
    }
  } catch (err) {
    $("banner").textContent = err.message;
    $("banner").hidden = false;
  }
}

function init() {
  initDashboard();
  initCalendar();
  initDetails();
  initDialogs();
  initDrawer();
  initSettings();
  initTeam();
  initScan();
  initVaultFile();
  initIntake();
  $("open-generate").addEventListener("click", () => openDrawer("generate"));
  $("open-add").addEventListener("click", () => openDrawer("add"));
  $("empty-generate").addEventListener("click", () => openDrawer("generate"));
  $("empty-add").addEventListener("click", () => openDrawer("add"));
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", route);
  // Changes made by `tok` (or another window) show up when this window is looked at again.
  window.addEventListener("focus", () => (location.hash.startsWith("#/token/") ? route() : refresh()));
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && refresh());
  route();
  showStartupProblems();
}

init();
