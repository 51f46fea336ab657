//! Money. `Yen` is a whole-yen amount over `rust_decimal`; it cannot be built from `f64`, and every
//! rounding from an exact decimal names its rule.
//!
//! **Overflow.** Nothing here panics. The `checked_*` methods give `None` past `rust_decimal`'s
//! range; the operators (`+`, `-`, `times`, `times_ratio_truncated`) saturate at that range
//! instead, which no real amount reaches: the files are bounded at load (formats::limits,
//! formats::package_bounds), a premium past [`Yen::LIMIT`] is an error finding (B1005), and
//! `bill::compute` turns any total past [`Yen::LIMIT`] into the same finding, which blocks
//! confirmation. So a saturated amount can be shown but never confirmed.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// A whole number of yen (may be negative: refunds). Always an integer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Yen(Decimal);

impl Yen {
    pub const ZERO: Yen = Yen(Decimal::ZERO);
    /// The largest amount a bill may carry anywhere (¥1,000,000,000,000,000 — far past any
    /// group's month, far inside `rust_decimal`'s 7.9 × 10²⁸).
    pub const LIMIT: Yen = Yen(Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0));

    /// Whether the amount is within ±[`Yen::LIMIT`].
    pub fn within_limit(self) -> bool {
        self.0.abs() <= Self::LIMIT.0
    }

    /// `self + o`, `None` past `rust_decimal`'s range.
    pub fn checked_add(self, o: Yen) -> Option<Yen> {
        self.0.checked_add(o.0).map(Yen)
    }

    /// `self − o`, `None` past `rust_decimal`'s range.
    pub fn checked_sub(self, o: Yen) -> Option<Yen> {
        self.0.checked_sub(o.0).map(Yen)
    }

    /// `self × n`, `None` past `rust_decimal`'s range.
    pub fn checked_times(self, n: u32) -> Option<Yen> {
        self.0.checked_mul(Decimal::from(n)).map(Yen)
    }

    /// [`Yen::times_ratio_truncated`], `None` past `rust_decimal`'s range.
    pub fn checked_times_ratio_truncated(self, ratio: Ratio) -> Option<Yen> {
        self.0.checked_mul(ratio.0).map(|d| Yen(d.trunc().normalize()))
    }

    /// The saturated result of an operation that overflowed (see the module docs).
    fn saturated(positive: bool) -> Yen {
        Yen(if positive { Decimal::MAX } else { Decimal::MIN })
    }

    pub fn new(yen: i64) -> Yen {
        Yen(Decimal::from(yen))
    }

    /// Some(yen) only when `d` is a whole number: amounts on invoices are integers.
    pub fn from_whole(d: Decimal) -> Option<Yen> {
        (d.fract().is_zero()).then(|| Yen(d.normalize()))
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }

    /// The amount as an integer (always exact: a `Yen` is whole).
    pub fn to_i64(self) -> i64 {
        self.0
            .to_i64()
            .unwrap_or(if self.0.is_sign_negative() { i64::MIN } else { i64::MAX })
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
    pub fn is_negative(self) -> bool {
        self.0 < Decimal::ZERO
    }
    pub fn is_positive(self) -> bool {
        self.0 > Decimal::ZERO
    }
    pub fn abs(self) -> Yen {
        Yen(self.0.abs())
    }

    /// `self × n` for a count (months, units); saturates instead of overflowing.
    pub fn times(self, n: u32) -> Yen {
        self.checked_times(n)
            .unwrap_or_else(|| Self::saturated(!self.is_negative()))
    }

    /// `trunc(self × ratio)`: cut toward zero (切り捨て; 23.37 → 23, −23.37 → −23). The collection
    /// fee, its consumption tax and the agent commission use it. Saturates instead of overflowing.
    pub fn times_ratio_truncated(self, ratio: Ratio) -> Yen {
        self.checked_times_ratio_truncated(ratio)
            .unwrap_or_else(|| Self::saturated(self.is_negative() == ratio.0.is_sign_negative()))
    }

    /// `1,234,567` (負数は `-1,234`).
    pub fn with_thousands(self) -> String {
        let n = self.to_i64();
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0 {
            format!("-{out}")
        } else {
            out
        }
    }
}

impl fmt::Display for Yen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_i64())
    }
}

impl Add for Yen {
    type Output = Yen;
    /// Saturates instead of overflowing (module docs).
    fn add(self, o: Yen) -> Yen {
        self.checked_add(o).unwrap_or_else(|| Yen::saturated(o.is_positive()))
    }
}
impl Sub for Yen {
    type Output = Yen;
    /// Saturates instead of overflowing (module docs).
    fn sub(self, o: Yen) -> Yen {
        self.checked_sub(o).unwrap_or_else(|| Yen::saturated(o.is_negative()))
    }
}
impl Neg for Yen {
    type Output = Yen;
    fn neg(self) -> Yen {
        Yen(-self.0)
    }
}
impl AddAssign for Yen {
    fn add_assign(&mut self, o: Yen) {
        *self = *self + o;
    }
}
impl SubAssign for Yen {
    fn sub_assign(&mut self, o: Yen) {
        *self = *self - o;
    }
}
impl Sum for Yen {
    fn sum<I: Iterator<Item = Yen>>(iter: I) -> Yen {
        iter.fold(Yen::ZERO, Add::add)
    }
}
impl<'a> Sum<&'a Yen> for Yen {
    fn sum<I: Iterator<Item = &'a Yen>>(iter: I) -> Yen {
        iter.copied().sum()
    }
}

/// A rate such as a discount, fee, commission or tax rate (0.05 = 5 %). Exact decimal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ratio(Decimal);

impl Ratio {
    pub const ZERO: Ratio = Ratio(Decimal::ZERO);
    pub fn new(d: Decimal) -> Ratio {
        Ratio(d)
    }
    pub fn as_decimal(self) -> Decimal {
        self.0
    }
}

/// The rounding rule of a group product (端数処理). One rounding to whole yen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// 切り捨て: toward negative infinity (premiums are positive: the same as cutting the fraction).
    #[default]
    Floor,
    /// 切り上げ: toward positive infinity.
    Ceil,
    /// 四捨五入: half away from zero (2.5 → 3). Not banker's rounding.
    HalfUp,
}

impl Rounding {
    pub fn to_yen(self, amount: Decimal) -> Yen {
        let whole = match self {
            Rounding::Floor => amount.floor(),
            Rounding::Ceil => amount.ceil(),
            Rounding::HalfUp => amount.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero),
        };
        Yen(whole.normalize())
    }

    pub fn name(self) -> &'static str {
        match self {
            Rounding::Floor => "floor",
            Rounding::Ceil => "ceil",
            Rounding::HalfUp => "half_up",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounding_rules_are_named_and_exact() {
        let cases = [
            (Rounding::Floor, dec!(942.4), 942),
            (Rounding::Floor, dec!(779.0), 779),
            (Rounding::Ceil, dec!(942.4), 943),
            (Rounding::Ceil, dec!(942.0), 942),
            (Rounding::HalfUp, dec!(2.5), 3),
            (Rounding::HalfUp, dec!(3.5), 4),
            (Rounding::HalfUp, dec!(942.49), 942),
            (Rounding::HalfUp, dec!(61.5), 62),
        ];
        for (rule, amount, want) in cases {
            assert_eq!(rule.to_yen(amount), Yen::new(want), "{rule:?} {amount}");
        }
    }

    #[test]
    fn truncation_cuts_toward_zero() {
        let fee = Ratio::new(dec!(0.03));
        assert_eq!(
            Yen::new(779).times_ratio_truncated(Ratio::new(dec!(0.03))),
            Yen::new(23)
        ); // 23.37
        assert_eq!(Yen::new(-779).times_ratio_truncated(fee), Yen::new(-23)); // −23.37
        assert_eq!(
            Yen::new(205).times_ratio_truncated(Ratio::new(dec!(0.10))),
            Yen::new(20)
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(Yen::new(1234567).with_thousands(), "1,234,567");
        assert_eq!(Yen::new(-1234).with_thousands(), "-1,234");
        assert_eq!(Yen::new(999).with_thousands(), "999");
        assert_eq!(Yen::ZERO.with_thousands(), "0");
    }

    #[test]
    fn overflow_saturates_or_is_none_never_panics() {
        let max = Yen(Decimal::MAX);
        assert_eq!(max.checked_add(Yen::new(1)), None);
        assert_eq!(max + Yen::new(1), max);
        assert_eq!(-max - Yen::new(1), -max);
        assert_eq!(max.checked_times(2), None);
        assert_eq!(max.times(2), max);
        assert_eq!((-max).times(2), -max);
        let big = Ratio::new(Decimal::MAX);
        assert_eq!(max.checked_times_ratio_truncated(big), None);
        assert_eq!(max.times_ratio_truncated(big), max);
        assert_eq!((-max).times_ratio_truncated(big), -max);
        let mut sum = max;
        sum += max;
        assert_eq!(sum, max);
        assert!(!max.within_limit());
        assert!(Yen::LIMIT.within_limit());
        assert_eq!(Yen::LIMIT, Yen::new(1_000_000_000_000_000));
        assert!(!(Yen::LIMIT + Yen::new(1)).within_limit());
    }

    #[test]
    fn only_whole_decimals_are_yen() {
        assert_eq!(Yen::from_whole(dec!(12.0)), Some(Yen::new(12)));
        assert_eq!(Yen::from_whole(dec!(12.5)), None);
    }
}
