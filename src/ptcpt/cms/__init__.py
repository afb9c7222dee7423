"""CMS's tables: the record types and lookups, the bundled extracts, readers for CMS's own files."""
