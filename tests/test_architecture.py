"""The house rules, checked on the source: no import cycle, no arrow up a floor, no private name
imported from another module. ``python -m tas_classify._graph`` prints the graph these read."""

from tas_classify import _graph


def test_every_module_is_on_a_floor():
    for module in _graph.modules():
        _graph.floor_of(module)  # KeyError names a module on no floor


def test_no_import_cycle():
    edges, _ = _graph.graph()
    assert _graph.cycles(edges) == []


def test_no_module_imports_a_higher_floor():
    edges, _ = _graph.graph()
    assert _graph.upward(edges) == []


def test_no_private_name_imported_across_modules():
    _, private = _graph.graph()
    assert private == []


def test_the_checker_sees_cycles_and_upward_arrows():
    edges = {
        "tas_classify.api": {"tas_classify.parallel"},
        "tas_classify.parallel": {"tas_classify.api"},
    }
    assert _graph.cycles(edges) == [["tas_classify.api", "tas_classify.parallel"]]
    assert _graph.upward(
        {"tas_classify.text": {"tas_classify.cli"}, "tas_classify.cli": set()}
    ) == ["tas_classify.text (core) -> tas_classify.cli (cli)"]


def test_the_command_draws_the_graph(capsys):
    assert _graph.main(["--check"]) == 0
    out = capsys.readouterr().out
    assert "[model]" in out and "0 problems" in out
