use aios_tracing::trace;

#[trace(record(uid, order_id))]
fn fetch_order(uid: u64, (shop, item): (u32, u32)) -> u64 {
    uid + u64::from(shop + item)
}

fn main() {
    fetch_order(1, (2, 3));
}
