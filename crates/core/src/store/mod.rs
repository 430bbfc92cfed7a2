//! SQLite: opening the file, migrations, and one submodule per table.
