//! The app's one error type: what a command failed with, sent to the UI as `{kind, message}`.

use serde::Serialize;

/// Everything an app command can fail with. Messages never carry a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The core refused or failed; its kind (`not_found`, `duplicate`, ...) passes through.
    #[error(transparent)]
    Core(#[from] tokenkeeper_core::Error),
    /// The system clipboard could not be written or read.
    #[error("The clipboard could not be used: {source}. Nothing was copied; try again, or reveal the token and copy it by hand")]
    Clipboard {
        #[source]
        source: tauri_plugin_clipboard_manager::Error,
    },
    /// Trust or Apply was asked for with no import preview kept (none made, or already applied).
    #[error("There is no import preview{}; preview the file first", if *to_apply { " to apply" } else { "" })]
    NoPreview { to_apply: bool },
    /// The import dialog was sent an empty path.
    #[error("Choose a file: type its full path, or pick it with Browse…")]
    NoPath,
    /// The scan page was sent no folder, or one that is not a full path.
    #[error("Type the full path of a folder to scan, such as /home/you/code/app or ~/code/app")]
    NoFolder,
    /// The system file chooser returned a path this app cannot use (not a local, UTF-8 path).
    #[error("The chosen file's path cannot be used here (it is not a local path in UTF-8); rename it, or type a path instead")]
    ChosenPath,
    /// The import preview could not be turned into the page's JSON.
    #[error("The preview could not be prepared: {source}")]
    Preview {
        #[source]
        source: serde_json::Error,
    },
}

impl AppError {
    /// Stable machine-readable name the UI branches on.
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::Core(e) => e.kind(),
            AppError::Clipboard { .. } => "clipboard",
            AppError::NoPreview { .. }
            | AppError::NoPath
            | AppError::NoFolder
            | AppError::ChosenPath => "invalid_input",
            AppError::Preview { .. } => "storage",
        }
    }

    /// The setting a refused Settings save is about (its field name in `Settings`), so the page
    /// shows the message next to that field.
    pub fn field(&self) -> Option<&'static str> {
        use tokenkeeper_core::{Error, InputError};
        let AppError::Core(Error::InvalidInput(e)) = self else {
            return None;
        };
        match e {
            InputError::ClipboardSeconds { .. } => Some("clipboard_clear_seconds"),
            InputError::ExpiryWarningDays { .. } => Some("expiry_warning_days"),
            InputError::ReminderDays { .. }
            | InputError::TooManyReminders { .. }
            | InputError::NotDays { list: true, .. } => Some("reminder_days"),
            InputError::StaleDays { .. } => Some("stale_days"),
            _ => None,
        }
    }
}

/// `{kind, message}`, and `field` when the error is about one setting.
impl Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let field = self.field();
        let mut out = s.serialize_struct("AppError", 2 + usize::from(field.is_some()))?;
        out.serialize_field("kind", self.kind())?;
        out.serialize_field("message", &self.to_string())?;
        if let Some(field) = field {
            out.serialize_field("field", field)?;
        }
        out.end()
    }
}

pub type AppResult<T> = Result<T, AppError>;
