//! Column and constraint shapes every migration uses.

use sea_orm_migration::prelude::*;

/// An auto-incrementing integer primary key.
pub fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().auto_increment().primary_key().to_owned()
}

/// A foreign key from `from_table.from_col` to `to_table.to_col`.
pub fn foreign_key(
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(on_delete).to_owned()
}
