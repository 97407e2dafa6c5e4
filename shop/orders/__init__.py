"""Orders: pricing, checkout, the lifecycle from payment to after-sales, and refunds."""
