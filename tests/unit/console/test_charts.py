from console.charts import HEIGHT, bar_chart, line_chart, nice_ticks


def test_ticks_are_round_and_reach_the_top():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(30000) == [0, 10000, 20000, 30000]
    assert nice_ticks(123450)[-1] >= 123450


def test_bars_are_as_tall_as_their_share_of_the_axis_and_stand_on_it():
    chart = bar_chart("sales-30d", "Sales", ["a", "b", "c"], [0, 50, 100], fmt=str,
                      describe=lambda i: f"bar {i}", head=["Day", "Sales"])

    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and abs(heights[2] - 2 * heights[1]) < 1e-9
    bottoms = {round(bar.y + bar.height, 6) for bar in chart.bars}
    assert len(bottoms) == 1 and bottoms.pop() < HEIGHT
    assert [bar.title for bar in chart.bars] == ["bar 0", "bar 1", "bar 2"]
    assert chart.table_rows == [["a", "bar 0"], ["b", "bar 1"], ["c", "bar 2"]] and not chart.empty


def test_a_chart_with_nothing_says_so():
    assert bar_chart("x", "t", ["a"], [0], fmt=str, describe=str, head=[]).empty


def test_lines_share_one_axis_and_every_point_has_a_title():
    chart = line_chart("points-flow", "Points", ["d1", "d2"], [("issued", "Issued", [10, 20]),
                                                               ("spent", "Spent", [0, 5])], fmt=str, head=[])

    assert [line.name for line in chart.lines] == ["issued", "spent"]
    issued, spent = chart.lines
    assert issued.dots[1]["y"] < spent.dots[1]["y"]  # higher value, higher on the page
    assert issued.dots[1]["title"] == "d2 Issued: 20"
    assert chart.table_rows == [["d1", "10", "0"], ["d2", "20", "5"]]
