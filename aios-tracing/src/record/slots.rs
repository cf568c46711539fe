//! Emptied record slots kept per thread for the next spans: a span's
//! record moves on to the export thread when it ends, its box stays here,
//! and the next span on the thread starts without an allocation (and
//! writes its record into memory the cache has just seen).

use super::Slot;
use std::cell::RefCell;

/// Enough for spans nested this deep on one thread to all reuse slots.
const KEPT: usize = 16;

/// The boxes themselves are what is kept: each one is handed whole to a
/// span, which moves the record in and out of it.
#[allow(clippy::vec_box)]
type Kept = Vec<Box<Slot>>;

thread_local! {
    static FREE: RefCell<Kept> = const { RefCell::new(Vec::new()) };
}

pub(super) fn take() -> Box<Slot> {
    FREE.try_with(|free| free.try_borrow_mut().ok()?.pop())
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Keeps an emptied slot (freed instead if the thread keeps enough
/// or is exiting).
pub(super) fn give_back(slot: Box<Slot>) {
    debug_assert!(slot.is_none());
    let _ = FREE.try_with(|free| {
        if let Ok(mut free) = free.try_borrow_mut() {
            if free.len() < KEPT {
                free.push(slot);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_back_slot_is_the_next_one_taken_and_only_so_many_are_kept() {
        let slot = take();
        let address = std::ptr::from_ref::<Slot>(&*slot);
        give_back(slot);
        let again = take();
        assert_eq!(std::ptr::from_ref::<Slot>(&*again), address);
        give_back(again);
        let many: Vec<_> = (0..KEPT * 2).map(|_| take()).collect();
        many.into_iter().for_each(give_back);
        assert_eq!(FREE.with(|free| free.borrow().len()), KEPT);
    }
}
