"""The sellers domain's rules, by concern: accounts (applying, documents, decisions, closing),
terms (the seller terms and their acceptance), commission (rates and the snapshot frozen at
checkout), orders (seller orders: each seller's part of an order)."""
