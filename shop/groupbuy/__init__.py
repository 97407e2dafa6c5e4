"""Group-buy (拼团): campaigns at group prices, groups that fill seat by seat, and what happens at their end."""
