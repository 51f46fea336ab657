//! Where a long step is, for the window's progress bar (issue 10: imports, accept, confirm,
//! deduction results and submit report through a Tauri channel, like the outputs).
//!
//! A step reports its stages by name and, inside a long loop, the items done of the total; the
//! loop reports about a hundred times over its whole run, not once per item, so a 300,000-row
//! file costs the window a hundred messages.

/// `(done, total, stage)`.
pub type Tick<'a> = dyn Fn(u64, u64, &str) + 'a;

/// The callback of a long step. [`Progress::NONE`] reports nothing (the CLI, tests).
#[derive(Clone, Copy)]
pub struct Progress<'a> {
    f: Option<&'a Tick<'a>>,
}

impl<'a> Progress<'a> {
    pub const NONE: Progress<'static> = Progress { f: None };

    pub fn new(f: &'a Tick<'a>) -> Progress<'a> {
        Progress { f: Some(f) }
    }

    /// `done` of `total` of the stage `label`.
    pub fn report(&self, done: u64, total: u64, label: &str) {
        if let Some(f) = self.f {
            f(done.min(total), total, label);
        }
    }

    /// Item `i` (0-based) of `total` of a loop: reported when it starts a new hundredth of the
    /// run, and at the last item.
    pub fn item(&self, i: usize, total: usize, label: &str) {
        if self.f.is_none() || total == 0 {
            return;
        }
        let step = total.div_ceil(100).max(1);
        if i.is_multiple_of(step) || i + 1 == total {
            self.report(i as u64 + 1, total as u64, label);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn a_long_loop_reports_about_a_hundred_times_and_ends_at_its_total() {
        let seen = RefCell::new(Vec::new());
        let f = |d: u64, t: u64, l: &str| seen.borrow_mut().push((d, t, l.to_string()));
        let p = Progress::new(&f);
        for i in 0..300_000 {
            p.item(i, 300_000, "照合");
        }
        let seen = seen.into_inner();
        assert!((100..=101).contains(&seen.len()), "{}", seen.len());
        assert_eq!(seen.last().unwrap(), &(300_000, 300_000, "照合".to_string()));
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
        // Short loops report every item; NONE reports nothing and costs nothing.
        let n = RefCell::new(0);
        let g = |_: u64, _: u64, _: &str| *n.borrow_mut() += 1;
        (0..3).for_each(|i| Progress::new(&g).item(i, 3, "x"));
        (0..3).for_each(|i| Progress::NONE.item(i, 3, "x"));
        assert_eq!(n.into_inner(), 3);
    }
}
