from console.forms import FormReader, field_errors


def test_nested_api_errors_become_form_field_names_in_the_clerks_words():
    messages = {"json": {"title": ["Missing data for required field."],
                         "skus": {0: {"price": ["Not a valid integer."]}, 2: {"stock": ["Field may not be null."]}},
                         "loyalty": {"points_expiry": {"days": ["Required when mode is 'days'."]}}}}

    assert field_errors(messages) == {"title": ["Required."],
                                      "skus-0-price": ["Enter a whole number."],
                                      "skus-2-stock": ["Required."],
                                      "loyalty-points_expiry-days": ["Required when mode is 'days'."]}


def test_repeated_rows_are_found_by_their_index_whatever_the_gaps():
    reader = FormReader({"skus-3-price": "1", "skus-0-name": "a", "skus-x-price": "", "lines-1-quantity": "2"})

    assert reader.rows("skus") == [0, 3]
    assert reader.rows("lines") == [1]
