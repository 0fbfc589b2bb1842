"""The >>> examples in the package's docstrings run as tests."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import custodygraph


def modules():
    names = ["custodygraph"]
    for info in pkgutil.walk_packages(custodygraph.__path__, "custodygraph."):
        names.append(info.name)
    for sub in ("graph", "ingest", "queries", "visuals"):
        package = importlib.import_module(f"custodygraph.{sub}")
        names.append(package.__name__)
        names += [i.name for i in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return sorted(set(names))


@pytest.mark.parametrize("name", modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
