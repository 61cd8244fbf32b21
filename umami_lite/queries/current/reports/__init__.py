"""The Umami 3 reports: one module per report type, each one function over a Query and the
report's parameters. They read raw rows through hits.py for now."""
