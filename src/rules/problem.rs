//! A problem found in an application: which field, a stable code, and what the person filling
//! in the form reads. Checks collect every problem rather than stopping at the first, so the
//! form can mark all its wrong fields at once.

use serde::Serialize;

/// An error that a person can be told about: a stable code and a Chinese message.
pub trait Explain {
    /// Stable, upper-case code (`ID_NUMBER_CHECK_DIGIT`); never changes once published.
    fn code(&self) -> &'static str;
    /// What the person reads, in Chinese.
    fn message_zh(&self) -> String;
}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Path of the field in the form's JSON, dot-separated (`guardian.id_number`,
    /// `materials.photo`); empty for the form as a whole.
    pub field: String,
    /// Stable code.
    pub code: &'static str,
    /// Chinese message.
    pub message: String,
}

impl Problem {
    /// A problem of `field` explained by `error`.
    pub fn new(field: impl Into<String>, error: &impl Explain) -> Problem {
        Problem {
            field: field.into(),
            code: error.code(),
            message: error.message_zh(),
        }
    }
}

/// The problems found so far.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// Records `error` against `field`.
    pub fn add(&mut self, field: impl Into<String>, error: &impl Explain) {
        self.0.push(Problem::new(field, error));
    }

    /// The value of `result`, or `None` after recording its error against `field`.
    pub fn take<T, E: Explain>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.add(field, &e)).ok()
    }

    /// Records each problem of a nested check, prefixing its field with `prefix.`.
    pub fn extend_under(&mut self, prefix: &str, problems: Vec<Problem>) {
        for mut p in problems {
            p.field = if p.field.is_empty() {
                prefix.to_string()
            } else {
                format!("{prefix}.{}", p.field)
            };
            self.0.push(p);
        }
    }

    /// How many problems were recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was recorded, else every problem.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<Problem>> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self.0)
        }
    }

    /// Everything recorded.
    pub fn into_vec(self) -> Vec<Problem> {
        self.0
    }
}

/// A field that must be filled in and was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Required;

impl Explain for Required {
    fn code(&self) -> &'static str {
        "REQUIRED"
    }
    fn message_zh(&self) -> String {
        "此项为必填项".into()
    }
}
