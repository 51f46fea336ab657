//! What the use cases above keep between calls on one open database: the parsed package, the
//! replayed ledger, a confirmed month's bill. It lives in the [`Store`](crate::Store) value, so
//! whoever holds the store holds its caches (the desktop's session, one `month-end` run), and
//! two stores never share one: no process-wide statics.
//!
//! One value per type: the layer above wraps each cached thing in its own type with the key it
//! was made from, and checks that key when it takes the value back.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct Memo(Mutex<HashMap<TypeId, Box<dyn Any + Send>>>);

impl Memo {
    /// Take the kept `T` out (the caller gives it back with [`Memo::put`] when done).
    pub fn take<T: Any + Send>(&self) -> Option<T> {
        let mut map = self.0.lock().ok()?;
        let value = map.remove(&TypeId::of::<T>())?;
        value.downcast::<T>().ok().map(|b| *b)
    }

    /// A copy of the kept `T` (for values that are cheap to clone, such as an `Arc`).
    pub fn get<T: Any + Send + Clone>(&self) -> Option<T> {
        self.with(T::clone)
    }

    /// `f` of the kept `T`, without taking it out.
    pub fn with<T: Any + Send, R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        let map = self.0.lock().ok()?;
        map.get(&TypeId::of::<T>())?.downcast_ref::<T>().map(f)
    }

    /// Keep `value`, replacing the `T` kept before.
    pub fn put<T: Any + Send>(&self, value: T) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(TypeId::of::<T>(), Box::new(value));
        }
    }

    /// Forget everything (after the database was replaced under the store, for one).
    pub fn clear(&self) {
        if let Ok(mut map) = self.0.lock() {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[derive(Clone, Debug, PartialEq)]
    struct A(u32);
    #[derive(Debug, PartialEq)]
    struct B(&'static str);

    #[test]
    fn one_value_per_type() {
        let memo = Memo::default();
        assert_eq!(memo.take::<A>(), None);
        memo.put(A(1));
        memo.put(B("b"));
        memo.put(A(2));
        assert_eq!(memo.get::<A>(), Some(A(2)));
        assert_eq!(memo.with(|a: &A| a.0 * 10), Some(20));
        assert_eq!(memo.take::<A>(), Some(A(2)));
        assert_eq!(memo.take::<A>(), None);
        assert_eq!(memo.take::<B>(), Some(B("b")));
        memo.put(A(3));
        memo.clear();
        assert_eq!(memo.get::<A>(), None);
    }
}
