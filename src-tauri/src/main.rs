//! Entry point of the desktop app; all wiring lives in the library so tests can reach it.

// Release builds on Windows must not open a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tokenkeeper::run();
}
