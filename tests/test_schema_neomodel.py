"""The neomodel classes (graph.ogm) say exactly what the plain declarations (graph.schema) say.

The embedded engine reads the declarations directly; Neo4j gets its constraints and indexes
from neomodel classes built out of them. These tests hold the two views to each other:
labels, inheritance, properties and their keys, relationship types and targets, and the
constraints and indexes each engine ends up with.
"""

from __future__ import annotations

import re

import pytest

from cypher_lint import RecordingQueryRunner
from custodygraph.graph import declare, falkor_dialect, ogm, schema


def declared_classes() -> list[type]:
    """Every declared node class, abstract ones included, bases first."""
    found: dict[type, None] = {}
    for cls in schema.NODE_CLASSES:
        for base in reversed(cls.__mro__):
            if issubclass(base, declare.Node) and base is not declare.Node:
                found[base] = None
    return list(found)


def signature(prop) -> tuple:
    """What a property declares, read the same way from a declared or a neomodel property."""
    base = getattr(prop, "base_property", None)
    return (type(prop).__name__, bool(prop.unique_index), bool(prop.index), bool(prop.required),
            prop.default, getattr(prop, "choices", None),
            signature(base) if base is not None else None)


def own_classes(cls: type, root: type, module: str | None = None) -> list[str]:
    return [c.__name__ for c in cls.__mro__
            if (issubclass(c, root) and c is not root if module is None
                else c.__module__ == module)]


def test_the_same_classes_in_the_same_order():
    assert [c.__name__ for c in ogm.NODE_CLASSES] == [c.__name__ for c in schema.NODE_CLASSES]
    assert [c.__name__ for c in ogm.REL_MODELS] == [c.__name__ for c in schema.REL_MODELS]
    for decl in declared_classes() + list(schema.REL_MODELS):
        built = decl.ogm()
        assert built is getattr(ogm, decl.__name__)
        assert built.__doc__ == decl.__doc__


@pytest.mark.parametrize("decl", declared_classes(), ids=lambda c: c.__name__)
def test_labels_and_inheritance_agree(decl):
    built = decl.ogm()
    assert own_classes(built, None, ogm.__name__) == own_classes(decl, declare.Node)
    assert built.inherited_labels() == decl.inherited_labels()
    if decl.is_abstract():
        assert not hasattr(built, "__label__") and decl.inherited_labels() == []
    else:
        assert built.__label__ == decl.__label__
    assert getattr(built, "STYLE", None) == getattr(decl, "STYLE", None)


def test_subclass_relations_agree():
    for a in declared_classes():
        for b in declared_classes():
            assert issubclass(a.ogm(), b.ogm()) == issubclass(a, b), (a, b)


@pytest.mark.parametrize("decl", declared_classes(), ids=lambda c: c.__name__)
def test_properties_and_keys_agree(decl):
    built = decl.ogm()
    theirs = built.defined_properties(aliases=False, rels=False)
    assert list(theirs) == list(decl.properties())
    assert {n: signature(p) for n, p in theirs.items()} == \
        {n: signature(p) for n, p in decl.properties().items()}
    assert schema.unique_keys(built) == schema.unique_keys(decl)
    assert schema.indexed_keys(built) == schema.indexed_keys(decl)
    # the compatibility view that code written against neomodel uses
    assert decl.defined_properties(aliases=False, rels=False) == theirs


@pytest.mark.parametrize("decl", declared_classes(), ids=lambda c: c.__name__)
def test_relationships_agree(decl):
    built = decl.ogm()
    theirs = built.defined_properties(aliases=False, properties=False)
    assert list(theirs) == list(decl.relationships())
    for name, mine in decl.relationships().items():
        rel = theirs[name]
        assert type(rel).__name__ == type(mine).__name__ == "RelationshipTo"
        assert rel.definition["relation_type"] == mine.relation_type
        rel.lookup_node_class()
        assert rel.definition["node_class"] is schema.CLASS_BY_LABEL[mine.target].ogm()
        if mine.model is None:
            assert rel.definition["model"] is None
        else:
            assert rel.definition["model"] is mine.model.ogm()


@pytest.mark.parametrize("model", schema.REL_MODELS, ids=lambda c: c.__name__)
def test_relationship_models_agree(model):
    theirs = model.ogm().defined_properties(aliases=False, rels=False)
    assert {n: signature(p) for n, p in theirs.items()} == \
        {n: signature(p) for n, p in model.properties().items()}


def test_derived_names_agree():
    assert schema.LABELS == {cls.__label__ for cls in ogm.NODE_CLASSES}
    assert schema.REL_TYPES == {
        rel.definition["relation_type"]
        for cls in ogm.NODE_CLASSES
        for rel in cls.defined_properties(aliases=False, properties=False).values()}
    assert {lab: cls.ogm() for lab, cls in schema.CLASS_BY_LABEL.items()} == ogm.CLASS_BY_LABEL


def test_kinds_name_facility_and_organization_classes():
    for labels, base in ((schema.FACILITY_KINDS, schema.Facility),
                         (schema.ORGANIZATION_KINDS, schema.Organization)):
        for label in labels.values():
            assert issubclass(schema.CLASS_BY_LABEL[label], base)
            assert issubclass(ogm.CLASS_BY_LABEL[label], base.ogm())


CONSTRAINT = re.compile(r"CREATE CONSTRAINT .*FOR \(n:`(\w+)`\) REQUIRE n\.`(\w+)` IS UNIQUE",
                        re.S)
INDEX = re.compile(r"CREATE INDEX .*FOR \(n:`(\w+)`\) ON \(n\.`(\w+)`\)", re.S)
FALKOR_INDEX = re.compile(r"CREATE INDEX FOR \(n:(\w+)\) ON \(n\.(\w+)\)")
REL_INDEX = re.compile(r"CREATE INDEX .*FOR \(\)-\[r:`?(\w+)`?\]-\(\) ON \(r\.`?(\w+)`?\)", re.S)


def test_both_engines_get_the_same_constraints_and_indexes(monkeypatch):
    from neomodel import db

    from custodygraph.graph import neo4j_dialect

    runner = RecordingQueryRunner()
    monkeypatch.setattr(db._schema, "_query", runner)
    neo4j_dialect.install_labels()
    unique, plain, on_rels = set(), set(), set()
    for statement in runner.statements:
        if m := CONSTRAINT.search(statement):
            unique.add(m.groups())
        elif m := INDEX.search(statement):
            plain.add(m.groups())
        elif m := REL_INDEX.search(statement):
            on_rels.add(m.groups())
        else:
            pytest.fail(f"neomodel sent a statement this test does not know: {statement}")
    assert len(unique) + len(plain) + len(on_rels) == len(runner.statements)

    assert unique == set(falkor_dialect.unique_constraints())
    statements = falkor_dialect.index_statements()
    falkor_indexes = [m.groups() for s in statements if (m := FALKOR_INDEX.fullmatch(s))]
    falkor_rel_indexes = [m.groups() for s in statements if (m := REL_INDEX.fullmatch(s))]
    assert len(falkor_indexes) + len(falkor_rel_indexes) == len(statements)
    assert len(set(falkor_indexes)) == len(falkor_indexes)
    # the stays of HELD_AT are found by their key on both engines
    assert set(falkor_rel_indexes) == on_rels == {("HELD_AT", "stay_key")}
    # FalkorDB indexes the unique keys as well (their uniqueness is a separate constraint)
    assert set(falkor_indexes) == unique | plain
    assert {("Person", "uid"), ("Person", "name"), ("Event", "type")} <= set(falkor_indexes)
