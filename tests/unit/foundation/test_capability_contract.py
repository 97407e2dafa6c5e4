"""The capabilities contract (tests/architecture/contracts.py) breaks on a hidden cycle and on a reach into
another capability's internals, and keeps a domain whose capabilities meet through public modules."""

from __future__ import annotations

import grimp

from tests.architecture.contracts import CapabilitiesContract


def graph_of(imports: list[tuple[str, str]]):
    graph = grimp.ImportGraph()
    for pair in imports:
        for module in pair:
            parts = module.split(".")
            for depth in range(1, len(parts) + 1):
                graph.add_module(".".join(parts[:depth]))
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    return graph


def check(imports):
    contract = CapabilitiesContract(name="test", session_options={"root_packages": ["dom"]}, contract_options={
        "containers": ["dom"], "public": ["service", "models"], "entry_points": ["dom.wiring"]})
    return contract.check(graph_of(imports), verbose=False)


def test_capabilities_meeting_through_public_modules_keep_the_contract():
    result = check([("dom.mall.service", "dom.points.service.spending"), ("dom.mall.models", "dom.points.models"),
                    ("dom.wiring", "dom.points.views"), ("dom.points.views", "dom.points.wallet")])

    assert result.kept


def test_a_reach_into_another_capabilitys_internals_breaks_it():
    result = check([("dom.mall.service", "dom.points.wallet")])

    assert not result.kept
    assert result.metadata["leaks"] == [("dom.mall.service", "dom.points.wallet", [1])]


def test_a_cycle_through_a_facade_breaks_it_even_between_public_modules():
    result = check([("dom.facade", "dom.points.service"), ("dom.points.service", "dom.facade")])

    assert not result.kept
    assert result.metadata["cycles"] == [["dom.facade", "dom.points.service"]]
