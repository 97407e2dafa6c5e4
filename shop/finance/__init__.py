"""Finance: withdrawals and payouts (manual or Stripe Connect), the ledger read for finance, statements, reports,
reconciliation and their CSVs."""
