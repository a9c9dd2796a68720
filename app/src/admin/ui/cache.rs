//! The order table's client-side cache: blocks of [`BLOCK`] rows fetched
//! as the viewport needs them, plus the orders that arrived live at the top
//! since. Pure data, so the rules are tested without a browser.

use super::params::BLOCK;
use crate::admin::model::{AdminOrderRow, OrderPage, OrderQuery, OrderSort, SortDir};
use std::collections::HashMap;

/// One block of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Loading,
    Ready(Vec<AdminOrderRow>),
    Failed,
}

/// What one table position shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// Past the end of the table.
    Empty,
    Loading,
    Failed,
    Row(AdminOrderRow),
}

/// What an `ORDER_SYNCED` event did to the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synced {
    /// A cached row was older and was replaced in place.
    Replaced,
    /// A new order went on top.
    Prepended,
    /// Nothing: not shown here, or not newer than what is shown.
    Ignored,
}

/// The rows the table has, by position. Positions `0..prepended.len()`
/// are orders that arrived live; position `i` after them is row
/// `i - prepended.len()` of the window the blocks were read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cache {
    /// Changes whenever the blocks are thrown away, so an answer to an
    /// older request is dropped.
    pub generation: u64,
    blocks: HashMap<u32, Block>,
    prepended: Vec<AdminOrderRow>,
    /// Positions in all (orders matching the filters).
    total: u64,
}

impl Cache {
    /// A cache holding the first window of the table.
    pub fn seeded(generation: u64, page: &OrderPage) -> Self {
        let mut blocks = HashMap::new();
        blocks.insert(0, Block::Ready(page.rows.clone()));
        Cache { generation, blocks, prepended: Vec::new(), total: page.total }
    }

    /// Positions in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// How many orders arrived live at the top.
    pub fn prepended(&self) -> usize {
        self.prepended.len()
    }

    /// What position `index` shows.
    pub fn slot(&self, index: u64) -> Slot {
        if index >= self.total {
            return Slot::Empty;
        }
        let live = self.prepended.len() as u64;
        if index < live {
            return self.prepended.get(index as usize).cloned().map_or(Slot::Empty, Slot::Row);
        }
        let at = index - live;
        let block = (at / u64::from(BLOCK)) as u32;
        match self.blocks.get(&block) {
            Some(Block::Ready(rows)) => rows.get((at % u64::from(BLOCK)) as usize).cloned().map_or(Slot::Empty, Slot::Row),
            Some(Block::Failed) => Slot::Failed,
            Some(Block::Loading) | None => Slot::Loading,
        }
    }

    fn rows(&self) -> impl Iterator<Item = &AdminOrderRow> {
        self.prepended.iter().chain(self.blocks.values().flat_map(|block| match block {
            Block::Ready(rows) => rows.as_slice(),
            _ => Default::default(),
        }))
    }

    fn rows_mut(&mut self) -> impl Iterator<Item = &mut AdminOrderRow> {
        self.prepended.iter_mut().chain(self.blocks.values_mut().flat_map(|block| match block {
            Block::Ready(rows) => rows.as_mut_slice(),
            _ => Default::default(),
        }))
    }

    /// The cached row of order `id`.
    pub fn row(&self, id: i32) -> Option<&AdminOrderRow> {
        self.rows().find(|row| row.id == id)
    }

    /// Replaces the cached row of `row.id` if `row` is a newer version.
    /// Returns whether the order is cached at all.
    pub fn replace_if_newer(&mut self, row: &AdminOrderRow) -> bool {
        let mut found = false;
        for cached in self.rows_mut().filter(|cached| cached.id == row.id) {
            found = true;
            if row.version > cached.version {
                *cached = row.clone();
            }
        }
        found
    }

    /// Changes the cached row of order `id` in place (an optimistic edit)
    /// and returns it as it was, to [`Cache::restore`] on failure.
    pub fn patch(&mut self, id: i32, change: impl Fn(&mut AdminOrderRow)) -> Option<AdminOrderRow> {
        let mut before = None;
        for cached in self.rows_mut().filter(|cached| cached.id == id) {
            before.get_or_insert_with(|| cached.clone());
            change(cached);
        }
        before
    }

    /// Undoes a [`Cache::patch`], unless a newer version came in since.
    pub fn restore(&mut self, before: &AdminOrderRow) {
        for cached in self.rows_mut().filter(|cached| cached.id == before.id && cached.version == before.version) {
            *cached = before.clone();
        }
    }

    /// The newest order loaded, by (placed, id).
    fn newest(&self) -> Option<(&str, i32)> {
        self.rows().map(|row| (row.created_at.as_str(), row.id)).max()
    }

    /// Applies an `ORDER_SYNCED` row: replaces it where it is cached;
    /// otherwise, if `may_prepend` (the table lists newest first and the
    /// row passes its filters) and it was placed after everything loaded,
    /// puts it on top.
    pub fn apply_synced(&mut self, row: &AdminOrderRow, may_prepend: bool) -> Synced {
        if self.row(row.id).is_some() {
            let newer = self.row(row.id).is_some_and(|cached| row.version > cached.version);
            self.replace_if_newer(row);
            return if newer { Synced::Replaced } else { Synced::Ignored };
        }
        let is_new = self.newest().is_none_or(|newest| (row.created_at.as_str(), row.id) > newest);
        if may_prepend && is_new {
            self.prepended.insert(0, row.clone());
            self.total += 1;
            Synced::Prepended
        } else {
            Synced::Ignored
        }
    }

    /// Forgets every row (events were lost): the table shows "Loading…"
    /// until the blocks are read again.
    pub fn clear(&mut self) {
        self.generation += 1;
        self.blocks.clear();
        self.prepended.clear();
    }

    /// Which of `blocks` are neither loaded nor loading.
    pub fn missing(&self, blocks: &[u32]) -> Vec<u32> {
        blocks.iter().copied().filter(|block| matches!(self.blocks.get(block), None | Some(Block::Failed))).collect()
    }

    /// Marks `block` as being fetched.
    pub fn start_loading(&mut self, block: u32) {
        self.blocks.insert(block, Block::Loading);
    }

    /// Where `block` starts in the server's current order: after the
    /// orders that arrived live, which the server lists first too.
    pub fn offset_of(&self, block: u32) -> u32 {
        block.saturating_mul(BLOCK).saturating_add(self.prepended.len() as u32)
    }

    /// Stores the answer for `block`, fetched at `offset`. Returns false
    /// (and forgets the block, to fetch again) if the answer no longer
    /// fits: an order arrived on top meanwhile.
    pub fn finish(&mut self, block: u32, offset: u32, answer: Option<OrderPage>) -> bool {
        if offset != self.offset_of(block) {
            self.blocks.remove(&block);
            return false;
        }
        match answer {
            Some(page) => {
                self.total = page.total;
                self.blocks.insert(block, Block::Ready(page.rows));
            }
            None => {
                self.blocks.insert(block, Block::Failed);
            }
        }
        true
    }
}

/// Whether a new order belongs at the top of a table listing `query`: it
/// lists newest first and nothing filters the order out.
pub fn goes_on_top(query: &OrderQuery, row: &AdminOrderRow) -> bool {
    let newest_first = matches!(query.sort, OrderSort::Updated | OrderSort::Created) && query.dir == SortDir::Desc;
    newest_first && matches_filters(query, row)
}

/// Whether `row` passes `query`'s filters, judged the way the server
/// judges them.
pub fn matches_filters(query: &OrderQuery, row: &AdminOrderRow) -> bool {
    if query.status.is_some_and(|status| status != row.status) {
        return false;
    }
    let day = row.created_at.get(..10).unwrap_or_default();
    if query.from.as_deref().is_some_and(|from| day < from) || query.to.as_deref().is_some_and(|to| day > to) {
        return false;
    }
    match query.q.as_deref().map(|q| q.trim().to_lowercase()) {
        Some(q) if !q.is_empty() => {
            q.trim_start_matches('#').parse::<i32>().ok() == Some(row.id)
                || row.customer_name.to_lowercase().contains(&q)
                || row.customer_email.to_lowercase().contains(&q)
        }
        _ => true,
    }
}

/// The blocks a viewport showing `scroll_top .. scroll_top + viewport`
/// (pixels, rows `row_height` tall) needs, `overscan` rows either side, and
/// one block ahead. Jumping to the middle asks for the blocks there only.
pub fn wanted_blocks(scroll_top: f64, viewport: f64, row_height: f64, overscan: u64, cache: &Cache) -> Vec<u32> {
    let live = cache.prepended() as u64;
    let rows = cache.total().saturating_sub(live);
    if rows == 0 {
        return Vec::new();
    }
    let first = ((scroll_top.max(0.0) / row_height).floor() as u64).saturating_sub(overscan);
    let last = ((scroll_top.max(0.0) + viewport.max(0.0)) / row_height).ceil() as u64 + overscan;
    if last < live {
        return Vec::new();
    }
    let block_of = |position: u64| (position.min(rows - 1) / u64::from(BLOCK)) as u32;
    let (first, last) = (block_of(first.saturating_sub(live)), block_of(last - live));
    let last_block = block_of(rows - 1);
    (first..=last.saturating_add(1).min(last_block)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::orders::status::OrderStatus;

    fn row(id: i32, version: i32, created_at: &str) -> AdminOrderRow {
        AdminOrderRow {
            id,
            version,
            status: OrderStatus::Confirmed,
            customer_name: "Casey Customer".into(),
            customer_email: "casey@example.com".into(),
            total: Money::default(),
            tracking_number: None,
            created_at: created_at.into(),
            updated_at: created_at.into(),
        }
    }

    fn page(total: u64, ids: std::ops::Range<i32>) -> OrderPage {
        OrderPage { total, seq: 0, rows: ids.rev().map(|id| row(id, 1, &format!("2026-11-{:02}T00:00:00Z", 1 + id % 20))).collect() }
    }

    #[test]
    fn positions_read_from_blocks_and_live_rows() {
        let mut cache = Cache::seeded(0, &page(250, 150..250));
        assert_eq!(cache.slot(0), Slot::Row(row(249, 1, "2026-11-10T00:00:00Z")));
        assert_eq!(cache.slot(100), Slot::Loading);
        assert_eq!(cache.slot(250), Slot::Empty);
        let new = row(300, 1, "2026-11-30T00:00:00Z");
        assert_eq!(cache.apply_synced(&new, true), Synced::Prepended);
        assert_eq!(cache.total(), 251);
        assert_eq!(cache.slot(0), Slot::Row(new));
        assert_eq!(cache.slot(1), Slot::Row(row(249, 1, "2026-11-10T00:00:00Z")));
        assert_eq!(cache.offset_of(1), 101);
    }

    #[test]
    fn newer_versions_replace_rows_in_place() {
        let mut cache = Cache::seeded(0, &page(3, 1..4));
        let mut shipped = row(2, 2, "2026-11-03T00:00:00Z");
        shipped.status = OrderStatus::Shipped;
        assert_eq!(cache.apply_synced(&shipped, true), Synced::Replaced);
        assert_eq!(cache.slot(1), Slot::Row(shipped.clone()));
        assert_eq!(cache.apply_synced(&row(2, 1, "2026-11-03T00:00:00Z"), true), Synced::Ignored);
        assert_eq!(cache.slot(1), Slot::Row(shipped));
        assert_eq!(cache.total(), 3);
    }

    #[test]
    fn old_or_filtered_orders_are_not_prepended() {
        let mut cache = Cache::seeded(0, &page(3, 5..8));
        assert_eq!(cache.apply_synced(&row(1, 1, "2026-11-01T00:00:00Z"), true), Synced::Ignored);
        assert_eq!(cache.apply_synced(&row(9, 1, "2026-11-29T00:00:00Z"), false), Synced::Ignored);
        assert_eq!(cache.total(), 3);
    }

    #[test]
    fn optimistic_edits_roll_back_unless_overtaken() {
        let mut cache = Cache::seeded(0, &page(2, 1..3));
        let before = cache.patch(1, |r| r.status = OrderStatus::Shipped).expect("cached");
        assert_eq!(cache.row(1).map(|r| r.status), Some(OrderStatus::Shipped));
        cache.restore(&before);
        assert_eq!(cache.row(1), Some(&before));
        cache.patch(1, |r| r.status = OrderStatus::Shipped);
        let mut newer = before.clone();
        newer.version = 2;
        newer.tracking_number = Some("1Z".into());
        cache.replace_if_newer(&newer);
        cache.restore(&before);
        assert_eq!(cache.row(1), Some(&newer));
    }

    #[test]
    fn answers_that_no_longer_fit_are_dropped() {
        let mut cache = Cache::seeded(0, &page(300, 200..300));
        cache.start_loading(1);
        let offset = cache.offset_of(1);
        cache.apply_synced(&row(400, 1, "2026-11-30T00:00:00Z"), true);
        assert!(!cache.finish(1, offset, Some(page(300, 100..200))));
        assert_eq!(cache.missing(&[0, 1]), vec![1]);
        assert!(cache.finish(1, cache.offset_of(1), None));
        assert_eq!(cache.slot(150), Slot::Failed);
        assert_eq!(cache.missing(&[1]), vec![1]);
    }

    #[test]
    fn the_viewport_asks_for_its_blocks_and_one_ahead() {
        let cache = Cache::seeded(0, &page(100_000, 0..100));
        assert_eq!(wanted_blocks(0.0, 800.0, 40.0, 4, &cache), vec![0, 1]);
        // Dragged to the middle: only the blocks there.
        assert_eq!(wanted_blocks(2_000_000.0, 800.0, 40.0, 4, &cache), vec![499, 500, 501]);
        // At the very end there is nothing ahead.
        assert_eq!(wanted_blocks(3_999_200.0, 800.0, 40.0, 4, &cache), vec![999]);
        assert_eq!(wanted_blocks(0.0, 800.0, 40.0, 4, &Cache::default()), Vec::<u32>::new());
    }

    #[test]
    fn filters_are_judged_like_the_server() {
        let order = row(42, 1, "2026-11-24T09:41:00Z");
        let query = |f: fn(&mut OrderQuery)| {
            let mut q = OrderQuery::default();
            f(&mut q);
            q
        };
        assert!(goes_on_top(&OrderQuery::default(), &order));
        assert!(goes_on_top(&query(|q| q.q = Some("#42".into())), &order));
        assert!(goes_on_top(&query(|q| q.q = Some("CASEY".into())), &order));
        assert!(!goes_on_top(&query(|q| q.q = Some("zed".into())), &order));
        assert!(!goes_on_top(&query(|q| q.status = Some(OrderStatus::Shipped)), &order));
        assert!(goes_on_top(&query(|q| q.to = Some("2026-11-24".into())), &order));
        assert!(!goes_on_top(&query(|q| q.to = Some("2026-11-23".into())), &order));
        assert!(!goes_on_top(&query(|q| q.sort = OrderSort::Total), &order));
        assert!(!goes_on_top(&query(|q| q.dir = SortDir::Asc), &order));
    }
}
