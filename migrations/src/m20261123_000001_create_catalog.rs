//! Catalog tables: categories (a tree), sellers, products, their images,
//! variants (which carry price and stock) and reviews.

use crate::columns::id;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    ParentId,
    Slug,
    Name,
    Description,
    Position,
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
    Slug,
    Name,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    SellerId,
    CategoryId,
    Slug,
    Name,
    Description,
    PriceCents,
    Currency,
    Tags,
    Active,
    Featured,
    RatingCount,
    RatingSum,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProductImages {
    Table,
    Id,
    ProductId,
    Url,
    Alt,
    Position,
}

#[derive(DeriveIden)]
enum Variants {
    Table,
    Id,
    ProductId,
    Sku,
    Label,
    Options,
    PriceCents,
    Stock,
    Position,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    Id,
    ProductId,
    AuthorName,
    Rating,
    Title,
    Body,
    VerifiedPurchase,
    CreatedAt,
}


fn index<const N: usize>(name: &str, table: impl IntoIden + 'static, cols: [DynIden; N]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col);
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(id(Categories::Id))
                    .col(ColumnDef::new(Categories::ParentId).integer().null())
                    .col(ColumnDef::new(Categories::Slug).string_len(80).not_null().unique_key())
                    .col(ColumnDef::new(Categories::Name).string_len(120).not_null())
                    .col(ColumnDef::new(Categories::Description).text().not_null().default(""))
                    .col(ColumnDef::new(Categories::Position).integer().not_null().default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Categories::Table, Categories::ParentId)
                            .to(Categories::Table, Categories::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_categories_parent", Categories::Table, [Categories::ParentId.into_iden()]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sellers::Table)
                    .col(id(Sellers::Id))
                    .col(ColumnDef::new(Sellers::Slug).string_len(80).not_null().unique_key())
                    .col(ColumnDef::new(Sellers::Name).string_len(120).not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(id(Products::Id))
                    .col(ColumnDef::new(Products::SellerId).integer().not_null())
                    .col(ColumnDef::new(Products::CategoryId).integer().not_null())
                    .col(ColumnDef::new(Products::Slug).string_len(160).not_null().unique_key())
                    .col(ColumnDef::new(Products::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Products::Description).text().not_null())
                    // The lowest variant price, kept here so listings can
                    // filter and sort on an indexed column.
                    .col(ColumnDef::new(Products::PriceCents).big_integer().not_null().check(Expr::col(Products::PriceCents).gte(0)))
                    .col(ColumnDef::new(Products::Currency).string_len(3).not_null().default("USD"))
                    // Space-separated lowercase tags; indexed by full-text search.
                    .col(ColumnDef::new(Products::Tags).text().not_null().default(""))
                    .col(ColumnDef::new(Products::Active).boolean().not_null().default(true))
                    .col(ColumnDef::new(Products::Featured).boolean().not_null().default(false))
                    // Rating totals are kept beside the product so that the
                    // minimum-rating filter and rating sort need no join.
                    .col(ColumnDef::new(Products::RatingCount).integer().not_null().default(0))
                    .col(ColumnDef::new(Products::RatingSum).integer().not_null().default(0))
                    .col(ColumnDef::new(Products::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Products::Table, Products::SellerId)
                            .to(Sellers::Table, Sellers::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Products::Table, Products::CategoryId)
                            .to(Categories::Table, Categories::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for stmt in [
            index("idx_products_category", Products::Table, [Products::CategoryId.into_iden(), Products::PriceCents.into_iden()]),
            index("idx_products_seller", Products::Table, [Products::SellerId.into_iden()]),
            index("idx_products_price", Products::Table, [Products::PriceCents.into_iden()]),
            index("idx_products_created", Products::Table, [Products::CreatedAt.into_iden()]),
            index("idx_products_featured", Products::Table, [Products::Active.into_iden(), Products::Featured.into_iden()]),
        ] {
            manager.create_index(stmt).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ProductImages::Table)
                    .col(id(ProductImages::Id))
                    .col(ColumnDef::new(ProductImages::ProductId).integer().not_null())
                    .col(ColumnDef::new(ProductImages::Url).string_len(300).not_null())
                    .col(ColumnDef::new(ProductImages::Alt).string_len(300).not_null())
                    .col(ColumnDef::new(ProductImages::Position).integer().not_null().default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProductImages::Table, ProductImages::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_product_images_product", ProductImages::Table, [ProductImages::ProductId.into_iden(), ProductImages::Position.into_iden()]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Variants::Table)
                    .col(id(Variants::Id))
                    .col(ColumnDef::new(Variants::ProductId).integer().not_null())
                    .col(ColumnDef::new(Variants::Sku).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(Variants::Label).string_len(120).not_null())
                    // JSON object of option name to value, e.g. {"size":"M","colour":"Red"}.
                    .col(ColumnDef::new(Variants::Options).text().not_null().default("{}"))
                    .col(ColumnDef::new(Variants::PriceCents).big_integer().not_null().check(Expr::col(Variants::PriceCents).gte(0)))
                    // The database itself refuses negative stock: the last
                    // line of defence against overselling.
                    .col(ColumnDef::new(Variants::Stock).integer().not_null().default(0).check(Expr::col(Variants::Stock).gte(0)))
                    .col(ColumnDef::new(Variants::Position).integer().not_null().default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Variants::Table, Variants::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_variants_product_stock", Variants::Table, [Variants::ProductId.into_iden(), Variants::Stock.into_iden()]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .col(id(Reviews::Id))
                    .col(ColumnDef::new(Reviews::ProductId).integer().not_null())
                    .col(ColumnDef::new(Reviews::AuthorName).string_len(120).not_null())
                    .col(
                        ColumnDef::new(Reviews::Rating)
                            .small_integer()
                            .not_null()
                            .check(Expr::col(Reviews::Rating).between(1, 5)),
                    )
                    .col(ColumnDef::new(Reviews::Title).string_len(200).not_null().default(""))
                    .col(ColumnDef::new(Reviews::Body).text().not_null())
                    .col(ColumnDef::new(Reviews::VerifiedPurchase).boolean().not_null().default(false))
                    .col(ColumnDef::new(Reviews::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reviews::Table, Reviews::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_reviews_product_created", Reviews::Table, [Reviews::ProductId.into_iden(), Reviews::CreatedAt.into_iden()]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Reviews::Table.into_iden(),
            Variants::Table.into_iden(),
            ProductImages::Table.into_iden(),
            Products::Table.into_iden(),
            Sellers::Table.into_iden(),
            Categories::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
