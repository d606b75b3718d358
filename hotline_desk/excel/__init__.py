"""Excel exchange: openpyxl writes, python-calamine reads; no Qt and no database session."""
