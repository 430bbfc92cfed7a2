//! The system file chooser (tauri-plugin-dialog), opened from the Rust side on the page's
//! behalf: the page asks for a path for one purpose and gets back the path the user chose, or
//! null. The page itself holds no dialog or file-system permission, and the chooser only picks a
//! path; the command that uses it checks and reads or writes it as it does a typed one.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tauri::{AppHandle, WebviewWindow};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder};

use crate::error::{AppError, AppResult};

/// What the chooser is for: it decides save or open, file or folder, the title, the filter and
/// the file name it proposes.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChooserPurpose {
    /// Where to save a vault file (Export).
    Export,
    /// A vault file to open (Import).
    Import,
    /// Where to save the calendar of expiries (Add to calendar).
    Calendar,
    /// A folder to open (Scan a folder).
    Folder,
    /// A dotenv file to open (Import .env).
    Env,
}

/// How [`ChooserPurpose`] looks in the chooser.
struct Look {
    title: &'static str,
    /// `None`: every file is offered (`.env` files have no extension to filter on).
    filter: Option<(&'static str, &'static [&'static str])>,
    /// The file name a save chooser proposes when the page has none.
    default_name: Option<&'static str>,
    kind: Kind,
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Save,
    OpenFile,
    OpenFolder,
}

impl ChooserPurpose {
    fn look(self) -> Look {
        match self {
            ChooserPurpose::Export => Look {
                title: "Save the vault file",
                filter: Some(("Tokenkeeper vault files", &["tkvault"])),
                default_name: Some("tokenkeeper.tkvault"),
                kind: Kind::Save,
            },
            ChooserPurpose::Import => Look {
                title: "Open a vault file",
                filter: Some(("Tokenkeeper vault files", &["tkvault", "age"])),
                default_name: None,
                kind: Kind::OpenFile,
            },
            ChooserPurpose::Calendar => Look {
                title: "Save the calendar of expiries",
                filter: Some(("iCalendar files", &["ics"])),
                default_name: Some("expiries.ics"),
                kind: Kind::Save,
            },
            ChooserPurpose::Folder => Look {
                title: "Choose a folder",
                filter: None,
                default_name: None,
                kind: Kind::OpenFolder,
            },
            ChooserPurpose::Env => Look {
                title: "Open a .env file",
                filter: None,
                default_name: None,
                kind: Kind::OpenFile,
            },
        }
    }
}

/// Where the chooser starts, from the path the user typed (if any): the folder it names (or
/// its parent, when that exists) and, for a save, its file name; else the documents folder.
fn start_from(current: Option<&str>, kind: &Kind) -> (Option<PathBuf>, Option<String>) {
    let typed = current.map(str::trim).filter(|c| !c.is_empty());
    let Some(typed) = typed.map(Path::new) else {
        return (dirs::document_dir().or_else(dirs::home_dir), None);
    };
    if typed.is_dir() {
        return (Some(typed.to_path_buf()), None);
    }
    let dir = typed
        .parent()
        .filter(|p| p.is_dir())
        .map(Path::to_path_buf)
        .or_else(|| dirs::document_dir().or_else(dirs::home_dir));
    let name = (*kind == Kind::Save)
        .then(|| typed.file_name()?.to_str().map(str::to_string))
        .flatten();
    (dir, name)
}

/// Opens the system chooser for `purpose`, over the window and starting where `current` (the
/// path typed so far) points; the chosen path, or `None` when the user cancelled. Blocks this
/// worker thread (never the main one: the command is async) until the chooser closes.
#[tauri::command(async)]
pub fn choose_path(
    app: AppHandle,
    window: WebviewWindow,
    purpose: ChooserPurpose,
    current: Option<String>,
) -> AppResult<Option<String>> {
    let look = purpose.look();
    let mut dialog: FileDialogBuilder<_> = app
        .dialog()
        .file()
        .set_title(look.title)
        .set_parent(&window);
    let (dir, name) = start_from(current.as_deref(), &look.kind);
    if let Some(dir) = dir {
        dialog = dialog.set_directory(dir);
    }
    if let Some(name) = name.or(look.default_name.map(str::to_string)) {
        if look.kind == Kind::Save {
            dialog = dialog.set_file_name(name);
        }
    }
    if let Some((label, extensions)) = look.filter {
        dialog = dialog.add_filter(label, extensions);
    }
    let chosen = match look.kind {
        Kind::Save => dialog.blocking_save_file(),
        Kind::OpenFile => dialog.blocking_pick_file(),
        Kind::OpenFolder => dialog.blocking_pick_folder(),
    };
    let Some(chosen) = chosen else {
        return Ok(None);
    };
    let path = chosen.into_path().map_err(|_| AppError::ChosenPath)?;
    path.to_str()
        .map(|p| Some(p.to_string()))
        .ok_or(AppError::ChosenPath)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_path_starts_the_chooser_in_its_folder_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let typed = dir.path().join("team.tkvault");
        let (start, name) = start_from(typed.to_str(), &Kind::Save);
        assert_eq!(start.as_deref(), Some(dir.path()));
        assert_eq!(name.as_deref(), Some("team.tkvault"));
        // An open chooser starts in the folder but proposes no name.
        let (start, name) = start_from(typed.to_str(), &Kind::OpenFile);
        assert_eq!(start.as_deref(), Some(dir.path()));
        assert_eq!(name, None);
        // A typed folder is where it starts.
        let (start, _) = start_from(dir.path().to_str(), &Kind::OpenFolder);
        assert_eq!(start.as_deref(), Some(dir.path()));
    }

    #[test]
    fn a_missing_folder_or_nothing_typed_starts_in_the_documents_folder() {
        let home = dirs::document_dir().or_else(dirs::home_dir);
        let (start, name) = start_from(Some("/no/such/folder/x.ics"), &Kind::Save);
        assert_eq!(start, home);
        assert_eq!(name.as_deref(), Some("x.ics"));
        let (start, name) = start_from(Some("   "), &Kind::Save);
        assert_eq!(start, home);
        assert_eq!(name, None);
    }

    #[test]
    fn purposes_save_or_open_as_their_use_needs() {
        assert_eq!(ChooserPurpose::Export.look().kind, Kind::Save);
        assert_eq!(ChooserPurpose::Calendar.look().kind, Kind::Save);
        assert_eq!(
            ChooserPurpose::Calendar.look().default_name,
            Some("expiries.ics")
        );
        assert_eq!(ChooserPurpose::Import.look().kind, Kind::OpenFile);
        assert_eq!(ChooserPurpose::Env.look().kind, Kind::OpenFile);
        assert_eq!(ChooserPurpose::Folder.look().kind, Kind::OpenFolder);
    }
}
