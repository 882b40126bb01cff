"""Machinery the domain apps share for their plain records (pairings, funds, measures, teams, projects …):
`batches` saves many records in one audited, scoped transaction, and `importing` reads them from workbooks with the
household import's contract. Each app declares its kinds in its own `bulk.py` and `importing.py`."""
