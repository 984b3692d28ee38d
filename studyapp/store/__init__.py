"""Storage: SQLite through SQLModel — tables, engine, migrations and queries.

Imports deck, srs and sqlmodel only. Callers get the records of
`studyapp.store.records`, never table objects.
"""
