from tenants.customers.invite_codes import ALPHABET, LENGTH, new_invite_code, normalize_invite_code


def test_invite_codes_use_no_look_alike_characters():
    codes = {new_invite_code() for _ in range(2000)}

    assert len(codes) == 2000
    assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in codes)
    assert not set("01ILO") & set(ALPHABET)


def test_invite_codes_are_normalised_before_lookup():
    assert normalize_invite_code(" ab-cd ef gh") == "ABCDEFGH"
    assert normalize_invite_code("short") is None
    assert normalize_invite_code("ABCDEFG!") is None
    assert normalize_invite_code(None) is None
