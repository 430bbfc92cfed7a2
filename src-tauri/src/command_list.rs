//! The one list of the window's commands: it drives `generate_handler!` (lib.rs), the build
//! manifest that makes Tauri refuse anything unlisted and the `app-commands` grant (build.rs).
//!
//! How to add a command:
//! 1. write it in `commands/<module>.rs` (`#[tauri::command(async)]`, a thin call into the core);
//! 2. add `<module>::<command>` to [`app_commands!`] below: the handler, the
//!    `allow-<command>` permission and its grant in `permissions/app-commands.toml` (which
//!    `capabilities/default.json` grants) all follow at the next build;
//! 3. add its function to `ui/js/api.js`, `call("<command>", ...)` with JSDoc types; a new type
//!    it sends or takes derives `TS` and joins the export list in `ipc_types.rs`;
//! 4. write `ui/js/types/` again:
//!    `TOKENKEEPER_WRITE_TYPES=1 cargo test -p tokenkeeper --lib ipc_types`.
//!
//! The `ipc_check` unit tests fail when `api.js` or `capabilities/` names a command this list
//! lacks, or misses one it has. build.rs reads this file too (`#[path]`), so it holds only the
//! list and what both sides derive from it.

/// Calls `$callback!` with every command as `module::command`, `module` under `commands/`.
macro_rules! app_commands {
    ($callback:ident) => {
        $callback! {
            tokens::dashboard_page,
            tokens::generate_token,
            tokens::add_token,
            tokens::show_token,
            tokens::edit_token,
            tokens::set_token_enabled,
            tokens::rotate_token,
            tokens::delete_token,
            secrets::reveal_token,
            secrets::copy_token,
            secrets::copy_text,
            settings::services,
            settings::settings,
            settings::update_settings,
            settings::about,
            vault_file::public_key,
            vault_file::passphrase_hint,
            vault_file::suggested_export_path,
            vault_file::export_vault,
            vault_file::vault_file_kind,
            vault_file::preview_import,
            vault_file::apply_import,
            vault_file::cancel_import,
            vault_file::trust_signer,
            team::member_key,
            team::team_list,
            team::team_add,
            team::team_remove,
            intake::preview_intake,
            intake::apply_intake,
            intake::cancel_intake,
            scan::scan_folder,
            chooser::choose_path,
            calendar::write_calendar,
        }
    };
}

/// The names of [`app_commands!`], as the page invokes them.
macro_rules! command_names {
    ($($module:ident :: $command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}

/// Every command the window may call, by the name the page invokes it with.
pub const COMMAND_NAMES: &[&str] = app_commands!(command_names);
