#!/usr/bin/env python3
"""Validates a JSON document (stdin) against one schema of schemas.json.

Usage: validate.py SCHEMA_NAME < answer.json. Exit 0 when valid; otherwise
prints every violation and exits 1. Used by tests/open311_test.cpp."""
import json
import pathlib
import sys

import jsonschema

root = json.loads((pathlib.Path(__file__).parent / "schemas.json").read_text())
schema = dict(root)
schema["$ref"] = "#/$defs/" + sys.argv[1]
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
errors = list(validator.iter_errors(json.load(sys.stdin)))
for e in errors:
    print(f"{list(e.absolute_path)}: {e.message}")
sys.exit(1 if errors else 0)
