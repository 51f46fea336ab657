//! Group products (団体別取扱商品): plans, rate tables and the premium of one enrollment-month
//! (DOMAIN.md §3).

use rust_decimal::Decimal;

use crate::age::AgeMethod;
use crate::money::{Ratio, Rounding, Yen};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "M",
            Gender::Female => "F",
        }
    }
}

/// Which genders a rate row applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateGender {
    Male,
    Female,
    Unisex,
}

impl RateGender {
    fn matches(self, g: Gender) -> bool {
        matches!(
            (self, g),
            (RateGender::Unisex, _) | (RateGender::Male, Gender::Male) | (RateGender::Female, Gender::Female)
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub code: String,
    pub name: String,
}

/// One row of a rate table: yen per unit per month (may have decimals, e.g. 37.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateRow {
    pub plan: String,
    pub min_age: i32,
    pub max_age: i32,
    pub gender: RateGender,
    pub rate: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupProduct {
    pub code: String,
    pub name: String,
    pub age_method: AgeMethod,
    /// Eligibility ages: outside them the enrollment ends (DOMAIN.md §3.4).
    pub min_age: i32,
    pub max_age: i32,
    pub min_members: u32,
    pub discount_rate: Ratio,
    pub commission_rate: Ratio,
    pub fee_rate: Ratio,
    pub rounding: Rounding,
    pub mid_term_change: bool,
    pub plans: Vec<Plan>,
    pub rates: Vec<RateRow>,
    pub agent_code: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateNotFound {
    pub plan: String,
    pub age: i32,
    pub gender: Gender,
}

/// Why a premium cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PremiumError {
    /// No rate row for the plan, age and gender (B1001).
    RateNotFound(RateNotFound),
    /// `rate × units` is past ±[`Yen::LIMIT`] (B1005).
    OutOfRange { rate: Decimal, units: u32 },
}

impl GroupProduct {
    pub fn has_plan(&self, plan: &str) -> bool {
        self.plans.iter().any(|p| p.code == plan)
    }

    /// The rate row for plan, age and gender; a gender-specific row wins over a unisex one.
    pub fn rate(&self, plan: &str, age: i32, gender: Gender) -> Result<Decimal, RateNotFound> {
        let mut found: Option<&RateRow> = None;
        for row in &self.rates {
            if row.plan == plan && row.min_age <= age && age <= row.max_age && row.gender.matches(gender) {
                let better = found.is_none_or(|f| f.gender == RateGender::Unisex && row.gender != RateGender::Unisex);
                if better {
                    found = Some(row);
                }
            }
        }
        found.map(|r| r.rate).ok_or_else(|| RateNotFound {
            plan: plan.to_string(),
            age,
            gender,
        })
    }

    /// `premium = round(rate × units × (1 − discount_rate))` with the product's rounding rule.
    /// An amount past ±[`Yen::LIMIT`] (or past `rust_decimal`'s range) is an error, never a panic.
    pub fn premium(&self, plan: &str, units: u32, age: i32, gender: Gender) -> Result<Yen, PremiumError> {
        let rate = self.rate(plan, age, gender).map_err(PremiumError::RateNotFound)?;
        let out_of_range = || PremiumError::OutOfRange { rate, units };
        let exact = Decimal::ONE
            .checked_sub(self.discount_rate.as_decimal())
            .and_then(|net| rate.checked_mul(Decimal::from(units))?.checked_mul(net))
            .ok_or_else(out_of_range)?;
        let yen = self.rounding.to_yen(exact);
        if yen.within_limit() {
            Ok(yen)
        } else {
            Err(out_of_range())
        }
    }
}
