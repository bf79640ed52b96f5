"""Questions about products, answered by their sellers (or staff) in public."""
