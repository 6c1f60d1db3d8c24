"""`python -m connector.schema`: rewrite call.schema.json from the model."""

from connector.schema import SCHEMA_PATH, render

SCHEMA_PATH.write_text(render(), encoding="utf-8")
