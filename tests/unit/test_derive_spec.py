"""scripts/derive_spec.py keeps the facts of Stripe's spec and drops its prose; the shipped schema is its output."""

import gzip
import json
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = runpy.run_path(str(ROOT / "scripts" / "derive_spec.py"))
SPEC = {
    "openapi": "3.0.0",
    "info": {"version": "2099-01-01.test", "title": "Stripe API", "description": "Long prose.", "contact": {}},
    "paths": {"/v1/widgets/{widget}": {
        "get": {"operationId": "GetWidgetsWidget", "summary": "Retrieve a widget", "description": "<p>Prose</p>",
                "parameters": [{"name": "widget", "in": "path", "required": True, "description": "The id.",
                                "schema": {"type": "string", "maxLength": 5000}, "style": "simple"}],
                "responses": {"200": {"description": "OK", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/widget"}}}},
                              "default": {"description": "Error"}}},
        "put": {"operationId": "Ignored"}}},
    "components": {"schemas": {"widget": {
        "type": "object", "title": "Widget", "description": "A widget.", "x-expandableFields": ["owner"],
        "x-stripeOperations": [{"method_name": "retrieve"}], "required": ["id", "description"],
        "properties": {"id": {"type": "string", "description": "Unique id."},
                       "description": {"type": "string", "nullable": True, "description": "The widget's text."},
                       "kind": {"type": "string", "enum": ["a", "b"], "description": "Its kind."}}}}},
}


def test_derive_keeps_facts_and_drops_every_description_summary_and_title():
    out = SCRIPT["derive"](SPEC)
    op = out["paths"]["/v1/widgets/{widget}"]["get"]
    assert set(out["paths"]["/v1/widgets/{widget}"]) == {"get"}
    assert op["operationId"] == "GetWidgetsWidget" and op["parameters"] == [
        {"name": "widget", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 5000},
         "style": "simple"}]
    assert op["responses"] == {"200": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/widget"}}}}}
    widget = out["components"]["schemas"]["widget"]
    # a property *named* description is data; the prose keys are gone at every depth
    assert widget == {"type": "object", "x-expandableFields": ["owner"], "required": ["id", "description"],
                      "properties": {"id": {"type": "string"}, "description": {"type": "string", "nullable": True},
                                     "kind": {"type": "string", "enum": ["a", "b"]}}}
    assert out["info"] == {"version": "2099-01-01.test"}


def test_the_shipped_schema_holds_no_prose_and_names_its_version_and_licence():
    schema = json.loads(gzip.decompress((ROOT / "simulator" / "spec" / "stripe-schema.json.gz").read_bytes()))

    def prose(node, inside_properties=False):
        if isinstance(node, list):
            return any(prose(item) for item in node)
        if not isinstance(node, dict):
            return False
        if not inside_properties and SCRIPT["PROSE"] & set(node):
            return True
        return any(prose(value, key == "properties" and not inside_properties) for key, value in node.items())

    assert not prose(schema)
    version = (ROOT / "simulator" / "spec" / "VERSION").read_text().strip()
    assert schema["info"]["version"] == version
    assert (ROOT / "simulator" / "spec" / "NOTICE").read_text() == SCRIPT["NOTICE"]
    assert "MIT License" in SCRIPT["NOTICE"] and "Copyright (c) 2017- Stripe, Inc." in SCRIPT["NOTICE"]
