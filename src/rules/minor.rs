//! Who counts as a minor for the application. The Henan guide: 16 and over apply with the ID
//! card, under 16 with the 户口本 through a guardian. Some places count the age on 31 December
//! of the application year rather than on the application date; which one Henan uses is not
//! published, so both the threshold and the counting rule are configuration.

use serde::{Deserialize, Serialize};

use super::date::Date;

/// On which day the age is counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBasis {
    /// Age on the application date (default).
    #[default]
    ApplicationDate,
    /// Age on 31 December of the application year: someone turning 16 later that year
    /// already counts as 16.
    EndOfYear,
}

/// The minor rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MinorRule {
    /// Under this age an applicant is a minor and needs a guardian (default 16).
    pub threshold_years: u32,
    /// On which day the age is counted (default: the application date).
    pub age_basis: AgeBasis,
    /// A guardian must be at least this old on the application date (default 18, the age of
    /// full civil capacity).
    pub guardian_min_age: u32,
}

impl Default for MinorRule {
    fn default() -> Self {
        MinorRule {
            threshold_years: 16,
            age_basis: AgeBasis::ApplicationDate,
            guardian_min_age: 18,
        }
    }
}

impl MinorRule {
    /// The age that counts, for someone born on `birth` applying on `application`.
    pub fn counted_age(&self, birth: Date, application: Date) -> u32 {
        let day = match self.age_basis {
            AgeBasis::ApplicationDate => application,
            AgeBasis::EndOfYear => application.end_of_year(),
        };
        day.years_since(birth)
    }

    /// True when someone born on `birth` is a minor when applying on `application`.
    pub fn is_minor(&self, birth: Date, application: Date) -> bool {
        self.counted_age(birth, application) < self.threshold_years
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn d(y: u32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn fifteen_years_and_364_days_is_a_minor_sixteen_on_the_birthday_is_not() {
        let rule = MinorRule::default();
        let birth = d(2010, 11, 30);
        assert!(rule.is_minor(birth, d(2026, 11, 29)));
        assert!(!rule.is_minor(birth, d(2026, 11, 30)));
    }

    #[test]
    fn the_end_of_year_rule_counts_the_age_on_31_december() {
        let rule = MinorRule {
            age_basis: AgeBasis::EndOfYear,
            ..MinorRule::default()
        };
        assert!(!rule.is_minor(d(2010, 12, 31), d(2026, 1, 1)));
        assert!(rule.is_minor(d(2011, 1, 1), d(2026, 12, 31)));
        assert_eq!(rule.counted_age(d(2010, 12, 31), d(2026, 1, 1)), 16);
    }
}
