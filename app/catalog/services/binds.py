"""The bind parameters of the listing's statements, named in one place.

The listing's statements are built once per shape and run with values bound per request
(listing.py builds the page, facets.py the cells, search.py the matches, categories.subtree the
chosen category's subtree). Each name below is the contract between the builder that places a
parameter and `ListingQuery` (listing.py), which gives every parameter its value.
"""

from __future__ import annotations

SUBTREE_ROOT = "subtree_root"  # a category slug (public) or id (admin)
SELLER = "seller"
CONDITION = "condition"
BRAND_IDS = "brand_ids"  # expanding
MIN_PRICE, MAX_PRICE = "min_price", "max_price"
LIMIT, OFFSET = "limit", "offset"
QUERY = "q"  # websearch_to_tsquery text (the GIN route)
LEXEME, LEXEMES = "lexeme", "lexemes"  # the terms route: one word, or several (expanding)
BAND_FIRST, BAND_LAST = "band_first", "band_last"  # whole price bands read from stored cells


def word(i: int) -> str:
    """The i-th LIKE pattern of SQLite's search."""
    return f"word{i}"


def edge_low(i: int) -> str:
    """Lower bound (minor units) of the i-th partial price band counted live."""
    return f"edge{i}_low"


def edge_high(i: int) -> str:
    """Upper bound (minor units, exclusive) of the i-th partial price band counted live."""
    return f"edge{i}_high"
