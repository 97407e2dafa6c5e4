import time

from core.ids import ALPHABET, new_id, new_ids


def test_ids_carry_their_prefix_and_are_unguessably_long():
    order_id = new_id("ord")

    assert order_id.startswith("ord_")
    assert len(order_id) == len("ord_") + 24


def test_ids_sort_by_creation_time():
    earlier = new_id("ord")
    time.sleep(0.002)
    later = new_id("ord")

    assert earlier < later


def test_ids_made_in_the_same_millisecond_still_differ():
    assert len({new_id("cus") for _ in range(10_000)}) == 10_000


def test_ids_made_in_bulk_look_like_single_ids_and_never_repeat():
    many = new_ids("vch", 20_000)

    assert len(set(many)) == 20_000
    assert all(len(bulk) == len(new_id("vch")) and bulk.startswith("vch_") for bulk in many)
    assert set("".join(bulk[12:] for bulk in many)) == set(ALPHABET)
