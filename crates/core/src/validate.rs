//! Checks on user input, each with a message that says what was wrong and what to do.
