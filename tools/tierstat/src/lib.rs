//! tierstat: memory tiering and the kmmscand promotion daemon at a glance.
//!
//! The library holds everything but the terminal loop, so that the host
//! tests exercise it on captured `/proc` and `/sys` text: [`parse`] (pure
//! parsers), [`collect`] (a [`sample::Sample`] from a root directory),
//! [`sample`] (data and rates), [`text`] and [`tui`] (rendering), [`cli`].

pub mod cli;
pub mod collect;
pub mod error;
pub mod parse;
pub mod run;
pub mod sample;
pub mod text;
pub mod tui;
