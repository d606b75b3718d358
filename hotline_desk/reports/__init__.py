"""PDF reports built with ReportLab: plain data in, PDF bytes out; no Qt and no database session."""
