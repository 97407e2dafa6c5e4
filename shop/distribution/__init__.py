"""Distribution (分销): distributors, binding, commissions per order line and level, settlement per tenant."""
