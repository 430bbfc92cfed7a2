// @ts-check
// The Team page: this install's member key to share, and the members whose signed vault files
// import without asking and to whom "My team" exports are encrypted.

import * as api from "./api.js";
import { $, h, fieldError } from "./dom.js";
import * as fmt from "./format.js";
import { copyValue } from "./secrets.js";
import { toast, showError } from "./toast.js";

export async function openTeam() {
  ["team-name-error", "team-key-error", "team-error"].forEach((id) => fieldError(id, ""));
  await Promise.all([showMyKey(), drawMembers()]);
}

async function showMyKey() {
  try {
    // Made in the keychain on first use, so it may take a moment (or fail if the keychain is away).
    const mine = await api.memberKey();
    $("my-member-key").value = mine.member_key;
    $("my-fingerprint").textContent = mine.fingerprint;
  } catch (err) {
    showError(err);
  }
}

async function drawMembers() {
  let members;
  try {
    members = await api.teamList();
  } catch (err) {
    showError(err);
    return;
  }
  $("team-empty").hidden = members.length > 0;
  $("team-table").hidden = members.length === 0;
  $("team-rows").replaceChildren(...members.map((m) => {
    const remove = /** @type {HTMLButtonElement} */ (h("button", { type: "button", class: "btn btn--small", "data-name": m.name, "aria-label": `Remove ${m.name}` }, "Remove"));
    remove.addEventListener("click", () => removeMember(m, remove));
    return h("tr", { "data-name": m.name },
      h("td", {}, m.name),
      h("td", {}, h("code", { class: "wrap" }, m.fingerprint)),
      h("td", { class: "small" }, `${fmt.date(m.added_at)} by ${m.added_by}`),
      h("td", {}, remove));
  }));
}

/** Two clicks: the first asks, the second removes. A removed member's files need trusting again. */
/**
 * @param {import("./types/Member").Member} member
 * @param {HTMLButtonElement} button
 */
async function removeMember(member, button) {
  if (button.dataset.armed !== "yes") {
    button.dataset.armed = "yes";
    button.textContent = `Remove ${member.name}? Their files will need trusting again`;
    button.classList.add("btn--danger");
    return;
  }
  button.disabled = true;
  try {
    await api.teamRemove(member.name);
    toast(`Removed ${member.name} from the team.`);
  } catch (err) {
    showError(err);
  }
  await drawMembers();
}

/** @param {SubmitEvent} event */
async function addMember(event) {
  event.preventDefault();
  ["team-name-error", "team-key-error", "team-error"].forEach((id) => fieldError(id, ""));
  const name = $("team-name").value.trim();
  const key = $("team-key").value.trim();
  if (!name) fieldError("team-name-error", "Name is required: how you know this person");
  if (!key) fieldError("team-key-error", "Member key is required: paste the tkmember1_… they sent you");
  if (!name || !key) {
    $("team-form").querySelector("[aria-invalid]")?.focus();
    return;
  }
  const button = $("team-add");
  button.disabled = true;
  try {
    const m = await api.teamAdd(name, key);
    $("team-form").reset();
    toast(`Added ${m.name} (${m.fingerprint}) to the team.`);
    await drawMembers();
  } catch (err) {
    if (/member key|tkmember/i.test(err.message) && err.kind === "invalid_input") fieldError("team-key-error", err.message);
    else if (err.kind === "invalid_input" && /name/i.test(err.message)) fieldError("team-name-error", err.message);
    else fieldError("team-error", err.message);
  } finally {
    button.disabled = false;
  }
}

export function initTeam() {
  $("team-form").addEventListener("submit", addMember);
  $("copy-member-key").addEventListener("click", () => copyValue($("my-member-key").value, "member key"));
}
