"""Derive the compact schema shipped in simulator/spec/ from Stripe's full OpenAPI spec (development only).

    python scripts/derive_spec.py path/to/stripe-openapi-spec3.json

Keeps the facts a validator needs (paths, operations, parameters, request and response schemas, enums,
`x-expandableFields`, `x-expansionResources`, `x-resourceId`) in OpenAPI's own layout and drops every
description, summary, title and other prose, then writes `simulator/spec/stripe-schema.json.gz`,
`simulator/spec/VERSION` (the spec's release) and `simulator/spec/NOTICE` (Stripe's licence notice). Re-run it when Stripe publishes a new spec; nothing at run or test time reads the
full spec.
"""

import gzip
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "simulator" / "spec"
SCHEMA_FILE = "stripe-schema.json.gz"
# Prose and presentation: the validator never looks at these.
PROSE = frozenset({"description", "summary", "title", "x-stripeBypassValidation", "x-stripeOperations",
                   "x-stripeResource", "x-stripeMostCommon", "x-stripeParam", "x-stripeEvent"})
OPERATION_KEYS = ("operationId", "deprecated", "parameters", "requestBody", "responses")
METHODS = ("get", "post", "delete")
# Stripe publishes spec3.json under the MIT License (github.com/stripe/openapi); its notice travels with the schema.
NOTICE = """stripe-schema.json.gz is derived from Stripe's OpenAPI specification (spec3.json, release named in
VERSION), published by Stripe at https://github.com/stripe/openapi under the MIT License. Only facts
were kept (paths, operations, parameters, schemas, enums, expansion fields); all descriptions were
removed. Stripe's licence notice:

The MIT License

Copyright (c) 2017- Stripe, Inc. (https://stripe.com)

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
"""


def strip(node):
    """`node` without prose keys, at any depth (property names are data, so `properties` keeps all)."""
    if isinstance(node, list):
        return [strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: strip(schema) for name, schema in value.items()}
        elif key not in PROSE:
            out[key] = strip(value)
    return out


def operation(op: dict) -> dict:
    """One operation: its parameters, form body schema and 200 JSON response schema."""
    out = {key: op[key] for key in OPERATION_KEYS if key in op}
    out["parameters"] = [{k: p[k] for k in ("name", "in", "required", "schema", "style", "explode") if k in p}
                         for p in op.get("parameters", [])]
    body = op.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded")
    out.pop("requestBody", None)
    if body is not None:
        out["requestBody"] = {"content": {"application/x-www-form-urlencoded": {"schema": body["schema"]}}}
    ok = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json")
    out["responses"] = {"200": {"content": {"application/json": {"schema": ok["schema"]}}}} if ok else {}
    return strip(out)


def derive(spec: dict) -> dict:
    """The compact schema: OpenAPI's layout, facts only."""
    paths = {template: {method: operation(ops[method]) for method in METHODS if method in ops}
             for template, ops in spec["paths"].items()}
    return {"openapi": spec["openapi"], "info": {"version": spec["info"]["version"]}, "paths": paths,
            "components": {"schemas": strip(spec["components"]["schemas"])}}


def main(argv: list[str]) -> int:
    """Read the spec named on the command line, write the compact schema and its version."""
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    compact = derive(spec)
    text = json.dumps(compact, separators=(",", ":"), sort_keys=True).encode()
    # mtime=0 keeps the file byte-identical across runs, so re-deriving the same spec changes nothing.
    (OUT / SCHEMA_FILE).write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    (OUT / "VERSION").write_text(spec["info"]["version"] + "\n", encoding="utf-8")
    (OUT / "NOTICE").write_text(NOTICE, encoding="utf-8")
    print(f"{OUT / SCHEMA_FILE}: {len(compact['paths'])} paths, {len(compact['components']['schemas'])} schemas, "
          f"{len(text)} bytes of JSON, {(OUT / SCHEMA_FILE).stat().st_size} gzipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
