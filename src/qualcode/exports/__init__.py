"""Writing reports and coded segments to files people open elsewhere: CSV, XLSX, Markdown, DOCX,
PNG/SVG charts. pandas lives here and in :mod:`qualcode.report`'s callers, never in the store."""
