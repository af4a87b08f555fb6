//! Chinese first, English second: every word the viewer shows comes in both,
//! side by side in the code, so neither language can fall behind.

use serde::{Deserialize, Serialize};

use crate::catalog::Rule;
use crate::screen::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Picks the text of the current language.
    pub fn tr<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    pub fn rule(self, rule: Rule) -> &'static str {
        match self {
            Lang::Zh => rule.label_zh(),
            Lang::En => rule.keyword(),
        }
    }

    pub fn verdict(self, verdict: Verdict) -> &'static str {
        match (self, verdict) {
            (Lang::Zh, v) => v.label_zh(),
            (Lang::En, Verdict::Conflict) => "conflict",
            (Lang::En, Verdict::Review) => "review",
            (Lang::En, Verdict::Clear) => "clear",
            (Lang::En, Verdict::Outside) => "outside plan area",
        }
    }
}
