"""The file toolkit every app may use: reading tables from CSV and workbooks (with the guard against hostile files),
writing workbooks and error reports. The import and export jobs, their CLI and endpoints live in `fupin.imports`."""
