"""The marketplace's sellers: their public store pages today; applications, approval, terms,
seller orders and commission as the marketplace issue lands. The catalog keeps what it shows of
a seller (app/catalog/services/sellers.py); this domain reads it through those services."""
