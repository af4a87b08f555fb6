//! Subcommands with more to do than one call into the core; the rest stay
//! in `main.rs` beside the argument parsing.

pub mod record;
pub mod screen;
