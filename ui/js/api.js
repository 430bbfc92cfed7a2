// @ts-check
// The only module that talks to the Rust side. Every other module calls these typed functions;
// a failed command rejects with an ApiError carrying the core's {kind, message}.
//
// Each function names its command once, as the first argument of `call`: the commands are listed
// once in src-tauri/src/command_list.rs, and a test there fails when this file names one the list
// lacks or misses one it has. The types are generated from the Rust ones into ./types/ (see
// src-tauri/src/ipc_types.rs); tools/typecheck runs tsc over this file against them.

/** @typedef {import("./types/About").About} About */
/** @typedef {import("./types/CalendarWritten").CalendarWritten} CalendarWritten */
/** @typedef {import("./types/ChooserPurpose").ChooserPurpose} ChooserPurpose */
/** @typedef {import("./types/DashboardPage").DashboardPage} DashboardPage */
/** @typedef {import("./types/EditInput").EditInput} EditInput */
/** @typedef {import("./types/ExportSummary").ExportSummary} ExportSummary */
/** @typedef {import("./types/ExportTo").ExportTo} ExportTo */
/** @typedef {import("./types/FileProtection").FileProtection} FileProtection */
/** @typedef {import("./types/Grace").Grace} Grace */
/** @typedef {import("./types/IntakeApplied").IntakeApplied} IntakeApplied */
/** @typedef {import("./types/IntakeKind").IntakeKind} IntakeKind */
/** @typedef {import("./types/IntakePlan").IntakePlan} IntakePlan */
/** @typedef {import("./types/ListQuery").ListQuery} ListQuery */
/** @typedef {import("./types/Member").Member} Member */
/** @typedef {import("./types/MergePlan").MergePlan} MergePlan */
/** @typedef {import("./types/MergeReport").MergeReport} MergeReport */
/** @typedef {import("./types/MyMemberKey").MyMemberKey} MyMemberKey */
/** @typedef {import("./types/NewToken").NewToken} NewToken */
/** @typedef {import("./types/GenerateRequest").GenerateRequest} GenerateRequest */
/** @typedef {import("./types/Progress").Progress} Progress */
/** @typedef {import("./types/ScanReport").ScanReport} ScanReport */
/** @typedef {import("./types/Service").Service} Service */
/** @typedef {import("./types/Settings").Settings} Settings */
/** @typedef {import("./types/ShownOnce").ShownOnce} ShownOnce */
/** @typedef {import("./types/Strength").Strength} Strength */
/** @typedef {import("./types/Token").Token} Token */
/** @typedef {import("./types/TokenDetails").TokenDetails} TokenDetails */

export class ApiError extends Error {
  /**
   * @param {string} kind the core's error kind (`not_found`, `invalid_input`, ...), or `ipc`
   * @param {string} message what went wrong and what to do, for the user
   * @param {string | null} [field] the input it is about, when the core names one (a setting)
   */
  constructor(kind, message, field = null) {
    super(message);
    this.kind = kind;
    this.field = field;
  }
}

/**
 * Invokes an app command; resolves to what it returns (typed by the caller's `@returns`).
 * @param {import("./types/Command").Command} command
 * @param {Record<string, unknown>} [args]
 * @returns {Promise<any>}
 */
async function call(command, args = {}) {
  const tauri = window.__TAURI__;
  if (!tauri) {
    throw new ApiError("no_shell", "Open this page through the Tokenkeeper app; the browser cannot reach your tokens.");
  }
  try {
    return await tauri.core.invoke(command, args);
  } catch (err) {
    if (err && typeof err === "object" && "kind" in err) {
      const { kind, message, field } = /** @type {{kind: string, message: string, field?: string}} */ (err);
      throw new ApiError(kind, message, field ?? null);
    }
    throw new ApiError("ipc", String(err));
  }
}

/**
* One window of the tokens matching `query`: {rows, total, offset, summary, timeline,
 * warning_days, scopes}. `limit` is at most 500; past the end, rows is empty and total still
 * counts.
 * @param {ListQuery} query
 * @param {number} offset
 * @param {number} limit
 * @returns {Promise<DashboardPage>}
 */
export const dashboardPage = (query, offset, limit) => call("dashboard_page", { query, offset, limit });
/**
 * Generates a token; resolves to {token, secret, vault_id} for the show-once dialog.
 * @param {GenerateRequest} input
 * @returns {Promise<ShownOnce>}
 */
export const generateToken = (input) => call("generate_token", { input });
/**
 * Stores a key the user already has.
 * @param {NewToken} input
 * @param {string} key
 * @returns {Promise<Token>}
 */
export const addToken = (input, key) => call("add_token", { input, key });
/**
 * @param {string} id
 * @returns {Promise<TokenDetails>}
 */
export const showToken = (id) => call("show_token", { id });
/**
 * @param {string} id
 * @param {EditInput} input
 * @returns {Promise<Token>}
 */
export const editToken = (id, input) => call("edit_token", { id, input });
/**
 * @param {string} id
 * @param {boolean} enabled
 * @returns {Promise<Token>}
 */
export const setTokenEnabled = (id, enabled) => call("set_token_enabled", { id, enabled });
/**
 * grace: none | one_hour | one_day | seven_days. key: the new value, for imported keys.
 * @param {string} id
 * @param {Grace} grace
 * @param {string | null} [key]
 * @returns {Promise<ShownOnce>}
 */
export const rotateToken = (id, grace, key) => call("rotate_token", { id, grace, key: key ?? null });
/**
 * @param {string} id
 * @returns {Promise<Token>}
 */
export const deleteToken = (id) => call("delete_token", { id });
/**
 * The kept secret, to show in place.
 * @param {string} id
 * @returns {Promise<string>}
 */
export const revealToken = (id) => call("reveal_token", { id });
/**
 * Copies the kept secret on the Rust side; resolves to the seconds until it is cleared.
 * @param {string} id
 * @returns {Promise<number>}
 */
export const copyToken = (id) => call("copy_token", { id });
/**
 * Copies a value the page shows (show-once token, vault id); cleared like every copy.
 * @param {string} value
 * @returns {Promise<number>}
 */
export const copyText = (value) => call("copy_text", { value });
/** @returns {Promise<Service[]>} */
export const services = () => call("services");
/** @returns {Promise<Settings>} */
export const settings = () => call("settings");
/**
 * @param {Settings} s
 * @returns {Promise<Settings>}
 */
export const updateSettings = (s) => call("update_settings", { settings: s });
/** @returns {Promise<About>} */
export const about = () => call("about");

// --- team vault file ---------------------------------------------------------------------------
/**
 * This install's age public key (age1...), made on first use.
 * @returns {Promise<string>}
 */
export const publicKey = () => call("public_key");
/**
 * {score 0-4, hint} for a passphrase.
 * @param {string} passphrase
 * @returns {Promise<Strength>}
 */
export const passphraseHint = (passphrase) => call("passphrase_hint", { passphrase });
/** @returns {Promise<string>} */
export const suggestedExportPath = () => call("suggested_export_path");
/**
 * to: {kind: "passphrase", passphrase} or {kind: "recipients", recipients, include_me} or {kind: "team"}.
 * @param {string} path
 * @param {ExportTo} to
 * @returns {Promise<ExportSummary>}
 */
export const exportVault = (path, to) => call("export_vault", { path, to });
/**
 * "passphrase" or "recipients".
 * @param {string} path
 * @returns {Promise<FileProtection>}
 */
export const vaultFileKind = (path) => call("vault_file_kind", { path });
/**
 * @param {string} path
 * @param {string | null} [passphrase]
 * @returns {Promise<MergePlan>}
 */
export const previewImport = (path, passphrase) => call("preview_import", { path, passphrase: passphrase ?? null });
/**
 * Applies the last preview; onProgress(done, total) as it goes.
 * confirmDestructive: the user's yes to the deletions and replaced secrets Apply named.
 * @param {string[]} takeTheirs
 * @param {boolean} confirmDestructive
 * @param {(done: number, total: number) => void} onProgress
 * @returns {Promise<MergeReport>}
 */
export function applyImport(takeTheirs, confirmDestructive, onProgress) {
  const tauri = /** @type {NonNullable<Window["__TAURI__"]>} */ (window.__TAURI__);
  /** @type {TauriChannel<Progress>} */
  const channel = new tauri.core.Channel();
  channel.onmessage = (p) => onProgress(p.done, p.total);
  return call("apply_import", { takeTheirs, confirmDestructive, onProgress: channel });
}
/**
 * Trusts the previewed file's signer (adds them to the team as `name`); the new preview.
 * @param {string | null} [name]
 * @returns {Promise<MergePlan>}
 */
export const trustSigner = (name) => call("trust_signer", { name: name ?? null });
/** @returns {Promise<null>} */
export const cancelImport = () => call("cancel_import");

// --- import keys (.env, KeePassXC, Bitwarden, CSV) --------------------------------------------
/**
 * Reads the file and previews its import; the plan waits on the Rust side for Apply.
 * @param {IntakeKind} kind
 * @param {string} path
 * @param {string} prefix
 * @param {string | null} map the CSV column mapping (name=Title,secret=Password,...), csv only
 * @returns {Promise<IntakePlan>}
 */
export const previewIntake = (kind, path, prefix, map) => call("preview_intake", { kind, path, prefix: prefix || null, map });
/**
 * Applies the last preview; with rewrite, a .env file's values then become tok://NAME.
 * @param {boolean} rewrite
 * @returns {Promise<IntakeApplied>}
 */
export const applyIntake = (rewrite) => call("apply_intake", { rewrite });
/** @returns {Promise<null>} */
export const cancelIntake = () => call("cancel_intake");

// --- team --------------------------------------------------------------------------------------
/**
 * {member_key, fingerprint} of this install, made on first use.
 * @returns {Promise<MyMemberKey>}
 */
export const memberKey = () => call("member_key");
/** @returns {Promise<Member[]>} */
export const teamList = () => call("team_list");
/**
 * @param {string} name
 * @param {string} memberKey
 * @returns {Promise<Member>}
 */
export const teamAdd = (name, memberKey) => call("team_add", { name, memberKey });
/**
 * @param {string} name
 * @returns {Promise<Member>}
 */
export const teamRemove = (name) => call("team_remove", { name });

// --- leak sweep --------------------------------------------------------------------------------
/**
 * Scans a folder (full path, or `~/...`) for the secrets this install holds; with `git`, every
 * commit of its repository too. Findings name file, line, commit, token and hint, never a value.
 * @param {string} path
 * @param {boolean} git
 * @returns {Promise<ScanReport>}
 */
export const scanFolder = (path, git) => call("scan_folder", { path, git });
// --- system file chooser and calendar ----------------------------------------------------------
/**
 * Opens the system file chooser (on the Rust side: the page has no file-system permission) for
 * `purpose`, starting where `current` (the path typed so far) points; resolves to the chosen
 * path, or null when the user cancelled.
 * @param {ChooserPurpose} purpose "export" | "import" | "calendar" | "folder" | "env"
 * @param {string | null} [current]
 * @returns {Promise<string | null>}
 */
export const choosePath = (purpose, current) => call("choose_path", { purpose, current: current ?? null });
/**
 * Writes the calendar of expiries (the file `tok calendar -o` writes) to `path`.
 * @param {string} path
 * @returns {Promise<CalendarWritten>}
 */
export const writeCalendar = (path) => call("write_calendar", { path });
