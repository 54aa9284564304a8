"""Weekly digest, alerts and reports: query (a period's figures) → render (HTML, text, charts, XLSX) → send."""
