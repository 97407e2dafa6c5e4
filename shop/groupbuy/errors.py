"""Group-buy's refusals, each with its contract reason."""

from core.errors import DomainError


class GroupBuyNotActive(DomainError):
    status, reason = 409, "group_buy_not_active"
    message = "This group-buy has not started or has ended"


class GroupFull(DomainError):
    status, reason = 409, "group_full"
    message = "Every seat of this group is taken"


class GroupClosed(DomainError):
    status, reason = 409, "group_closed"
    message = "This group cannot be joined: it is not forming"


class AlreadyInGroup(DomainError):
    status, reason = 409, "already_in_group"
    message = "You already hold a seat in this group"


class GroupBuyLimitReached(DomainError):
    status, reason = 409, "group_buy_limit_reached"
    message = "You already take part in as many groups of this group-buy as it allows"
