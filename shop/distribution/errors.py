"""Distribution's refusals, each with its contract reason."""

from core.errors import DomainError


class DistributionDisabled(DomainError):
    status, reason = 409, "distribution_disabled"
    message = "Distribution is not enabled for this shop"


class NotEligible(DomainError):
    status, reason = 409, "not_eligible"
    message = "Your spending has not reached the threshold to become a distributor"


class NotADistributor(DomainError):
    status, reason = 409, "not_a_distributor"
    message = "This invite code's owner is not an approved distributor"


class SelfBinding(DomainError):
    status, reason = 409, "self_binding"
    message = "A customer cannot be bound to itself"


class BindingCycle(DomainError):
    status, reason = 409, "binding_cycle"
    message = "This binding would make a cycle of distributors"


class AlreadyBound(DomainError):
    status, reason = 409, "already_bound"
    message = "You are already bound to a distributor"
