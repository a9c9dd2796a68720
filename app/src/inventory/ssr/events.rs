//! The live side of a stock change: `STOCK_CHANGED` on `catalog` for
//! admins and on `seller:{id}` for the variant's seller.

use crate::entity::{product, variant};
use crate::error::AppError;
use crate::inventory::model::{StockAlert, StockChange};
use crate::live::protocol::EventBody;
use crate::live::ssr::{Recorded, Staged};
use crate::live::topic::Topic;
use sea_orm::ConnectionTrait;

/// Records that `variant` (of `product`) now has its stock, with the alert
/// this raised, resolved or dismissed.
pub async fn stock_changed(
    db: &impl ConnectionTrait,
    variant: &variant::Model,
    product: &product::Model,
    alert: Option<StockAlert>,
) -> Result<Recorded, AppError> {
    let mut events = Staged::default();
    stage_stock_changed(&mut events, variant, product, alert);
    events.write(db).await
}

/// [`stock_changed`], staged in `events` for the transaction to write with
/// its other events.
pub fn stage_stock_changed(events: &mut Staged, variant: &variant::Model, product: &product::Model, alert: Option<StockAlert>) {
    let change = StockChange { variant: variant.id, product: product.id, stock: variant.stock, alert };
    events.push(Topic::Catalog, EventBody::StockChanged(change.clone()));
    events.push(Topic::Seller(product.seller_id), EventBody::StockChanged(change));
}
