"""Each mapping provider on the layouts it must understand, the imported-file validation, and the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccdash_tests.mapping import (
    PRECEDENCE,
    PROVIDERS,
    ImportedProvider,
    MappingCandidate,
    MappingFileError,
    MappingProvider,
    MetadataProvider,
    Override,
    OverrideProvider,
    PathsProvider,
    ProviderName,
    TestRef,
    default_providers,
    load_rules,
)
from ccdash_tests.mapping.base import nodeid
from ccdash_tests.mapping.paths import feature_from_file, snake
from ccdash_tests.models import TestDefinitionDTO


def guess(**fields: str) -> tuple[str | None, str] | None:
    found = PathsProvider().map([TestRef("t1", **fields)])
    assert len(found) <= 1
    return (found[0].domain, found[0].feature) if found else None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"path": "tests/billing/invoices/test_totals.py"}, ("billing/invoices", "totals")),
        ({"path": "tests\\billing\\invoices\\test_totals.py"}, ("billing/invoices", "totals")),
        ({"path": "tests/unit/billing/test_refunds.py"}, ("billing", "refunds")),
        ({"classname": "tests.billing.invoices.test_totals.TestX"}, ("billing/invoices", "totals")),
        ({"classname": "tests.billing.invoices.test_totals"}, ("billing/invoices", "totals")),
        ({"path": "src/billing/__tests__/totals.test.ts"}, ("billing", "totals")),
        ({"path": "billing/invoices/totals.spec.js"}, ("billing/invoices", "totals")),
        ({"classname": "src/billing/invoice-totals.test.tsx"}, ("billing", "invoice_totals")),
        ({"classname": "com.acme.billing.invoices.TotalsTest"}, ("billing/invoices", "totals")),
        ({"classname": "org.example.billing.InvoiceTotalsTests$WhenEmpty"}, ("billing", "invoice_totals")),
        ({"classname": "io.shop.cart.CheckoutIT"}, ("cart", "checkout")),
        ({"path": "src/test/java/com/acme/billing/invoices/TotalsTest.java"}, ("billing/invoices", "totals")),
        (
            {"classname": "github.com/acme/shop/billing/invoices", "name": "TestInvoiceTotals/with_tax"},
            ("billing/invoices", "invoice_totals"),
        ),
        ({"path": "billing/invoices/totals_test.go"}, ("billing/invoices", "totals")),
        ({"path": "tests/billing/invoices/pdf/layout/test_fonts.py"}, ("billing/invoices", "fonts")),
        ({"path": "test_smoke.py"}, (None, "smoke")),
    ],
)
def test_paths_provider_layouts(fields: dict[str, str], expected: tuple[str | None, str]) -> None:
    assert guess(**fields) == expected


def test_paths_provider_prefers_the_file_path_and_gives_low_confidence() -> None:
    ref = TestRef("t1", classname="com.acme.other.WrongTest", path="tests/billing/test_totals.py")
    (candidate,) = PathsProvider().map([ref])
    assert (candidate.domain, candidate.feature) == ("billing", "totals")
    assert candidate.provider == "paths"
    assert 0.5 <= candidate.confidence <= 0.6


def test_paths_provider_proposes_nothing_for_a_prose_classname() -> None:
    assert guess(classname="Billing totals adds tax", name="adds tax") is None
    assert guess(name="orphan") is None


def test_name_helpers() -> None:
    assert snake("InvoiceTotals") == "invoice_totals"
    assert snake("invoice-totals") == "invoice_totals"
    assert feature_from_file("TestCheckoutFlow.java") == "checkout_flow"
    assert feature_from_file("cart.e2e.ts") == "cart"


def test_metadata_provider_reads_properties_keys_and_tag_lists() -> None:
    tests = [
        TestRef("a", tags={"feature": "Checkout", "domain": "Shop / Cart"}),
        TestRef("b", tags={"ccdash_feature": "refunds, chargebacks", "CCDASH_DOMAIN": "billing"}),
        TestRef("c", tags={"feature:search": "", "domain=catalog.search": "1"}),
        TestRef("d", tags={"tags": "smoke feature:login;domain:auth"}),
        TestRef("e", tags={"owner": "team-x", "flaky": "1"}),
        TestRef("f", tags={"domain": "billing"}),
        TestRef("g", tags={"feature": "", "domain": "1", "keywords": "feature"}),
        TestRef("h", tags={"feature": "true"}),
    ]
    found = {(c.test_id, c.feature, c.domain) for c in MetadataProvider().map(tests)}
    assert found == {
        ("a", "Checkout", "shop/cart"),
        ("b", "refunds", "billing"),
        ("b", "chargebacks", "billing"),
        ("c", "search", "catalog/search"),
        ("d", "login", "auth"),
    }
    assert {c.confidence for c in MetadataProvider().map(tests)} == {0.9}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_imported_provider_from_yaml_and_json_files(tmp_path: Path) -> None:
    yaml_file = write(
        tmp_path,
        "map.yaml",
        "version: 1\n"
        "source: llm\n"
        "rules:\n"
        "  - pattern: 'tests/billing/*'\n"
        "    feature: invoices\n"
        "    domain: billing\n"
        "  - pattern: 're:::test_refund_\\w+$'\n"
        "    feature: refunds\n"
        "    confidence: 0.75\n",
    )
    json_file = write(
        tmp_path,
        "map.json",
        json.dumps([{"pattern": "com.acme.cart.*::*", "feature": "cart", "domain": "shop/cart"}]),
    )
    provider = ImportedProvider.from_files([yaml_file, json_file])
    tests = [
        TestRef(
            "a", classname="tests.billing.test_x", name="test_refund_full", path="tests/billing/test_x.py"
        ),
        TestRef("b", classname="com.acme.cart.CartTest", name="addsItem"),
        TestRef("c", classname="tests.other", name="test_other", path="tests/other.py"),
    ]
    found = sorted((c.test_id, c.feature, c.domain, c.confidence) for c in provider.map(tests))
    assert found == [
        ("a", "invoices", "billing", 0.8),
        ("a", "refunds", None, 0.75),
        ("b", "cart", "shop/cart", 0.8),
    ]


def test_nodeid_and_imported_rules_on_node_ids(tmp_path: Path) -> None:
    ref = TestRef(
        "a",
        classname="tests.billing.test_x.TestA.TestInner",
        name="test_y[1]",
        path="tests/billing/test_x.py",
    )
    assert nodeid(ref) == "tests/billing/test_x.py::TestA::TestInner::test_y[1]"
    assert (
        nodeid(TestRef("b", classname="tests.test_x", name="t", path="tests/test_x.py"))
        == "tests/test_x.py::t"
    )
    assert nodeid(TestRef("c", classname="x.Y", name="t")) is None
    rules = load_rules(write(tmp_path, "m.json", '[{"pattern": "*::TestA::*", "feature": "a"}]'))
    assert [c.feature for c in ImportedProvider(rules).map([ref])] == ["a"]


def test_imported_glob_must_match_a_whole_subject(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, "m.json", '[{"pattern": "billing", "feature": "x"}]'))
    assert ImportedProvider(rules).map([TestRef("a", classname="tests.billing.test_y", name="t")]) == []


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "m.yaml",
            "rules:\n  - pattern: a\n    feature: x\n  - pattern: b\n",
            "rules[1].feature: Field required",
        ),
        ("m.json", '[{"pattern": "a", "feature": "x", "confidence": 1.5}]', "rules[0].confidence"),
        ("m.json", '[{"pattern": "re:(", "feature": "x"}]', "rules[0].pattern: invalid regular expression"),
        ("m.json", '[{"pattern": "a", "feature": "x", "featur": "y"}]', "rules[0].featur: Extra inputs"),
        ("m.json", '[{"pattern": "a", "feature": "   "}]', "rules[0].feature: feature must not be blank"),
        ("m.json", '{"rules": "nope"}', "rules: Input should be a valid list"),
        ("m.json", '"just text"', "expected a list of rules"),
        ("m.json", "[{", "not valid JSON"),
        ("m.yml", "rules: [a, b", "not valid YAML"),
    ],
)
def test_imported_file_errors_name_the_file_and_rule(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(MappingFileError) as caught:
        load_rules(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_imported_missing_file_is_a_mapping_file_error(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError, match="cannot read mapping file"):
        load_rules(tmp_path / "absent.yaml")


def test_override_provider_matches_test_id_name_and_qualified_names() -> None:
    provider = OverrideProvider(
        [
            Override("id-1", "payments", "billing"),
            Override("test_login", "login"),
            Override("tests.auth.TestB::test_logout", "logout", "Auth"),
            Override("tests/cart.py::test_add", "cart"),
            Override("tests/auth.py::TestC::test_me[x]", "profile"),
        ]
    )
    tests = [
        TestRef("id-1", classname="x", name="anything"),
        TestRef("id-2", classname="tests.auth.TestA", name="test_login"),
        TestRef("id-3", classname="tests.auth.TestB", name="test_logout"),
        TestRef("id-4", classname="tests.cart", name="test_add", path="tests/cart.py"),
        TestRef("id-5", classname="tests.auth.TestA", name="test_logout"),
        TestRef("id-6", classname="tests.auth.TestC", name="test_me[x]", path="tests/auth.py"),
    ]
    found = sorted((c.test_id, c.feature, c.domain, c.confidence) for c in provider.map(tests))
    assert found == [
        ("id-1", "payments", "billing", 1.0),
        ("id-2", "login", None, 1.0),
        ("id-3", "logout", "auth", 1.0),
        ("id-4", "cart", None, 1.0),
        ("id-6", "profile", None, 1.0),
    ]
    assert (
        OverrideProvider.from_mapping({"id-1": ("payments", "billing")}).map(tests[:1])[0].domain == "billing"
    )


def test_every_provider_name_maps_to_an_implementation() -> None:
    assert set(PROVIDERS) == {name.value for name in ProviderName} == set(PRECEDENCE)
    for name, implementation in PROVIDERS.items():
        provider = implementation()
        assert isinstance(provider, MappingProvider)
        assert provider.name == name
        assert all(
            isinstance(c, MappingCandidate) for c in provider.map([TestRef("x", path="tests/a/test_b.py")])
        )
    assert [p.name for p in default_providers()] == sorted(PROVIDERS, key=PRECEDENCE.__getitem__)


def test_test_ref_from_definition() -> None:
    definition = TestDefinitionDTO(
        test_id="abc",
        project_id="p",
        classname="tests.billing.test_totals",
        name="test_sum",
        base_name="test_sum",
        path="tests/billing/test_totals.py",
        framework="pytest",
        tags={"feature": "totals"},
    )
    ref = TestRef.from_definition(definition)
    assert (ref.test_id, ref.path, ref.tags) == ("abc", "tests/billing/test_totals.py", {"feature": "totals"})
    assert hash(ref) == hash(TestRef.from_definition(definition))


STORED_BODIES = [
    {"pattern": "tests/billing/*", "feature": "invoices", "domain": "billing", "confidence": 0.8},
    {"pattern": "re:^pkg\\.", "feature": "  two   words ", "domain": "Billing / Invoices"},
    {"pattern": "x", "feature": "f", "domain": None, "confidence": 1},
    {"pattern": "x", "feature": "f", "confidence": 0},
    {"pattern": "x", "feature": "f", "confidence": True},
    {"pattern": "x", "feature": "f", "confidence": "0.5"},
    # Refused by both:
    {"pattern": "", "feature": "f"},
    {"pattern": "re:(", "feature": "f"},
    {"pattern": "x", "feature": "   "},
    {"pattern": "x", "feature": "f", "confidence": 1.5},
    {"pattern": "x", "feature": "f", "confidence": "high"},
    {"pattern": "x", "feature": "f", "confidence": "nan"},
    {"pattern": "x", "feature": "f", "owner": "team"},
    {"feature": "f"},
    {"pattern": 3, "feature": "f"},
    {"pattern": "x", "feature": "f", "domain": 7},
    ["pattern", "x"],
]


@pytest.mark.parametrize("body", STORED_BODIES, ids=range(len(STORED_BODIES)))
def test_a_stored_rule_is_checked_as_the_rule_schema_checks_it(body: object) -> None:
    # An ingest maps new tests with the stored rules through imported.stored_rule, without Pydantic.
    from pydantic import ValidationError

    from ccdash_tests.mapping.imported import stored_rule
    from ccdash_tests.mapping.rules import MappingRule

    try:
        schema = MappingRule.model_validate(body)
    except ValidationError:
        with pytest.raises(MappingFileError):
            stored_rule(body)
        return
    plain = stored_rule(body)
    assert (plain.pattern, plain.feature, plain.domain, plain.confidence) == (
        schema.pattern,
        schema.feature,
        schema.domain,
        schema.confidence,
    )
    assert plain.compiled().pattern == schema.compiled().pattern
