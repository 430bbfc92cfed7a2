//! End-to-end tests of the desktop app: the real binary in a real WebKit window under X,
//! driven through WebDriver (tauri-driver + WebKitWebDriver), over a real SQLite file and the
//! real Secret Service. Each test walks one workflow of the product pages and saves a
//! screenshot under target/e2e-screenshots/.
#![cfg(target_os = "linux")]

mod util;

// Generate from the drawer: validation, the show-once dialog, copy, clipboard clearing.
mod generate;
// Add an existing key and reveal it with the eye icon.
mod keys;
// The Active/Disabled toggle, edit, and the details page's tabs.
mod manage;
// Reset with a grace period, and delete with confirmation.
mod lifecycle;
// Settings: validation, saving, and their effect on the dashboard and new tokens.
mod settings;
// The clipboard: a copy is cleared when the app quits early; the page has no clipboard permission.
mod clipboard;
// The team vault file: the Export and Import dialogs.
mod vault_file;
// HTML and script in names, descriptions and service fields render as text; far-future expiry.
mod hostile_text;
// The Team page, and trusting an unknown signer in the import preview.
mod team;
// Search, filters, keyboard shortcuts, changes made outside the window, and scale.
mod dashboard;
// Expiry reminders as OS notifications, their Settings, a click on one, and the Unused card.
mod reminders;
// The desktop side: Browse… in the real GTK file chooser, Add to calendar, one instance per
// data directory, and the window's size and position remembered.
mod desktop;
// Import keys: a .env file previewed, applied and rewritten; a refused plan changes nothing.
mod intake;
// "Scan a folder…": the leak sweep's findings in a table, with their commit for history.
mod scan;
// The .deb installed with apt-get: the installed tok and app, then removal keeps the user's data
// (ignored in a plain run: it installs a system package; scripts/test --package runs it).
mod package;
