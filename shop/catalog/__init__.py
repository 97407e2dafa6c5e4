"""Products and their SKUs (price, stock): admin editing and storefront browsing."""
