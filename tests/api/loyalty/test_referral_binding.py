"""Binding at login: a new customer arriving with an invite code is that customer's referral, once and for
good; anything else is `ignored` and never fails the login."""

from __future__ import annotations

import pytest

from tests.api.loyalty.referrals import (
    SESSIONS,
    enable_referrals,
    invite,
    invite_code_of,
    log_in_with_code,
    referrals_of,
)
from tests.support.wechat import WechatStandIn


def me(shopper) -> dict:
    return shopper.get("/v1/storefront/me", expect=200).get_json()


def test_a_new_customer_with_an_invite_code_becomes_the_inviters_referral(tenant):
    enable_referrals(tenant)
    alice = tenant.consumer()

    bob = log_in_with_code(tenant, invite_code_of(alice))

    assert bob.answer["referral"] == {"status": "bound"}
    assert me(bob)["referred_by"] == alice.customer_id
    [referral] = referrals_of(alice)
    assert referral["id"].startswith("ref_") and referral["invitee_id"] == bob.customer_id
    assert (referral["status"], referral["qualified_at"]) == ("pending", None)


def test_the_code_is_read_as_people_type_it(tenant):
    enable_referrals(tenant)
    alice = tenant.consumer()
    code = invite_code_of(alice)

    bob = log_in_with_code(tenant, f" {code[:4].lower()}-{code[4:].lower()} ")

    assert bob.answer["referral"] == {"status": "bound"}
    assert me(bob)["referred_by"] == alice.customer_id


def test_an_existing_customer_is_never_re_referred(tenant):
    enable_referrals(tenant)
    alice, carol = tenant.consumer(), tenant.consumer()
    bob = invite(tenant, alice)
    dave = tenant.consumer("dave")

    again = log_in_with_code(tenant, invite_code_of(carol), openid="dave")
    bob_again = tenant.storefront.post(SESSIONS, {"provider": "dev", "openid": "unused", "invite_code": "x"},
                                       expect=201)

    assert again.customer_id == dave.customer_id
    assert again.answer["referral"] == {"status": "ignored"}
    assert me(dave)["referred_by"] is None
    assert bob_again.get_json()["referral"] == {"status": "ignored"}
    assert me(bob)["referred_by"] == alice.customer_id
    assert referrals_of(carol) == []


def test_a_customer_cannot_bring_herself_back_with_her_own_code(tenant):
    enable_referrals(tenant)
    alice = tenant.consumer("alice")

    again = log_in_with_code(tenant, invite_code_of(alice), openid="alice")

    assert again.answer["referral"] == {"status": "ignored"}
    assert me(alice)["referred_by"] is None and referrals_of(alice) == []


# "" is a code nobody has, not no code (API.md: a login with `invite_code` answers `referral`); a NUL byte or a
# lone surrogate, which no column can hold, must not fail the login either (API.md: "any string").
@pytest.mark.parametrize("code", ["nobody", "ZZZZZZZZ", "x" * 200, "'; DROP TABLE referrals; --", "邀请码", "",
                                  "ABC\x00DEF", "ABC\ud800"])
def test_a_code_of_nobody_is_ignored_and_the_login_goes_ahead(tenant, code):
    enable_referrals(tenant)

    friend = log_in_with_code(tenant, code)

    assert friend.answer["token"] and friend.answer["referral"] == {"status": "ignored"}
    assert me(friend)["referred_by"] is None


def test_a_code_longer_than_a_code_can_be_is_refused_by_the_login_shape_not_the_referral(tenant):
    enable_referrals(tenant)
    tenant.enable_dev_login()

    refused = tenant.storefront.post(SESSIONS, {"provider": "dev", "openid": "x", "invite_code": "x" * 201},
                                     expect=422).get_json()

    assert refused["reason"] == "invalid_request"


def test_another_tenants_code_names_nobody_here(tenant, other_tenant):
    enable_referrals(tenant)
    enable_referrals(other_tenant)
    stranger = other_tenant.consumer()

    friend = log_in_with_code(tenant, invite_code_of(stranger))

    assert friend.answer["referral"] == {"status": "ignored"}
    assert me(friend)["referred_by"] is None
    assert referrals_of(stranger) == []


def test_nothing_is_bound_while_referrals_are_off(tenant):
    alice = tenant.consumer()

    friend = log_in_with_code(tenant, invite_code_of(alice))

    assert friend.answer["referral"] == {"status": "ignored"}
    assert me(friend)["referred_by"] is None and referrals_of(alice) == []


def test_a_login_without_a_code_says_nothing_about_referrals(tenant):
    enable_referrals(tenant)
    tenant.enable_dev_login()

    answer = tenant.storefront.post(SESSIONS, {"provider": "dev", "openid": "plain"}, expect=201).get_json()

    assert "referral" not in answer


class SharedUnionStandIn(WechatStandIn):
    """WeChat, where the codes `<person>.<n>` are one person (one unionid) behind different openids, as with
    two mini-programs of the same merchant."""

    def answer(self, path, query):
        status, body = super().answer(path, query)
        code = query.get("js_code", "")
        if "." in code and "openid" in body:
            body["unionid"] = f"union-{code.split('.')[0]}"
        return status, body


@pytest.fixture
def wechat(app, tenant):
    with SharedUnionStandIn() as stand_in:
        previous = app.config["WECHAT_API_BASE"]
        app.config["WECHAT_API_BASE"] = stand_in.url
        tenant.settings({"wechat": {"app_id": stand_in.app_id, "app_secret": stand_in.app_secret}})
        yield stand_in
        app.config["WECHAT_API_BASE"] = previous


def wechat_login(tenant, code, invite_code=None) -> dict:
    body = {"provider": "wechat", "code": code, **({"invite_code": invite_code} if invite_code else {})}
    return tenant.storefront.post(SESSIONS, body, expect=201).get_json()


def test_a_known_person_behind_a_new_openid_is_no_newcomer(tenant, wechat):
    enable_referrals(tenant)
    alice = tenant.consumer()
    wechat_login(tenant, "erin.1")  # Erin shops already

    erin_again = wechat_login(tenant, "erin.2", invite_code_of(alice))  # the same WeChat user, a new openid
    frank = wechat_login(tenant, "frank.1", invite_code_of(alice))

    assert erin_again["referral"] == {"status": "ignored"}
    assert frank["referral"] == {"status": "bound"}
    assert [r["invitee_id"] for r in referrals_of(alice)] == [frank["customer"]["id"]]
