"""`python -m ingest layout-report`: the figures of how journal PDFs read back (not a test)."""

import sys

if len(sys.argv) < 2 or sys.argv[1] != "layout-report":
    print("usage: python -m ingest layout-report [--ocr-pages N] [--skip-crafted]", file=sys.stderr)
    sys.exit(2)

from ingest.layout_report import main

sys.exit(main(sys.argv[2:]))
