//! The four group products of every sample group, with rate tables that cover every age
//! 15–70 for every plan and gender (so no enrollment can lack a rate), and their conversion to
//! the domain's `GroupProduct` for computing premiums.

use infoone_domain::age::AgeMethod as DAgeMethod;
use infoone_domain::money::{Ratio, Rounding as DRounding};
use infoone_domain::product as dp;
use infoone_formats::package::{AgeMethod, GroupProduct, Plan, RateGender, RateRow, Rounding};
use rust_decimal::Decimal;

pub(crate) const GTL: usize = 0;
pub(crate) const MED: usize = 1;
pub(crate) const GAI: usize = 2;
pub(crate) const LTD: usize = 3;

fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).expect("a decimal literal of the sample")
}

fn plan(code: &str, name: &str) -> Plan {
    Plan {
        code: code.to_string(),
        name: name.to_string(),
    }
}

/// One row per age band: `bands` are `(min_age, max_age, rate)`.
fn rows(out: &mut Vec<RateRow>, plan: &str, gender: RateGender, bands: &[(u32, u32, &str)]) {
    for &(min_age, max_age, rate) in bands {
        out.push(RateRow {
            plan: plan.to_string(),
            min_age,
            max_age,
            gender,
            rate: dec(rate),
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn product(
    code: &str,
    name: &str,
    age_method: AgeMethod,
    (min_age, max_age): (u32, u32),
    discount: &str,
    commission: &str,
    fee: &str,
    rounding: Rounding,
    mid_term_change: bool,
    plans: Vec<Plan>,
    rates: Vec<RateRow>,
) -> GroupProduct {
    GroupProduct {
        code: code.to_string(),
        name: name.to_string(),
        age_method,
        min_age,
        max_age,
        min_members: 10,
        discount_rate: dec(discount),
        commission_rate: dec(commission),
        fee_rate: dec(fee),
        rounding,
        mid_term_change,
        plans,
        rates,
        agent_code: "A001".to_string(),
    }
}

/// GTL, MED, GAI, LTD (indices [`GTL`], [`MED`], [`GAI`], [`LTD`]).
pub(crate) fn group_products() -> Vec<GroupProduct> {
    let mut gtl = Vec::new();
    rows(
        &mut gtl,
        "A",
        RateGender::U,
        &[
            (15, 29, "32.5"),
            (30, 34, "37.5"),
            (35, 39, "48"),
            (40, 44, "66.5"),
            (45, 49, "82"),
            (50, 54, "128.6"),
            (55, 59, "198.4"),
            (60, 64, "296.5"),
            (65, 70, "421"),
        ],
    );
    rows(
        &mut gtl,
        "B",
        RateGender::U,
        &[
            (15, 29, "40.5"),
            (30, 34, "45.5"),
            (35, 39, "56"),
            (40, 44, "74.5"),
            (45, 49, "90"),
            (50, 54, "136.6"),
            (55, 59, "206.4"),
            (60, 64, "304.5"),
            (65, 70, "429"),
        ],
    );

    let mut med = Vec::new();
    let med_bands = |m: [&'static str; 5]| -> Vec<(u32, u32, &'static str)> {
        vec![
            (15, 29, m[0]),
            (30, 39, m[1]),
            (40, 49, m[2]),
            (50, 59, m[3]),
            (60, 70, m[4]),
        ]
    };
    rows(
        &mut med,
        "S",
        RateGender::M,
        &med_bands(["890", "1210", "1730", "2455", "3620"]),
    );
    rows(
        &mut med,
        "S",
        RateGender::F,
        &med_bands(["1050", "1380.5", "1690", "2390", "3110"]),
    );
    rows(
        &mut med,
        "L",
        RateGender::M,
        &med_bands(["1780", "2420", "3460", "4910", "7240"]),
    );
    rows(
        &mut med,
        "L",
        RateGender::F,
        &med_bands(["2100", "2761", "3380", "4780", "6220"]),
    );

    let mut gai = Vec::new();
    rows(&mut gai, "H", RateGender::U, &[(15, 70, "62.5")]);
    rows(&mut gai, "F", RateGender::U, &[(15, 70, "98.5")]);

    let mut ltd = Vec::new();
    rows(
        &mut ltd,
        "A",
        RateGender::U,
        &[(15, 34, "18.2"), (35, 44, "26.7"), (45, 54, "41.3"), (55, 70, "58.9")],
    );
    rows(
        &mut ltd,
        "B",
        RateGender::U,
        &[(15, 34, "21.4"), (35, 44, "31.5"), (45, 54, "48.8"), (55, 70, "69.6")],
    );

    vec![
        product(
            "GTL",
            "団体定期保険",
            AgeMethod::InsuranceAge,
            (15, 70),
            "0.05",
            "0.10",
            "0.03",
            Rounding::Floor,
            false,
            vec![
                plan("A", "Aコース（1口100万円）"),
                plan("B", "Bコース（1口100万円・災害割増特約付）"),
            ],
            gtl,
        ),
        product(
            "MED",
            "団体医療保険",
            AgeMethod::CompletedYears,
            (15, 70),
            "0.03",
            "0.08",
            "0.025",
            Rounding::HalfUp,
            true,
            vec![plan("S", "日額5千円"), plan("L", "日額1万円")],
            med,
        ),
        product(
            "GAI",
            "団体傷害保険",
            AgeMethod::CompletedYears,
            (15, 70),
            "0.08",
            "0.10",
            "0.03",
            Rounding::Ceil,
            false,
            vec![
                plan("H", "本人型（1口 死亡・後遺障害100万円）"),
                plan("F", "家族型（1口 死亡・後遺障害100万円）"),
            ],
            gai,
        ),
        product(
            "LTD",
            "団体長期障害所得補償保険",
            AgeMethod::CompletedYears,
            (15, 64),
            "0.10",
            "0.12",
            "0.03",
            Rounding::Floor,
            false,
            vec![
                plan("A", "Aプラン（1口 月額1万円・60歳まで）"),
                plan("B", "Bプラン（1口 月額1万円・65歳まで）"),
            ],
            ltd,
        ),
    ]
}

/// The package product as the domain's, for [`dp::GroupProduct::premium`].
pub(crate) fn to_domain(g: &GroupProduct) -> dp::GroupProduct {
    dp::GroupProduct {
        code: g.code.clone(),
        name: g.name.clone(),
        age_method: match g.age_method {
            AgeMethod::CompletedYears => DAgeMethod::CompletedYears,
            AgeMethod::InsuranceAge => DAgeMethod::InsuranceAge,
        },
        min_age: g.min_age as i32,
        max_age: g.max_age as i32,
        min_members: g.min_members,
        discount_rate: Ratio::new(g.discount_rate),
        commission_rate: Ratio::new(g.commission_rate),
        fee_rate: Ratio::new(g.fee_rate),
        rounding: match g.rounding {
            Rounding::Floor => DRounding::Floor,
            Rounding::Ceil => DRounding::Ceil,
            Rounding::HalfUp => DRounding::HalfUp,
        },
        mid_term_change: g.mid_term_change,
        plans: g
            .plans
            .iter()
            .map(|p| dp::Plan {
                code: p.code.clone(),
                name: p.name.clone(),
            })
            .collect(),
        rates: g
            .rates
            .iter()
            .map(|r| dp::RateRow {
                plan: r.plan.clone(),
                min_age: r.min_age as i32,
                max_age: r.max_age as i32,
                gender: match r.gender {
                    RateGender::M => dp::RateGender::Male,
                    RateGender::F => dp::RateGender::Female,
                    RateGender::U => dp::RateGender::Unisex,
                },
                rate: r.rate,
            })
            .collect(),
        agent_code: g.agent_code.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoone_domain::product::Gender;

    #[test]
    fn every_age_has_a_rate() {
        for g in group_products() {
            let d = to_domain(&g);
            for p in &g.plans {
                for age in 15..=70 {
                    for gender in [Gender::Male, Gender::Female] {
                        assert!(
                            d.rate(&p.code, age, gender).is_ok(),
                            "{} {} {age} {gender:?}",
                            g.code,
                            p.code
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn worked_example_premium() {
        let gtl = to_domain(&group_products()[GTL]);
        // floor(82 × 10 × 0.95) = 779
        assert_eq!(gtl.premium("A", 10, 45, Gender::Male).unwrap().to_i64(), 779);
        // floor(198.4 × 5 × 0.95) = floor(942.4)
        assert_eq!(gtl.premium("A", 5, 55, Gender::Female).unwrap().to_i64(), 942);
        let gai = to_domain(&group_products()[GAI]);
        // ceil(62.5 × 3 × 0.92) = ceil(172.5)
        assert_eq!(gai.premium("H", 3, 40, Gender::Female).unwrap().to_i64(), 173);
    }
}
