"""The wallet's rules: `accounts` (balance, transactions, admins' adjustments), `topups` (M-Pesa
top-ups: the push, Safaricom's callback, the query)."""
