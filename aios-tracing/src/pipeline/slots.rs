//! Emptied record slots kept per thread for the next spans. A span's
//! record is written into a slot at its start; at its end the slot itself
//! (a pointer, not the large record) goes into its thread's batch; the
//! export thread takes the record out and the emptied slots come back, a
//! batch at a time, to the next thread that fills a batch. So the next
//! span on a thread starts without an allocation, and no slot is
//! allocated on one thread and freed on another.

use crate::data::SpanRecord;
use std::cell::RefCell;

/// A span's record in its own box, from its start until the export
/// thread has read it; the emptied record, box and all, then comes back to
/// be used again. `None` in a new slot.
pub(crate) type Slot = Option<SpanRecord>;

/// Slots a thread keeps: a batch of them in flight (a thread hands a full
/// batch of at most 64 over and gets an emptied one back) plus spans
/// nested this deep.
pub(crate) const KEPT: usize = 64 + 16;

/// The boxes themselves are what is kept: each one is handed whole to a
/// span, which writes its record into it.
#[allow(clippy::vec_box)]
type Kept = Vec<Box<Slot>>;

thread_local! {
    static FREE: RefCell<Kept> = const { RefCell::new(Vec::new()) };
}

/// An empty slot, this thread's last one given back if it has one.
pub(crate) fn take() -> Box<Slot> {
    FREE.try_with(|free| free.try_borrow_mut().ok()?.pop())
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// A slot holding `record` (a span the SDK built, entering the pipeline).
pub(crate) fn filled(record: SpanRecord) -> Box<Slot> {
    let mut slot = take();
    *slot = Some(record);
    slot
}

/// Keeps slots for the next spans (a span still in one, refused by the
/// queue, is dropped here); those beyond what the thread keeps, or given
/// back while it exits, are freed.
pub(crate) fn give_back_all(slots: impl IntoIterator<Item = Box<Slot>>) {
    let _ = FREE.try_with(|free| {
        if let Ok(mut free) = free.try_borrow_mut() {
            for mut slot in slots {
                if free.len() >= KEPT {
                    break;
                }
                if let Some(record) = slot.as_mut() {
                    record.clear();
                }
                free.push(slot);
            }
        }
    });
}

/// How many slots this thread keeps now.
#[cfg(test)]
pub(crate) fn kept() -> usize {
    FREE.with(|free| free.borrow().len())
}

/// Keeps one emptied slot; see [`give_back_all`].
pub(crate) fn give_back(slot: Box<Slot>) {
    give_back_all(std::iter::once(slot));
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
