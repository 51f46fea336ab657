//! Money. `Yen` is a whole-yen amount over `rust_decimal`; it cannot be built from `f64`, and every
//! rounding from an exact decimal names its rule.

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

    /// `self × n` for a count (months, units).
    pub fn times(self, n: u32) -> Yen {
        Yen(self.0 * Decimal::from(n))
    }

    /// `trunc(self × ratio)`: cut toward zero (切り捨て; 23.37 → 23, −23.37 → −23). The collection
    /// fee, its consumption tax and the agent commission use it.
    pub fn times_ratio_truncated(self, ratio: Ratio) -> Yen {
        Yen((self.0 * ratio.0).trunc().normalize())
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
    fn add(self, o: Yen) -> Yen {
        Yen(self.0 + o.0)
    }
}
impl Sub for Yen {
    type Output = Yen;
    fn sub(self, o: Yen) -> Yen {
        Yen(self.0 - o.0)
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
        self.0 += o.0;
    }
}
impl SubAssign for Yen {
    fn sub_assign(&mut self, o: Yen) {
        self.0 -= o.0;
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
    fn only_whole_decimals_are_yen() {
        assert_eq!(Yen::from_whole(dec!(12.0)), Some(Yen::new(12)));
        assert_eq!(Yen::from_whole(dec!(12.5)), None);
    }
}
