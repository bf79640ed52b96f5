"""Payouts' rules: claims (asking, approving, pausing, retrying), disbursement (Daraja B2C:
submitting, results, status queries), reads."""
