//! A document of the month the window pages through (the bill, the reconciliation), kept in the
//! session until the next change of data so that each page does not make it again.

use std::sync::Arc;

use infoone_app::MonthRef;

pub(crate) struct Kept<T>(Option<(MonthRef, Arc<T>)>);

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept(None)
    }
}

impl<T> Kept<T> {
    pub(crate) fn get(&self, at: &MonthRef) -> Option<Arc<T>> {
        self.0.as_ref().filter(|(m, _)| m == at).map(|(_, d)| Arc::clone(d))
    }

    pub(crate) fn set(&mut self, at: &MonthRef, doc: Arc<T>) {
        self.0 = Some((at.clone(), doc));
    }

    pub(crate) fn clear(&mut self) {
        self.0 = None;
    }
}
